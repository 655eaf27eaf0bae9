from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings


class ImportUploadForm(forms.Form):
    # The size limit is checked (and a refusal recorded) by import_job_create with the other
    # checks of the file: one place for every door.
    file = forms.FileField(label="Excel 文件（.xlsx）", help_text=f"不超过 {settings.IMPORT_MAX_UPLOAD_BYTES // 1048576} MB，请使用模板表头")
    skip_bad_rows = forms.BooleanField(label="跳过错误行（只导入正确的行）", required=False)

    def __init__(self, *args, upload_options=(), accepts_csv=False, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in upload_options:
            self.fields[key] = forms.BooleanField(label=label, required=False)
        if accepts_csv:
            self.fields["file"].label = "Excel 文件（.xlsx）或 CSV 文件（UTF-8/GBK）"
        self.upload_option_keys = [key for key, _label in upload_options]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "上传并校验"))

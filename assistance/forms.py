from crispy_forms.helper import FormHelper
from django import forms

from assistance.models import Application
from core.display import source_text
from core.identity_codes import CERTIFYING_DEPARTMENT, IdentityCode
from core.idnumber import ID_INPUT_MAX_LENGTH, IdNumberError, parse_id_number
from core.models import Department
from core.validation import TEXT_PARAM_MAX_LENGTH, plausible_date

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def codes_for(user):
    """The codes a user may certify: a department's own (X000 art. 41); the bureau, all."""
    if user.department == Department.BUREAU:
        return IdentityCode.choices
    return [(c, label) for c, label in IdentityCode.choices if CERTIFYING_DEPARTMENT[c] == user.department]


class IdentityCertifyForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=ID_INPUT_MAX_LENGTH)
    document_number = forms.CharField(label="认定文号", max_length=100, required=False)
    valid_from = forms.DateField(validators=[plausible_date], label="认定日期", widget=DATE_INPUT)
    valid_to = forms.DateField(validators=[plausible_date], label="有效期至", required=False, widget=DATE_INPUT,
                               help_text=f"长期有效留空；因病致贫重病患者最长12个月（{source_text('S001 §二')}）")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"] = forms.ChoiceField(label="身份类别", choices=codes_for(user))
        self.order_fields(["id_number", "code", "valid_from", "valid_to", "document_number"])
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except IdNumberError as error:
            raise forms.ValidationError(error.message) from None


class IdentityRevokeForm(forms.Form):
    exit_date = forms.DateField(validators=[plausible_date], label="退出日期", widget=DATE_INPUT)
    reason = forms.CharField(label="退出原因", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class IdentitySearchForm(forms.Form):
    q = forms.CharField(label="身份证号或姓名", required=False, max_length=TEXT_PARAM_MAX_LENGTH)
    code = forms.ChoiceField(label="身份类别", choices=[("", "全部")] + IdentityCode.choices, required=False)
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), ("certified", "已认定"), ("revoked", "已退出"), ("expired", "已到期")], required=False)
    department = forms.ChoiceField(label="认定部门", choices=[("", "全部")] + Department.choices, required=False)


class SubsidyRunForm(forms.Form):
    benefit_year = forms.IntegerField(label="待遇年度", min_value=2000, max_value=2100)
    assessed_on = forms.DateField(validators=[plausible_date], label="身份核定日期", widget=DATE_INPUT, help_text="按该日有效的身份计算资助")

    def __init__(self, *args, user=None, **kwargs):
        from core.models import Region, RegionLevel

        super().__init__(*args, **kwargs)
        self.fields["region"] = forms.ModelChoiceField(
            label="区划", queryset=Region.objects.restrict(user).filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY]).order_by("path"))
        self.order_fields(["region", "benefit_year", "assessed_on"])
        self.helper = FormHelper()
        self.helper.form_tag = False


class CoverageGapForm(forms.Form):
    benefit_year = forms.IntegerField(label="待遇年度", min_value=2000, max_value=2100)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ApplicantLookupForm(forms.Form):
    id_number = forms.CharField(label="申请人身份证号", max_length=ID_INPUT_MAX_LENGTH)

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except IdNumberError as error:
            raise forms.ValidationError(error.message) from None


class ApplicationForm(forms.Form):
    id_number = forms.CharField(label="申请人身份证号", max_length=ID_INPUT_MAX_LENGTH)
    kind = forms.ChoiceField(label="申请类型", choices=Application.Kind.choices,
                             help_text="三、四类医疗救助须申请人持有有效的三、四类救助身份")
    reason = forms.CharField(label="申请理由", widget=forms.Textarea(attrs={"rows": 3}))
    amount_claimed = forms.DecimalField(label="申请金额（元）", max_digits=12, decimal_places=2, required=False, min_value=0)
    evidence = MultipleFileField(label="证明材料", required=False, help_text="PDF、JPG、PNG，每个不超过10 MB")
    confirmed = forms.BooleanField(label="已知悉上述提示，仍要受理", required=False)

    def __init__(self, *args, ask_confirmation: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_confirmation:  # shown only after the page warned (assistance.services.applications.application_warnings)
            del self.fields["confirmed"]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"]).number
        except IdNumberError as error:
            raise forms.ValidationError(error.message) from None


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="审核结论", choices=[("approve", "批准"), ("reject", "不予批准")], widget=forms.RadioSelect)
    reason = forms.CharField(label="审核意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

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


# ------------------------------------------------------------------------------ 用户管理

class RegionChoiceField(forms.ModelChoiceField):
    """A region of the officer's subtree (core.services.users.assignable_regions), indented by
    its level so the tree reads as one list without a query per option."""

    def label_from_instance(self, obj):
        depth = obj.path.count("/") - 1
        return "　" * depth + obj.name


def _user_region_field(officer, **kwargs):
    from core.services.users import assignable_regions

    return RegionChoiceField(label="所属区划", queryset=assignable_regions(officer), **kwargs)


def _department_choices():
    from core.models import Department

    return [("", "按角色确定")] + list(Department.choices)


class UserSearchForm(forms.Form):
    ACTIVE_CHOICES = [("", "全部"), ("1", "在用"), ("0", "已停用")]

    q = forms.CharField(label="用户名或姓名", required=False, max_length=100)
    active = forms.ChoiceField(label="状态", choices=ACTIVE_CHOICES, required=False)

    def __init__(self, *args, officer=None, **kwargs):
        from core.services.users import ALL_ROLES

        super().__init__(*args, **kwargs)
        self.fields["region"] = _user_region_field(officer, required=False, empty_label="全部")
        self.fields["role"] = forms.ChoiceField(label="角色", choices=[("", "全部")] + [(r, r) for r in ALL_ROLES], required=False)
        self.order_fields(["q", "region", "role", "active"])

    def active_value(self) -> bool | None:
        value = self.cleaned_data.get("active") if self.is_bound else ""
        return {"1": True, "0": False}.get(value)


class _UserFieldsForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=50)
    department = forms.ChoiceField(
        label="所属部门", required=False, choices=_department_choices,
        help_text="经办员、审核员、市局为医疗保障局；部门用户为其部门（县级人民政府认定的身份，选“县级人民政府”）",
    )

    def __init__(self, *args, officer=None, **kwargs):
        from core.services.users import grantable_roles

        super().__init__(*args, **kwargs)
        from benefits.forms_chronic import FacilityChoiceField
        from benefits.models import Facility

        self.fields["region"] = _user_region_field(officer, required=False,
                                                   help_text="定点医疗机构账号不用选择：取其所属机构所在的区划")
        self.fields["roles"] = forms.MultipleChoiceField(
            label="角色", choices=[(r, r) for r in grantable_roles(officer)], widget=forms.CheckboxSelectMultiple,
            help_text="只列出您可以授予的角色",
        )
        self.fields["facility"] = FacilityChoiceField(
            label="所属定点医疗机构", required=False, empty_label="（不是机构账号）",
            queryset=Facility.objects.restrict(officer).filter(designated=True, place_province="").order_by("-level", "code"),
            help_text="仅「定点医疗机构」角色填写：该机构通过接口上传门诊慢特病认定申请，不能登录本系统",
        )
        self.helper = FormHelper()
        self.helper.form_tag = False


class _PasswordChoiceMixin:
    """A password generated (shown once) or typed twice by the officer."""

    def clean(self):
        data = super().clean()
        if data.get("password_choice") == "set":
            if not data.get("password"):
                self.add_error("password", "请填写密码")
            elif data.get("password") != data.get("password_confirm"):
                self.add_error("password_confirm", "两次输入的密码不一致")
        return data


class UserCreateForm(_PasswordChoiceMixin, _UserFieldsForm):
    submit_label = "创建用户"
    PASSWORD_CHOICES = [("generate", "自动生成初始密码（只显示一次）"), ("set", "由我设定初始密码")]

    username = forms.CharField(label="用户名", max_length=150, help_text="登录用，字母、数字和 @ . + - _，创建后不能修改")
    password_choice = forms.ChoiceField(label="初始密码", choices=PASSWORD_CHOICES, initial="generate", widget=forms.RadioSelect,
                                        help_text="定点医疗机构账号不设密码，创建后显示其接口令牌")
    password = forms.CharField(label="密码", required=False, strip=False, widget=forms.PasswordInput(render_value=False),
                               help_text="选择“由我设定初始密码”时填写：至少8个字符，不能全是数字，不能与用户名相近")
    password_confirm = forms.CharField(label="再次输入密码", required=False, strip=False, widget=forms.PasswordInput(render_value=False))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["username", "full_name", "region", "roles", "facility", "department", "password_choice", "password",
                           "password_confirm"])

    def clean(self):
        from core.roles import FACILITY

        data = super().clean()
        if FACILITY in (data.get("roles") or ()) and data.get("password_choice") == "set":
            self.add_error("password_choice", "定点医疗机构账号不设密码（不能登录本系统），创建后显示其接口令牌；请选择“自动生成初始密码”")
        return data


class UserEditForm(_UserFieldsForm):
    submit_label = "保存"
    is_active = forms.BooleanField(label="账号在用", required=False, help_text="取消勾选即停用：不能再登录，已登录的会话随之失效")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["full_name", "region", "roles", "facility", "department", "is_active"])


class UserPasswordForm(_PasswordChoiceMixin, forms.Form):
    """重设密码 of a user who lost theirs."""

    submit_label = "重设密码"
    password_choice = forms.ChoiceField(label="新密码", choices=[("generate", "自动生成新密码（只显示一次）"), ("set", "由我设定新密码")],
                                        initial="generate", widget=forms.RadioSelect)
    password = forms.CharField(label="密码", required=False, strip=False, widget=forms.PasswordInput(render_value=False),
                               help_text="选择“由我设定新密码”时填写：至少8个字符，不能全是数字，不能与用户名相近")
    password_confirm = forms.CharField(label="再次输入密码", required=False, strip=False, widget=forms.PasswordInput(render_value=False))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

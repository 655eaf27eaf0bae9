"""Forms of the remote-care filing pages (异地就医备案): file, end, revoke, and the list's GET
filters. The rules live in benefits.services.filings; these forms only read the input."""

from django import forms

from benefits.models import RemoteCareFiling
from benefits.places import PROVINCES
from core.models import Region
from core.validation import TEXT_PARAM_MAX_LENGTH, plausible_date
from enrollment.forms import CrispyForm, FastSelect
from enrollment.worklists import region_choices

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_YOURS = "所选区划不存在或不在您的管辖范围内"


def _date(label, *, required=True, help_text=""):
    return forms.DateField(label=label, required=required, validators=[plausible_date], widget=DATE_INPUT, help_text=help_text)


class FilingForm(CrispyForm):
    kind = forms.ChoiceField(label="备案类型", choices=RemoteCareFiling.Kind.choices)
    destination_province = forms.ChoiceField(label="就医省份", choices=[("", "请选择")] + [(p, p) for p in PROVINCES])
    destination_city = forms.CharField(label="就医城市", required=False, max_length=50, help_text="地级市、自治州、地区或盟，如 广州市（写 广州 亦可）；留空表示全省有效；直辖市留空")
    valid_from = _date("备案开始日期")
    valid_to = _date("备案结束日期", required=False, help_text="长期有效留空")
    hospital = forms.CharField(label="转入医院", required=False, max_length=200, help_text="转诊备案填写转入的医疗机构")
    note = forms.CharField(label="备注", required=False, max_length=200)


class FilingEndForm(CrispyForm):
    valid_to = _date("备案结束日期", required=False, help_text="提前结束（如已回参保地居住）或延长；留空表示长期有效")
    reason = forms.CharField(label="修改原因", max_length=200)


class FilingRevokeForm(CrispyForm):
    reason = forms.CharField(label="撤销原因", max_length=200, help_text="如 录入错误、重复备案")
    confirm = forms.BooleanField(label="我已核对，确认撤销该备案（撤销后该备案视为从未生效）")


class FilingFilterForm(CrispyForm):
    q = forms.CharField(label="姓名或身份证号", required=False, max_length=TEXT_PARAM_MAX_LENGTH)
    kind = forms.ChoiceField(label="备案类型", required=False, choices=[("", "全部")] + RemoteCareFiling.Kind.choices)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + RemoteCareFiling.Status.choices)
    valid_on = forms.DateField(label="在该日有效", required=False, widget=DATE_INPUT, validators=[plausible_date])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"] = forms.TypedChoiceField(
            label="区划（县/乡镇/村）", required=False, coerce=int, empty_value=None, widget=FastSelect,
            choices=[("", "全部（本辖区）")] + region_choices(user), error_messages={"invalid_choice": NOT_YOURS},
        )
        self.order_fields(["q", "kind", "status", "valid_on", "region"])

    def region(self) -> Region | None:
        pk = self.cleaned_data.get("region") if self.is_bound else None
        return Region.objects.restrict(self.user).get(pk=pk) if pk else None

"""The 手工报销录入 form: what the clerk copies from the paper bill. Amounts stay text here: the
service parses them with core.money.parse_amount (one parser, one set of Chinese messages)."""

from django import forms
from django.utils import timezone

from benefits.forms_chronic import FacilityChoiceField
from benefits.models import Facility, Settlement
from benefits.services.claims import CLAIM_KINDS, COST_LABELS, ClaimInput, OutsideHospital, claim_facilities
from core.idnumber import ID_INPUT_MAX_LENGTH
from core.validation import plausible_date

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
KIND_LABELS = dict(Settlement.Kind.choices)
LEVELS = [("", "请选择"), (1, "一级"), (2, "二级"), (3, "三级")]


class FacilityChoice(FacilityChoiceField):
    """A registered hospital, those outside the city with where they are and whether designated."""

    def label_from_instance(self, obj):
        where = f"，{obj.place_province}{obj.place_city}" if obj.place_province or obj.place_city else ""
        name = obj.name if where else obj.name_with_county(self.place_names())  # a hospital outside the city says where it is
        return f"{name}（{obj.get_level_display()}{'' if obj.designated else '，非定点'}{where}）"


class ManualClaimForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=ID_INPUT_MAX_LENGTH)
    facility = FacilityChoice(label="医院（已登记的机构）", queryset=Facility.objects.none(), required=False,
                              empty_label="— 不在列表中，填写下方医院信息 —")
    outside_name = forms.CharField(label="医院名称（未登记的医院）", max_length=200, required=False)
    outside_level = forms.TypedChoiceField(label="医院级别", choices=LEVELS, coerce=int, required=False, empty_value=None)
    outside_tier = forms.ChoiceField(label="门诊机构类别", choices=Facility.Tier.choices, initial=Facility.Tier.SECONDARY_PLUS,
                                     required=False)
    outside_province = forms.CharField(label="所在省份（市外医院）", max_length=30, required=False, help_text="如 湖北省、广东省")
    outside_city = forms.CharField(label="所在城市（市外医院）", max_length=50, required=False)
    kind = forms.ChoiceField(label="就医类型", choices=[(k, KIND_LABELS[k]) for k in CLAIM_KINDS])
    visit_date = forms.DateField(label="入院（就诊）日期", widget=DATE_INPUT, validators=[plausible_date])
    discharge_date = forms.DateField(label="出院日期", widget=DATE_INPUT, validators=[plausible_date], required=False,
                                     help_text="住院、住院分娩必填")
    place = forms.ChoiceField(label="就医地", choices=[("local", "市内"), ("remote", "市外")], widget=forms.RadioSelect, initial="local")
    emergency = forms.BooleanField(label="急诊、抢救", required=False,
                                   help_text="票据为在非定点医疗机构急诊、抢救的费用时勾选；计划就医、转诊不勾选")
    referral = forms.ChoiceField(label="转诊情况（吉林省适用）", choices=Settlement.Referral.choices, initial=Settlement.Referral.REFERRED)
    disease = forms.CharField(label="慢特病病种", max_length=60, required=False)
    received_on = forms.DateField(label="受理日期", widget=DATE_INPUT, validators=[plausible_date],
                                  help_text="经办机构收到票据的日期")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = claim_facilities(user).order_by("-designated", "code")
        self.fields["received_on"].initial = timezone.localdate  # the office takes the bill today, mostly
        for line, label in COST_LABELS.items():
            self.fields[line] = forms.CharField(label=f"{label}（元）", max_length=30, required=False)

    def cost_fields(self):
        return [self[line] for line in COST_LABELS]

    def claim(self) -> ClaimInput:
        d = self.cleaned_data
        outside = None
        if d.get("facility") is None and (d.get("outside_name") or "").strip():
            outside = OutsideHospital(name=d["outside_name"], level=d.get("outside_level") or 0, tier=d.get("outside_tier") or "",
                                      province=d.get("outside_province", ""), city=d.get("outside_city", ""))
        return ClaimInput(
            id_number=d["id_number"], kind=d["kind"], visit_date=d["visit_date"], discharge_date=d.get("discharge_date"),
            received_on=d["received_on"], place=d["place"], facility=d.get("facility"), outside=outside,
            disease=d.get("disease", ""), referral=d["referral"], emergency=bool(d.get("emergency")),
            costs={line: d.get(line, "") for line in COST_LABELS},
        )

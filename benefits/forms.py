from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from benefits.models import Settlement
from core.identity_codes import IdentityCode
from core.idnumber import ID_INPUT_MAX_LENGTH, IdNumberError, parse_id_number
from core.validation import plausible_date

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COST_FIELDS = [("class_a", "甲类费用"), ("class_b_drug", "乙类药品"), ("blood", "血液制品"), ("class_b_treatment", "乙类诊疗项目"),
               ("material_general", "综合医疗服务类材料"), ("material_other_domestic", "其他类材料（国产）"),
               ("material_other_imported", "其他类材料（进口）"), ("out_of_catalogue", "目录外（全自费）")]

# The year-to-date figures the trial service reads (benefits.services.trial.YTD_KEYS): what the
# person's earlier settlements of the year already used, so caps and cumulative bases apply.
YTD_FIELDS = [("basic_fund", "本年基本医保统筹已支付"), ("outpatient_fund", "本年普通门诊统筹已支付"),
              ("outpatient_fund_today", "当日普通门诊统筹已支付"), ("chronic_fund", "本年门诊慢特病已支付"),
              ("ci_base", "本年大病保险计算基数"), ("ci_paid", "本年大病保险已支付"), ("ma_base", "本年医疗救助计算基数"),
              ("ma_paid", "本年医疗救助已支付"), ("extra_paid", "本年倾斜/托底救助已支付"),
              ("ma_base_chronic", "本年门诊慢特病医疗救助计算基数"), ("maternity_fund", "本年生育医疗费用基金已支付"),
              ("disease_chronic_fund", "本年该慢性病病种已支付")]
VISIT_CHOICES = [("inpatient", "住院"), ("maternity", "住院分娩（生育）"), ("outpatient", "普通门诊"), ("two_diseases_drug", "两病用药"),
                 ("chronic", "门诊慢特病"), ("general_fee", "一般诊疗费")]
# RULES.md 3.3: the outpatient tiers, one facility kind each where the rules differ.
TIER_CHOICES = [("secondary_plus", "二级及以上医疗机构"), ("township", "乡镇卫生院/社区卫生服务中心"), ("community_station", "社区卫生服务站"),
                ("village", "村卫生室"), ("clinic", "诊所")]
# An amount field's refusals in plain words (Django's say "确认总共不超过 12 个数字").
AMOUNT_ERRORS = {"invalid": "请输入金额（数字，如 1234.56）", "max_digits": "金额过大（最多 9,999,999,999.99 元）",
                 "max_whole_digits": "金额过大（最多 9,999,999,999.99 元）", "max_decimal_places": "金额最多两位小数（到分）",
                 "min_value": "金额不能为负数"}


def _amount_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=0, decimal_places=2, max_digits=12, error_messages=AMOUNT_ERRORS)


def _columns(*names) -> Div:
    """Fields two to a row: the trial form fits a 1366-px screen beside its result."""
    return Div(*(Div(name, css_class="col-sm-6") for name in names), css_class="row")


class TrialLookupForm(forms.Form):
    """Fill the trial form from the records: the person's identities valid on the visit date and
    the year's totals (benefits.services.trial.trial_prefill)."""

    id_number = forms.CharField(label="身份证号", max_length=ID_INPUT_MAX_LENGTH, required=False)
    date = forms.DateField(label="就诊日期", required=False, widget=DATE_INPUT, validators=[plausible_date])

    def clean_id_number(self):
        raw = self.cleaned_data["id_number"]
        if not raw.strip():
            return ""
        try:
            return parse_id_number(raw).number
        except IdNumberError as error:
            raise forms.ValidationError(error.message) from None


class TrialForm(forms.Form):
    region = forms.ChoiceField(label="统筹区", choices=[("xianning", "咸宁市"), ("shiyan", "十堰市"), ("jilin", "吉林省")])
    date = forms.DateField(label="就诊日期", widget=DATE_INPUT, validators=[plausible_date])
    visit = forms.ChoiceField(label="就医类型", choices=VISIT_CHOICES)
    facility_level = forms.ChoiceField(label="医院级别", choices=[(1, "一级"), (2, "二级"), (3, "三级")], initial=2)
    facility_tier = forms.ChoiceField(label="门诊机构类别", choices=TIER_CHOICES)
    location = forms.ChoiceField(label="就医地", choices=Settlement.Location.choices)
    # Unticked (the default) is care inside the province, as the interface's in_province: true.
    out_of_province = forms.BooleanField(label="省外就医", required=False, help_text="省外就医不享受倾斜救助")
    disease = forms.CharField(label="慢特病病种", required=False, help_text="门诊慢特病须填写病种，未填写不予支付")
    # 吉林 (RULES.md 3.7): read only where the region settles admissions by referral.
    referral = forms.ChoiceField(label="转诊情况（吉林）", choices=Settlement.Referral.choices, initial="referred",
                                 required=False)
    referred_from_deductible = _amount_field("转出医院已付起付线（吉林，元）")
    downward_referral = forms.BooleanField(label="上级医院下转接续治疗（吉林）", required=False)
    identities = forms.MultipleChoiceField(label="困难群众身份", choices=IdentityCode.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple, help_text="就诊日有效的身份，可多选；按最有利的类别计算")
    two_diseases_registered = forms.BooleanField(label="已登记两病", required=False)
    assistance_approved = forms.BooleanField(label="三四类救助已批准", required=False)
    tilted_approved = forms.BooleanField(label="倾斜救助已批准", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in COST_FIELDS:
            self.fields[key] = _amount_field(label)
        for key, label in YTD_FIELDS:
            self.fields[f"ytd_{key}"] = _amount_field(label)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("就诊信息", _columns("region", "date", "visit", "facility_level", "facility_tier", "location", "disease", "out_of_province")),
            Fieldset("转诊（吉林）", _columns("referral", "referred_from_deductible", "downward_referral")),
            Fieldset("费用（元）", _columns(*(key for key, _ in COST_FIELDS))),
            Fieldset("身份与审批", "identities", "two_diseases_registered", "assistance_approved", "tilted_approved"),
            Fieldset("本年已发生（元，年度累计；按身份证号查询可自动填入）", _columns(*(f"ytd_{key}" for key, _ in YTD_FIELDS))),
        )

    def as_request(self) -> dict:
        d = self.cleaned_data
        return {
            "region": d["region"], "date": d["date"].isoformat(), "visit": d["visit"], "facility_level": int(d["facility_level"]),
            "facility_tier": d["facility_tier"], "location": d["location"], "disease": d.get("disease", ""),
            "in_province": not d["out_of_province"], "referral": d["referral"] or "referred", "downward_referral": d["downward_referral"],
            "referred_from_deductible": str(d.get("referred_from_deductible") or 0),
            "costs": {k: str(d[k]) for k, _ in COST_FIELDS if d.get(k)},
            "year_to_date": {k: str(d[f"ytd_{k}"]) for k, _ in YTD_FIELDS if d.get(f"ytd_{k}")},
            "person": {"identities": d.get("identities") or [], "two_diseases_registered": d["two_diseases_registered"],
                       "assistance_approved": d["assistance_approved"], "tilted_approved": d["tilted_approved"]},
        }

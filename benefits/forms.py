from crispy_forms.helper import FormHelper
from django import forms

from benefits.models import Settlement
from core.identity_codes import IdentityCode

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COST_FIELDS = [("class_a", "甲类费用"), ("class_b_drug", "乙类药品"), ("blood", "血液制品"), ("class_b_treatment", "乙类诊疗项目"),
               ("material_general", "综合医疗服务类材料"), ("material_other_domestic", "其他类材料（国产）"),
               ("material_other_imported", "其他类材料（进口）"), ("out_of_catalogue", "目录外（全自费）")]


class TrialForm(forms.Form):
    region = forms.ChoiceField(label="统筹区", choices=[("xianning", "咸宁市"), ("shiyan", "十堰市"), ("jilin", "吉林省")])
    date = forms.DateField(label="就诊日期", widget=DATE_INPUT)
    visit = forms.ChoiceField(label="就医类型", choices=[("inpatient", "住院"), ("outpatient", "普通门诊"), ("two_diseases_drug", "两病用药"),
                                                    ("chronic", "门诊慢特病"), ("general_fee", "一般诊疗费")])
    facility_level = forms.ChoiceField(label="医院级别", choices=[(1, "一级"), (2, "二级"), (3, "三级")], initial=2)
    facility_tier = forms.ChoiceField(label="门诊机构类别", choices=[("secondary_plus", "二级及以上"), ("township", "乡镇卫生院/社区卫生服务中心"),
                                                              ("village", "村卫生室/社区卫生服务站")])
    location = forms.ChoiceField(label="就医地", choices=Settlement.Location.choices)
    disease = forms.CharField(label="慢特病病种", required=False)
    identities = forms.MultipleChoiceField(label="困难群众身份", choices=IdentityCode.choices, required=False,
                                           widget=forms.SelectMultiple(attrs={"size": 4}))
    two_diseases_registered = forms.BooleanField(label="已登记两病", required=False)
    assistance_approved = forms.BooleanField(label="三四类救助已批准", required=False)
    tilted_approved = forms.BooleanField(label="倾斜救助已批准", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in COST_FIELDS:
            self.fields[key] = forms.DecimalField(label=label, required=False, min_value=0, decimal_places=2, max_digits=12)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def as_request(self) -> dict:
        d = self.cleaned_data
        return {
            "region": d["region"], "date": d["date"].isoformat(), "visit": d["visit"], "facility_level": int(d["facility_level"]),
            "facility_tier": d["facility_tier"], "location": d["location"], "disease": d.get("disease", ""),
            "costs": {k: str(d[k]) for k, _ in COST_FIELDS if d.get(k)},
            "person": {"identities": d.get("identities") or [], "two_diseases_registered": d["two_diseases_registered"],
                       "assistance_approved": d["assistance_approved"], "tilted_approved": d["tilted_approved"]},
        }

"""The Chinese names of the settlement parameters (benefits/presets.py) and of the codes their
values hold, and each parameter's value as users read it: 200,000.00 元, 70%, 恶性肿瘤、尿毒症透析.
One table for the parameter page, the settlement page, prints and exports."""

from core.display import percent, yuan
from core.identity_codes import IdentityCode

# Parameter names (the part before the dot of name.key).
NAMES = {
    "first_pay_rate": "乙类先行自付比例",
    "location_rate": "异地就医个人先行自付比例",
    "inpatient_deductible": "住院起付标准",
    "inpatient_rate": "住院统筹支付比例",
    "annual_cap": "年度最高支付限额",
    "outpatient_rate": "普通门诊统筹支付比例",
    "outpatient_daily_cap": "普通门诊日支付限额",
    "outpatient_annual_cap": "普通门诊年度支付限额",
    "two_diseases_extra_cap": "“两病”门诊用药增加限额",
    "general_fee": "一般诊疗费标准",
    "general_fee_fund": "一般诊疗费基金支付",
    "chronic_rate": "门诊慢性病支付比例",
    "chronic_annual_cap": "门诊慢性病年度支付限额",
    "chronic_renewal_days": "门诊慢特病认定续期提醒天数",
    "chronic_review_days": "门诊慢特病认定审核时限（天）",
    "fund_surplus_low": "基金当期结余率预警下限",
    "fund_surplus_high": "基金当期结余率预警上限",
    "fund_months_low": "基金累计结余可支付月数预警线",
    "fund_deficit_city_share": "基金缺口市级分担比例",
    "fund_deficit_collection_weight": "基金缺口县级分担中征缴贡献的权重",
    "fiscal_central_per_head": "居民医保人均中央财政补助",
    "fund_sweep_month": "年末归集月份",
    "fund_sweep_day": "年末归集日",
    "fund_year_end_settlement_months": "年度清算期限（年度结束后月数）",
    "fund_revolving_months": "周转金按上年月均支出核定的月数",
    "fiscal_province_share": "地方财政补助省级负担比例",
    "special_diseases": "按住院待遇支付的门诊特殊疾病",
    "ci_deductible": "大病保险起付标准",
    "ci_band": "大病保险分段支付比例",
    "ci_cap": "大病保险年度最高支付限额",
    "ci_special_codes": "大病保险倾斜支付的身份类别",
    "ci_special_deductible_factor": "倾斜对象大病保险起付标准折算系数",
    "ci_special_rate_bonus": "倾斜对象大病保险支付比例提高",
    "ma_deductible": "医疗救助起付标准",
    "ma_inpatient_rate": "医疗救助住院救助比例",
    "ma_chronic_rate": "医疗救助门诊慢特病救助比例",
    "ma_cap": "医疗救助年度救助限额",
    "tilted_threshold": "倾斜救助起付线（个人负担超过）",
    "tilted_rate": "倾斜救助比例",
    "tilted_cap": "倾斜救助年度限额",
    "backstop_codes": "托底保障的身份类别",
    "backstop_threshold": "托底保障个人负担上限起算额",
    "backstop_personal_rate": "托底保障个人负担比例",
    "manual_claim_deadline_month": "手工报销申请截止月份（次年该月底前）",
    "maternity_cap": "生育医疗费用年度基金最高支付限额",
    "referral_rate_cut": "转诊住院支付比例降低",
    "unreferred_rate": "未按规定转诊住院支付比例",
    "referral_deductible_credit": "转诊住院连续计算起付线（转出医院已付起付线计入比例）",
    "downward_referral_deductible": "下转接续治疗住院起付线支付比例",
}

# The keys after the dot.
_LINES = {
    "class_b_drug": "乙类药品", "blood": "血液制品", "class_b_treatment": "乙类诊疗项目",
    "material_general": "综合医疗服务类材料", "material_other_domestic": "其他类材料（国产）",
    "material_other_imported": "其他类材料（进口）",
}
_LOCATIONS = {
    "local": "市内", "county_at_city": "县级参保在市级医院", "remote_filed": "市外已备案（转诊或临时外出）",
    "remote_unfiled": "市外未备案", "remote_emergency_nondesignated": "市外急诊非定点",
    "remote_long_term": "异地长期居住已备案",
}
_TIERS = {"secondary_plus": "二级及以上医疗机构", "township": "乡镇卫生院/社区卫生服务中心", "community_station": "社区卫生服务站",
          "village": "村卫生室", "clinic": "诊所"}
_REFERRALS = {"referred": "按规定转诊（或急诊）", "referred_outside_list": "转诊病种目录外", "unreferred": "未按规定转诊"}
_LEVELS = {"1": "一级医疗机构", "2": "二级医疗机构", "3": "三级医疗机构"}
_MA_CLASSES = {"1": "第一类救助对象", "2": "第二类救助对象", "3": "第三类救助对象", "4": "第四类救助对象"}
KEYS = {
    "first_pay_rate": _LINES, "location_rate": _LOCATIONS, "inpatient_deductible": _LEVELS, "inpatient_rate": _LEVELS,
    "outpatient_daily_cap": _TIERS, "general_fee": _TIERS, "general_fee_fund": _TIERS, "outpatient_rate": _TIERS,
    "referral_rate_cut": _REFERRALS,
    "ma_deductible": _MA_CLASSES, "ma_inpatient_rate": _MA_CLASSES,
    "fiscal_province_share": {"poverty_county": "脱贫县", "other_county": "其他县（市、区）"},
}

# The codes a value lists: identities (RULES.md 1) and the outpatient special diseases paid as
# inpatient care (N004 §八).
DISEASES = {
    "malignant_tumour": "恶性肿瘤", "uraemia_dialysis": "尿毒症透析", "transplant_anti_rejection": "器官移植抗排异治疗",
}

# The tier a parameter belongs to, for grouping (RULES.md 3 basic, 4 CI, 5 MA).
TIERS = {"resident_basic": "基本医保", "critical_illness": "大病保险", "medical_assistance": "医疗救助"}


def parameter_label(name: str) -> str:
    """年度最高支付限额; 住院统筹支付比例（二级医疗机构）; 大病保险分段支付比例（12,000.00 元以上）."""
    base, _, key = name.partition(".")
    label = NAMES.get(base, name)
    if not key:
        return label
    if base == "ci_band":
        return f"{label}（{yuan(key)} 元以上）"
    return f"{label}（{KEYS.get(base, {}).get(key, key)}）"


def code_label(code: str) -> str:
    code = code.strip()
    try:
        return IdentityCode(code).label
    except ValueError:
        return DISEASES.get(code, code)


def parameter_value(value, unit: str) -> str:
    """A stored value with its unit as users read it."""
    if unit == "yuan":
        return f"{yuan(value)} 元"
    if unit == "rate":
        return percent(value)
    if unit == "codes":
        return "、".join(code_label(code) for code in str(value).split(",") if code.strip())
    return f"{value} {unit}".strip()

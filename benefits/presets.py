"""Settlement parameters of RULES.md 3-5, loaded by `manage.py load_policies` as
PolicyParameter rows: (scheme, name, value, unit, source, confirmed). One row per number;
mappings are spelled name.key. Values the sources leave open are unconfirmed."""

from datetime import date
from decimal import Decimal as D

BASIC, CI, MA = "resident_basic", "critical_illness", "medical_assistance"

XIANNING_BASIC = [
    # X000 art. 26: class-B first self-pay
    ("first_pay_rate.class_b_drug", D("0.10"), "rate", "X000 art. 26", True),
    ("first_pay_rate.blood", D("0.30"), "rate", "X000 art. 26", True),
    ("first_pay_rate.class_b_treatment", D("0.10"), "rate", "X000 art. 26", True),
    ("first_pay_rate.material_general", D("0.10"), "rate", "X000 art. 26", True),
    ("first_pay_rate.material_other_domestic", D("0.15"), "rate", "X000 art. 26", True),
    ("first_pay_rate.material_other_imported", D("0.30"), "rate", "X000 art. 26", True),
    # X000 art. 20: location first self-pay, deductibles and rates by level
    ("location_rate.local", D("0"), "rate", "X000 art. 20", True),
    ("location_rate.county_at_city", D("0.05"), "rate", "X000 art. 20(一)3", True),
    ("location_rate.remote_filed", D("0.10"), "rate", "X000 art. 20(二)1", True),
    ("location_rate.remote_unfiled", D("0.20"), "rate", "X000 art. 20(二)1", True),
    ("location_rate.remote_emergency_nondesignated", D("0.20"), "rate", "X000 art. 20(二)1", True),
    ("location_rate.remote_long_term", D("0"), "rate", "X000 art. 20(二)2", True),
    ("inpatient_deductible.1", D("200"), "yuan", "X000 art. 20(一)1", True),
    ("inpatient_deductible.2", D("600"), "yuan", "X000 art. 20(一)1", True),
    ("inpatient_deductible.3", D("1000"), "yuan", "X000 art. 20(一)1", True),
    ("inpatient_rate.1", D("0.85"), "rate", "X000 art. 20(一)2", True),
    ("inpatient_rate.2", D("0.70"), "rate", "X000 art. 20(一)2", True),
    ("inpatient_rate.3", D("0.60"), "rate", "X000 art. 20(一)2", True),
    ("annual_cap", D("200000"), "yuan", "X000 art. 22", True),
    # X000 art. 17: general outpatient pooling and 两病
    ("outpatient_rate", D("0.50"), "rate", "X000 art. 17", True),
    ("outpatient_daily_cap.secondary_plus", D("50"), "yuan", "X000 art. 17; N004 §二", True),
    ("outpatient_daily_cap.township", D("25"), "yuan", "X000 art. 17", True),
    ("outpatient_daily_cap.village", D("15"), "yuan", "X000 art. 17", True),
    ("outpatient_daily_cap.community_station", D("15"), "yuan", "X000 art. 17", True),
    ("outpatient_daily_cap.clinic", D("15"), "yuan", "X000 art. 17", True),
    ("outpatient_annual_cap", D("350"), "yuan", "X000 art. 17; N004 §二", True),
    ("two_diseases_extra_cap", D("200"), "yuan", "X000 art. 17", True),
    # X000 art. 18: general consultation fee
    ("general_fee.township", D("13"), "yuan", "X000 art. 18", True),
    ("general_fee_fund.township", D("9"), "yuan", "X000 art. 18", True),
    ("general_fee.village", D("8"), "yuan", "X000 art. 18", True),
    ("general_fee_fund.village", D("7"), "yuan", "X000 art. 18", True),
    ("general_fee.community_station", D("13"), "yuan", "X000 art. 18", True),
    ("general_fee_fund.community_station", D("9"), "yuan", "X000 art. 18", True),
    # RULES.md 3.5: chronic outpatient (吉林 J003 §二(三)10 values; for 咸宁 not from the sources)
    ("chronic_rate", D("0.60"), "rate", "J003 §二(三)10 (咸宁: not from the sources)", False),
    ("chronic_annual_cap", D("6500"), "yuan", "J003 §二(三)10 (咸宁: not from the sources)", False),
    # RULES.md 3.5: approvals (认定) — the renewal queue's window and the review deadline (not from the sources)
    ("chronic_renewal_days", D("60"), "天", "RULES.md 3.5 (not from the sources)", False),
    ("chronic_review_days", D("15"), "天", "RULES.md 3.5 (not from the sources)", False),
    # RULES.md 7: fund-balance warnings (X000 art. 37; the months covered not from the sources)
    ("fund_surplus_low", D("0.05"), "rate", "X000 art. 37", True),
    ("fund_surplus_high", D("0.25"), "rate", "X000 art. 37", True),
    ("fund_months_low", D("6"), "月", "RULES.md 7 (not from the sources)", False),
    # RULES.md 7: a city deficit after the accumulated balance, shared city : county 2 : 8 (S001 §三(三)5)
    ("fund_deficit_city_share", D("0.2"), "rate", "S001 §三(三)5（十堰市级统筹实施方案）", True),
    ("fund_deficit_collection_weight", D("0.5"), "rate", "RULES.md 7 (not from the sources)", False),
    # RULES.md 7 (S001 市级统筹 §三(三)): the year-end sweep by 28 December; the revolving fund one month of
    # last year's average monthly expenditure
    ("fund_sweep_month", D("12"), "月", "S001 §三(三)（十堰市级统筹实施方案）", True),
    ("fund_sweep_day", D("28"), "日", "S001 §三(三)（十堰市级统筹实施方案）", True),
    ("fund_revolving_months", D("1"), "月", "S001 §三(三)（十堰市级统筹实施方案）", True),
    ("fund_year_end_settlement_months", D("2"), "月", "S001 §三(三)（十堰市级统筹实施方案）", True),
    # N004 §一: the local fiscal subsidy after the central part, province : county 6 : 4 for a
    # poverty-alleviation county (脱贫县), 5 : 5 for the others: the province's share
    ("fiscal_province_share.poverty_county", D("0.6"), "rate", "N004 §一", True),
    ("fiscal_province_share.other_county", D("0.5"), "rate", "N004 §一", True),
]

# Parameters whose value changes on a date, as (name, value, unit, source, confirmed,
# valid_from, valid_to); valid_to None is open-ended. The rows of every other list here have no
# dates: they are valid from PRESET_START (benefits.services.policy), open-ended.
XIANNING_BASIC_PERIODS = [
    # N004 §二: "2023年居民医保生育医疗费用年基金最高支付限额由900元提高到1000元"
    ("maternity_cap", D("900"), "yuan", "N004 §二", True, date(2021, 1, 1), date(2022, 12, 31)),
    ("maternity_cap", D("1000"), "yuan", "N004 §二", True, date(2023, 1, 1), None),
    # RULES.md 2.1, 7: the central fiscal subsidy per head of a benefit year (not in the sources;
    # the demo takes 60% of the year's subsidy per head, 580 / 610 / 640)
    ("fiscal_central_per_head", D("348"), "yuan", "RULES.md 7 (not from the sources)", False, date(2021, 1, 1), date(2021, 12, 31)),
    ("fiscal_central_per_head", D("366"), "yuan", "RULES.md 7 (not from the sources)", False, date(2022, 1, 1), date(2022, 12, 31)),
    ("fiscal_central_per_head", D("384"), "yuan", "RULES.md 7 (not from the sources)", False, date(2023, 1, 1), None),
]

# 吉林 (J003 §二(三)9-11): no location first self-pay, the rate follows the referral instead;
# rates 80/70/60% by level ("左右" in the source: unconfirmed until the province's figures are
# entered), every class-B line 10%, the deductible counted continuously over a referral and
# none after a downward referral, general outpatient 50% at stations and village clinics and
# 60% at centres and township hospitals, chronic 60% up to 6,500. J003 names no amounts for the
# deductibles, the outpatient caps, the general fee or maternity: those keep 咸宁's values,
# unconfirmed, with a source that says so.
_JILIN_RATE = "J003 §二(三)9(2)（文件为“左右”，以省定比例为准）"
_JILIN = {
    "inpatient_rate.1": (D("0.80"), _JILIN_RATE, False),
    "inpatient_rate.2": (D("0.70"), _JILIN_RATE, False),
    "inpatient_rate.3": (D("0.60"), _JILIN_RATE, False),
    **{f"first_pay_rate.{line}": (D("0.10"), "J003 §二(三)9(2)", True)
       for line in ("class_b_drug", "blood", "class_b_treatment", "material_general", "material_other_domestic", "material_other_imported")},
    "annual_cap": (D("200000"), "J003 §二(三)11（逐步达到20万元）", False),
    "outpatient_rate": (D("0.50"), "J003 §二(三)10(1)（二级及以上医疗机构、诊所文件未列，暂按50%）", False),
    "chronic_rate": (D("0.60"), "J003 §二(三)10(2)", True),
    "chronic_annual_cap": (D("6500"), "J003 §二(三)10(2)", True),
}
_JILIN_ONLY = [
    # J003 §二(三)10(1): the general outpatient rate by tier
    ("outpatient_rate.community_station", D("0.50"), "rate", "J003 §二(三)10(1)", True),
    ("outpatient_rate.village", D("0.50"), "rate", "J003 §二(三)10(1)", True),
    ("outpatient_rate.township", D("0.60"), "rate", "J003 §二(三)10(1)", True),
    # J003 §二(三)9: referral rules (RULES.md 3.7)
    ("referral_rate_cut.referred_outside_list", D("0.20"), "rate", "J003 §二(三)9(2)", True),
    ("unreferred_rate", D("0.20"), "rate", "J003 §二(三)9(2)", True),
    ("referral_deductible_credit", D("1"), "rate", "J003 §二(三)9(1)", True),
    ("downward_referral_deductible", D("0"), "rate", "J003 §二(三)9(1)", True),
]


def _jilin(row):
    name, value, unit, source, _confirmed = row
    if name in _JILIN:
        value, source, confirmed = _JILIN[name]
        return name, value, unit, source, confirmed
    if name.startswith("inpatient_deductible."):
        return name, value, unit, f"J003 §二(三)9(1) 按医院等级设置；金额 {source}（吉林未规定，沿用咸宁）", False
    return name, value, unit, f"{source}（吉林未规定，沿用咸宁）", False


JILIN_BASIC = [_jilin(row) for row in XIANNING_BASIC if not row[0].startswith("location_rate.")] + _JILIN_ONLY
JILIN_BASIC_PERIODS = [(name, value, unit, f"{source}（吉林未规定，沿用咸宁）", False, start, end)
                       for name, value, unit, source, _ok, start, end in XIANNING_BASIC_PERIODS]
# The dated rows of each pooling region, by region code (as benefits.services.policy.PRESET_REGIONS).
BASIC_PERIODS = {"421200": XIANNING_BASIC_PERIODS, "420300": XIANNING_BASIC_PERIODS, "220000": JILIN_BASIC_PERIODS}

CRITICAL_ILLNESS = [
    ("ci_deductible", D("12000"), "yuan", "RULES.md 4 (X000 art. 23; not from the sources)", False),
    ("ci_band.12000", D("0.60"), "rate", "RULES.md 4 (not from the sources)", False),
    ("ci_band.50000", D("0.65"), "rate", "RULES.md 4 (not from the sources)", False),
    ("ci_band.100000", D("0.70"), "rate", "RULES.md 4 (not from the sources)", False),
    ("ci_cap", D("400000"), "yuan", "RULES.md 4 (not from the sources)", False),
    ("ci_special_codes", "extreme_poverty,orphan,subsistence_allowance,returned_to_poverty", "codes", "RULES.md 4 (national 2021 guidance)", False),
    ("ci_special_deductible_factor", D("0.5"), "rate", "RULES.md 4 (national 2021 guidance)", False),
    ("ci_special_rate_bonus", D("0.05"), "rate", "RULES.md 4 (national 2021 guidance)", False),
]

MEDICAL_ASSISTANCE = [
    ("ma_deductible.1", D("0"), "yuan", "S001 §三(四)2", True),
    ("ma_deductible.2", D("0"), "yuan", "S001 §三(四)2", True),
    ("ma_deductible.3", D("1500"), "yuan", "S001 §三(四)2", True),
    ("ma_deductible.4", D("5000"), "yuan", "S001 §三(四)2", True),
    ("ma_inpatient_rate.1", D("1.00"), "rate", "S001 §三(四)2", True),
    ("ma_inpatient_rate.2", D("0.70"), "rate", "S001 §三(四)2", True),
    ("ma_inpatient_rate.3", D("0.65"), "rate", "S001 §三(四)2", True),
    ("ma_inpatient_rate.4", D("0.50"), "rate", "S001 §三(四)2", True),
    ("ma_chronic_rate", D("0.50"), "rate", "S001 §三(四)1", True),
    ("ma_cap", D("50000"), "yuan", "S001 §三(四)", True),
    ("tilted_threshold", D("5000"), "yuan", "S001 §三(四)4", True),
    ("tilted_rate", D("0.50"), "rate", "S001 §三(四)4", True),
    ("tilted_cap", D("100000"), "yuan", "S001 §三(四)4", True),
    ("backstop_codes", "returned_to_poverty,monitored_unstable,monitored_edge,monitored_sudden", "codes", "S001 §三(四)", True),
    ("backstop_threshold", D("5000"), "yuan", "S001 §三(四)", True),
    ("backstop_personal_rate", D("0.05"), "rate", "S001 §三(四)", True),
]

# One row per scheme; MA classes come from the assistance app's class table (S001 §二).
PRESETS = {BASIC: XIANNING_BASIC, CI: CRITICAL_ILLNESS, MA: MEDICAL_ASSISTANCE}

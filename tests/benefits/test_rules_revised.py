"""The rules RULES.md revised for issue 10, on the pure engine with the preset parameters: the
location first self-pay by facility level (3.2.1), the new outpatient tiers (3.3, 3.4),
maternity (3.2.6), the two medical-assistance bases (5), chronic visits without a disease
(3.5) and 吉林's referral rules (3.7). One rule per test, with the rulebook's numbers and the
edges: exactly at a cap, one cent over, zero."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from benefits import presets
from benefits.rules.settlement import LOCATIONS, Eligibility, SettlementError, Visit, YearToDate, assistance_for, settle
from tests.benefits.test_settlement_rules import JILIN, POLICY, preset_policy

NOBODY = Eligibility()
ZERO_YTD = YearToDate()
XIANNING_2022 = preset_policy(date(2022, 6, 1))


def admission(level=2, location="local", kind="inpatient", **attrs):
    costs = {k: D(v) for k, v in attrs.pop("costs", {"class_a": "10000"}).items()}
    return Visit(kind=kind, facility_level=level, location=location, costs=costs, **attrs)


def steps(split) -> list[str]:
    return [step.step for step in split.explanation]


# --- 3.2.1 location first self-pay -------------------------------------------------------------


@pytest.mark.parametrize("level, first_pay, fund", [
    (1, "0.00", "8330.00"),   # "与本地就医一致": 85% x (10,000 - 200)
    (2, "500.00", "6230.00"),  # 5%; 70% x (10,000 - 500 - 600)
    (3, "500.00", "5100.00"),  # 5%; 60% x (10,000 - 500 - 1,000)
])
def test_county_at_city_pays_5_percent_only_at_level_2_or_3(level, first_pay, fund):
    s = settle(POLICY, admission(level, "county_at_city"), NOBODY, ZERO_YTD)
    assert (s.location_first_pay, s.basic_fund) == (D(first_pay), D(fund))
    assert ("异地就医个人先行自付" in steps(s)) == (level > 1)


def test_remote_long_term_pays_no_first_self_pay_and_its_rate_is_a_parameter():
    s = settle(POLICY, admission(3, "remote_long_term"), NOBODY, ZERO_YTD)
    assert (s.location_first_pay, s.basic_fund) == (D("0"), D("5400.00"))
    changed = replace(POLICY, location_rates={**POLICY.location_rates, "remote_long_term": D("0.10")})
    assert settle(changed, admission(3, "remote_long_term"), NOBODY, ZERO_YTD).location_first_pay == D("1000.00")


@pytest.mark.parametrize("location", LOCATIONS)
def test_location_first_self_pay_of_every_location_applies_to_maternity(location):
    inpatient = settle(POLICY, admission(2, location), NOBODY, ZERO_YTD)
    maternity = settle(POLICY, admission(2, location, kind="maternity"), NOBODY, ZERO_YTD)
    assert maternity.location_first_pay == inpatient.location_first_pay
    assert maternity.deductible == inpatient.deductible == D("600")


# --- 3.3 and 3.4 the new outpatient tiers --------------------------------------------------------


@pytest.mark.parametrize("tier", ["community_station", "clinic"])
@pytest.mark.parametrize("policy_range, fund", [("30", "15.00"), ("30.02", "15"), ("29.98", "14.99"), ("0", "0.00")])
def test_station_and_clinic_daily_cap_15(tier, policy_range, fund):
    s = settle(POLICY, Visit(kind="outpatient", facility_tier=tier, costs={"class_a": D(policy_range)}), NOBODY, ZERO_YTD)
    assert s.basic_fund == D(fund)
    assert ("门诊统筹日支付限额" in steps(s)) == (D(policy_range) > D("30"))


def test_station_fee_13_fund_9_and_clinic_no_fee():
    station = settle(POLICY, Visit(kind="general_fee", facility_tier="community_station"), NOBODY, ZERO_YTD)
    clinic = settle(POLICY, Visit(kind="general_fee", facility_tier="clinic", costs={"class_a": D("12")}), NOBODY, ZERO_YTD)
    assert (station.total, station.basic_fund, station.personal) == (D("13"), D("9"), D("4"))
    assert (clinic.total, clinic.basic_fund, clinic.personal) == (D("12"), D("0"), D("12"))


# --- 3.2.6 maternity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("policy, cap", [(XIANNING_2022, "900"), (POLICY, "1000")], ids=["2022", "2023"])
def test_maternity_fund_is_capped_by_the_years_maternity_cap(policy, cap):
    # Level 2, P 3,000: 70% x (3,000 - 600) = 1,680, above both years' caps.
    s = settle(policy, admission(2, kind="maternity", costs={"class_a": "3000"}), NOBODY, ZERO_YTD)
    assert (s.deductible, s.basic_fund, s.maternity_fund, s.personal) == (D("600"), D(cap), D(cap), D("3000") - D(cap))
    assert "生育医疗费用年度基金最高支付限额" in steps(s)


@pytest.mark.parametrize("used, fund", [
    ("0", "680.00"),      # level 1, P 1,000: 85% x 800, below the cap
    ("320", "680.00"),    # exactly the room left: no cap step
    ("320.01", "679.99"),  # one cent over
    ("1000", "0"),
    ("1200", "0"),
])
def test_maternity_cap_edges(used, fund):
    s = settle(POLICY, admission(1, kind="maternity", costs={"class_a": "1000"}), NOBODY, YearToDate(maternity_fund=D(used)))
    assert (s.basic_fund, s.maternity_fund) == (D(fund), D(fund))
    assert ("生育医疗费用年度基金最高支付限额" in steps(s)) == (D(used) > D("320"))


def test_maternity_counts_in_the_annual_cap_and_its_own_year_total():
    s = settle(POLICY, admission(1, kind="maternity", costs={"class_a": "1000"}), NOBODY, YearToDate(basic_fund=D("199700")))
    assert s.basic_fund == D("300")  # the 200,000 annual cap is tighter
    after = s.added_to(YearToDate(basic_fund=D("199700")))
    assert (after.basic_fund, after.maternity_fund) == (D("200000"), D("300"))


def test_inpatient_visits_leave_the_maternity_total_alone():
    s = settle(POLICY, admission(1, costs={"class_a": "1000"}), NOBODY, YearToDate(maternity_fund=D("1000")))
    assert (s.basic_fund, s.maternity_fund) == (D("680.00"), D("0"))


def test_maternity_without_a_cap_parameter_is_refused_plainly():
    with pytest.raises(SettlementError) as refused:
        settle(replace(POLICY, maternity_cap=None), admission(1, kind="maternity"), NOBODY, ZERO_YTD)
    assert refused.value.code == "incomplete_policy" and "生育" in refused.value.message


def test_maternity_self_pay_joins_the_ci_and_inpatient_assistance_bases():
    # X000 arts. 21, 23; S001 §三(三): delivery is an admission; what basic insurance leaves goes
    # to CI and (class 1: 100%) to medical assistance, on the inpatient base.
    s = settle(POLICY, admission(2, kind="maternity", costs={"class_a": "3000"}), Eligibility(identities=("extreme_poverty",)), ZERO_YTD)
    assert (s.basic_fund, s.ci_base, s.ma_base, s.ma_base_chronic, s.assistance, s.personal) == (
        D("1000"), D("2000"), D("2000"), D("0"), D("2000"), D("0"))


# --- 5 medical assistance: two bases -----------------------------------------------------------------

CLASS_3 = Eligibility(identities=("low_income_edge",), assistance_approved=True)
CHRONIC_4000 = Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("4000")})
LEVEL_1_1200 = admission(1, costs={"class_a": "1200"})


def test_issue_example_a_chronic_visit_leaves_the_inpatient_deductible_untouched():
    # Chronic P 4,000: basic 60% = 2,400, 1,600 left, MA 50% = 800 on the chronic base.
    chronic = settle(POLICY, CHRONIC_4000, CLASS_3, ZERO_YTD)
    assert (chronic.basic_fund, chronic.assistance, chronic.ma_base, chronic.ma_base_chronic) == (D("2400.00"), D("800.00"), D("0"), D("1600.00"))
    # Then a level-1 admission of 1,200: 350 left, below the class-3 inpatient deductible 1,500.
    admitted = settle(POLICY, LEVEL_1_1200, CLASS_3, chronic.added_to(ZERO_YTD, same_day=False))
    assert (admitted.basic_fund, admitted.ma_base, admitted.assistance) == (D("850.00"), D("350.00"), D("0.00"))


@pytest.mark.parametrize("code, chronic_ma", [
    ("extreme_poverty", "200.00"), ("subsistence_allowance", "200.00"), ("low_income_edge", "200.00"), ("illness_poverty", "200.00"),
])
def test_chronic_assistance_is_50_percent_with_no_deductible_for_every_class(code, chronic_ma):
    # P 1,000: 600 basic, 400 left: 50% = 200 for class 1 to 4 (class 4's 5,000 is inpatient only).
    person = Eligibility(identities=(code,), assistance_approved=True)
    visit = Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("1000")})
    assert settle(POLICY, visit, person, ZERO_YTD).assistance == D(chronic_ma)


def test_chronic_base_accumulates_apart_from_the_inpatient_base():
    first = settle(POLICY, CHRONIC_4000, CLASS_3, ZERO_YTD)
    ytd = first.added_to(ZERO_YTD, same_day=False)
    second = settle(POLICY, CHRONIC_4000, CLASS_3, ytd)
    assert (ytd.ma_base, ytd.ma_base_chronic, second.assistance) == (D("0"), D("1600.00"), D("800.00"))
    assert second.added_to(ytd).ma_base_chronic == D("3200.00")


@pytest.mark.parametrize("paid, ma", [("49200", "800.00"), ("49199.99", "800.00"), ("49200.01", "799.99"), ("50000", "0")])
def test_chronic_and_inpatient_assistance_share_the_50000_cap(paid, ma):
    s = settle(POLICY, CHRONIC_4000, CLASS_3, YearToDate(ma_paid=D(paid), ma_base=D("60000")))
    assert s.assistance == D(ma)
    assert ("医疗救助年度限额" in steps(s)) == (D(ma) < D("800"))


def test_tilted_assistance_reads_both_bases():
    # 4,800 already left on the chronic base and nothing paid: a level-1 admission of 1,200
    # leaves 350 (class 3 below its 1,500). M = 5,150 left: 50% x 150 = 75.
    person = replace(CLASS_3, tilted_approved=True)
    ytd = YearToDate(ma_base_chronic=D("4800"))
    s = settle(POLICY, LEVEL_1_1200, person, ytd)
    assert (s.assistance, s.extra_assistance) == (D("0.00"), D("75.00"))


def test_tilted_assistance_only_for_care_inside_the_province():
    person = replace(CLASS_3, tilted_approved=True)
    ytd = YearToDate(ma_base_chronic=D("4800"))
    outside = settle(POLICY, replace(LEVEL_1_1200, in_province=False), person, ytd)
    assert outside.extra_assistance == D("0")
    assert "省外就医，不享受倾斜救助" in steps(outside)


def test_backstop_reads_both_bases():
    # A monitored person: M = 4,800 + 5,000 = 9,800 with nothing paid by MA on the year so far.
    person = Eligibility(identities=("monitored_edge",), assistance_approved=True)
    ytd = YearToDate(ma_base_chronic=D("4800"), ma_paid=D("0"))
    big = admission(1, costs={"class_a": "33533.33"})  # 85% x 33,333.33 = 28,333.33; 5,200.00 left
    s = settle(POLICY, big, person, ytd)
    assert s.ma_base == D("5200.00")
    ma = D("0.65") * (D("5200") - D("1500"))  # 2,405.00
    left = D("4800") + D("5200") - ma
    assert (s.assistance, s.extra_assistance) == (ma, left - (D("5000") + D("0.05") * D("5000")))


@pytest.mark.parametrize("policy, visit", [
    (POLICY, admission(2, "remote_unfiled")),
    (JILIN, admission(2, referral="unreferred")),
], ids=["remote_unfiled", "jilin_unreferred"])
def test_unreferred_care_is_outside_assistance(policy, visit):
    s = settle(policy, visit, Eligibility(identities=("extreme_poverty",), tilted_approved=True), ZERO_YTD)
    assert (s.assistance, s.extra_assistance, s.ma_base) == (D("0"), D("0"), D("0"))
    assert "未按规定转诊备案，不纳入医疗救助" in steps(s)


# --- 3.5 a chronic visit needs its disease --------------------------------------------------------------


@pytest.mark.parametrize("disease", ["", "   "])
def test_a_chronic_visit_without_a_disease_gets_nothing_from_the_chronic_pool(disease):
    visit = Visit(kind="chronic", disease=disease, facility_level=2, costs={"class_a": D("30000")})
    s = settle(POLICY, visit, Eligibility(identities=("extreme_poverty",)), ZERO_YTD)
    assert (s.basic_fund, s.critical_illness, s.assistance, s.personal) == (D("0"), D("0"), D("0"), D("30000"))
    assert (s.chronic_fund, s.ci_base, s.ma_base_chronic) == (D("0"), D("0"), D("0"))
    assert "未填写慢特病病种，门诊慢特病统筹不支付" in steps(s)


# --- 3.7 吉林 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("location", LOCATIONS)
def test_jilin_has_no_location_first_self_pay(location):
    s = settle(JILIN, admission(2, location), NOBODY, ZERO_YTD)
    assert (s.location_first_pay, s.basic_fund) == (D("0"), D("6580.00"))  # 70% x (10,000 - 600)
    assert "异地就医个人先行自付" not in steps(s)
    assert not any("沿用咸宁" in step.source and "location" in step.step for step in s.explanation)


def test_jilin_preset_holds_no_location_rates():
    assert not [row for row in presets.JILIN_BASIC if row[0].startswith("location_rate.")]
    assert JILIN.location_rates == {}


@pytest.mark.parametrize("level, referred, outside_list, unreferred", [
    (1, "7840.00", "5880.00", "1960.00"),  # 80% / 60% / 20% of (10,000 - 200)
    (2, "6580.00", "4700.00", "1880.00"),  # 70% / 50% / 20% of 9,400
    (3, "5400.00", "3600.00", "1800.00"),  # 60% / 40% / 20% of 9,000
])
def test_jilin_rate_by_referral(level, referred, outside_list, unreferred):
    funds = [settle(JILIN, admission(level, referral=r), NOBODY, ZERO_YTD).basic_fund
             for r in ("referred", "referred_outside_list", "unreferred")]
    assert funds == [D(referred), D(outside_list), D(unreferred)]


@pytest.mark.parametrize("already_paid, deductible", [("0", "1000"), ("200", "800.00"), ("999.99", "0.01"), ("1000", "0"), ("1200", "0")])
def test_jilin_deductible_counts_continuously_over_a_referral(already_paid, deductible):
    s = settle(JILIN, admission(3, referred_from_deductible=D(already_paid)), NOBODY, ZERO_YTD)
    assert s.deductible == D(deductible)
    assert s.basic_fund == (D("0.60") * (D("10000") - D(deductible))).quantize(D("0.01"))


def test_jilin_downward_referral_pays_no_deductible():
    s = settle(JILIN, admission(1, downward_referral=True, referred_from_deductible=D("50")), NOBODY, ZERO_YTD)
    assert (s.deductible, s.basic_fund) == (D("0"), D("8000.00"))
    assert "上级医院下转接续治疗，取消当次起付标准" in steps(s)


def test_referral_attributes_are_ignored_where_the_region_has_no_referral_rules():
    plain = settle(POLICY, admission(2), NOBODY, ZERO_YTD)
    for attrs in ({"referral": "unreferred"}, {"referral": "referred_outside_list"}, {"referred_from_deductible": D("600")},
                  {"downward_referral": True}):
        assert settle(POLICY, admission(2, **attrs), NOBODY, ZERO_YTD).basic_fund == plain.basic_fund == D("6580.00")


@pytest.mark.parametrize("tier, fund", [("community_station", "10.00"), ("village", "10.00"), ("township", "12.00"),
                                        ("secondary_plus", "10.00"), ("clinic", "10.00")])
def test_jilin_general_outpatient_rate_by_tier(tier, fund):
    # P 20: 50% at stations and village clinics, 60% at centres and township hospitals.
    s = settle(JILIN, Visit(kind="outpatient", facility_tier=tier, costs={"class_a": D("20")}), NOBODY, ZERO_YTD)
    assert s.basic_fund == D(fund)


def test_jilin_first_self_pay_is_10_percent_on_every_class_b_line():
    costs = {line: "1000" for line in ("class_b_drug", "blood", "class_b_treatment", "material_general", "material_other_domestic",
                                       "material_other_imported")}
    assert settle(JILIN, admission(1, costs=costs), NOBODY, ZERO_YTD).class_b_first_pay == D("600.00")


def test_jilin_presets_mark_what_the_source_leaves_open():
    rows = {row[0]: row for row in presets.JILIN_BASIC}
    assert rows["inpatient_rate.1"][4] is False and "左右" in rows["inpatient_rate.1"][3]  # "80%左右"
    assert rows["inpatient_deductible.2"][4] is False and "X000" in rows["inpatient_deductible.2"][3]
    assert rows["unreferred_rate"][1:] == (D("0.20"), "rate", "J003 §二(三)9(2)", True)
    assert rows["referral_rate_cut.referred_outside_list"][1] == D("0.20") and rows["outpatient_rate.township"][1] == D("0.60")
    assert all(not row[4] for row in presets.JILIN_BASIC_PERIODS)  # the maternity cap is 咸宁's


# --- edges that pin each comparison and term ---------------------------------------------------------


def test_a_region_with_only_the_referral_rate_cut_still_has_no_location_first_self_pay():
    only_cut = replace(JILIN, unreferred_rate=None)
    s = settle(only_cut, admission(2, "remote_unfiled", referral="referred_outside_list"), NOBODY, ZERO_YTD)
    assert (s.location_first_pay, s.basic_fund) == (D("0"), D("4700.00"))  # 50% x (10,000 - 600)


def test_an_unreferred_mark_changes_nothing_where_the_region_has_no_referral_rules():
    poor = Eligibility(identities=("extreme_poverty",))
    s = settle(POLICY, admission(2, referral="unreferred"), poor, ZERO_YTD)
    assert (s.basic_fund, s.assistance) == (D("6580.00"), D("3420.00"))  # 70%, then MA 100% of what is left


def test_jilin_reads_the_referral_of_admissions_only():
    chronic = Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("1000")}, referral="unreferred")
    s = settle(JILIN, chronic, Eligibility(identities=("extreme_poverty",)), ZERO_YTD)
    assert (s.basic_fund, s.assistance) == (D("600.00"), D("200.00"))  # chronic 60%, chronic MA 50%


def test_jilin_counts_the_share_of_the_referring_deductible_its_parameter_says():
    half = replace(JILIN, referral_deductible_credit=D("0.5"))
    assert settle(half, admission(3, referred_from_deductible=D("200")), NOBODY, ZERO_YTD).deductible == D("900.00")
    assert "转诊连续计算起付标准（扣除转出医院已付起付标准）" in steps(settle(JILIN, admission(3, referred_from_deductible=D("200")),
                                                                          NOBODY, ZERO_YTD))


@pytest.mark.parametrize("level, referral, label", [
    (3, "referred_outside_list", "转诊病种范围外，支付比例降低20个百分点（按40%支付）"),
    (1, "referred_outside_list", "转诊病种范围外，支付比例降低20个百分点（按60%支付）"),
    (2, "unreferred", "未按规定办理转诊或急诊手续，统筹基金按20%支付"),
])
def test_jilin_explains_the_referral_rate_in_words(level, referral, label):
    s = settle(JILIN, admission(level, referral=referral), NOBODY, ZERO_YTD)
    assert label in steps(s)
    assert next(step for step in s.explanation if step.step == label).source == "J003 §二(三)9(2)"


def test_the_deductible_is_limited_to_what_the_location_first_self_pay_leaves():
    # Level 3, P 1,200 without filing: 240 first self-pay, so the deductible takes the 960 left.
    s = settle(POLICY, admission(3, "remote_unfiled", costs={"class_a": "1200"}), NOBODY, ZERO_YTD)
    assert (s.location_first_pay, s.deductible, s.basic_fund, s.personal) == (D("240.00"), D("960.00"), D("0.00"), D("1200.00"))


def test_maternity_refusal_names_the_region():
    with pytest.raises(SettlementError) as refused:
        settle(replace(POLICY, maternity_cap=None), admission(1, kind="maternity"), NOBODY, ZERO_YTD)
    assert refused.value.field == "region"


@pytest.mark.parametrize("used, fund", [("340", "10.00"), ("340.01", "9.99")])
def test_outpatient_annual_cap_step_only_when_it_cuts(used, fund):
    s = settle(POLICY, Visit(kind="outpatient", facility_tier="secondary_plus", costs={"class_a": D("20")}), NOBODY,
               YearToDate(outpatient_fund=D(used)))
    assert s.basic_fund == D(fund)
    assert ("门诊统筹年度支付限额" in steps(s)) == (used == "340.01")


@pytest.mark.parametrize("used, fund", [("5900", "600.00"), ("5900.01", "599.99")])
def test_chronic_annual_cap_step_only_when_it_cuts(used, fund):
    visit = Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("1000")})
    s = settle(POLICY, visit, NOBODY, YearToDate(chronic_fund=D(used)))
    assert s.basic_fund == D(fund)
    assert ("门诊慢性病年度支付限额" in steps(s)) == (used == "5900.01")


@pytest.mark.parametrize("policy, tier, source", [
    (POLICY, "township", "X000 art. 17"),
    (JILIN, "township", "J003 §二(三)10(1)"),
    (JILIN, "clinic", "J003 §二(三)10(1)（二级及以上医疗机构、诊所文件未列，暂按50%）"),
])
def test_the_outpatient_step_cites_the_rate_it_used(policy, tier, source):
    s = settle(policy, Visit(kind="outpatient", facility_tier=tier, costs={"class_a": D("20")}), NOBODY, ZERO_YTD)
    assert next(step for step in s.explanation if step.step == "基本医保门诊统筹支付").source.startswith(source)


# Two level-3 admissions of P 40,000 in a year: basic 23,400 each, 16,600 left each. First: CI
# 2,760, MA 65% x (13,840 - 1,500) = 8,021, 5,819 left. Second: CI 9,960, MA 4,316, 8,143 left.
BIG = admission(3, costs={"class_a": "40000"})


def test_tilted_assistance_of_a_second_visit_is_the_years_less_the_first():
    person = replace(CLASS_3, tilted_approved=True)
    first = settle(POLICY, BIG, person, ZERO_YTD)
    second = settle(POLICY, BIG, person, first.added_to(ZERO_YTD, same_day=False))
    assert first.extra_assistance == D("409.50")  # 50% x (5,819 - 5,000)
    assert second.extra_assistance == D("1162.00")  # 50% x (8,143 - 5,000) = 1,571.50, less 409.50
    assert second.personal == D("40000") - D("23400") - D("9960") - D("4316") - D("1162")  # 1,162 off what the person pays


def test_backstop_of_a_second_visit_is_the_years_less_the_first():
    person = Eligibility(identities=("monitored_edge",), assistance_approved=True)
    first = settle(POLICY, BIG, person, ZERO_YTD)
    second = settle(POLICY, BIG, person, first.added_to(ZERO_YTD, same_day=False))
    assert first.extra_assistance == D("377.00")  # 5,819 - (5,000 + 5% x 8,840)
    assert second.extra_assistance == D("1992.00")  # 8,143 - (5,000 + 5% x 15,480) = 2,369, less 377


@pytest.mark.parametrize("paid, extra", [("99590.50", "409.50"), ("99590.51", "409.49")])
def test_tilted_year_cap_step_only_when_it_cuts(paid, extra):
    s = settle(POLICY, BIG, replace(CLASS_3, tilted_approved=True), YearToDate(extra_paid=D(paid)))
    assert s.extra_assistance == D(extra)
    assert ("倾斜救助年度限额" in steps(s)) == (paid == "99590.51")


@pytest.mark.parametrize("reason, shown", [("待遇等待期内（2023-04-01起享受待遇），基本医保不支付", "待遇等待期内（2023-04-01起享受待遇），基本医保不支付"),
                                           ("", "未参保或处于等待期，一般诊疗费由个人支付")])
def test_general_fee_of_someone_not_insured_says_why(reason, shown):
    s = settle(POLICY, Visit(kind="general_fee", facility_tier="village"), Eligibility(insured=False, uninsured_reason=reason), ZERO_YTD)
    assert shown in steps(s) and (s.basic_fund, s.personal) == (D("0"), D("8"))


def test_general_fee_steps_end_with_what_the_person_pays():
    s = settle(POLICY, Visit(kind="general_fee", facility_tier="township"), NOBODY, ZERO_YTD)
    assert [(step.step, step.amount) for step in s.explanation] == [("一般诊疗费", D("13")), ("基本医保支付", D("9")), ("个人负担", D("4"))]


def test_assistance_alone_on_what_basic_and_ci_left():
    # benefits.services.one_time recomputes MA on stored settlements: 50% of a chronic base.
    chronic = Visit(kind="chronic", disease="hypertension", facility_level=2)
    ma, added, extra, explained = assistance_for(POLICY, chronic, CLASS_3, D("1600"), ZERO_YTD)
    assert (ma, added, extra) == (D("800.00"), D("1600"), D("0"))
    assert [step.step for step in explained] == ["门诊慢特病医疗救助（3类）"]
    ma, added, _extra, _ = assistance_for(POLICY, LEVEL_1_1200, CLASS_3, D("2000"), YearToDate(ma_base=D("1000")))
    assert (ma, added) == (D("975.00"), D("2000"))  # 65% x (3,000 - 1,500)


def test_a_general_fee_leaves_the_maternity_and_assistance_totals_alone():
    ytd = YearToDate(maternity_fund=D("500"), ma_base=D("100"), ma_base_chronic=D("200"))
    after = settle(POLICY, Visit(kind="general_fee", facility_tier="village"), NOBODY, ytd).added_to(ytd)
    assert (after.basic_fund, after.maternity_fund, after.ma_base, after.ma_base_chronic) == (D("7"), D("500"), D("100"), D("200"))


def test_backstop_of_a_visit_is_at_most_what_the_visit_leaves():
    """S001 §三(四)4: a person monitored from mid-year whose earlier bills left 20,000 unmet (none of
    it backstopped) is topped up on a small admission by what that admission leaves after MA,
    not by the year's whole need: the backstop pays this bill, not the earlier ones."""
    person = Eligibility(identities=("monitored_edge",), assistance_approved=True)
    ytd = YearToDate(ma_base=D("20000"), ma_paid=D("0"), extra_paid=D("0"))
    s = settle(POLICY, admission(1, costs={"class_a": "3000"}), person, ytd)
    assert s.ma_base > s.assistance > 0
    assert s.extra_assistance == s.ma_base - s.assistance  # what the admission left after MA, all of it
    assert s.extra_assistance < D("1000")  # far below the year's 20,000 less what the person keeps

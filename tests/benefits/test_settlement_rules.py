"""RULES.md 3-5 on the pure engine with the preset parameters: the worked examples of section 9
exactly, then each table."""

import itertools
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from assistance.presets import CLASSES
from benefits import presets
from benefits.rules.policy import build_policy
from benefits.rules.settlement import REFERRALS, ChronicRule, Eligibility, SettlementError, Split, Visit, YearToDate, ci_paid_for, settle
from benefits.services.policy import RULE_CITATIONS, borrowed_source, preset_row

MA_CLASSES = {c: k for c, k in CLASSES.items() if k}


def preset_policy(day: date, basic=presets.XIANNING_BASIC, periods=presets.XIANNING_BASIC_PERIODS, region="421200"):
    """The policy a pooling region's presets give on a day, as the database loads them
    (benefits.services.policy): the undated rows and the dated ones in force that day (the
    maternity cap), sources marked where borrowed, and the region's citations of the rules no
    parameter carries."""
    rows = [*basic, *presets.CRITICAL_ILLNESS, *presets.MEDICAL_ASSISTANCE]
    rows += [row[:5] for row in periods if row[5] <= day and (row[6] is None or day <= row[6])]
    rows = [preset_row(region, row) for row in rows]
    cited = {family: borrowed_source(by_region[region], region) for family, by_region in RULE_CITATIONS.items()}
    return build_policy({r[0]: r[1] for r in rows}, ma_class_of=MA_CLASSES, sources={**cited, **{r[0]: r[3] for r in rows}})


POLICY = preset_policy(date(2023, 3, 15))  # 咸宁
NOBODY = Eligibility()
ZERO_YTD = YearToDate()


def inpatient(level=2, location="local", **costs):
    return Visit(kind="inpatient", facility_level=level, location=location, costs={k: D(v) for k, v in costs.items()})


def run(visit, person=NOBODY, ytd=ZERO_YTD):
    return settle(POLICY, visit, person, ytd)


# --- RULES.md section 9: the four worked examples -------------------------------------------


def test_example_1_local_level_2_admission():
    s = run(inpatient(2, class_a="8000", class_b_drug="2000", out_of_catalogue="500"))
    assert (s.total, s.class_b_first_pay, s.policy_range, s.deductible) == (D("10500"), D("200.00"), D("9800.00"), D("600"))
    assert (s.basic_fund, s.critical_illness, s.assistance, s.personal) == (D("6440.00"), D("0"), D("0"), D("4060.00"))
    assert s.ci_base == D("3360.00")


def test_example_2_same_admission_for_subsistence_allowance():
    s = run(inpatient(2, class_a="8000", class_b_drug="2000", out_of_catalogue="500"), Eligibility(identities=("subsistence_allowance",)))
    assert (s.assistance, s.personal) == (D("2352.00"), D("1708.00"))


def test_example_3_remote_without_filing():
    s = run(inpatient(3, "remote_unfiled", class_a="20000"))
    assert (s.location_first_pay, s.deductible, s.basic_fund, s.personal) == (D("4000.00"), D("1000"), D("9000.00"), D("11000.00"))
    assert s.ci_base == D("7000.00")


def test_example_4_village_clinic_daily_cap():
    s = run(Visit(kind="outpatient", facility_tier="village", costs={"class_a": D("40")}))
    assert (s.basic_fund, s.personal) == (D("15"), D("25"))


def test_example_1_explained_step_by_step():
    s = run(inpatient(2, class_a="8000", class_b_drug="2000", out_of_catalogue="500"))
    assert [(step.step, step.amount, step.source) for step in s.explanation] == [
        ("费用合计", D("10500"), ""),
        ("全自费（目录外）", D("500"), "X000 art. 25"),
        ("乙类先行自付", D("200"), "X000 art. 26"),
        ("政策范围内费用", D("9800"), "X000 art. 26"),
        ("起付标准", D("600"), "X000 art. 20(一)1"),
        ("基本医保统筹支付", D("6440"), "X000 art. 20(一)2"),
        ("大病保险", D("0"), "RULES.md 4 (X000 art. 23; not from the sources)"),
        ("个人负担", D("4060"), ""),
    ]


def test_example_2_explains_the_ci_group_and_the_assistance_class():
    s = run(inpatient(2, class_a="8000", class_b_drug="2000", out_of_catalogue="500"), Eligibility(identities=("subsistence_allowance",)))
    assert [step.step for step in s.explanation[-3:]] == ["大病保险（困难群众起付线减半、比例提高）", "医疗救助（2类）", "个人负担"]


# --- the year's totals after a visit (what the next visit of the year reads) --------------------


def test_a_split_adds_each_part_to_its_own_year_total():
    s = Split(total=D("100"), out_of_catalogue=D("1"), class_b_first_pay=D("2"), policy_range=D("97"), location_first_pay=D("3"),
              deductible=D("4"), basic_fund=D("10"), critical_illness=D("20"), assistance=D("30"), extra_assistance=D("40"),
              personal=D("0"), explanation=(), ci_base=D("50"), ma_base=D("60"), outpatient_fund=D("7"), chronic_fund=D("8"),
              ma_base_chronic=D("70"), maternity_fund=D("9"))
    before = YearToDate(basic_fund=D("1000"), outpatient_fund=D("100"), outpatient_fund_today=D("5"), chronic_fund=D("200"),
                        ci_base=D("300"), ci_paid=D("400"), ma_base=D("500"), ma_paid=D("600"), extra_paid=D("700"),
                        ma_base_chronic=D("800"), maternity_fund=D("900"))
    assert s.added_to(before) == YearToDate(
        basic_fund=D("1010"), outpatient_fund=D("107"), outpatient_fund_today=D("12"), chronic_fund=D("208"), ci_base=D("350"),
        ci_paid=D("420"), ma_base=D("560"), ma_paid=D("630"), extra_paid=D("740"), ma_base_chronic=D("870"), maternity_fund=D("909"),
        disease_chronic_fund=D("8"))  # for a following visit of the same disease
    assert s.added_to(before, same_day=False).outpatient_fund_today == D("7")  # a new day starts from this visit


def test_an_outpatient_visit_adds_its_fund_to_the_outpatient_totals():
    s = run(Visit(kind="outpatient", facility_tier="township", costs={"class_a": D("30")}))
    assert (s.basic_fund, s.outpatient_fund, s.chronic_fund, s.ci_base, s.ma_base) == (D("15.00"), D("15.00"), D("0"), D("0"), D("0"))


# --- refusals name their field ---------------------------------------------------------------


@pytest.mark.parametrize("visit, field", [
    (Visit(kind="dental"), "visit"),
    (Visit(kind="inpatient", location="moon"), "location"),
    (Visit(kind="outpatient", facility_tier="pharmacy"), "facility_tier"),
    (Visit(kind="inpatient", facility_level=4), "facility_level"),
    (Visit(kind="inpatient", referral="maybe"), "referral"),
    (Visit(kind="inpatient", referred_from_deductible=D("-1")), "referred_from_deductible"),
    (Visit(kind="inpatient", costs={"caviar": D("1")}), "costs"),
    (Visit(kind="inpatient", costs={"class_a": D("-1")}), "costs"),
])
def test_a_visit_the_rules_cannot_read_is_refused_naming_its_field(visit, field):
    with pytest.raises(SettlementError) as refused:
        run(visit)
    assert (refused.value.code, refused.value.field) == (field, field)
    assert re.search(r"[\u4e00-\u9fff]", refused.value.message)


# --- 3.1 class-B first self-pay ---------------------------------------------------------------


@pytest.mark.parametrize("line, first_pay", [
    ("class_b_drug", "100.00"), ("blood", "300.00"), ("class_b_treatment", "100.00"), ("material_general", "100.00"),
    ("material_other_domestic", "150.00"), ("material_other_imported", "300.00"), ("class_a", "0.00"),
])
def test_every_class_b_line(line, first_pay):
    s = run(inpatient(1, **{line: "1000"}))
    assert s.class_b_first_pay == D(first_pay)
    assert s.policy_range == D("1000") - D(first_pay)


# --- 3.2 inpatient: levels, locations, deductible, annual cap ----------------------------------


@pytest.mark.parametrize("level, deductible, fund", [(1, "200", "8330.00"), (2, "600", "6580.00"), (3, "1000", "5400.00")])
def test_every_level(level, deductible, fund):
    s = run(inpatient(level, class_a="10000"))
    assert (s.deductible, s.basic_fund) == (D(deductible), D(fund))


# A level-2 admission of P 10,000: first self-pay by location, 70% of (P - first self-pay - 600),
# and the CI base: everything basic insurance left, except the 20% of care without a filing
# (X000 art. 23; RULES.md 4). The other locations' first self-pay stays in the CI base.
@pytest.mark.parametrize("location, first_pay, fund, ci_base", [
    ("local", "0.00", "6580.00", "3420.00"),
    ("county_at_city", "500.00", "6230.00", "3770.00"),
    ("remote_filed", "1000.00", "5880.00", "4120.00"),
    ("remote_unfiled", "2000.00", "5180.00", "2820.00"),  # 4,820 left, of which the 2,000 stays out
    ("remote_emergency_nondesignated", "2000.00", "5180.00", "4820.00"),
    ("remote_long_term", "0.00", "6580.00", "3420.00"),
])
def test_every_location(location, first_pay, fund, ci_base):
    s = run(inpatient(2, location, class_a="10000"))
    assert (s.location_first_pay, s.basic_fund, s.ci_base) == (D(first_pay), D(fund), D(ci_base))


def test_deductible_larger_than_the_policy_range():
    s = run(inpatient(3, class_a="300"))
    assert (s.deductible, s.basic_fund, s.personal) == (D("300.00"), D("0.00"), D("300.00"))


def test_annual_cap_crossed_inside_one_visit():
    s = run(inpatient(1, class_a="100000"), ytd=YearToDate(basic_fund=D("190000")))
    assert s.basic_fund == D("10000")
    assert any(step.step == "基本医保年度最高支付限额" for step in s.explanation)
    assert run(inpatient(1, class_a="1000"), ytd=YearToDate(basic_fund=D("200000"))).basic_fund == D("0")


# --- 3.3 outpatient, 两病 ----------------------------------------------------------------------


@pytest.mark.parametrize("tier, cap", [("secondary_plus", "50"), ("township", "25"), ("community_station", "15"), ("village", "15"),
                                       ("clinic", "15")])
def test_outpatient_daily_caps(tier, cap):
    assert run(Visit(kind="outpatient", facility_tier=tier, costs={"class_a": D("1000")})).basic_fund == D(cap)
    used = YearToDate(outpatient_fund_today=D(cap) - D("5"), outpatient_fund=D(cap) - D("5"))
    assert run(Visit(kind="outpatient", facility_tier=tier, costs={"class_a": D("1000")}), ytd=used).basic_fund == D("5")


def test_outpatient_annual_cap_350_and_two_diseases_550():
    visit = Visit(kind="outpatient", facility_tier="secondary_plus", costs={"class_a": D("100")})
    assert run(visit, ytd=YearToDate(outpatient_fund=D("340"))).basic_fund == D("10")
    registered = Eligibility(two_diseases_registered=True)
    assert run(visit, registered, YearToDate(outpatient_fund=D("540"))).basic_fund == D("10")
    drug = Visit(kind="two_diseases_drug", facility_tier="secondary_plus", costs={"class_a": D("1000")})
    assert run(drug, registered).basic_fund == D("500.00")  # no daily cap
    assert run(drug, registered, YearToDate(outpatient_fund=D("300"))).basic_fund == D("250")
    assert run(drug).basic_fund == D("0")  # not registered


def test_outpatient_gets_no_critical_illness_or_assistance():
    s = run(Visit(kind="outpatient", costs={"class_a": D("100")}), Eligibility(identities=("extreme_poverty",)))
    assert (s.critical_illness, s.assistance) == (D("0"), D("0"))


# --- 3.4 general consultation fee --------------------------------------------------------------


@pytest.mark.parametrize("tier, fee, fund", [("township", "13", "9"), ("community_station", "13", "9"), ("village", "8", "7")])
def test_general_fee(tier, fee, fund):
    s = run(Visit(kind="general_fee", facility_tier=tier, costs={"class_a": D("999")}))
    assert (s.total, s.basic_fund, s.personal) == (D(fee), D(fund), D(fee) - D(fund))
    uninsured = run(Visit(kind="general_fee", facility_tier=tier), Eligibility(insured=False))
    assert (uninsured.basic_fund, uninsured.personal) == (D("0"), D(fee))


@pytest.mark.parametrize("tier", ["clinic", "secondary_plus"])
def test_general_fee_at_a_tier_without_a_fee_is_the_persons(tier):
    # RULES.md 3.4: a tier without a fee: the person pays what the bill charges, the fund nothing.
    s = run(Visit(kind="general_fee", facility_tier=tier, costs={"class_a": D("20")}))
    assert (s.total, s.basic_fund, s.personal) == (D("20"), D("0"), D("20"))
    assert "该类医疗机构不设一般诊疗费，基金不支付" in [step.step for step in s.explanation]
    nothing = run(Visit(kind="general_fee", facility_tier=tier))
    assert (nothing.total, nothing.personal) == (D("0"), D("0"))


def test_general_fee_without_zero_markup_is_the_persons():
    s = run(Visit(kind="general_fee", facility_tier="township", zero_markup=False))
    assert (s.total, s.basic_fund, s.personal) == (D("13"), D("0"), D("13"))
    assert "该机构未实行药品零差率，一般诊疗费由个人支付" in [step.step for step in s.explanation]


@pytest.mark.parametrize("used, fund", [("199991", "9"), ("199995", "5"), ("200000", "0"), ("250000", "0")])
def test_general_fee_reaching_the_annual_cap(used, fund):
    s = run(Visit(kind="general_fee", facility_tier="township"), ytd=YearToDate(basic_fund=D(used)))
    assert (s.basic_fund, s.personal) == (D(fund), D("13") - D(fund))


# --- 3.5 chronic -----------------------------------------------------------------------------


DIALYSIS = ChronicRule(name="尿毒症透析", special=True, source="N004 §八; J003 §二(三)10")
TB = ChronicRule(name="结核病", rate=D("0.80"), annual_cap=D("1500"), source="S001 art. 8 (employee measures)")


def test_chronic_rate_and_cap_and_special_diseases():
    hypertension = Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("1000")})
    assert run(hypertension).basic_fund == D("600.00")
    assert run(hypertension, ytd=YearToDate(chronic_fund=D("6400"))).basic_fund == D("100")
    dialysis = Visit(kind="chronic", disease="uraemia_dialysis", facility_level=2, costs={"class_a": D("1000")}, chronic_rule=DIALYSIS)
    assert run(dialysis).basic_fund == D("700.00")  # the inpatient rate of level 2, not the chronic 60%
    assert run(hypertension, Eligibility(chronic_approved=False)).basic_fund == D("0")


@pytest.mark.parametrize("level, fund", [(1, "850.00"), (2, "700.00"), (3, "600.00")])  # X000 art. 20(一)2
def test_a_special_disease_is_paid_at_the_inpatient_rate_of_the_level_outside_the_chronic_cap(level, fund):
    visit = Visit(kind="chronic", disease="uraemia_dialysis", facility_level=level, costs={"class_a": D("1000")}, chronic_rule=DIALYSIS)
    s = run(visit, ytd=YearToDate(chronic_fund=D("6500")))  # the chronic cap spent: a special disease is not under it
    assert (s.basic_fund, s.chronic_fund) == (D(fund), D("0"))
    step = next(step for step in s.explanation if step.step == "门诊特殊疾病按住院比例支付")
    assert step.source == "N004 §八; J003 §二(三)10"  # the catalogue entry's source


def test_a_special_disease_without_a_catalogue_source_cites_the_inpatient_rate():
    visit = Visit(kind="chronic", disease="x", facility_level=2, costs={"class_a": D("1000")}, chronic_rule=ChronicRule(special=True))
    [step] = [st for st in run(visit).explanation if st.step == "门诊特殊疾病按住院比例支付"]
    assert (step.amount, step.source) == (D("700.00"), POLICY.source("inpatient_rate")) and step.source.startswith("X000 art. 20")


def test_a_diseases_cap_step_without_a_name_says_the_disease():
    visit = Visit(kind="chronic", disease="x", facility_level=1, costs={"class_a": D("1000")},
                  chronic_rule=ChronicRule(annual_cap=D("100")))
    assert "该病种年度支付限额" in [st.step for st in run(visit).explanation]


@pytest.mark.parametrize("rule, fund, step, source", [
    (ChronicRule(), "600.00", "基本医保门诊慢性病支付", "J003"),  # no rate of its own: the region's 60%
    # its own 80%, named in the step (the region's rate parameter is not the one used) and cited by its catalogue entry
    (TB, "800.00", "基本医保门诊慢性病支付（结核病支付比例）", "S001 art. 8 (employee measures)"),
    (ChronicRule(rate=D("0.55")), "550.00", "基本医保门诊慢性病支付（该病种支付比例）", ""),
])
def test_a_chronic_disease_is_paid_at_its_own_rate_else_the_regions(rule, fund, step, source):
    s = run(Visit(kind="chronic", disease="x", facility_level=1, costs={"class_a": D("1000")}, chronic_rule=rule))
    assert (s.basic_fund, s.chronic_fund) == (D(fund), D(fund))
    [paid] = [st for st in s.explanation if st.step.startswith("基本医保门诊慢性病支付")]
    assert (paid.step, paid.amount) == (step, D(fund)) and paid.source.startswith(source)


@pytest.mark.parametrize("paid, fund, cut", [
    ("0", "800.00", False),
    ("700", "800.00", False),  # exactly what is left of 1,500
    ("700.01", "799.99", True),
    ("1500", "0.00", True),
    ("1600", "0.00", True),  # above the cap (a cap lowered mid-year): nothing, never negative
])
def test_a_diseases_own_annual_cap_limits_what_is_paid_for_it(paid, fund, cut):
    visit = Visit(kind="chronic", disease="tuberculosis", facility_level=1, costs={"class_a": D("1000")}, chronic_rule=TB)
    s = run(visit, ytd=YearToDate(chronic_fund=D(paid), disease_chronic_fund=D(paid)))
    assert (s.basic_fund, s.chronic_fund) == (D(fund), D(fund))
    assert ("结核病年度支付限额" in [step.step for step in s.explanation]) == cut


def test_a_diseases_cap_counts_only_that_disease_and_the_regions_cap_counts_every_chronic_disease():
    visit = Visit(kind="chronic", disease="tuberculosis", facility_level=1, costs={"class_a": D("1000")}, chronic_rule=TB)
    # 6,000 paid this year for another disease: the disease's 1,500 is untouched, the region's 6,500 leaves 500
    s = run(visit, ytd=YearToDate(chronic_fund=D("6000"), disease_chronic_fund=D("0")))
    assert s.basic_fund == D("500.00")
    assert [step.step for step in s.explanation if "限额" in step.step] == ["门诊慢性病年度支付限额"]
    # both cut: the lower room wins, each cap cited
    s = run(visit, ytd=YearToDate(chronic_fund=D("6400"), disease_chronic_fund=D("1300")))
    assert s.basic_fund == D("100.00")
    assert [step.step for step in s.explanation if "限额" in step.step] == ["结核病年度支付限额", "门诊慢性病年度支付限额"]


def test_chronic_cap_reached_over_two_visits():
    # 60% of 6,000 = 3,600 each; the second is limited to what is left of 6,500.
    visit = Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("6000")})
    first = run(visit)
    second = run(visit, ytd=first.added_to(ZERO_YTD, same_day=False))
    assert (first.basic_fund, first.chronic_fund) == (D("3600.00"), D("3600.00"))
    assert (second.basic_fund, second.chronic_fund) == (D("2900.00"), D("2900.00"))
    assert "门诊慢性病年度支付限额" in [step.step for step in second.explanation]


@pytest.mark.parametrize("disease, used, fund", [
    ("hypertension", "199400", "600.00"),  # 60% of 1,000: exactly the room left
    ("hypertension", "199400.01", "599.99"),
    ("hypertension", "200000", "0"),
    ("uraemia_dialysis", "199400.01", "599.99"),  # special disease at level 3's 60%
    ("uraemia_dialysis", "200000", "0"),
])
def test_chronic_visit_reaching_the_annual_cap(disease, used, fund):
    visit = Visit(kind="chronic", disease=disease, facility_level=3, costs={"class_a": D("1000")})
    s = run(visit, ytd=YearToDate(basic_fund=D(used)))
    assert (s.basic_fund, s.personal) == (D(fund), D("1000") - D(fund))
    assert ("基本医保年度最高支付限额" in [step.step for step in s.explanation]) == (D(fund) < D("600"))


# --- 4 critical illness ---------------------------------------------------------------------


@pytest.mark.parametrize("base, paid", [("12000", "0"), ("50000", "22800.00"), ("100000", "55300.00"), ("120000", "69300.00")])
def test_ci_bands(base, paid):
    assert ci_paid_for(POLICY, D(base), False) == D(paid)


def test_ci_cap_and_special_groups():
    assert ci_paid_for(POLICY, D("10000000"), False) == D("400000")
    # halved deductible (6,000), each rate +5 points, no cap
    assert ci_paid_for(POLICY, D("50000"), True) == D("28600.00")
    assert ci_paid_for(POLICY, D("10000000"), True) > D("400000")


def test_ci_tiers_crossed_inside_one_visit_incrementally():
    before = YearToDate(ci_base=D("40000"))
    big = inpatient(3, class_a="100000")  # self-pay after basic: 1,000 + 40% x 99,000 = 40,600
    s = run(big, ytd=before)
    expected = ci_paid_for(POLICY, D("80600"), False) - ci_paid_for(POLICY, D("40000"), False)
    assert s.critical_illness == expected


# A level-3 admission of P 21,000: deductible 1,000, basic 60% x 20,000 = 12,000, 9,000 left.
CI_ADMISSION = inpatient(3, class_a="21000")


@pytest.mark.parametrize("code, ci", [
    ("", "0"),                            # ordinary: 9,000 is below the 12,000 deductible
    ("low_income_edge", "0"),             # a hardship identity outside the CI groups
    ("extreme_poverty", "1950.00"),       # deductible halved to 6,000, 60% + 5 points: 65% x 3,000
    ("orphan", "1950.00"),
    ("subsistence_allowance", "1950.00"),
    ("returned_to_poverty", "1950.00"),
])
def test_ci_groups_halved_deductible_and_five_points_through_settle(code, ci):
    s = run(CI_ADMISSION, Eligibility(identities=(code,) if code else ()))
    assert (s.basic_fund, s.ci_base, s.critical_illness) == (D("12000.00"), D("9000.00"), D(ci))
    assert s.personal == D("21000") - s.basic_fund - s.critical_illness - s.assistance
    group = code in ("extreme_poverty", "orphan", "subsistence_allowance", "returned_to_poverty")
    assert ("大病保险（困难群众起付线减半、比例提高）" if group else "大病保险") in [step.step for step in s.explanation]


def test_ci_groups_have_no_cap_through_settle():
    # A year base of 700,000 already gives an ordinary person more than the 400,000 cap: the
    # next 9,000 pays nothing more; for a CI group it pays the top band 70% + 5 points.
    ytd = YearToDate(ci_base=D("700000"), ci_paid=D("400000"))
    assert run(CI_ADMISSION, ytd=ytd).critical_illness == D("0")
    assert run(CI_ADMISSION, Eligibility(identities=("subsistence_allowance",)), ytd).critical_illness == D("6750.00")


def test_ci_cap_reached_inside_a_visit_through_settle():
    # Ordinary: the base 600,000 gives 22,800 + 32,500 + 70% x 500,000 = 405,300, capped 400,000.
    ytd = YearToDate(ci_base=D("591000"), ci_paid=ci_paid_for(POLICY, D("591000"), False))
    s = run(CI_ADMISSION, ytd=ytd)
    assert ytd.ci_paid == D("399000.00") and s.critical_illness == D("1000.00")


# --- 5 medical assistance ------------------------------------------------------------------


@pytest.mark.parametrize("code, approved, ma", [
    ("extreme_poverty", False, "3360.00"),         # class 1: 100%, no deductible
    ("subsistence_allowance", False, "2352.00"),   # class 2: 70%
    ("low_income_edge", True, "1209.00"),          # class 3: 65% above 1,500
    ("low_income_edge", False, "0"),               # class 3 without approval
    ("illness_poverty", True, "0"),                # class 4: 5,000 deductible not reached
])
def test_every_class(code, approved, ma):
    s = run(inpatient(2, class_a="8000", class_b_drug="2000"), Eligibility(identities=(code,), assistance_approved=approved))
    assert s.assistance == D(ma)


def test_class_4_deductible_crossed_mid_year():
    person = Eligibility(identities=("illness_poverty",), assistance_approved=True)
    s = run(inpatient(2, class_a="8000", class_b_drug="2000"), person, YearToDate(ma_base=D("3000")))
    # year base 3,000 + 3,360 = 6,360: 50% of (6,360 - 5,000) = 680
    assert s.assistance == D("680.00")


def test_ma_cap_50000():
    person = Eligibility(identities=("extreme_poverty",))
    s = run(inpatient(1, class_a="10000"), person, YearToDate(ma_paid=D("49000"), ma_base=D("49000")))
    assert s.assistance == D("1000")


def test_unreferred_care_gets_no_assistance():
    s = run(inpatient(2, "remote_unfiled", class_a="10000"), Eligibility(identities=("extreme_poverty",)))
    assert (s.assistance, s.extra_assistance) == (D("0"), D("0"))


def test_tilted_assistance_above_5000_with_cap():
    person = Eligibility(identities=("low_income_edge",), assistance_approved=True, tilted_approved=True)
    s = run(inpatient(3, class_a="60000"), person)
    left = s.policy_range - s.basic_fund - s.critical_illness - s.assistance
    assert s.extra_assistance == ((left - D("5000")) * D("0.5")).quantize(D("0.01"))
    capped = run(inpatient(3, class_a="60000"), person, YearToDate(extra_paid=D("99990")))
    assert capped.extra_assistance <= D("10")


def test_backstop_for_monitored_people_instead_of_tilted():
    person = Eligibility(identities=("monitored_edge",), assistance_approved=True, tilted_approved=True)
    s = run(inpatient(3, class_a="60000"), person)
    m = s.policy_range - s.basic_fund - s.critical_illness
    left = m - s.assistance
    assert s.extra_assistance == left - (D("5000") + D("0.05") * (m - D("5000"))).quantize(D("0.01"))
    assert any(step.step == "托底保障" for step in s.explanation)


def test_class_3_deductible_is_charged_once_a_year_not_per_admission():
    # Two admissions each leaving 2,000 (level 2, P 8,600: deductible 600, 70% x 8,000 = 5,600).
    person = Eligibility(identities=("low_income_edge",), assistance_approved=True)
    admission = inpatient(2, class_a="8600")
    first = run(admission, person)
    second = run(admission, person, first.added_to(ZERO_YTD, same_day=False))
    assert (first.ma_base, first.assistance) == (D("3000.00"), D("975.00"))  # 65% x (3,000 - 1,500)
    assert (second.ma_base, second.assistance) == (D("3000.00"), D("1950.00"))  # 65% x 3,000: no second deductible


def test_tilted_assistance_on_the_second_visit_of_a_year():
    # Level 3, P 20,000: basic 11,400, 8,600 left. First: MA 65% x 7,100 = 4,615, 3,985 left
    # (below 5,000). Second: CI 60% x (17,200 - 12,000) = 3,120, MA 3,562 (the year's 65% x
    # 12,580 = 8,177 less 4,615); left 14,080 - 8,177 = 5,903: 50% x 903 = 451.50.
    person = Eligibility(identities=("low_income_edge",), assistance_approved=True, tilted_approved=True)
    admission = inpatient(3, class_a="20000")
    first = run(admission, person)
    second = run(admission, person, first.added_to(ZERO_YTD, same_day=False))
    assert (first.assistance, first.extra_assistance) == (D("4615.00"), D("0"))
    assert (second.critical_illness, second.assistance, second.extra_assistance) == (D("3120.00"), D("3562.00"), D("451.50"))


def test_tilted_assistance_year_cap_reached_on_a_later_visit():
    person = Eligibility(identities=("low_income_edge",), assistance_approved=True, tilted_approved=True)
    admission = inpatient(3, class_a="20000")
    first = run(admission, person)
    ytd = replace(first.added_to(ZERO_YTD, same_day=False), extra_paid=D("99800"))
    s = run(admission, person, ytd)
    assert s.extra_assistance == D("200")  # 451.50 due, 200 left of 100,000
    assert "倾斜救助年度限额" in [step.step for step in s.explanation]


def test_backstop_on_the_second_visit_of_a_year():
    # The same two admissions for a monitored person: M = 14,080 after the second, 5,903 left;
    # the person keeps at most 5,000 + 5% x 9,080 = 5,454, so the backstop pays 449.
    person = Eligibility(identities=("monitored_edge",), assistance_approved=True)
    admission = inpatient(3, class_a="20000")
    first = run(admission, person)
    second = run(admission, person, first.added_to(ZERO_YTD, same_day=False))
    assert (first.extra_assistance, second.assistance, second.extra_assistance) == (D("0"), D("3562.00"), D("449.00"))


def test_waiting_period_pays_nothing_from_basic():
    s = run(inpatient(2, class_a="10000"), Eligibility(insured=False, uninsured_reason="等待期内（X000 art. 11）"))
    assert (s.basic_fund, s.critical_illness, s.personal) == (D("0"), D("0"), D("10000"))
    assert s.explanation[4].step == "等待期内（X000 art. 11）"


# Steps whose amount no rule decides: the bill's total and the remainder the person pays.
UNRULED = {"费用合计", "个人负担"}
JILIN = preset_policy(date(2023, 3, 15), presets.JILIN_BASIC, presets.JILIN_BASIC_PERIODS, "220000")
EVERY_KIND = [
    inpatient(2, "remote_unfiled", class_a="80000", class_b_drug="2000", out_of_catalogue="500"),
    Visit(kind="inpatient", facility_level=3, referred_from_deductible=D("200"), costs={"class_a": D("300000")}),
    Visit(kind="inpatient", facility_level=1, downward_referral=True, costs={"class_a": D("3000")}),
    Visit(kind="maternity", facility_level=2, costs={"class_a": D("6000")}),
    Visit(kind="outpatient", facility_tier="township", costs={"class_a": D("400")}),
    Visit(kind="two_diseases_drug", facility_tier="township", costs={"class_a": D("40")}),
    Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("30000")}),
    Visit(kind="chronic", disease="uraemia_dialysis", facility_level=3, costs={"class_a": D("30000")}),
    Visit(kind="chronic", disease="", facility_level=2, costs={"class_a": D("300")}),
    Visit(kind="general_fee", facility_tier="village"),
    Visit(kind="general_fee", facility_tier="township", zero_markup=False),
    Visit(kind="general_fee", facility_tier="clinic", costs={"class_a": D("10")}),
]
PEOPLE = [NOBODY, Eligibility(insured=False, identities=("extreme_poverty",)),
          Eligibility(identities=("monitored_edge",), assistance_approved=True),
          Eligibility(identities=("low_income_edge",), assistance_approved=False, two_diseases_registered=True),
          Eligibility(identities=("subsistence_allowance",), tilted_approved=True),
          Eligibility(identities=("subsistence_allowance",), tilted_approved=True, chronic_approved=False)]


@pytest.mark.parametrize("policy", [POLICY, JILIN], ids=["xianning", "jilin"])
@pytest.mark.parametrize("visit", EVERY_KIND, ids=lambda v: f"{v.kind}-{v.facility_tier}-{v.disease}")
def test_every_step_cites_its_source(policy, visit):
    near_caps = YearToDate(basic_fund=D("199990"), outpatient_fund=D("345"), ma_paid=D("49990"), maternity_fund=D("995"),
                           extra_paid=D("99990"))
    for person, ytd, referral in itertools.product(PEOPLE, (ZERO_YTD, near_caps), REFERRALS):
        s = settle(policy, replace(visit, referral=referral, in_province=referral == "referred"), person, ytd)
        missing = [step.step for step in s.explanation if step.step not in UNRULED and not step.source]
        assert not missing, (person, ytd, referral, missing)
        if policy is JILIN:  # 吉林's own document, or a source that says where the value comes from
            borrowed = [(step.step, step.source) for step in s.explanation if step.source and "J003" not in step.source
                        and not any(note in step.source for note in ("沿用", "未规定", "not from the sources"))]
            assert not borrowed, borrowed


def test_the_steps_cite_the_articles_of_their_rules():
    s = run(inpatient(2, "remote_filed", class_a="8000", class_b_drug="2000", out_of_catalogue="500"))
    steps = {step.step: step.source for step in s.explanation}
    assert steps["起付标准"] == "X000 art. 20(一)1"
    assert steps["乙类先行自付"] == "X000 art. 26"
    assert steps["异地就医个人先行自付"] == "X000 art. 20(二)1"
    assert steps["基本医保统筹支付"] == "X000 art. 20(一)2"
    jilin = {step.step: step.source for step in settle(JILIN, inpatient(2, class_a="8000"), NOBODY, ZERO_YTD).explanation}
    assert jilin["基本医保统筹支付"].startswith("J003 §二(三)9(2)") and "沿用咸宁" in jilin["起付标准"]

"""RULES.md 3-5 on the pure engine with the preset parameters: the worked examples of section 9
exactly, then each table."""

from decimal import Decimal as D

import pytest

from assistance.presets import CLASSES
from benefits import presets
from benefits.rules.policy import build_policy
from benefits.rules.settlement import Eligibility, SettlementError, Visit, YearToDate, ci_paid_for, settle

VALUES = {name: value for rows in presets.PRESETS.values() for name, value, _unit, _source, _ok in rows}
SOURCES = {name: source for rows in presets.PRESETS.values() for name, _v, _unit, source, _ok in rows}
POLICY = build_policy(VALUES, ma_class_of={c: k for c, k in CLASSES.items() if k}, sources=SOURCES)
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


@pytest.mark.parametrize("location, first_pay", [("local", "0.00"), ("county_at_city", "500.00"), ("remote_filed", "1000.00"),
                                                 ("remote_unfiled", "2000.00"), ("remote_emergency_nondesignated", "2000.00")])
def test_every_location(location, first_pay):
    s = run(inpatient(2, location, class_a="10000"))
    assert s.location_first_pay == D(first_pay)
    assert s.basic_fund == ((D("10000") - D(first_pay) - D("600")) * D("0.70")).quantize(D("0.01"))


def test_deductible_larger_than_the_policy_range():
    s = run(inpatient(3, class_a="300"))
    assert (s.deductible, s.basic_fund, s.personal) == (D("300.00"), D("0.00"), D("300.00"))


def test_annual_cap_crossed_inside_one_visit():
    s = run(inpatient(1, class_a="100000"), ytd=YearToDate(basic_fund=D("190000")))
    assert s.basic_fund == D("10000")
    assert any(step.step == "基本医保年度最高支付限额" for step in s.explanation)
    assert run(inpatient(1, class_a="1000"), ytd=YearToDate(basic_fund=D("200000"))).basic_fund == D("0")


# --- 3.3 outpatient, 两病 ----------------------------------------------------------------------


@pytest.mark.parametrize("tier, cap", [("secondary_plus", "50"), ("township", "25"), ("village", "15")])
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


@pytest.mark.parametrize("tier, fee, fund", [("township", "13", "9"), ("village", "8", "7")])
def test_general_fee(tier, fee, fund):
    s = run(Visit(kind="general_fee", facility_tier=tier, costs={"class_a": D("999")}))
    assert (s.total, s.basic_fund, s.personal) == (D(fee), D(fund), D(fee) - D(fund))
    uninsured = run(Visit(kind="general_fee", facility_tier=tier), Eligibility(insured=False))
    assert (uninsured.basic_fund, uninsured.personal) == (D("0"), D(fee))


def test_general_fee_not_at_hospitals():
    with pytest.raises(SettlementError):
        run(Visit(kind="general_fee", facility_tier="secondary_plus"))


# --- 3.5 chronic -----------------------------------------------------------------------------


def test_chronic_rate_and_cap_and_special_diseases():
    hypertension = Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("1000")})
    assert run(hypertension).basic_fund == D("600.00")
    assert run(hypertension, ytd=YearToDate(chronic_fund=D("6400"))).basic_fund == D("100")
    dialysis = Visit(kind="chronic", disease="uraemia_dialysis", facility_level=3, costs={"class_a": D("1000")})
    assert run(dialysis).basic_fund == D("600.00")  # inpatient rate of level 3
    assert run(hypertension, Eligibility(chronic_approved=False)).basic_fund == D("0")


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


def test_waiting_period_pays_nothing_from_basic():
    s = run(inpatient(2, class_a="10000"), Eligibility(insured=False, uninsured_reason="等待期内（X000 art. 11）"))
    assert (s.basic_fund, s.critical_illness, s.personal) == (D("0"), D("0"), D("10000"))
    assert s.explanation[4].step == "等待期内（X000 art. 11）"


def test_every_step_cites_its_source():
    s = run(inpatient(2, class_a="8000", class_b_drug="2000", out_of_catalogue="500"))
    steps = {step.step: step.source for step in s.explanation}
    assert steps["起付标准"] == "X000 art. 20(一)1"
    assert steps["乙类先行自付"] == "X000 art. 26"

"""What the rulebook tables leave unsaid and mutation testing (`make mutation`) found untested in
benefits/rules/settlement.py: what a caller gets from the defaults of a visit, a person and a
policy, that the values the engine shares are immutable, and the edges of the rules that the
table tests do not reach. Each test says the rule in RULES.md's numbers."""

from dataclasses import FrozenInstanceError, fields, replace
from decimal import Decimal as D

import pytest

from benefits.rules.settlement import (Band, Eligibility, SettlementError, SettlementPolicy, Split, Step, Visit, YearToDate,
                                       settle)
from tests.benefits.test_settlement_rules import JILIN, POLICY

NOBODY = Eligibility()
ZERO_YTD = YearToDate()
# RULES.md 3.1: the six class-B lines and their first self-pay; nothing else has one.
CLASS_B_FIRST_PAY = {"class_b_drug": D("0.10"), "blood": D("0.30"), "class_b_treatment": D("0.10"), "material_general": D("0.10"),
                     "material_other_domestic": D("0.15"), "material_other_imported": D("0.30")}


def run(visit, person=NOBODY, ytd=ZERO_YTD, policy=POLICY):
    return settle(policy, visit, person, ytd)


def steps(split) -> dict:
    return {step.step: step for step in split.explanation}


# --- a policy with only what every region has ------------------------------------------------


def bare_policy() -> SettlementPolicy:
    """咸宁's numbers with none of the optional rules (no maternity cap, no tier rates, no
    referral rules, no sources): what a region gets before its optional parameters exist."""
    required = {f.name: getattr(POLICY, f.name) for f in fields(SettlementPolicy) if f.name not in (
        "sources", "versions", "maternity_cap", "outpatient_tier_rates", "referral_rate_cut", "unreferred_rate",
        "referral_deductible_credit", "downward_referral_deductible")}
    return SettlementPolicy(**{**required, "first_pay_rates": CLASS_B_FIRST_PAY})


def test_a_policy_without_the_optional_rules_settles_by_location_and_cites_nothing():
    bare = bare_policy()
    assert (bare.sources, bare.versions, bare.has_referral_rules) == ({}, {}, False)
    # RULES.md 9 example 3: level 3, outside the city without a filing: 20% first self-pay.
    s = run(Visit(kind="inpatient", facility_level=3, location="remote_unfiled", costs={"class_a": D("20000")}), policy=bare)
    assert (s.location_first_pay, s.deductible, s.basic_fund, s.personal) == (D("4000.00"), D("1000"), D("9000.00"), D("11000.00"))
    assert all(step.source == "" for step in s.explanation)
    # 吉林's attributes change nothing where the region has no referral rules.
    for attrs in ({"referral": "unreferred"}, {"referral": "referred_outside_list"}, {"referred_from_deductible": D("600")},
                  {"downward_referral": True}):
        other = run(Visit(kind="inpatient", facility_level=3, location="remote_unfiled", costs={"class_a": D("20000")}, **attrs),
                    policy=bare)
        assert (other.deductible, other.basic_fund) == (D("1000"), D("9000.00")), attrs


def test_a_policy_without_the_optional_rules_pays_outpatient_care_at_the_one_rate():
    bare = bare_policy()
    s = run(Visit(kind="outpatient", facility_tier="township", costs={"class_a": D("40")}), policy=bare)
    assert s.basic_fund == D("20.00")  # 50%, within the township's daily 25


def test_the_first_self_pay_falls_on_the_six_class_b_lines_only():
    # RULES.md 3.1: out-of-catalogue cost has no first self-pay: it is the person's whole.
    s = run(Visit(kind="inpatient", facility_level=1, costs={"class_a": D("1000"), "out_of_catalogue": D("500")}), policy=bare_policy())
    assert (s.out_of_catalogue, s.class_b_first_pay, s.policy_range) == (D("500.00"), D("0.00"), D("1000.00"))


def test_maternity_without_a_maternity_cap_is_refused_in_plain_chinese():
    with pytest.raises(SettlementError) as refused:
        run(Visit(kind="maternity", facility_level=2, costs={"class_a": D("6000")}), policy=bare_policy())
    assert refused.value.code == "incomplete_policy" and "生育" in refused.value.message


def test_a_source_the_policy_does_not_hold_is_blank():
    assert POLICY.source("no_such_parameter") == ""
    assert POLICY.source("annual_cap") == "X000 art. 22"


@pytest.mark.parametrize("attrs", [{"unreferred_rate": D("0.20")}, {"referral_rate_cut": {"referred_outside_list": D("0.20")}}],
                         ids=["unreferred_rate", "referral_rate_cut"])
def test_either_referral_rule_makes_a_referral_region_without_location_first_self_pay(attrs):
    # RULES.md 3.7: a region that settles admissions by referral has no location first self-pay.
    policy = replace(POLICY, **attrs)
    assert policy.has_referral_rules
    s = run(Visit(kind="inpatient", facility_level=2, location="remote_unfiled", costs={"class_a": D("10000")}), policy=policy)
    assert (s.location_first_pay, s.basic_fund) == (D("0.00"), D("6580.00"))  # 70% x (10,000 - 600)


# --- what the engine shares is immutable ----------------------------------------------------


@pytest.mark.parametrize("value, name", [
    (POLICY, "annual_cap"), (POLICY.ci_bands[0], "rate"), (Visit(kind="inpatient"), "facility_level"), (NOBODY, "insured"),
    (ZERO_YTD, "basic_fund"), (Step("起付标准", D("600")), "amount"),
    (run(Visit(kind="outpatient", costs={"class_a": D("10")})), "basic_fund"),
], ids=["policy", "band", "visit", "person", "year", "step", "split"])
def test_the_values_a_batch_shares_cannot_be_changed(value, name):
    # One policy and one year-to-date serve every visit of a batch: none may alter them.
    with pytest.raises(FrozenInstanceError):
        setattr(value, name, D("1"))
    assert isinstance(value, (SettlementPolicy, Band, Visit, Eligibility, YearToDate, Step, Split))


# --- defaults: a visit or a person named by kind only -----------------------------------------


def test_an_admission_named_by_kind_only_is_local_level_1():
    s = run(Visit(kind="inpatient", costs={"class_a": D("10000")}))
    # level 1: deductible 200, 85%; local: no first self-pay
    assert (s.location_first_pay, s.deductible, s.basic_fund) == (D("0.00"), D("200"), D("8330.00"))


def test_an_outpatient_visit_named_by_kind_only_is_at_a_level_2_hospital():
    assert run(Visit(kind="outpatient", costs={"class_a": D("1000")})).basic_fund == D("50")  # daily cap of secondary_plus


def test_a_general_fee_named_by_tier_only_is_at_a_zero_markup_facility():
    s = run(Visit(kind="general_fee", facility_tier="township"))
    assert (s.basic_fund, s.personal) == (D("9"), D("4"))


def test_a_chronic_visit_without_a_disease_named_gets_nothing_from_the_chronic_pool():
    s = run(Visit(kind="chronic", facility_level=2, costs={"class_a": D("1000")}))
    assert (s.basic_fund, s.chronic_fund, s.personal) == (D("0"), D("0"), D("1000.00"))
    assert "未填写慢特病病种，门诊慢特病统筹不支付" in steps(s)


def test_a_jilin_admission_named_by_kind_only_is_referred_and_pays_the_whole_deductible():
    # RULES.md 3.7: referred at the level's local rate; the deductible counts in full unless a
    # referral says what was already paid or the admission follows a downward referral.
    s = run(Visit(kind="inpatient", facility_level=2, costs={"class_a": D("10000")}), policy=JILIN)
    assert (s.deductible, s.basic_fund) == (D("600"), D("6580.00"))


def test_a_person_named_without_eligibility_is_insured_and_has_no_approval():
    admission = Visit(kind="inpatient", facility_level=3, costs={"class_a": D("60000")})
    # insured: basic pays 60% x 59,000; no identity: no MA
    s = run(admission)
    assert (s.basic_fund, s.assistance, s.extra_assistance) == (D("35400.00"), D("0"), D("0"))
    # class 3 without an approved application: no MA and no tilted assistance (S001 §四(六))
    s = run(admission, Eligibility(identities=("low_income_edge",)))
    assert (s.assistance, s.extra_assistance) == (D("0"), D("0"))
    # class 2 needs no application, but tilted assistance does: MA only
    s = run(admission, Eligibility(identities=("subsistence_allowance",)))
    assert s.assistance > 0 and s.extra_assistance == D("0")
    # not registered for 两病: no 两病 drug benefit
    assert run(Visit(kind="two_diseases_drug", costs={"class_a": D("100")})).basic_fund == D("0")
    # the chronic stand-in until approvals exist: a named disease is paid
    assert run(Visit(kind="chronic", disease="hypertension", facility_level=2, costs={"class_a": D("1000")})).basic_fund == D("600.00")


def test_an_uninsured_person_without_a_reason_reads_the_general_one():
    s = run(Visit(kind="inpatient", facility_level=2, costs={"class_a": D("1000")}), Eligibility(insured=False))
    assert "未参保或处于等待期，基本医保不支付" in steps(s)
    fee = run(Visit(kind="general_fee", facility_tier="village"), Eligibility(insured=False))
    assert "未参保或处于等待期，一般诊疗费由个人支付" in steps(fee)


def test_the_bill_total_and_the_persons_part_cite_no_rule():
    s = run(Visit(kind="inpatient", facility_level=2, costs={"class_a": D("1000")}))
    assert (steps(s)["费用合计"].source, steps(s)["个人负担"].source) == ("", "")


def test_a_visit_added_to_the_year_counts_the_same_day_unless_told_otherwise():
    first = run(Visit(kind="outpatient", facility_tier="township", costs={"class_a": D("30")}))  # 15 of the day's 25
    ytd = first.added_to(ZERO_YTD)
    assert (ytd.outpatient_fund_today, run(Visit(kind="outpatient", facility_tier="township", costs={"class_a": D("30")}),
                                             ytd=ytd).basic_fund) == (D("15.00"), D("10.00"))
    assert first.added_to(ytd, same_day=False).outpatient_fund_today == D("15.00")  # a new day starts from this visit

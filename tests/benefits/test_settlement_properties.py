"""Properties of the engine over any sequence of visits (hypothesis): the split always sums to
the total, no part is negative, and no cap is exceeded over the year."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from benefits.rules.settlement import COST_LINES, LOCATIONS, TIERS, Eligibility, Visit, YearToDate, settle
from tests.benefits.test_settlement_rules import POLICY

amounts = st.decimals(min_value=0, max_value=200000, places=2, allow_nan=False, allow_infinity=False)
visits = st.builds(
    Visit,
    kind=st.sampled_from(["inpatient", "outpatient", "two_diseases_drug", "chronic", "general_fee"]),
    facility_level=st.sampled_from([1, 2, 3]),
    facility_tier=st.sampled_from(TIERS),
    location=st.sampled_from(LOCATIONS),
    disease=st.sampled_from(["hypertension", "uraemia_dialysis", "tuberculosis"]),
    costs=st.dictionaries(st.sampled_from(COST_LINES), amounts, max_size=4),
)
people = st.builds(
    Eligibility,
    insured=st.booleans(),
    identities=st.lists(st.sampled_from(["extreme_poverty", "subsistence_allowance", "low_income_edge", "monitored_edge",
                                         "illness_poverty", "returned_to_poverty", "stable_out_of_poverty"]), max_size=2).map(tuple),
    two_diseases_registered=st.booleans(),
    assistance_approved=st.booleans(),
    tilted_approved=st.booleans(),
    chronic_approved=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(person=people, year=st.lists(visits, min_size=1, max_size=12))
def test_splits_add_up_and_caps_hold_over_a_year(person, year):
    ytd = YearToDate()
    for visit in year:
        if visit.kind == "general_fee" and visit.facility_tier in ("secondary_plus", "clinic"):
            continue
        split = settle(POLICY, visit, person, ytd)
        parts = (split.basic_fund, split.critical_illness, split.assistance, split.extra_assistance, split.personal)
        assert sum(parts) == split.total
        assert all(part >= 0 for part in parts)
        assert split.personal >= split.class_b_first_pay + split.out_of_catalogue if visit.kind != "general_fee" else True
        ytd = split.added_to(ytd, same_day=False)
        assert ytd.basic_fund <= POLICY.annual_cap
        assert ytd.outpatient_fund <= POLICY.outpatient_annual_cap + POLICY.two_diseases_extra_cap
        assert ytd.chronic_fund <= POLICY.chronic_annual_cap
        assert ytd.ma_paid <= POLICY.ma_cap
        assert ytd.extra_paid <= max(POLICY.tilted_cap, ytd.extra_paid if POLICY.backstop_codes & set(person.identities) else D(0))
        if not POLICY.ci_special_codes & set(person.identities):
            assert ytd.ci_paid <= POLICY.ci_cap


@settings(max_examples=200, deadline=None)
@given(person=people, visit=visits, today=st.decimals(min_value=0, max_value=60, places=2))
def test_outpatient_daily_cap_holds_within_a_day(person, visit, today):
    if visit.kind != "outpatient":
        return
    split = settle(POLICY, visit, person, YearToDate(outpatient_fund_today=today, outpatient_fund=today))
    assert today + split.basic_fund <= max(today, POLICY.outpatient_daily_cap[visit.facility_tier])

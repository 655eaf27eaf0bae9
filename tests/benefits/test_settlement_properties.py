"""Properties of the engine over any year of visits (hypothesis), every visit kind, in 咸宁 and
吉林: the split adds up to the bill, no part is negative, the person always pays the class-B
first self-pay and what is outside the catalogues, the year totals are the sums of the visits,
and no cap of RULES.md 3-5 is exceeded. The caps and rates below are the rulebook's numbers,
written out here rather than read from the policy, so a wrong preset fails too.
"""

from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from benefits.rules.settlement import COST_LINES, LOCATIONS, REFERRALS, TIERS, ChronicRule, Eligibility, Visit, YearToDate, settle
from tests.benefits.test_settlement_rules import JILIN, POLICY

CENT = D("0.01")
ANNUAL_CAP = D("200000")  # RULES.md 3.2.4: all basic-fund payments of a person in a year
OUTPATIENT_ANNUAL_CAP, TWO_DISEASES_EXTRA = D("350"), D("200")  # 3.3
DAILY_CAP = {"secondary_plus": D("50"), "township": D("25"), "community_station": D("15"), "village": D("15"), "clinic": D("15")}
GENERAL_FEE = {"township": (D("13"), D("9")), "community_station": (D("13"), D("9")), "village": (D("8"), D("7"))}  # 3.4
CHRONIC_CAP, CHRONIC_RATE = D("6500"), D("0.60")  # 3.5
# 3.5, parameters per region and disease: the region's rule, a special disease, one of its own
TB_RATE, TB_CAP = D("0.80"), D("1500")
CHRONIC_RULES = {"hypertension": ChronicRule(), "": ChronicRule(), "uraemia_dialysis": ChronicRule(name="尿毒症透析", special=True),
                 "tuberculosis": ChronicRule(name="结核病", rate=TB_RATE, annual_cap=TB_CAP)}
MATERNITY_CAP = D("1000")  # 3.2.6, from 2023
CI_DEDUCTIBLE, CI_BANDS, CI_CAP = D("12000"), ((D("12000"), D("50000"), D("0.60")), (D("50000"), D("100000"), D("0.65")),
                                               (D("100000"), None, D("0.70"))), D("400000")  # 4
CI_GROUPS = {"extreme_poverty", "orphan", "subsistence_allowance", "returned_to_poverty"}  # halved, +5 points, no cap
MA_CLASS = {"extreme_poverty": 1, "orphan": 1, "subsistence_allowance": 2, "returned_to_poverty": 2, "low_income_edge": 3,
            "monitored_unstable": 3, "monitored_edge": 3, "monitored_sudden": 3, "illness_poverty": 4, "county_special": 4}  # 1
MA_DEDUCTIBLE = {1: D("0"), 2: D("0"), 3: D("1500"), 4: D("5000")}  # 5, on the inpatient base
MA_RATE = {1: D("1.00"), 2: D("0.70"), 3: D("0.65"), 4: D("0.50")}
MA_CHRONIC_RATE, MA_CAP = D("0.50"), D("50000")
TILTED_THRESHOLD, TILTED_RATE, TILTED_CAP = D("5000"), D("0.50"), D("100000")
BACKSTOP = {"returned_to_poverty", "monitored_unstable", "monitored_edge", "monitored_sudden"}
BACKSTOP_THRESHOLD, BACKSTOP_PERSONAL_RATE = D("5000"), D("0.05")
ADMISSIONS = ("inpatient", "maternity")


def cents(value: D) -> D:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def critical_illness_of_the_year(base: D, group: bool) -> D:
    """RULES.md 4 on a year's base: 60% / 65% / 70% by band above the deductible, cap 400,000;
    the poverty groups: deductible halved, each rate +5 points, no cap."""
    deductible = CI_DEDUCTIBLE / 2 if group else CI_DEDUCTIBLE
    paid = D("0")
    for i, (lower, upper, rate) in enumerate(CI_BANDS):
        lower = deductible if i == 0 else lower
        if base > lower:
            paid += cents(((base if upper is None else min(base, upper)) - lower) * (rate + (D("0.05") if group else 0)))
    return paid if group else min(paid, CI_CAP)


small = st.decimals(min_value=0, max_value=2000, places=2, allow_nan=False, allow_infinity=False)
large = st.decimals(min_value=0, max_value=150000, places=2, allow_nan=False, allow_infinity=False)
visits = st.builds(
    Visit,
    # outpatient visits more often: the 350 annual cap needs several of them
    kind=st.sampled_from(["inpatient", "maternity", "outpatient", "outpatient", "two_diseases_drug", "chronic", "chronic", "general_fee"]),
    facility_level=st.sampled_from([1, 2, 3]),
    facility_tier=st.sampled_from(TIERS),
    location=st.sampled_from(LOCATIONS),
    disease=st.sampled_from(["hypertension", "hypertension", "uraemia_dialysis", "tuberculosis", ""]),
    costs=st.dictionaries(st.sampled_from(COST_LINES), st.one_of(small, large), max_size=4),
    zero_markup=st.booleans(),
    in_province=st.booleans(),
    referral=st.sampled_from(REFERRALS),
    referred_from_deductible=st.sampled_from([D("0"), D("0"), D("300"), D("1500")]),
    downward_referral=st.booleans(),
).map(lambda visit: replace(visit, chronic_rule=CHRONIC_RULES[visit.disease]))
people = st.builds(
    Eligibility,
    insured=st.sampled_from([True, True, True, False]),
    identities=st.lists(st.sampled_from(sorted(MA_CLASS) + ["stable_out_of_poverty", "severe_mental_illness"]), max_size=2).map(tuple),
    two_diseases_registered=st.booleans(),
    assistance_approved=st.booleans(),
    tilted_approved=st.booleans(),
    chronic_approved=st.sampled_from([True, True, False]),
)
years = st.lists(st.lists(visits, min_size=1, max_size=3), min_size=1, max_size=12)  # days, each with its visits


def ma_class(person) -> int | None:
    classes = [MA_CLASS[code] for code in person.identities if code in MA_CLASS]
    return min(classes) if classes else None


def check_year(policy, person, days):
    klass = ma_class(person)
    assisted = klass is not None and (klass <= 2 or person.assistance_approved)  # S001 §四(六): 3-4 on application
    ci_group = bool(CI_GROUPS & set(person.identities))
    backstop = bool(BACKSTOP & set(person.identities))
    outpatient_cap = OUTPATIENT_ANNUAL_CAP + (TWO_DISEASES_EXTRA if person.two_diseases_registered else 0)
    # The year as the test adds it up, visit by visit, from the splits alone.
    basic = outpatient = chronic = maternity = ci = ci_base = ma = extra = m_in = m_ch = D("0")
    regular_ma_chronic = needed = D("0")
    every_assisted_visit_in_province = True
    ytd = YearToDate()
    by_disease = defaultdict(D)  # the chronic pool paid by disease
    for day in days:
        ordinary_today = D("0")
        for i, visit in enumerate(day):
            ytd = replace(ytd, disease_chronic_fund=by_disease[visit.disease])
            s = settle(policy, visit, person, ytd)
            if visit.kind == "chronic":
                by_disease[visit.disease] += s.chronic_fund
            parts = (s.basic_fund, s.critical_illness, s.assistance, s.extra_assistance, s.personal)
            assert sum(parts) == s.total
            assert all(part >= 0 for part in parts + (s.ci_base, s.ma_base, s.ma_base_chronic, s.outpatient_fund, s.chronic_fund,
                                                      s.maternity_fund, s.location_first_pay, s.deductible))
            assert s.personal >= s.class_b_first_pay + s.out_of_catalogue
            if visit.kind != "general_fee":  # 3.1: P = the catalogue's cost less the class-B first self-pay
                assert s.policy_range == s.total - s.out_of_catalogue - s.class_b_first_pay
            if not person.insured:
                assert (s.basic_fund, s.critical_illness) == (0, 0)
            chronic_pool = visit.kind == "chronic" and bool(visit.disease.strip()) and person.chronic_approved
            if visit.kind in ("outpatient", "two_diseases_drug", "general_fee") or (visit.kind == "chronic" and not chronic_pool):
                # RULES.md 3.5: CI and MA follow admissions and approved chronic visits only.
                assert (s.critical_illness, s.assistance, s.extra_assistance) == (0, 0, 0)
            if visit.kind == "chronic" and not chronic_pool:
                assert s.basic_fund == 0  # no chronic payment without a disease and an approval
            if visit.kind == "outpatient":
                # 3.3: the day's ordinary outpatient fund stays within the tier's daily cap.
                assert s.basic_fund <= max(D("0"), DAILY_CAP[visit.facility_tier] - ordinary_today)
                ordinary_today += s.basic_fund
            if visit.kind == "general_fee" and visit.facility_tier in GENERAL_FEE:
                fee, share = GENERAL_FEE[visit.facility_tier]
                assert s.total == fee and s.basic_fund <= (share if person.insured and visit.zero_markup else 0)
            if visit.kind == "general_fee" and visit.facility_tier not in GENERAL_FEE:
                assert s.basic_fund == 0 and s.personal == s.total

            basic += s.basic_fund
            ci += s.critical_illness
            ma += s.assistance
            extra += s.extra_assistance
            if visit.kind in ("outpatient", "two_diseases_drug"):
                outpatient += s.basic_fund
            if visit.kind == "chronic" and not visit.chronic_rule.special:
                chronic += s.basic_fund
                # 3.5: at the disease's rate, else the region's, of the policy range at most
                assert s.basic_fund <= cents((visit.chronic_rule.rate or CHRONIC_RATE) * s.policy_range)
            if visit.kind == "chronic" and visit.chronic_rule.special:
                assert s.chronic_fund == 0  # 3.5: at the inpatient rates, outside the chronic cap
            if visit.kind == "maternity":
                maternity += s.basic_fund
            if (visit.kind in ADMISSIONS or chronic_pool) and person.insured:
                # RULES.md 4: the CI base is the policy-range self-pay after basic insurance, less
                # the 20% of care outside the city without a filing.
                ci_base += s.policy_range - s.basic_fund - (s.location_first_pay if visit.location == "remote_unfiled" else 0)
            unreferred = visit.location == "remote_unfiled" or (
                policy is JILIN and visit.kind in ADMISSIONS and visit.referral == "unreferred")
            if (visit.kind in ADMISSIONS or chronic_pool) and assisted and not unreferred:
                # RULES.md 5: two bases, both what basic and CI left.
                left = s.policy_range - s.basic_fund - s.critical_illness
                if visit.kind == "chronic":
                    m_ch += left
                    regular_ma_chronic += cents(left * MA_CHRONIC_RATE)
                else:
                    m_in += left
                every_assisted_visit_in_province &= visit.in_province
            if assisted and backstop and m_in + m_ch > BACKSTOP_THRESHOLD:
                # The most the backstop had to pay at any point of the year: it tops up and never
                # takes back, so a later visit that assistance pays in full (class 1, 100%)
                # leaves the person below the 5% line without the backstop having paid too much.
                kept_at_most = cents(BACKSTOP_THRESHOLD + BACKSTOP_PERSONAL_RATE * (m_in + m_ch - BACKSTOP_THRESHOLD))
                needed = max(needed, m_in + m_ch - ma - kept_at_most)
            ytd = s.added_to(ytd, same_day=i > 0)

        # The year totals are the sums of the visits, and every cap holds.
        assert (ytd.basic_fund, ytd.outpatient_fund, ytd.chronic_fund, ytd.maternity_fund) == (basic, outpatient, chronic, maternity)
        assert (ytd.ci_base, ytd.ci_paid, ytd.ma_paid, ytd.extra_paid) == (ci_base, ci, ma, extra)
        assert (ytd.ma_base, ytd.ma_base_chronic) == (m_in, m_ch)
        assert basic <= ANNUAL_CAP
        assert outpatient <= outpatient_cap
        assert chronic <= CHRONIC_CAP
        assert by_disease["tuberculosis"] <= TB_CAP
        assert maternity <= MATERNITY_CAP
        assert ma <= MA_CAP
        # 4: the year's CI is the rule on the year's base (cumulative rules applied incrementally).
        assert ci == critical_illness_of_the_year(ci_base, ci_group)
        if not ci_group:
            assert ci <= CI_CAP
        if assisted:
            # 5: the class's rate above its deductible on M_in, 50% of M_ch, one cap.
            regular = cents(MA_RATE[klass] * max(D("0"), m_in - MA_DEDUCTIBLE[klass]))
            assert ma == min(MA_CAP, regular + regular_ma_chronic)
        m = m_in + m_ch
        left = m - ma  # what the person keeps of M after the three tiers
        if assisted and backstop and m > BACKSTOP_THRESHOLD:
            # 5: "the part of M above 5,000 is left to the person at 5% at most, no cap".
            keeps_at_most = BACKSTOP_THRESHOLD + BACKSTOP_PERSONAL_RATE * (m - BACKSTOP_THRESHOLD)
            assert left - extra <= cents(keeps_at_most)
            # and the backstop pays no more than it had to at its most (a cent of rounding per visit)
            assert extra <= needed + CENT * sum(map(len, days))
        elif not (assisted and backstop):
            assert extra <= TILTED_CAP
            if not (assisted and person.tilted_approved):
                assert extra == 0
            elif every_assisted_visit_in_province:
                # 5: 50% of what is left after the three tiers above 5,000, cap 100,000.
                assert extra == min(TILTED_CAP, cents(TILTED_RATE * max(D("0"), left - TILTED_THRESHOLD)))
            else:
                assert extra <= min(TILTED_CAP, cents(TILTED_RATE * max(D("0"), left - TILTED_THRESHOLD)))
        else:
            assert extra == 0  # M not above 5,000: no backstop


@settings(max_examples=250, deadline=None)
@given(person=people, days=years)
def test_a_year_of_visits_in_xianning(person, days):
    check_year(POLICY, person, days)


@settings(max_examples=120, deadline=None)
@given(person=people, days=years)
def test_a_year_of_visits_in_jilin(person, days):
    check_year(JILIN, person, days)


money_left = st.decimals(min_value=0, max_value=300000, places=2, allow_nan=False, allow_infinity=False)
year_so_far = st.builds(
    YearToDate,
    basic_fund=st.one_of(money_left, st.decimals(min_value=199000, max_value=201000, places=2)),
    outpatient_fund=st.decimals(min_value=0, max_value=600, places=2),
    outpatient_fund_today=st.decimals(min_value=0, max_value=60, places=2),
    chronic_fund=st.decimals(min_value=0, max_value=7000, places=2),
    disease_chronic_fund=st.decimals(min_value=0, max_value=1600, places=2),
    maternity_fund=st.decimals(min_value=0, max_value=1200, places=2),
    ma_paid=st.one_of(money_left, st.decimals(min_value=49000, max_value=51000, places=2)),
    extra_paid=st.one_of(money_left, st.decimals(min_value=99000, max_value=101000, places=2)),
    ma_base=money_left, ma_base_chronic=money_left, ci_base=money_left,
)


@settings(max_examples=400, deadline=None)
@given(person=people, visit=visits, ytd=year_so_far)
def test_one_visit_never_pays_beyond_what_is_left_under_each_cap(person, visit, ytd):
    s = settle(POLICY, visit, person, ytd)

    def room(cap, used):
        return max(D("0"), cap - used)
    assert s.basic_fund <= room(ANNUAL_CAP, ytd.basic_fund)
    if visit.kind == "outpatient":
        assert s.basic_fund <= room(DAILY_CAP[visit.facility_tier], ytd.outpatient_fund_today)
    if visit.kind in ("outpatient", "two_diseases_drug"):
        cap = OUTPATIENT_ANNUAL_CAP + (TWO_DISEASES_EXTRA if person.two_diseases_registered else 0)
        assert s.basic_fund <= room(cap, ytd.outpatient_fund)
    if visit.kind == "chronic" and not visit.chronic_rule.special:
        assert s.basic_fund <= room(CHRONIC_CAP, ytd.chronic_fund)
        if visit.chronic_rule.annual_cap is not None:
            assert s.basic_fund <= room(visit.chronic_rule.annual_cap, ytd.disease_chronic_fund)
    if visit.kind == "maternity":
        assert s.basic_fund <= room(MATERNITY_CAP, ytd.maternity_fund)
    assert s.assistance <= room(MA_CAP, ytd.ma_paid)
    if not BACKSTOP & set(person.identities):
        assert s.extra_assistance <= room(TILTED_CAP, ytd.extra_paid)
    parts = (s.basic_fund, s.critical_illness, s.assistance, s.extra_assistance, s.personal)
    assert sum(parts) == s.total and all(part >= 0 for part in parts)

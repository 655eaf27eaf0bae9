"""RULES.md 2.2-2.3 edges that mutation testing (`make mutation`) found unpinned in
enrollment/rules/terms.py: the codes the rules share with the stored rows, the default
collection windows of X000 art. 7 day by day, per-year window rows, the error codes the doors
map, and parameters that stay as loaded."""

from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pytest

from enrollment import presets
from enrollment.admin import ARTICLE_LABELS
from enrollment.models import Category, CollectionWindow, PriorCoverageKind
from enrollment.rules import terms as rules
from enrollment.rules.terms import PriorCoverage, ResidentPolicy, SchemeRules, Standard, SubsidyRule, TermsError, Window, compute_terms
from tests.enrollment.test_terms_rules import JL, XN

STANDARDS = {y: Standard(y, Decimal(i), Decimal("600"), "N004 §一") for y, i in ((2022, "350"), (2023, "380"), (2024, "400"))}


def bare_rules(**changes) -> SchemeRules:
    """A scheme given only what SchemeRules requires: windows and articles take their defaults."""
    values = dict(code="bare", waiting_unit="days", waiting_length=90, students_wait=True, newborn_birth_year_free=True,
                  newborn_registration_years=1, transfer_grace_months=3, employee_continuous_years=2, college_own_period=True)
    return SchemeRules(**{**values, **changes})


def policy(rules=None, windows=(), subsidies=()) -> ResidentPolicy:
    return ResidentPolicy(rules=rules or bare_rules(), windows=tuple(windows), standards=STANDARDS, subsidies=tuple(subsidies))


# --- the codes the rules share with stored rows ---------------------------------------------------


def test_the_rules_read_the_codes_the_enrollment_rows_store():
    assert {rules.REGULAR, rules.COLLEGE_STUDENT, rules.SCHOOL_PUPIL, rules.NEWBORN} == set(Category.values)
    assert {rules.WINDOW_RESIDENT, rules.WINDOW_COLLEGE} == set(CollectionWindow.Kind.values)
    assert set(rules.PRIOR_KINDS) == set(PriorCoverageKind.values)


def test_every_article_a_scheme_records_is_one_the_rules_read_in_their_order():
    for scheme in presets.SCHEMES.values():
        assert tuple(scheme["articles"]) == rules.ARTICLE_KEYS
    assert tuple(ARTICLE_LABELS) == rules.ARTICLE_KEYS  # the admin names each of them


# --- X000 art. 7's windows when a scheme sets none ------------------------------------------------


@pytest.mark.parametrize("paid, year, start, mid_year", [
    (date(2022, 8, 31), 2022, date(2022, 11, 29), True),  # the day before Sep 1: mid-year, 90 days
    (date(2022, 9, 1), 2023, date(2023, 1, 1), False),  # first day of the resident window
    (date(2022, 9, 2), 2023, date(2023, 1, 1), False),
    (date(2022, 12, 31), 2023, date(2023, 1, 1), False),  # last day
])
def test_default_resident_window_is_sep_1_to_dec_31(paid, year, start, mid_year):
    result = compute_terms(policy(), category="regular", payment_date=paid)
    assert (result.benefit_year, result.benefit_start, result.mid_year) == (year, start, mid_year)


@pytest.mark.parametrize("paid, year, start, end", [
    (date(2022, 9, 1), 2022, date(2022, 9, 1), date(2023, 12, 31)),  # the students' window opens with the resident one
    (date(2022, 11, 30), 2022, date(2022, 9, 1), date(2023, 12, 31)),  # its last day
    (date(2022, 12, 1), 2023, date(2023, 1, 1), date(2023, 12, 31)),  # then the resident window: next year only
])
def test_default_college_window_is_sep_1_to_nov_30(paid, year, start, end):
    result = compute_terms(policy(), category="college_student", payment_date=paid)
    assert (result.benefit_year, result.benefit_start, result.benefit_end) == (year, start, end)


def test_a_college_student_in_august_waits_like_a_resident():
    result = compute_terms(policy(), category="college_student", payment_date=date(2022, 8, 31))
    assert (result.mid_year, result.benefit_start) == (True, date(2022, 11, 29))


def test_the_college_window_cites_its_own_article():
    scheme = bare_rules(articles={"window": "X000 art. 7", "college_window": "X000 art. 7(三)"})
    result = compute_terms(policy(scheme), category="college_student", payment_date=date(2022, 10, 1))
    assert result.sources == ("X000 art. 7(三)",)
    assert compute_terms(policy(scheme), category="regular", payment_date=date(2022, 10, 1)).sources == ("X000 art. 7",)


def test_a_scheme_without_articles_cites_nothing():
    result = compute_terms(policy(), category="regular", payment_date=date(2022, 10, 1))
    assert result.sources == ()
    assert bare_rules().article("window") == ""


# --- per-year window rows ------------------------------------------------------------------------


def resident_window(year, opens, closes):
    return Window(year, rules.WINDOW_RESIDENT, opens, closes, "咸医保通知")


def test_each_year_reads_its_own_window_row():
    rows = [resident_window(2023, date(2022, 9, 1), date(2023, 2, 28)),  # 2023's window extended to Feb
            resident_window(2024, date(2023, 10, 1), date(2023, 12, 31))]  # 2024's opens a month late
    extended = compute_terms(policy(windows=rows), category="regular", payment_date=date(2023, 2, 28))
    assert (extended.benefit_year, extended.benefit_start, extended.mid_year) == (2023, date(2023, 1, 1), False)
    late = compute_terms(policy(windows=rows), category="regular", payment_date=date(2023, 9, 15))
    assert (late.benefit_year, late.mid_year) == (2023, True)  # 2024's window had not opened
    assert compute_terms(policy(windows=rows), category="regular", payment_date=date(2023, 10, 1)).benefit_year == 2024


def test_a_college_window_row_does_not_move_the_residents_window():
    rows = [Window(2023, rules.WINDOW_COLLEGE, date(2023, 8, 15), date(2023, 12, 15), "学校通知")]
    resident = compute_terms(policy(windows=rows), category="regular", payment_date=date(2023, 8, 20))
    assert (resident.benefit_year, resident.mid_year) == (2023, True)  # residents still open Sep 1
    student = compute_terms(policy(windows=rows), category="college_student", payment_date=date(2023, 8, 20))
    assert (student.benefit_year, student.benefit_start, student.sources) == (2023, date(2023, 9, 1), ("学校通知",))


def test_overlapping_windows_complete_the_year_extended_for():
    # 2023's window extended until Sep 30 of 2023 overlaps 2024's, which opens Sep 1
    rows = [resident_window(2023, date(2022, 9, 1), date(2023, 9, 30))]
    result = compute_terms(policy(windows=rows), category="regular", payment_date=date(2023, 9, 10))
    assert (result.benefit_year, result.benefit_start, result.mid_year) == (2023, date(2023, 1, 1), False)
    after = compute_terms(policy(windows=rows), category="regular", payment_date=date(2023, 10, 1))
    assert after.benefit_year == 2024


def test_a_window_row_years_away_from_the_payment_still_counts():
    # an unusual row: 2026's window opened in 2023 (e.g. a multi-year prepayment campaign)
    rows = [resident_window(2026, date(2023, 3, 1), date(2023, 3, 31)),
            Window(2027, rules.WINDOW_COLLEGE, date(2023, 4, 1), date(2023, 4, 30), "学校通知")]
    standards = {**STANDARDS, 2026: Standard(2026, Decimal("450"), Decimal("700"), "test")}
    p = ResidentPolicy(rules=bare_rules(), windows=tuple(rows), standards=standards, subsidies=())
    assert compute_terms(p, category="regular", payment_date=date(2023, 3, 15)).benefit_year == 2026
    # the college row of 2027 is not a resident window: a resident paying in April is mid-year
    assert compute_terms(p, category="regular", payment_date=date(2023, 4, 15)).mid_year


# --- refusals carry the code the doors map to a field --------------------------------------------


@pytest.mark.parametrize("kwargs, code, field", [
    ({"category": "newborn", "payment_date": date(2022, 3, 1)}, "birth_date_required", "birth_date"),
    ({"category": "newborn", "payment_date": date(2022, 3, 1), "birth_date": date(2022, 3, 2)}, "birth_after_payment", "birth_date"),
    ({"category": "newborn", "payment_date": date(2024, 1, 5), "birth_date": date(2022, 3, 1)}, "newborn_too_late", "category"),
    ({"category": "regular", "payment_date": date(2026, 10, 1)}, "no_standard", "payment_date"),
    ({"category": "regular", "payment_date": date(2022, 10, 1), "prior_coverage": PriorCoverage("army", date(2022, 9, 1))},
     "prior_kind", "prior_coverage"),
])
def test_each_refusal_has_its_code_and_field(kwargs, code, field):
    with pytest.raises(TermsError) as error:
        compute_terms(XN, **kwargs)
    assert (error.value.code, error.value.field) == (code, field)
    assert error.value.message and str(error.value) == error.value.message


def test_a_newborn_registered_on_the_birth_day_is_covered_from_that_day():
    result = compute_terms(XN, category="newborn", payment_date=date(2022, 3, 1), birth_date=date(2022, 3, 1))
    assert (result.benefit_start, result.amount_due, result.mid_year) == (date(2022, 3, 1), Decimal("0.00"), False)


def test_a_newborn_registered_in_the_next_year_is_still_accepted_and_free():
    result = compute_terms(XN, category="newborn", payment_date=date(2023, 12, 31), birth_date=date(2022, 3, 1))
    assert (result.benefit_year, result.benefit_end, result.standard, result.subsidy) == (2022, date(2022, 12, 31), Decimal("0.00"), Decimal("0"))


def test_a_free_newborn_year_takes_no_subsidy():
    result = compute_terms(XN, category="newborn", payment_date=date(2022, 5, 1), birth_date=date(2022, 3, 1),
                           identities=["orphan"])
    assert (result.subsidy, result.subsidy_identity, result.sources) == (Decimal("0"), None, ("X000 art. 7",))


def test_a_jilin_newborn_pays_and_gets_the_hardship_subsidy():
    result = compute_terms(JL, category="newborn", payment_date=date(2022, 5, 1), birth_date=date(2022, 3, 1),
                           identities=["subsistence_allowance"])
    assert (result.standard, result.subsidy, result.amount_due) == (Decimal("350.00"), Decimal("315.00"), Decimal("35.00"))
    assert result.subsidy_identity == "subsistence_allowance"


# --- changes of cover at their edges --------------------------------------------------------------


def test_employee_cover_of_exactly_two_years_starts_on_the_payment_day_months_later():
    prior = PriorCoverage("employee", date(2022, 1, 31), continuous_years=2)
    result = compute_terms(XN, category="regular", payment_date=date(2022, 7, 15), prior_coverage=prior)
    assert (result.benefit_start, result.mid_year, result.sources) == (date(2022, 7, 15), False, ("X000 art. 12",))


def test_employee_cover_of_one_year_paid_after_three_months_is_mid_year():
    prior = PriorCoverage("employee", date(2022, 1, 31), continuous_years=1)
    result = compute_terms(XN, category="regular", payment_date=date(2022, 7, 15), prior_coverage=prior)
    assert (result.mid_year, result.waiting_days, result.sources) == (True, 90, ("X000 art. 11",))


def test_employee_cover_without_years_known_is_treated_as_short():
    prior = PriorCoverage("employee", date(2022, 1, 31))
    inside = compute_terms(XN, category="regular", payment_date=date(2022, 4, 30), prior_coverage=prior)
    assert (inside.mid_year, inside.sources) == (False, ("X000 art. 13",))
    assert compute_terms(XN, category="regular", payment_date=date(2022, 5, 1), prior_coverage=prior).mid_year


def test_unknown_employee_years_never_count_as_the_qualifying_years():
    # even where one year would qualify, a record without its years is treated as short cover
    one_year = bare_rules(employee_continuous_years=1, articles={"employee_long": "art. 12", "employee_end": "art. 13"})
    unknown = compute_terms(policy(one_year), category="regular", payment_date=date(2022, 7, 15),
                            prior_coverage=PriorCoverage("employee", date(2022, 1, 31)))
    assert unknown.mid_year  # more than 3 months after the end: mid-year, not art. 12
    known = compute_terms(policy(one_year), category="regular", payment_date=date(2022, 7, 15),
                          prior_coverage=PriorCoverage("employee", date(2022, 1, 31), continuous_years=1))
    assert (known.mid_year, known.sources) == (False, ("art. 12",))


def test_a_change_of_cover_starts_the_next_year_when_the_old_cover_ends_on_dec_31():
    prior = PriorCoverage("discharge", date(2022, 12, 31))
    result = compute_terms(XN, category="regular", payment_date=date(2022, 12, 20), prior_coverage=prior)
    assert (result.benefit_year, result.benefit_start, result.benefit_end) == (2023, date(2023, 1, 1), date(2023, 12, 31))
    assert result.amount_due == Decimal("380.00")  # the year benefits start in sets the standard


# --- mid-year waiting by unit --------------------------------------------------------------------


def test_a_scheme_counting_the_wait_in_months_adds_calendar_months():
    months = bare_rules(waiting_unit="months", waiting_length=3)
    result = compute_terms(policy(months), category="regular", payment_date=date(2022, 3, 31))
    assert (result.benefit_start, result.waiting_days) == (date(2022, 6, 30), 91)


def test_pupils_wait_where_the_scheme_says_students_wait():
    result = compute_terms(XN, category="school_pupil", payment_date=date(2022, 3, 10))
    assert (result.benefit_start, result.waiting_days, result.mid_year) == (date(2022, 6, 8), 90, True)


def test_a_jilin_pupil_mid_year_cites_the_no_wait_rule():
    result = compute_terms(JL, category="school_pupil", payment_date=date(2022, 3, 10))
    assert (result.benefit_start, result.sources) == (date(2022, 3, 10), ("J003 §二(一)3",))


def test_a_jilin_college_student_in_october_is_in_the_resident_window():
    # J003 has no own period for students: a payment in the window buys next year like a resident
    result = compute_terms(JL, category="college_student", payment_date=date(2022, 10, 1))
    assert (result.benefit_year, result.benefit_start, result.benefit_end) == (2023, date(2023, 1, 1), date(2023, 12, 31))


def test_a_mid_year_payment_late_in_the_year_buys_the_next_year_and_its_standard():
    # paid Dec 1 2023 outside the window (a scheme whose window closes Nov 30): benefits start in 2024
    scheme = bare_rules(resident_window=((9, 1), (11, 30)))
    result = compute_terms(policy(scheme), category="regular", payment_date=date(2023, 12, 1))
    assert (result.benefit_year, result.benefit_start, result.amount_due, result.waiting_days) == (
        2024, date(2024, 2, 29), Decimal("400.00"), 90)


# --- subsidies at their edges --------------------------------------------------------------------


def test_a_fixed_subsidy_never_exceeds_the_standard():
    rule = SubsidyRule("stable_out_of_poverty", 2022, None, None, Decimal("500"), "S001 §三(二)")
    result = compute_terms(policy(subsidies=[rule]), category="regular", payment_date=date(2022, 10, 1),
                           identities=["stable_out_of_poverty"])
    assert (result.subsidy, result.amount_due) == (Decimal("380.00"), Decimal("0.00"))


@pytest.mark.parametrize("paid, subsidy", [
    (date(2021, 10, 1), Decimal("0")),  # benefit year 2022: before the rule's first year (2023)
    (date(2022, 10, 1), Decimal("190.00")),  # 2023: its first year
    (date(2023, 10, 1), Decimal("200.00")),  # 2024: its last year
])
def test_a_subsidy_rule_applies_from_its_first_to_its_last_benefit_year(paid, subsidy):
    rule = SubsidyRule("monitored_edge", 2023, 2024, Decimal("50"), None, "N004 §三")
    result = compute_terms(policy(subsidies=[rule]), category="regular", payment_date=paid, identities=["monitored_edge"])
    assert result.subsidy == subsidy


def test_a_subsidy_rule_after_its_last_year_gives_nothing():
    rule = SubsidyRule("monitored_edge", 2022, 2023, Decimal("50"), None, "N004 §三")
    result = compute_terms(policy(subsidies=[rule]), category="regular", payment_date=date(2023, 10, 1), identities=["monitored_edge"])
    assert (result.subsidy, result.subsidy_identity, result.amount_due) == (Decimal("0"), None, Decimal("400.00"))


def test_between_two_equal_subsidies_the_first_identity_is_named():
    result = compute_terms(XN, category="regular", payment_date=date(2022, 10, 1), identities=["orphan", "extreme_poverty"])
    assert (result.subsidy, result.subsidy_identity) == (Decimal("380.00"), "orphan")


def test_the_subsidy_source_is_cited_after_the_window():
    result = compute_terms(XN, category="regular", payment_date=date(2022, 10, 1), identities=["stable_out_of_poverty"])
    assert result.sources == ("X000 art. 7", "S001 §三(二)")


# --- parameters stay as loaded --------------------------------------------------------------------


@pytest.mark.parametrize("value, attribute", [
    (XN.rules, "waiting_length"), (XN, "rules"), (XN.standards[2022], "individual"), (XN.subsidies[0], "percent"),
    (Window(2023, "resident", date(2022, 9, 1), date(2022, 12, 31), ""), "closes_on"),
    (PriorCoverage("employee", date(2022, 1, 1)), "continuous_years"),
    (compute_terms(XN, category="regular", payment_date=date(2022, 10, 1)), "amount_due"),
])
def test_policies_and_terms_cannot_be_changed_once_built(value, attribute):
    # A ResidentPolicy is cached and shared by every request of a region: nothing may alter it.
    with pytest.raises(FrozenInstanceError):
        setattr(value, attribute, None)

"""RULES.md 2.2-2.3, row by row, on the pure rule with the preset parameters."""

from datetime import date
from decimal import Decimal

import pytest

from enrollment import presets
from enrollment.rules.terms import (
    PriorCoverage,
    ResidentPolicy,
    SchemeRules,
    Standard,
    SubsidyRule,
    TermsError,
    Window,
    compute_terms,
)


def _md(value):
    month, day = value.split("-")
    return int(month), int(day)


def preset_policy(code: str, extra_years=(), windows=()) -> ResidentPolicy:
    values = dict(presets.SCHEMES[code])
    for key in ("name", "source", "confirmed"):
        values.pop(key)
    resident = (_md(values.pop("resident_window_opens")), _md(values.pop("resident_window_closes")))
    college = (_md(values.pop("college_window_opens")), _md(values.pop("college_window_closes")))
    rules = SchemeRules(code=code, resident_window=resident, college_window=college, **values)
    standards = {y: Standard(y, i, f, s) for y, i, f, s, _ in presets.STANDARDS}
    for year, individual in extra_years:
        standards[year] = Standard(year, Decimal(individual), Decimal("700"), "test")
    subsidies = tuple(SubsidyRule(*row) for row in presets.SUBSIDIES)
    return ResidentPolicy(rules=rules, windows=tuple(windows), standards=standards, subsidies=subsidies)


XN = preset_policy(presets.XIANNING)
JL = preset_policy(presets.JILIN)


def terms(policy=XN, **kwargs):
    kwargs.setdefault("category", "regular")
    return compute_terms(policy, **kwargs)


# --- regular residents: window Sep 1 - Dec 31 of Y-1, benefits Jan 1 - Dec 31 of Y -----------


@pytest.mark.parametrize(
    "paid, year, start, mid_year, waiting",
    [
        (date(2022, 8, 31), 2022, date(2022, 11, 29), True, 90),  # day before the window: mid-year 2022
        (date(2022, 9, 1), 2023, date(2023, 1, 1), False, 0),  # first day of the window
        (date(2022, 12, 31), 2023, date(2023, 1, 1), False, 0),  # last day of the window
        (date(2023, 1, 1), 2023, date(2023, 4, 1), True, 90),  # day after: mid-year 2023
    ],
)
def test_regular_window_edges(paid, year, start, mid_year, waiting):
    result = terms(payment_date=paid)
    assert (result.benefit_year, result.benefit_start, result.benefit_end) == (year, start, date(year, 12, 31))
    assert (result.mid_year, result.waiting_days) == (mid_year, waiting)


def test_window_payment_pays_the_benefit_years_standard_and_cites_art_7():
    result = terms(payment_date=date(2022, 10, 8))
    assert result.standard == Decimal("380.00")  # 2023 standard
    assert result.amount_due == Decimal("380.00")
    assert result.sources == ("X000 art. 7",)


def test_mid_year_pays_the_individual_standard_of_the_year_and_cites_art_11():
    result = terms(payment_date=date(2022, 3, 15))
    assert result.standard == Decimal("350.00")
    assert result.sources == ("X000 art. 11",)


def test_waiting_period_counts_payment_day_as_day_one():
    # Paid Mar 1: days Mar 1 .. May 29 are the 90 waiting days; benefits start May 30 (day 91).
    result = terms(payment_date=date(2022, 3, 1))
    assert result.benefit_start == date(2022, 5, 30)
    assert (result.benefit_start - date(2022, 3, 1)).days == 90


def test_waiting_period_across_a_leap_february():
    result = terms(policy=preset_policy(presets.XIANNING, extra_years=[(2024, "400")]), payment_date=date(2024, 2, 1))
    assert result.benefit_start == date(2024, 5, 1)  # Feb 2024 has 29 days


def test_an_extended_window_reaching_into_the_benefit_year_still_gives_the_whole_year():
    extension = Window(2023, "resident", date(2022, 9, 1), date(2023, 2, 28), "市医保局延期通知")
    policy = preset_policy(presets.XIANNING, windows=[extension])
    result = terms(policy=policy, payment_date=date(2023, 2, 10))
    assert (result.benefit_year, result.benefit_start, result.mid_year) == (2023, date(2023, 1, 1), False)
    assert result.sources == ("市医保局延期通知",)
    assert terms(payment_date=date(2023, 2, 10)).mid_year  # without the extension: mid-year


def test_missing_standard_is_a_clear_error():
    with pytest.raises(TermsError) as error:
        terms(payment_date=date(2023, 10, 1))  # buys 2024: no preset standard
    assert error.value.field == "payment_date"
    assert "2024" in error.value.message


# --- college students: Sep 1 - Nov 30 of Y, benefits Sep 1 Y - Dec 31 Y+1 ---------------------


def test_college_student_on_nov_30_gets_sep_1_to_end_of_next_year():
    result = terms(category="college_student", payment_date=date(2022, 11, 30))
    assert (result.benefit_year, result.benefit_start, result.benefit_end) == (2022, date(2022, 9, 1), date(2023, 12, 31))
    assert result.standard == Decimal("350.00")
    assert not result.mid_year


def test_college_student_on_sep_1_is_in_the_window():
    result = terms(category="college_student", payment_date=date(2022, 9, 1))
    assert result.benefit_end == date(2023, 12, 31)


def test_college_student_on_dec_1_falls_back_to_resident_rules():
    result = terms(category="college_student", payment_date=date(2022, 12, 1))
    assert (result.benefit_year, result.benefit_start, result.benefit_end) == (2023, date(2023, 1, 1), date(2023, 12, 31))


def test_college_student_in_august_is_mid_year_with_waiting():
    result = terms(category="college_student", payment_date=date(2022, 8, 31))
    assert result.mid_year and result.waiting_days == 90


# --- newborns: birth year free, birth date - Dec 31 --------------------------------------------


def test_newborn_birth_year_is_free_from_birth_date():
    result = terms(category="newborn", payment_date=date(2022, 10, 8), birth_date=date(2022, 3, 1))
    assert (result.benefit_year, result.benefit_start, result.benefit_end) == (2022, date(2022, 3, 1), date(2022, 12, 31))
    assert result.amount_due == Decimal("0.00")
    assert result.waiting_days == 0
    assert result.sources == ("X000 art. 7",)


def test_newborn_born_dec_31_registered_in_january_still_gets_the_birth_year():
    result = terms(category="newborn", payment_date=date(2023, 1, 5), birth_date=date(2022, 12, 31))
    assert (result.benefit_year, result.benefit_start, result.amount_due) == (2022, date(2022, 12, 31), Decimal("0.00"))


def test_newborn_next_year_contributes_as_a_resident():
    # Born Mar 1 2022 and registered as a newborn in Nov: the free cover ends with the birth year
    newborn = terms(category="newborn", payment_date=date(2022, 11, 1), birth_date=date(2022, 3, 1))
    assert (newborn.benefit_year, newborn.benefit_end, newborn.amount_due) == (2022, date(2022, 12, 31), Decimal("0.00"))
    # ... and registered as a newborn again in the collection window, the child still gets 2022 only
    again = terms(category="newborn", payment_date=date(2022, 12, 1), birth_date=date(2022, 3, 1))
    assert (again.benefit_year, again.benefit_end) == (2022, date(2022, 12, 31))
    # For 2023 the same child enrols as a regular resident, in the window, and pays the 2023 standard
    child = terms(category="regular", payment_date=date(2022, 11, 1), birth_date=date(2022, 3, 1))
    assert (child.benefit_year, child.benefit_start, child.amount_due, child.mid_year) == (
        2023, date(2023, 1, 1), Decimal("380.00"), False)


def test_newborn_category_two_years_after_birth_is_refused():
    with pytest.raises(TermsError) as error:
        terms(category="newborn", payment_date=date(2024, 1, 5), birth_date=date(2022, 3, 1))
    assert error.value.field == "category"


def test_newborn_born_after_payment_is_refused():
    with pytest.raises(TermsError) as error:
        terms(category="newborn", payment_date=date(2022, 3, 1), birth_date=date(2022, 3, 2))
    assert error.value.field == "birth_date"


def test_newborn_without_birth_date_is_refused():
    with pytest.raises(TermsError) as error:
        terms(category="newborn", payment_date=date(2022, 3, 1))
    assert error.value.field == "birth_date"


# --- changes of cover (X000 arts. 12-15) -------------------------------------------------------


def test_employee_two_years_or_more_starts_on_payment_day_any_time():
    prior = PriorCoverage("employee", date(2022, 1, 31), continuous_years=2)
    result = terms(payment_date=date(2022, 7, 15), prior_coverage=prior)
    assert (result.benefit_year, result.benefit_start, result.mid_year, result.waiting_days) == (2022, date(2022, 7, 15), False, 0)
    assert result.sources == ("X000 art. 12",)


def test_employee_under_two_years_within_three_months():
    prior = PriorCoverage("employee", date(2022, 1, 20), continuous_years=1)
    assert terms(payment_date=date(2022, 4, 20), prior_coverage=prior).benefit_start == date(2022, 4, 20)
    late = terms(payment_date=date(2022, 4, 21), prior_coverage=prior)
    assert late.mid_year and late.benefit_start == date(2022, 7, 20)


@pytest.mark.parametrize("kind, article", [("transfer_in", "X000 art. 13"), ("unemployment", "X000 art. 14"), ("discharge", "X000 art. 15")])
def test_transfers_three_months_plus_minus_one_day(kind, article):
    prior = PriorCoverage(kind, date(2022, 1, 20))
    on_time = terms(payment_date=date(2022, 4, 20), prior_coverage=prior)
    assert (on_time.benefit_start, on_time.mid_year, on_time.sources) == (date(2022, 4, 20), False, (article,))
    day_before = terms(payment_date=date(2022, 4, 19), prior_coverage=prior)
    assert day_before.benefit_start == date(2022, 4, 19)
    day_after = terms(payment_date=date(2022, 4, 21), prior_coverage=prior)
    assert day_after.mid_year and day_after.waiting_days == 90


def test_three_months_from_the_31st_ends_on_the_months_last_day():
    prior = PriorCoverage("transfer_in", date(2022, 11, 30))
    assert not terms(payment_date=date(2023, 2, 28), prior_coverage=prior).mid_year
    prior = PriorCoverage("transfer_in", date(2023, 11, 30))
    policy = preset_policy(presets.XIANNING, extra_years=[(2024, "400")])
    assert not compute_terms(policy, category="regular", payment_date=date(2024, 2, 29), prior_coverage=prior).mid_year


def test_change_of_cover_paid_before_the_old_cover_ends_starts_the_day_after():
    prior = PriorCoverage("employee", date(2022, 6, 30), continuous_years=5)
    assert terms(payment_date=date(2022, 6, 20), prior_coverage=prior).benefit_start == date(2022, 7, 1)


def test_late_change_of_cover_inside_the_window_buys_next_year():
    prior = PriorCoverage("unemployment", date(2022, 5, 1))
    result = terms(payment_date=date(2022, 10, 1), prior_coverage=prior)
    assert (result.benefit_year, result.mid_year) == (2023, False)


# --- subsidies (RULES.md 1 and 2.3) ------------------------------------------------------------


@pytest.mark.parametrize(
    "code, subsidy",
    [
        ("extreme_poverty", "350.00"),
        ("orphan", "350.00"),
        ("subsistence_allowance", "315.00"),
        ("returned_to_poverty", "315.00"),
        ("low_income_edge", "0.00"),
        ("monitored_unstable", "175.00"),
        ("monitored_edge", "175.00"),
        ("monitored_sudden", "175.00"),
        ("illness_poverty", "0.00"),
        ("county_special", "175.00"),
        ("disabled_unable_to_work", "350.00"),
        ("entitled_veteran", "350.00"),
        ("severe_mental_illness", "350.00"),
        ("family_planning_hardship", "350.00"),
        ("low_income_elder_or_minor", "175.00"),
        ("stable_out_of_poverty", "128.00"),
    ],
)
def test_every_identity_subsidy_for_2022(code, subsidy):
    result = terms(payment_date=date(2021, 11, 1), identities=[code])  # buys 2022, standard 350
    assert result.benefit_year == 2022
    assert result.subsidy == Decimal(subsidy)
    assert result.amount_due == Decimal("350.00") - Decimal(subsidy)
    assert result.subsidy_identity == (code if Decimal(subsidy) else None)


@pytest.mark.parametrize("paid, year, amount", [(date(2020, 11, 1), 2021, "160.00"), (date(2021, 11, 1), 2022, "128.00"), (date(2022, 11, 1), 2023, "80.00")])
def test_stable_out_of_poverty_phase_out_by_benefit_year(paid, year, amount):
    result = terms(payment_date=paid, identities=["stable_out_of_poverty"])
    assert (result.benefit_year, result.subsidy) == (year, Decimal(amount))


def test_stable_out_of_poverty_2024_and_2025():
    policy = preset_policy(presets.XIANNING, extra_years=[(2024, "400"), (2025, "400")])
    assert compute_terms(policy, category="regular", payment_date=date(2023, 11, 1), identities=["stable_out_of_poverty"]).subsidy == Decimal("48.00")
    nothing = compute_terms(policy, category="regular", payment_date=date(2024, 11, 1), identities=["stable_out_of_poverty"])
    assert (nothing.subsidy, nothing.subsidy_identity, nothing.amount_due) == (Decimal("0.00"), None, Decimal("400.00"))


def test_highest_single_identity_wins_and_subsidies_never_stack():
    result = terms(payment_date=date(2022, 10, 8), identities=["monitored_edge", "subsistence_allowance", "stable_out_of_poverty"])
    assert (result.subsidy, result.subsidy_identity, result.amount_due) == (Decimal("342.00"), "subsistence_allowance", Decimal("38.00"))
    assert result.sources == ("X000 art. 7", "N004 §三")


def test_subsidies_apply_to_mid_year_and_transfers_too():
    mid = terms(payment_date=date(2022, 3, 1), identities=["extreme_poverty"])
    assert (mid.mid_year, mid.amount_due) == (True, Decimal("0.00"))
    moved = terms(payment_date=date(2022, 3, 1), identities=["monitored_edge"], prior_coverage=PriorCoverage("transfer_in", date(2022, 2, 1)))
    assert moved.subsidy == Decimal("175.00")


def test_percent_subsidy_rounds_half_up_to_the_cent():
    policy = preset_policy(presets.XIANNING, extra_years=[(2024, "333.33")])
    result = compute_terms(policy, category="regular", payment_date=date(2023, 11, 1), identities=["subsistence_allowance"])
    assert result.subsidy == Decimal("300.00")  # 299.997 → 300.00
    result = compute_terms(policy, category="regular", payment_date=date(2023, 11, 1), identities=["monitored_edge"])
    assert result.subsidy == Decimal("166.67")  # 166.665 → 166.67


# --- 吉林 preset (J003 §二(一)3) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "paid, year, start, mid_year",
    [
        (date(2022, 7, 31), 2022, date(2022, 10, 31), True),
        (date(2022, 8, 1), 2023, date(2023, 1, 1), False),
        (date(2022, 12, 20), 2023, date(2023, 1, 1), False),
        (date(2022, 12, 21), 2023, date(2023, 3, 21), True),
    ],
)
def test_jilin_window_aug_1_to_dec_20_and_three_month_wait(paid, year, start, mid_year):
    result = terms(policy=JL, payment_date=paid)
    assert (result.benefit_year, result.benefit_start, result.mid_year) == (year, start, mid_year)


def test_jilin_three_calendar_months_from_nov_30_ends_feb_28():
    result = terms(policy=JL, payment_date=date(2022, 11, 30), category="regular")
    assert not result.mid_year  # in the window
    result = terms(policy=JL, payment_date=date(2022, 5, 31))
    assert result.benefit_start == date(2022, 8, 31)
    assert result.waiting_days == 92


def test_jilin_students_and_newborns_do_not_wait():
    student = terms(policy=JL, category="school_pupil", payment_date=date(2022, 3, 10))
    assert (student.benefit_start, student.waiting_days) == (date(2022, 3, 10), 0)
    newborn = terms(policy=JL, category="newborn", payment_date=date(2022, 3, 10), birth_date=date(2022, 3, 1))
    assert newborn.benefit_start == date(2022, 3, 1)
    assert newborn.amount_due == Decimal("350.00")  # J003 grants no free birth year

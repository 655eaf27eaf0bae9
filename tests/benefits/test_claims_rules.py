"""The manual-claim deadline (benefits.rules.claims; J003 §二(三)12: care of a year is claimed by
the end of month N of the next year, N = 3 in 吉林), case by case."""

from datetime import date

import pytest

from benefits.rules.claims import ClaimRuleError, care_year, claim_date_problem, claim_deadline, deadline_for


@pytest.mark.parametrize("kind, visit, discharge, year", [
    ("inpatient", date(2023, 12, 28), date(2024, 1, 3), 2024),  # an admission belongs to the year it ended
    ("maternity", date(2023, 12, 30), date(2024, 1, 2), 2024),
    ("inpatient", date(2023, 5, 1), date(2023, 5, 9), 2023),
    ("outpatient", date(2023, 12, 31), None, 2023),
    ("chronic", date(2023, 12, 31), date(2024, 1, 5), 2023),  # not an admission: the visit date's year
])
def test_the_care_year(kind, visit, discharge, year):
    assert care_year(kind=kind, visit_date=visit, discharge_date=discharge) == year


@pytest.mark.parametrize("year, month, deadline", [
    (2023, 3, date(2024, 3, 31)),
    (2023, 2, date(2024, 2, 29)),  # the claim year is a leap year
    (2022, 2, date(2023, 2, 28)),
    (2023, 4, date(2024, 4, 30)),
    (2023, 12, date(2024, 12, 31)),
    (2023, 1, date(2024, 1, 31)),
])
def test_the_deadline_is_the_last_day_of_month_n_of_the_next_year(year, month, deadline):
    assert deadline_for(year, month) == deadline


@pytest.mark.parametrize("month", [0, 13, -3])
def test_a_month_outside_the_year_is_refused(month):
    with pytest.raises(ClaimRuleError):
        deadline_for(2023, month)


@pytest.mark.parametrize("received, in_time", [
    (date(2024, 1, 1), True),
    (date(2024, 3, 30), True),
    (date(2024, 3, 31), True),  # the last day itself
    (date(2024, 4, 1), False),
    (date(2025, 3, 31), False),
])
def test_december_31_outpatient_care_claimed_by_march_31(received, in_time):
    deadline = claim_deadline(kind="outpatient", visit_date=date(2023, 12, 31), discharge_date=None, deadline_month=3)
    assert deadline.deadline == date(2024, 3, 31)
    assert deadline.in_time(received) is in_time
    problem = claim_date_problem(received_on=received, kind="outpatient", visit_date=date(2023, 12, 31), discharge_date=None,
                                 deadline_month=3)
    assert (problem is None) is in_time


def test_a_stay_across_new_year_is_claimed_by_march_of_the_year_after_discharge():
    args = {"kind": "inpatient", "visit_date": date(2023, 12, 20), "discharge_date": date(2024, 1, 4), "deadline_month": 3}
    assert claim_date_problem(received_on=date(2025, 3, 31), **args) is None
    code, message = claim_date_problem(received_on=date(2025, 4, 1), **args)
    assert code == "claim_late"
    assert message == "2024年发生的医疗费用应于2025年3月31日前申请报销，2025-04-01受理已逾期，不予办理"


def test_february_deadline_in_a_leap_year():
    args = {"kind": "outpatient", "visit_date": date(2023, 6, 1), "discharge_date": None, "deadline_month": 2}
    assert claim_date_problem(received_on=date(2024, 2, 29), **args) is None
    assert claim_date_problem(received_on=date(2024, 3, 1), **args)[0] == "claim_late"


def test_a_claim_received_before_the_care_ended_is_refused():
    code, message = claim_date_problem(received_on=date(2024, 1, 3), kind="inpatient", visit_date=date(2023, 12, 28),
                                       discharge_date=date(2024, 1, 4), deadline_month=3)
    assert code == "received_before_care"
    assert message == "受理日期（2024-01-03）早于出院日期（2024-01-04）"
    assert claim_date_problem(received_on=date(2024, 1, 4), kind="inpatient", visit_date=date(2023, 12, 28),
                              discharge_date=date(2024, 1, 4), deadline_month=3) is None
    assert claim_date_problem(received_on=date(2023, 5, 31), kind="outpatient", visit_date=date(2023, 6, 1), discharge_date=None,
                              deadline_month=3)[0] == "received_before_care"

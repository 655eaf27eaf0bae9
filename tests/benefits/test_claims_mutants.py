"""What mutation testing (`make mutation`) found untested in benefits/rules/claims.py (J003
§二(三)12): an admission whose discharge date is not known yet, a visit that is not an admission
carrying a discharge date, the words a clerk reads for a visit, and the refusal's code."""

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from benefits.rules.claims import ClaimRuleError, care_year, claim_date_problem, claim_deadline, deadline_for


def test_an_admission_without_a_discharge_date_belongs_to_its_admission_year():
    assert care_year(kind="inpatient", visit_date=date(2023, 12, 28), discharge_date=None) == 2023
    deadline = claim_deadline(kind="maternity", visit_date=date(2023, 12, 28), discharge_date=None, deadline_month=3)
    assert (deadline.care_year, deadline.deadline) == (2023, date(2024, 3, 31))


def test_a_visit_that_is_not_an_admission_ends_on_its_visit_date():
    # A chronic visit on Dec 31 carrying a discharge date in January: the care ended on Dec 31,
    # so a claim on Jan 2 is after the care, and it belongs to 2023 (deadline 2024-03-31).
    args = {"kind": "chronic", "visit_date": date(2023, 12, 31), "discharge_date": date(2024, 1, 5), "deadline_month": 3}
    assert claim_date_problem(received_on=date(2024, 1, 2), **args) is None
    assert claim_date_problem(received_on=date(2024, 4, 1), **args)[0] == "claim_late"


def test_a_claim_before_the_visit_names_the_visit_date():
    code, message = claim_date_problem(received_on=date(2023, 5, 31), kind="outpatient", visit_date=date(2023, 6, 1),
                                       discharge_date=None, deadline_month=3)
    assert (code, message) == ("received_before_care", "受理日期（2023-05-31）早于就诊日期（2023-06-01）")
    # an admission with no discharge date yet is measured from its admission date
    code, message = claim_date_problem(received_on=date(2023, 5, 31), kind="inpatient", visit_date=date(2023, 6, 1),
                                       discharge_date=None, deadline_month=3)
    assert (code, message) == ("received_before_care", "受理日期（2023-05-31）早于就诊日期（2023-06-01）")


def test_a_month_outside_the_year_is_refused_by_code_as_a_parameter_problem():
    with pytest.raises(ClaimRuleError) as refused:
        deadline_for(2023, 13)
    assert (refused.value.code, refused.value.field) == ("deadline_month", "")
    assert "13" in refused.value.message


def test_a_deadline_cannot_be_changed():
    deadline = claim_deadline(kind="outpatient", visit_date=date(2023, 6, 1), discharge_date=None, deadline_month=3)
    with pytest.raises(FrozenInstanceError):
        deadline.deadline = date(2030, 1, 1)

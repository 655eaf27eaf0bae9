"""core.bulk's array writes: numbers sent as one array literal land as the column holds them
(rounded to its cents, negative, zero, large), the other rows untouched, conflicts left alone."""

from decimal import Decimal as D

import pytest

from benefits.models import PersonYear
from benefits.services.settlements import YEAR_FIELDS
from core.bulk import insert_ignoring_conflicts, update_rows
from tests import factories

pytestmark = pytest.mark.django_db


def test_update_and_insert_by_arrays(village):
    people = [factories.person(village, name=f"人{i}") for i in range(3)]
    insert_ignoring_conflicts(PersonYear, ("person", "year", *YEAR_FIELDS), [(p.pk, 2026, *(D("0.00"),) * len(YEAR_FIELDS)) for p in people])
    insert_ignoring_conflicts(PersonYear, ("person", "year", *YEAR_FIELDS), [(people[0].pk, 2026, *(D("5.00"),) * len(YEAR_FIELDS))])
    rows = list(PersonYear.objects.order_by("person_id"))
    assert len(rows) == 3 and rows[0].basic_fund == D("0.00")  # the conflicting row is left as it was
    rows[0].basic_fund, rows[0].personal = D("-12.50"), D("999999999999.99")
    rows[1].basic_fund, rows[1].ci_base = D("0.005"), D("1E+3")
    assert update_rows(PersonYear, rows[:2], ["basic_fund", "ci_base", "personal"]) == 2
    stored = list(PersonYear.objects.order_by("person_id").values_list("basic_fund", "ci_base", "personal"))
    assert stored == [(D("-12.50"), D("0.00"), D("999999999999.99")), (D("0.01"), D("1000.00"), D("0.00")), (D("0.00"), D("0.00"), D("0.00"))]

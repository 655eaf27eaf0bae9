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


@pytest.mark.parametrize("vendor", ["postgresql", "other"])
def test_copy_lines_store_what_copy_rows_stores(village, vendor, monkeypatch):
    """A row kept as copy_line text (a preview's plan) and written by copy_lines lands as the
    same row through copy_rows would: text with tabs, line ends and backslashes, NULL, true and
    false, dates, money, JSON; on PostgreSQL by COPY, elsewhere read back into values."""
    from datetime import date

    from django.db import connection
    from django.utils import timezone

    from benefits.models import Facility, ParameterSet, Settlement
    from benefits.services.settlements import ROW_COLUMNS
    from core.bulk import JsonText, copy_line, copy_lines, copy_rows

    person = factories.person(village)
    facility = Facility.objects.create(code="H1", name="医院", level=2, tier="secondary_plus", region=village.parent,
                                       agreement_from=date(2020, 1, 1))
    values = {name: 0 for name in ROW_COLUMNS} | {
        "person_id": person.pk, "facility_id": facility.pk, "kind": "inpatient", "visit_date": date(2026, 3, 1), "discharge_date": None,
        "year": 2026, "location": "local", "disease": "", "referral": "referred", "downward_referral": True, "in_province": False,
        "filing_id": None, "channel": "direct", "claim_received_on": None, "total": D("-1234.50"),
        "parameter_set_id": ParameterSet.objects.create(digest="a" * 32, versions={"a": 1}).pk,
        "explanation": JsonText.of([{"step": '起付"标准"\\ 一\t二', "amount": "-1,200.00"}]), "status": "settled",
        "reason": "行一\n行二\\r\r", "region_path": village.path}
    fields = (*ROW_COLUMNS, "created_at")
    now = timezone.now()
    copy_rows(Settlement, fields, [(*(values | {"bill_number": "A"}).values(), now)])
    if vendor == "other":
        monkeypatch.setattr(connection, "vendor", "sqlite")  # the fallback: values read back from the text
    assert copy_lines(Settlement, fields, [copy_line((*(values | {"bill_number": "B"}).values(), now))]) == 1
    monkeypatch.undo()
    # (elsewhere created_at is the insert's own time, as copy_rows' fallback gives it too)
    a, b = (Settlement.objects.values(*ROW_COLUMNS).get(bill_number=n) for n in "AB")
    assert {**a, "bill_number": "B"} == b
    assert b["reason"] == "行一\n行二\\r\r" and b["explanation"][0]["step"] == '起付"标准"\\ 一\t二'
    assert b["discharge_date"] is None and b["in_province"] is False and b["downward_referral"] is True and b["total"] == D("-1234.50")


def test_any_lookup_finds_exactly_the_values_given(village):
    """field__any with texts and numbers sent as one array literal: quotes, backslashes,
    commas, braces, spaces and the word NULL are values like any other; a text longer than the
    column matches nothing (it is not cut to the column's length); ids as numbers and through a
    relation; a value of another type goes the ordinary way."""
    from benefits.models import Facility

    tricky = ['引号"内', "反斜杠\\", "逗号,括号{}", " 空格 ", "NULL", "", "普通"]
    people = [factories.person(village, name=name) for name in tricky]
    longer = factories.person(village, name="名" * 50)
    from enrollment.models import Person

    assert set(Person.objects.filter(name__any=tricky).values_list("name", flat=True)) == set(tricky)
    assert not Person.objects.filter(name__any=["名" * 51]).exists()  # not cut short to the column's 50 characters
    assert Person.objects.filter(name__any=["名" * 50]).get() == longer
    ids = [p.pk for p in people[:3]]
    assert sorted(Person.objects.filter(id__any=ids).values_list("pk", flat=True)) == sorted(ids)
    assert sorted(Person.objects.filter(pk__any={*ids, 10**12}).values_list("pk", flat=True)) == sorted(ids)
    years = [PersonYear(person=p, year=2026) for p in people[:2]]
    PersonYear.objects.bulk_create(years)
    assert PersonYear.objects.filter(person__id__any=[people[1].pk, people[2].pk]).count() == 1
    assert PersonYear.objects.filter(year__any=[2026, None]).count() == 2
    assert not Facility.objects.filter(code__any=[]).exists()
    assert Person.objects.filter(name__any=["普通", 1]).count() == 1  # mixed types: the ordinary array

"""The settlement writer's fast paths give what the plain code gives: the explanation encoded
for COPY is explanation_json's document, a split applied to the year totals adds
year_amounts(split), and the import's whole-yuan cells read as parse_amount reads them."""

import json
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benefits.importers import SettlementImporter
from benefits.rules.settlement import Split, Step
from benefits.services.settlements import (YEAR_FIELDS, YearTotals, add_to_year, apply_split, explanation_json, explanation_text,
                                           year_amounts)
from core.money import parse_amount
from tests.benefits.test_one_writer import world  # noqa: F401 (fixture)

cents = st.integers(min_value=-10**9, max_value=10**9).map(lambda n: D(n) / 100)
texts = st.text(max_size=30)
splits = st.builds(
    lambda amounts, steps: Split(*amounts[:11], tuple(Step(s, a, src) for s, a, src in steps), *amounts[11:]),
    st.lists(cents, min_size=17, max_size=17), st.lists(st.tuples(texts, cents, texts), max_size=8))


@given(splits)
def test_explanation_text_is_explanation_json(split):
    encoded = explanation_text(split)
    assert json.loads(encoded) == explanation_json(split)


def test_explanation_text_of_quotes_and_chinese():
    split = Split(*(D("1.00"),) * 11, (Step('起付"标准"\\', D("1200"), "X000 第二十条\n（一）"),))
    assert json.loads(explanation_text(split)) == [{"step": '起付"标准"\\', "amount": "1200.00", "source": "X000 第二十条\n（一）"}]


@given(splits, st.sampled_from([1, -1]))
def test_apply_split_adds_year_amounts(split, sign):
    start = [D(n) for n in range(len(YEAR_FIELDS))]
    fast, plain = YearTotals(1, 1, 2026, 0, *start), YearTotals(1, 1, 2026, 0, *start)
    apply_split(fast, split, sign)
    add_to_year(plain, year_amounts(split), sign)
    assert [getattr(fast, f) for f in YEAR_FIELDS] == [getattr(plain, f) for f in YEAR_FIELDS]


@pytest.mark.django_db
@pytest.mark.parametrize("cell", ["0", "7", "012", "2500", "999999999999", "", " 30 ", "30.5", "１２", "1e3", None, 40, 12.5])
def test_cost_cells_read_as_parse_amount(cell, officer):
    from types import SimpleNamespace

    importer = SettlementImporter(user=officer)
    facility = SimpleNamespace(code="H1", name="医院", place_province="", place_city="", designated=True,
                               under_agreement_on=lambda day: True)
    importer.facilities = {"H1": facility}
    row = SimpleNamespace(number=2, values={"bill_number": "B1", "facility": "H1", "id_number": "110101199003070011", "name": "",
                                            "kind": "住院", "visit_date": "2024-03-01", "discharge_date": "2024-03-05",
                                            "class_a": cell, "class_b_drug": "0.01"})  # a bill has some cost
    parsed = importer._parse(row)["visit"]["costs"]["class_a"]
    expected = parse_amount(cell, maximum=D("999999999999.99"))
    assert parsed == expected and str(parsed) == str(expected)


@pytest.mark.django_db
def test_the_stored_row_holds_split_columns_and_explanation_json(world):
    from datetime import date

    from django.db import transaction

    from benefits.models import Settlement
    from benefits.services.settlements import SPLIT_FIELDS, SettlementBatch, VisitInput, settlements_write, split_columns

    people, facilities = world
    item = VisitInput(person=people[1], facility=facilities[1], bill_number="F1", kind="inpatient", visit_date=date(2023, 3, 1),
                      costs={"class_a": D("30000"), "class_b_drug": D("5000"), "material_other_imported": D("900"),
                             "out_of_catalogue": D("800")})
    batch = SettlementBatch()
    with transaction.atomic():
        batch.load([item], lock=True)
        settled = batch.settle(item)
        settlements_write(batch=batch, settled=[settled])
    split = settled[1]
    row = Settlement.objects.get(bill_number="F1")
    assert {f: getattr(row, f) for f in SPLIT_FIELDS} == split_columns(split)
    assert len({getattr(row, f) for f in SPLIT_FIELDS}) > 8  # distinct amounts: a column out of order would show
    assert row.explanation == explanation_json(split)


@pytest.mark.parametrize("cell, read", [("1,000.00", D("1000.00")), ("10,500", D("10500.00")), ("1,234,567.5", D("1234567.50")),
                                        ("１,０００", D("1000.00"))])
def test_amounts_with_thousands_separators_read_as_the_preview_writes_them(cell, read):
    from core.money import parse_amount

    assert parse_amount(cell, maximum=D("999999999999.99")) == read


@pytest.mark.parametrize("cell", ["1,5", "10,00", "1,0000", ",100", "1,000,", "1,,000", "-1,000"])
def test_a_comma_that_is_not_a_thousands_separator_is_refused(cell):
    from core.money import AmountError, parse_amount

    with pytest.raises(AmountError):
        parse_amount(cell, maximum=D("999999999999.99"))

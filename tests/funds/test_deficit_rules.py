"""Sharing a city's deficit (S001 市级统筹 §三(三)5, RULES.md 7), case by case."""

from decimal import Decimal as D

import pytest

from funds.rules.deficit import CountyFigures, collection_shortfall, share_deficit

A, B, C = "421202", "421221", "421281"


def share(income="1000000", expenditure="1100000", balance="40000", counties=None, city_share="0.2", weight="0.5"):
    counties = counties if counties is not None else [CountyFigures(A, D("600000"), D("30000")), CountyFigures(B, D("400000"), D("10000"))]
    return share_deficit(income=D(income), expenditure=D(expenditure), balance=D(balance), counties=counties, city_share=D(city_share),
                         collection_weight=D(weight))


def test_the_balance_first_then_two_to_eight_then_by_collection_and_growth():
    s = share()
    assert (s.deficit, s.from_balance, s.city) == (D("100000"), D("40000"), D("12000.00"))
    # 48,000 to the counties: A 0.5×0.6 + 0.5×0.75 = 0.675, B 0.325
    assert s.counties == {A: D("32400.00"), B: D("15600.00")}
    assert s.city + sum(s.counties.values()) + s.from_balance == s.deficit


def test_no_deficit_shares_nothing():
    s = share(income="1000000", expenditure="1000000")
    assert (s.deficit, s.from_balance, s.city, s.counties) == (D("0"), D("0"), D("0"), {A: D("0"), B: D("0")})


def test_a_deficit_the_balance_covers_shares_nothing():
    s = share(balance="100000")
    assert (s.from_balance, s.city) == (D("100000"), D("0"))
    assert s.counties == {A: D("0"), B: D("0")}


def test_a_negative_balance_covers_nothing():
    s = share(balance="-5")
    assert s.from_balance == 0 and s.city == D("20000.00") and sum(s.counties.values()) == D("80000.00")


@pytest.mark.parametrize("weight, expected", [
    ("1", {A: D("28800.00"), B: D("19200.00")}),  # by collection only: 0.6 / 0.4
    ("0", {A: D("36000.00"), B: D("12000.00")}),  # by cost growth only: 0.75 / 0.25
])
def test_the_weighting(weight, expected):
    assert share(weight=weight).counties == expected


def test_the_cents_add_up_to_the_counties_part():
    counties = [CountyFigures(code, D("1"), D("1")) for code in (A, B, C)]
    s = share(income="0", expenditure="100.00", balance="0", counties=counties)
    assert s.city == D("20.00") and s.counties == {A: D("26.67"), B: D("26.67"), C: D("26.66")}


def test_a_fall_in_costs_counts_as_no_growth_and_no_growth_anywhere_splits_by_collection():
    falling = [CountyFigures(A, D("600000"), D("-50000")), CountyFigures(B, D("400000"), D("10000"))]
    assert share(counties=falling).counties == {A: D("14400.00"), B: D("33600.00")}  # A 0.3, B 0.2 + 0.5
    flat = [CountyFigures(A, D("600000"), D("0")), CountyFigures(B, D("400000"), D("0"))]
    assert share(counties=flat).counties == {A: D("28800.00"), B: D("19200.00")}
    nothing = [CountyFigures(A, D("0"), D("0")), CountyFigures(B, D("-1"), D("0"))]
    assert share(counties=nothing).counties == {A: D("24000.00"), B: D("24000.00")}  # no basis: equal parts


def test_without_counties_the_city_bears_what_the_balance_leaves():
    s = share(counties=[])
    assert (s.city, s.counties) == (D("60000"), {})


def test_the_cent_left_by_rounding_goes_to_the_largest_remainder():
    from funds.rules.deficit import _split

    assert _split(D("0.10"), {A: D(1), B: D(2)}) == {A: D("0.03"), B: D("0.07")}
    # A's remainder (0.008) is the largest, though its share is the smallest
    assert _split(D("1.00"), {A: D(118), B: D(441), C: D(441)}) == {A: D("0.12"), B: D("0.44"), C: D("0.44")}


def test_a_county_part_of_exactly_one_yuan_is_shared():
    counties = [CountyFigures(A, D("1"), D("1")), CountyFigures(B, D("1"), D("1"))]
    s = share(income="0", expenditure="1.25", balance="0", counties=counties)
    assert (s.city, s.counties) == (D("0.25"), {A: D("0.50"), B: D("0.50")})


def test_collections_and_growth_under_one_yuan_still_weigh():
    small = [CountyFigures(A, D("0.50"), D("0.30")), CountyFigures(B, D("0.25"), D("0.10"))]
    assert share(counties=small, weight="1").counties == {A: D("32000.00"), B: D("16000.00")}  # 2 : 1 by collection
    assert share(counties=small, weight="0").counties == {A: D("36000.00"), B: D("12000.00")}  # 3 : 1 by growth
    uncollected = [CountyFigures(A, D("0"), D("3")), CountyFigures(B, D("0"), D("1"))]
    assert share(counties=uncollected).counties == {A: D("36000.00"), B: D("12000.00")}  # growth alone decides


def test_the_figures_and_the_result_cannot_change_afterwards():
    import dataclasses

    s = share()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.city = D("0")
    with pytest.raises(dataclasses.FrozenInstanceError):
        CountyFigures(A, D("1"), D("1")).collection = D("2")


@pytest.mark.parametrize("target, collected, expected", [
    (None, D("5"), None),  # no target: nothing owed, and not "met" either
    (D("100.00"), D("99.99"), D("0.01")),
    (D("100.00"), D("100.00"), D("0.00")),
    (D("100.00"), D("100.01"), D("0.00")),  # collecting more owes nothing back
    (D("0.00"), D("0.00"), D("0.00")),
])
def test_a_county_makes_up_what_it_collected_short_of_its_target(target, collected, expected):
    assert collection_shortfall(target=target, collected=collected) == expected

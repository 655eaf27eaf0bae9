"""The fund-balance warning rules (X000 art. 37, RULES.md 7), edges included."""

from decimal import Decimal as D

import pytest

from funds.rules.alerts import MONTHS_LOW, SURPLUS_HIGH, SURPLUS_LOW, Thresholds, months_covered, surplus_rate, warnings

LIMITS = Thresholds(D("0.05"), D("0.25"), D("6"))


@pytest.mark.parametrize("income, expenditure, rate", [
    (D("10000"), D("9501"), D("0.0499")),
    (D("10000"), D("9500"), D("0.0500")),
    (D("10000"), D("7500"), D("0.2500")),
    (D("10000"), D("7499"), D("0.2501")),
    (D("10000"), D("12000"), D("-0.2000")),  # a deficit
    (D("3"), D("2"), D("0.3333")),
    (D("3"), D("1"), D("0.6667")),  # half up
    (D("10000"), D("0"), D("1.0000")),
    (D("0"), D("100"), None),
    (D("-5"), D("0"), None),
    (D("0.50"), D("0.10"), D("0.8000")),  # income under one yuan is still income
])
def test_surplus_rate(income, expenditure, rate):
    assert surplus_rate(income, expenditure) == rate


@pytest.mark.parametrize("balance, monthly, months", [
    (D("600"), D("100"), D("6.00")),
    (D("599.99"), D("100"), D("6.00")),  # 5.9999 rounds to 6.00: no warning at the hundredth
    (D("599"), D("100"), D("5.99")),
    (D("-100"), D("100"), D("-1.00")),
    (D("100"), D("0"), None),
    (D("100"), D("-1"), None),
    (D("1"), D("3"), D("0.33")),
    (D("2"), D("3"), D("0.67")),
    (D("3"), D("0.50"), D("6.00")),  # under one yuan a month is still spending
])
def test_months_covered(balance, monthly, months):
    assert months_covered(balance, monthly) == months


@pytest.mark.parametrize("rate, months, raised", [
    (D("0.0499"), None, {SURPLUS_LOW: (D("0.0499"), D("0.05"))}),
    (D("0.0500"), None, {}),
    (D("0.2500"), None, {}),
    (D("0.2501"), None, {SURPLUS_HIGH: (D("0.2501"), D("0.25"))}),
    (D("-0.30"), D("5.99"), {SURPLUS_LOW: (D("-0.30"), D("0.05")), MONTHS_LOW: (D("5.99"), D("6"))}),
    (None, D("6.00"), {}),
    (None, D("5.99"), {MONTHS_LOW: (D("5.99"), D("6"))}),
    (None, None, {}),
    (D("0.10"), D("12"), {}),
])
def test_warnings(rate, months, raised):
    assert warnings(rate, months, LIMITS) == raised


def test_the_kinds_are_the_stored_warning_kinds_and_the_limits_cannot_change():
    import dataclasses

    from funds.models import AlertKind

    assert [SURPLUS_LOW, SURPLUS_HIGH, MONTHS_LOW] == AlertKind.values
    with pytest.raises(dataclasses.FrozenInstanceError):
        LIMITS.surplus_low = D("0")

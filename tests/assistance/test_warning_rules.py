"""Early warnings and illness-poverty candidates (RULES.md 6 and 1; S001 §四(五), §二; N004 §三),
case by case: both thresholds at their edges (exactly 50% and 100% are not warnings; one cent
more is), who falls under which rule, and the re-sending rule."""

from decimal import Decimal as D

import pytest

from assistance.rules.warnings import (CHANGED, NEW, POVERTY_CAUSING, POVERTY_RETURN, Warning, illness_poverty_candidate, resend,
                                       threshold, warning_for)

R = D("18000.00")  # the previous year's rural per-capita disposable income
RATES = {"return_rate": D("0.5"), "causing_rate": D("1.0")}


def warn(identities, cost, reference=R):
    return warning_for(identities=frozenset(identities), self_borne=D(cost), reference=reference, **RATES)


@pytest.mark.parametrize("code", ["low_income_edge", "monitored_unstable", "monitored_edge", "monitored_sudden", "stable_out_of_poverty"])
@pytest.mark.parametrize("cost, warned", [("8999.99", False), ("9000.00", False), ("9000.01", True), ("50000", True)])
def test_poverty_return_above_half_of_r(code, cost, warned):
    result = warn({code}, cost)
    assert result == (Warning(POVERTY_RETURN, D("9000.00"), D(cost)) if warned else None)


@pytest.mark.parametrize("cost, warned", [("17999.99", False), ("18000.00", False), ("18000.01", True)])
def test_poverty_causing_above_all_of_r_for_people_without_an_identity(cost, warned):
    assert warn(set(), cost) == (Warning(POVERTY_CAUSING, D("18000.00"), D(cost)) if warned else None)


@pytest.mark.parametrize("codes", [{"subsistence_allowance"}, {"extreme_poverty"}, {"disabled_unable_to_work"}, {"illness_poverty"},
                                   {"county_special"}, {"orphan", "entitled_veteran"}])
def test_people_already_helped_are_neither(codes):
    assert warn(codes, "100000") is None


def test_a_return_code_beside_another_identity_still_warns_at_half():
    assert warn({"subsistence_allowance", "monitored_edge"}, "9000.01").rule == POVERTY_RETURN
    # between 50% and 100% an ordinary person is not warned, a monitored one is
    assert warn(set(), "12000") is None and warn({"monitored_edge"}, "12000").rule == POVERTY_RETURN


def test_the_threshold_is_to_the_cent_half_up():
    assert threshold(D("18001.01"), D("0.5")) == D("9000.51")  # 9000.505 rounds up
    assert warn({"monitored_edge"}, "9000.51", reference=D("18001.01")) is None
    assert warn({"monitored_edge"}, "9000.52", reference=D("18001.01")).threshold == D("9000.51")
    assert threshold(D("18001.00"), D("0.5")) == D("9000.50")


def test_rates_are_parameters():
    assert warning_for(identities=frozenset(), self_borne=D("15000.01"), reference=R, return_rate=D("0.5"),
                       causing_rate=D("0.8333333")).threshold == D("15000.00")
    assert warning_for(identities=frozenset({"monitored_edge"}), self_borne=D("6000"), reference=R, return_rate=D("0.3"),
                       causing_rate=D("1")).rule == POVERTY_RETURN


@pytest.mark.parametrize("last, now, expected", [
    (None, "9000.01", NEW),  # first warned this year
    (D("9000.01"), "9000.01", None),  # unchanged: not sent again
    (D("9000.01"), "9500.00", CHANGED),
    (D("9500.00"), "9000.01", CHANGED),  # a reversal lowered it: changed too
])
def test_a_later_month_sends_only_new_people_and_changed_amounts(last, now, expected):
    assert resend(last_sent=last, self_borne=D(now)) == expected


R2 = D("30000.00")  # the previous year's per-capita disposable income of all residents


@pytest.mark.parametrize("codes, cost, expected", [
    (set(), "30000.00", False), (set(), "30000.01", True),
    ({"county_special"}, "30000.01", True),  # class 4: may be certified illness_poverty
    ({"stable_out_of_poverty"}, "30000.01", True),  # no MA class
    ({"illness_poverty"}, "30000.01", True),  # renewal after its 12 months
    ({"subsistence_allowance"}, "99999", False), ({"low_income_edge"}, "99999", False), ({"monitored_sudden"}, "99999", False),
    ({"monitored_unstable"}, "99999", False), ({"monitored_edge"}, "99999", False),
    ({"extreme_poverty"}, "99999", False), ({"orphan"}, "99999", False), ({"returned_to_poverty"}, "99999", False),
])
def test_illness_poverty_candidates_are_not_class_1_to_3_and_above_all_of_r2(codes, cost, expected):
    assert illness_poverty_candidate(identities=frozenset(codes), self_borne_12_months=D(cost), reference=R2, rate=D("1")) is expected


def test_the_stored_codes_and_a_warning_do_not_change():
    """The rule and re-send codes are stored with each warning and exported: they stay as they are."""
    import dataclasses

    assert (POVERTY_RETURN, POVERTY_CAUSING, NEW, CHANGED) == ("poverty_return", "poverty_causing", "new", "changed")
    warning = warn(set(), "18000.01")
    with pytest.raises(dataclasses.FrozenInstanceError):
        warning.self_borne = D("0")

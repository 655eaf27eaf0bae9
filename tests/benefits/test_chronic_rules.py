"""benefits.rules.chronic case by case (RULES.md 3.5): the facility levels a disease allows, the
default validity, which visits an approval covers (first and last day, revocation day, other
disease, other facility), the reason a visit is refused, the renewal window and the deadline."""

from datetime import date

import pytest

from benefits.rules import chronic as rules

Cover = rules.Cover


@pytest.mark.parametrize(("low", "high", "level", "designated", "expected"), [
    (None, 2, 1, True, ""),
    (None, 2, 2, True, ""),  # chronic: level 2 or below, the edge included
    (None, 2, 3, True, "该病种须在2级及以下定点医疗机构认定和就医，所选机构为3级"),
    (2, None, 2, True, ""),  # special: level 2 or above
    (2, None, 3, True, ""),
    (2, None, 1, True, "该病种须在2级及以上定点医疗机构认定和就医，所选机构为1级"),
    (None, None, 1, True, ""),
    (None, None, 3, True, ""),
    (None, None, 2, False, "所选机构不是定点医药机构"),
    (2, 2, 2, True, ""),
    (2, 2, 1, True, "该病种须在2级及以上定点医疗机构认定和就医，所选机构为1级"),
    (2, 2, 3, True, "该病种须在2级及以下定点医疗机构认定和就医，所选机构为3级"),
])
def test_facility_levels(low, high, level, designated, expected):
    assert rules.facility_refusal(min_level=low, max_level=high, facility_level=level, designated=designated) == expected


@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2026, 3, 1), 24, date(2028, 2, 29)),  # a leap day
    (date(2026, 1, 1), 24, date(2027, 12, 31)),
    (date(2026, 1, 31), 1, date(2026, 2, 27)),  # 2026-02 has no 31st: the 28th is a month on, less a day
    (date(2026, 12, 15), 12, date(2027, 12, 14)),
    (date(2026, 5, 10), 0, date(2026, 5, 9)),
])
def test_default_validity(start, months, end):
    assert rules.default_valid_to(start, months) == end


def test_add_months_keeps_the_day_or_the_months_last():
    assert rules.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert rules.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert rules.add_months(date(2026, 11, 5), 2) == date(2027, 1, 5)


def test_a_period_may_be_one_day_but_not_end_before_it_starts():
    assert rules.period_problem(date(2026, 1, 1), date(2026, 1, 1)) == ""
    assert rules.period_problem(date(2026, 1, 2), date(2026, 1, 1)) == "有效期止不能早于有效期起"


APPROVAL = Cover("tuberculosis", 7, date(2026, 3, 1), date(2026, 8, 31))


@pytest.mark.parametrize(("cover", "disease", "facility", "day", "expected"), [
    (APPROVAL, "tuberculosis", 7, date(2026, 3, 1), True),  # first day
    (APPROVAL, "tuberculosis", 7, date(2026, 8, 31), True),  # last day
    (APPROVAL, "tuberculosis", 7, date(2026, 2, 28), False),  # the day before
    (APPROVAL, "tuberculosis", 7, date(2026, 9, 1), False),  # the day after
    (APPROVAL, "tuberculosis", 8, date(2026, 5, 1), False),  # another facility
    (APPROVAL, "diabetes_insulin", 7, date(2026, 5, 1), False),  # another disease
    (Cover("tuberculosis", 7, date(2026, 3, 1), date(2026, 8, 31), ended_on=date(2026, 5, 1)), "tuberculosis", 7, date(2026, 4, 30), True),
    (Cover("tuberculosis", 7, date(2026, 3, 1), date(2026, 8, 31), ended_on=date(2026, 5, 1)), "tuberculosis", 7, date(2026, 5, 1), False),
    (Cover("tuberculosis", None, date(2026, 3, 1), date(2026, 8, 31)), "tuberculosis", 7, date(2026, 5, 1), False),  # no facility chosen
])
def test_which_visits_an_approval_covers(cover, disease, facility, day, expected):
    assert rules.covers(cover, disease=disease, facility_id=facility, day=day) is expected


def _refusal(covers, *, disease="tuberculosis", facility=7, day=date(2026, 5, 1)):
    return rules.refusal(covers, disease=disease, disease_name="结核病", facility_id=facility, facility_name="卫生院", day=day,
                         facility_names={7: "区人民医院", 9: "市中心医院"})


def test_the_reason_names_what_is_missing():
    assert _refusal([APPROVAL]) == ""
    assert _refusal([]) == "无结核病的门诊慢特病认定，门诊慢特病统筹不支付"
    assert _refusal([APPROVAL], disease="diabetes_insulin") == "无结核病的门诊慢特病认定，门诊慢特病统筹不支付"
    assert _refusal([APPROVAL], day=date(2026, 9, 1)) == (
        "结核病的门诊慢特病认定在就诊日（2026-09-01）不在有效期内（2026-03-01至2026-08-31），门诊慢特病统筹不支付")
    assert _refusal([APPROVAL], facility=8) == "结核病的门诊慢特病认定的定点机构为区人民医院，不是卫生院，门诊慢特病统筹不支付"
    ended = Cover("tuberculosis", 7, date(2026, 3, 1), date(2026, 8, 31), ended_on=date(2026, 4, 1))
    assert _refusal([ended]) == "结核病的门诊慢特病认定已于2026-04-01撤销，门诊慢特病统筹不支付"
    assert _refusal([ended], day=date(2026, 3, 31)) == ""  # the day before the revocation
    assert "不在有效期内" in _refusal([ended], day=date(2026, 9, 1))
    assert _refusal([Cover("tuberculosis", None, date(2026, 3, 1), date(2026, 8, 31))]) == (
        "结核病的门诊慢特病认定的定点机构为其他机构，不是卫生院，门诊慢特病统筹不支付")
    # two approvals of the disease (an old one and its renewal): either covering is enough
    renewed = Cover("tuberculosis", 9, date(2026, 9, 1), date(2028, 8, 31))
    assert _refusal([APPROVAL, renewed], facility=9, day=date(2026, 9, 1)) == ""
    assert "市中心医院" in _refusal([APPROVAL, renewed], facility=7, day=date(2026, 9, 1))


@pytest.mark.parametrize(("valid_to", "today", "due"), [
    (date(2026, 3, 1), date(2026, 1, 1), True),  # 59 days ahead
    (date(2026, 3, 2), date(2026, 1, 1), True),  # 60: the window's last day
    (date(2026, 3, 3), date(2026, 1, 1), False),  # 61
    (date(2026, 1, 1), date(2026, 1, 1), True),  # ends today
    (date(2025, 12, 31), date(2026, 1, 1), False),  # ended yesterday: expired, not due
])
def test_renewal_window(valid_to, today, due):
    assert rules.renewal_due(valid_to, today, 60) is due


def test_expiry_and_the_review_deadline():
    assert rules.expired(date(2026, 1, 1), date(2026, 1, 2)) is True
    assert rules.expired(date(2026, 1, 1), date(2026, 1, 1)) is False
    assert rules.overdue(date(2026, 1, 1), date(2026, 1, 16), 15) is False  # 15 days: on time
    assert rules.overdue(date(2026, 1, 1), date(2026, 1, 17), 15) is True


def test_the_reason_at_the_edges_of_the_period_and_of_the_revocation():
    # the last day of the period is in it (at another facility: the facility is the reason)
    assert "定点机构为区人民医院" in _refusal([APPROVAL], facility=8, day=date(2026, 8, 31))
    # the first day of the period, revoked that very day: revoked, not out of the period
    first_day = Cover("tuberculosis", 7, date(2026, 3, 1), date(2026, 8, 31), ended_on=date(2026, 3, 1))
    assert "已于2026-03-01撤销" in _refusal([first_day], day=date(2026, 3, 1))
    # revoked from the visit day itself, on the period's last day
    last_day = Cover("tuberculosis", 7, date(2026, 3, 1), date(2026, 8, 31), ended_on=date(2026, 8, 31))
    assert "已于2026-08-31撤销" in _refusal([last_day], day=date(2026, 8, 31))
    assert "定点机构为区人民医院" in _refusal([last_day], facility=8, day=date(2026, 8, 30))

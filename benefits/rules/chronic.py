"""Chronic and special outpatient diseases (门诊慢特病, RULES.md 3.5): which facility a disease may
be approved at, the default validity of an approval, when an approval covers a visit, when it
is due for renewal. Plain values in, plain values out."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

@dataclass(frozen=True)
class Cover:
    """An approval as the settlement reads it (benefits.services.settlements' loader)."""

    disease: str  # the disease's code
    facility_id: int
    valid_from: date
    valid_to: date
    ended_on: date | None = None  # revoked from this day on


def facility_refusal(*, min_level: int | None, max_level: int | None, facility_level: int, designated: bool) -> str:
    """Why a facility cannot be the approval's designated facility ("" when it can): it must be
    designated and of a level the disease allows (J003 §二(三)10)."""
    if not designated:
        return "所选机构不是定点医药机构"
    if min_level is not None and facility_level < min_level:
        return f"该病种须在{min_level}级及以上定点医疗机构认定和就医，所选机构为{facility_level}级"
    if max_level is not None and facility_level > max_level:
        return f"该病种须在{max_level}级及以下定点医疗机构认定和就医，所选机构为{facility_level}级"
    return ""


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_valid_to(valid_from: date, months: int) -> date:
    """An approval's last day by default: `months` after its first, less a day (24 months from
    2026-03-01 run to 2028-02-29). Not from the sources: the catalogue's validity."""
    return add_months(valid_from, months) - timedelta(days=1)


def period_problem(valid_from: date, valid_to: date) -> str:
    if valid_to < valid_from:
        return "有效期止不能早于有效期起"
    return ""


def in_force(cover: Cover, day: date) -> bool:
    """Whether the approval holds on the day: from valid_from to valid_to, before the day it was revoked."""
    return cover.valid_from <= day <= cover.valid_to and (cover.ended_on is None or day < cover.ended_on)


def covers(cover: Cover, *, disease: str, facility_id: int, day: date) -> bool:
    """Whether the approval pays a visit (RULES.md 3.5): for its disease, at its facility, on
    a day it is in force."""
    return cover.disease == disease and cover.facility_id == facility_id and in_force(cover, day)


def refusal(covers_of_person: list[Cover], *, disease: str, disease_name: str, facility_id: int, facility_name: str,
            day: date, facility_names: dict) -> str:
    """Why the chronic pool refuses a visit ("" when an approval covers it), naming what is
    missing: no approval of the disease, one not valid on the day, one at another facility."""
    if any(covers(c, disease=disease, facility_id=facility_id, day=day) for c in covers_of_person):
        return ""
    same = [c for c in covers_of_person if c.disease == disease]
    if not same:
        return f"无{disease_name}的门诊慢特病认定，门诊慢特病统筹不支付"
    in_period = [c for c in same if c.valid_from <= day <= c.valid_to and (c.ended_on is None or day < c.ended_on)]
    revoked = [c for c in same if c.valid_from <= day <= c.valid_to and c.ended_on is not None and c.ended_on <= day]
    if not in_period and revoked:
        return f"{disease_name}的门诊慢特病认定已于{revoked[0].ended_on:%Y-%m-%d}撤销，门诊慢特病统筹不支付"
    if not in_period:
        periods = "、".join(f"{c.valid_from:%Y-%m-%d}至{c.valid_to:%Y-%m-%d}" for c in same)
        return f"{disease_name}的门诊慢特病认定在就诊日（{day:%Y-%m-%d}）不在有效期内（{periods}），门诊慢特病统筹不支付"
    names = "、".join(dict.fromkeys(facility_names.get(c.facility_id, "其他机构") for c in in_period))
    return f"{disease_name}的门诊慢特病认定的定点机构为{names}，不是{facility_name}，门诊慢特病统筹不支付"


def renewal_due(valid_to: date, today: date, window_days: int) -> bool:
    """Whether an approval in force belongs in the renewal queue: it ends within the window."""
    return today <= valid_to <= today + timedelta(days=window_days)


def expired(valid_to: date, today: date) -> bool:
    return valid_to < today


def overdue(submitted_on: date, today: date, deadline_days: int) -> bool:
    """An application waiting longer than the deadline (a parameter) is highlighted."""
    return (today - submitted_on).days > deadline_days

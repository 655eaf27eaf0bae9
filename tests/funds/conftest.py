"""Fixtures of the fund tests: the city, two counties' insured people and two hospitals, and
settlements placed on a chosen settlement day."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from benefits.models import Facility, Settlement
from benefits.services.settlements import VisitInput, settlement_create
from core.models import Region
from enrollment.services.enrollments import enrollment_register
from tests import factories

EXAMPLE = {"class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500"}  # RULES.md 9 example 1: basic 6,440.00 at level 2


@pytest.fixture
def city(presets):
    return Region.objects.get(code="421200")


@pytest.fixture
def world(clerk, other_clerk, village, jiayu_villages, xianan, jiayu, current_standards):
    start = date(2020, 1, 1)
    hospital = Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=start)
    centre = Facility.objects.create(code="H002", name="咸宁市中心医院", level=2, tier="secondary_plus", region=xianan, agreement_from=start,
                                     city_level=True)
    people = []
    for v, c, name in ((village, clerk, "咸安甲"), (jiayu_villages[0], other_clerk, "嘉鱼乙")):
        person = factories.person(v, name=name)
        enrollment_register(user=c, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8),
                            today=date(2022, 10, 8))
        people.append(person)
    return {"hospital": hospital, "centre": centre, "xianan_person": people[0], "jiayu_person": people[1]}


def settle(user, person, facility, bill, on: date, **extra):
    s = settlement_create(user=user, data=VisitInput(person=person, facility=facility, bill_number=bill, kind="inpatient",
                                                     visit_date=date(2023, 3, 15), costs=dict(EXAMPLE), **extra))
    settled_on(s, on)
    return s


def settled_on(settlement, on: date):
    # The settlement day is when it was settled (created_at); tests place it on a chosen day.
    Settlement.objects.filter(pk=settlement.pk).update(created_at=timezone.make_aware(datetime.combine(on, time(10, 0))))



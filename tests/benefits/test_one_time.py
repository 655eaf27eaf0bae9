"""S001 §四(六): one payment for the 12 months before certification, on an approved application."""

from datetime import date
from decimal import Decimal as D

import pytest

from assistance.services.applications import application_accept, application_decide
from assistance.services.identities import identity_certify
from benefits.models import Facility, OneTimeAssistance
from benefits.services.one_time import one_time_assistance_pay
from benefits.services.settlements import VisitInput, settlement_create
from core.errors import ServiceError
from core.roles import REVIEWER
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db


def test_one_payment_for_the_twelve_months_before_certification(officer, clerk, village, xianan):
    person = factories.person(village)
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=date(2021, 10, 8), today=date(2021, 10, 8))
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
    hospital = Facility.objects.create(code="H1", name="医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    costs = {"class_a": "8000", "class_b_drug": "2000"}
    too_early = settlement_create(user=officer, data=VisitInput(person=person, facility=hospital, bill_number="A", kind="inpatient",
                                                                visit_date=date(2022, 1, 10), costs=costs))
    inside = settlement_create(user=officer, data=VisitInput(person=person, facility=hospital, bill_number="B", kind="inpatient",
                                                             visit_date=date(2022, 9, 1), costs=costs))
    assert inside.assistance == D("0")
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2023, 2, 1))
    application = application_accept(user=clerk, person=person, kind="one_time", reason="认定前住院")
    reviewer = factories.user("rev", REVIEWER, xianan)
    application = application_decide(user=reviewer, application=application, approve=True, reason="同意", today=date(2023, 3, 1))

    payment = one_time_assistance_pay(user=reviewer, application=application)
    assert (payment.certified_on, payment.period_from) == (date(2023, 2, 1), date(2022, 2, 1))
    assert payment.settlements == [inside.pk]  # Jan 10 2022 is more than 12 months before
    assert payment.amount == D("2352.00")  # class 2: 70% of the 3,360 left after basic insurance
    assert one_time_assistance_pay(user=reviewer, application=application) == payment  # paid once
    assert OneTimeAssistance.objects.count() == 1
    assert too_early.pk not in payment.settlements


def test_only_an_approved_one_time_application_is_paid(clerk, village):
    person = factories.person(village)
    application = application_accept(user=clerk, person=person, kind="one_time", reason="x")
    with pytest.raises(ServiceError):
        one_time_assistance_pay(user=clerk, application=application)


def test_the_application_page_records_the_payment(client, clerk, village, xianan):
    person = factories.person(village)
    identity_certify(user=clerk, person=person, code="orphan", valid_from=date(2023, 2, 1))
    application = application_accept(user=clerk, person=person, kind="one_time", reason="x")
    reviewer = factories.user("rev", REVIEWER, xianan)
    application_decide(user=reviewer, application=application, approve=True, reason="同意", today=date(2023, 3, 1))
    client.force_login(reviewer)
    assert client.post(f"/benefits/applications/{application.pk}/one-time/").status_code == 302
    page = client.get(f"/assistance/applications/{application.pk}/").content.decode()
    assert "一次性医疗救助：<strong>0.00</strong> 元" in page

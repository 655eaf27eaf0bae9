"""Every place that shows an amount due shows what the payment would be priced at today: a
person registered for next year and certified 低保 afterwards owes 40.00, not 400.00, on the
person page, the payment form and the household page, and paying takes 40.00."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assistance.services.identities import identity_certify
from enrollment import selectors
from enrollment.models import CollectionWindow, Enrollment
from enrollment.services.enrollments import enrollment_register
from enrollment.services.people import MemberInput, household_register
from enrollment.services.policy import scheme_for_region
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def next_year_window(village, current_standards):
    """Next year's collection is open today, whatever the calendar says (400.00 a year)."""
    today = timezone.localdate()
    CollectionWindow.objects.create(scheme=scheme_for_region(village), benefit_year=today.year + 1, kind="resident",
                                    opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=30), source="test")
    return today.year + 1


def _registered_family(clerk, village, count=1):
    household = household_register(user=clerk, village=village, address="", members=[
        MemberInput(f"王{i}", factories.id_number(), "head" if i == 0 else "child") for i in range(count)])
    members = list(household.members.order_by("pk"))
    for person in members:
        enrollment_register(user=clerk, person=person, category="regular", channel="village_batch")
    return household, members


def test_registered_then_certified_subsistence_allowance_shows_and_pays_todays_price(clerk_client, clerk, village, next_year_window):
    # Given a person registered (unpaid) for next year at 400.00, and certified 低保 afterwards
    household, (person,) = _registered_family(clerk, village)
    enrollment = Enrollment.objects.get(person=person)
    assert (enrollment.benefit_year, enrollment.amount_due) == (next_year_window, D("400.00"))
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=timezone.localdate())

    # When the clerk opens the person page, the payment form and the household page
    person_page = clerk_client.get(f"/enrollment/people/{person.pk}/").content.decode()
    pay_form = clerk_client.get(f"/enrollment/enrollments/{enrollment.pk}/pay/").content.decode()
    household_page = clerk_client.get(f"/enrollment/households/{household.pk}/").content.decode()

    # Then each says 40.00 is due (360.00 subsidised), as the header does
    assert "应缴 <strong>40.00</strong> 元" in person_page  # the header's quote
    row = re.search(r'<table class="table table-sm" id="enrollments">.*?</table>', person_page, re.S).group(0)
    assert re.search(r'class="amount-due">40\.00<', row) and "360.00" in row and "低保" in row
    assert 'id="amount-due">40.00<' in pay_form and "资助 360.00 元" in pay_form
    assert "应缴 40.00 元" in household_page and "400.00" not in household_page

    # And paying today is priced at 40.00, which the pages then show as paid
    response = clerk_client.post(f"/enrollment/enrollments/{enrollment.pk}/pay/", {"payment_date": timezone.localdate().isoformat()})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.amount_due, enrollment.subsidy, enrollment.subsidy_identity) == (D("40.00"), D("360.00"), "subsistence_allowance")
    assert "已缴 40.00 元" in clerk_client.get(f"/enrollment/households/{household.pk}/").content.decode()


def test_a_paid_enrollment_shows_what_was_paid_even_after_a_later_certification(clerk_client, clerk, village, next_year_window):
    # Given a person who paid 400.00 for next year today, and was certified 低保 afterwards
    person = factories.person(village)
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=timezone.localdate())
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=timezone.localdate())
    # When the person page is opened
    page = clerk_client.get(f"/enrollment/people/{person.pk}/").content.decode()
    # Then the row shows what was paid: 400.00, no subsidy
    row = re.search(r'<table class="table table-sm" id="enrollments">.*?</table>', page, re.S).group(0)
    assert re.search(r'class="amount-due">400\.00<', row)


def test_pricing_a_page_of_enrollments_costs_the_same_queries_for_three_or_twelve_people(clerk, village, next_year_window):
    # Given two households whose members are registered unpaid, some certified 低保 since
    _, few = _registered_family(clerk, village, 3)
    _, many = _registered_family(clerk, village, 12)
    for person in (few[0], many[0], many[5]):
        identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=timezone.localdate())

    def priced(people):
        with CaptureQueriesContext(connection) as queries:
            rows = selectors.with_amounts_due(Enrollment.objects.filter(person__in=people).order_by("person_id"))
        return [r.due.amount_due for r in rows], len(queries)

    # When each list is priced today
    few_amounts, few_queries = priced(few)
    many_amounts, many_queries = priced(many)

    # Then the 低保 members owe 40.00, the others 400.00, and twelve cost no more queries than three
    assert few_amounts == [D("40.00"), D("400.00"), D("400.00")]
    assert many_amounts == [D("40.00")] + [D("400.00")] * 4 + [D("40.00")] + [D("400.00")] * 6
    assert many_queries == few_queries

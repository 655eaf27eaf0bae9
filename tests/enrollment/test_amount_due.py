"""Every place that shows an amount due shows what the payment would be priced at today: a
person registered for next year and certified 低保 afterwards owes 40.00, not 400.00, on the
person page, the payment form and the household page, and paying takes 40.00."""

import re
from datetime import date, timedelta
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
    response = clerk_client.post(f"/enrollment/enrollments/{enrollment.pk}/pay/", {
        "payment_date": timezone.localdate().isoformat(), "receipt_number": "XJ0001", "amount_received": "40.00", "method": "cash"})
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


def test_the_household_enroll_page_quotes_todays_price_and_registering_takes_it(clerk_client, clerk, village, next_year_window):
    # Given a household whose head was certified 低保, not yet enrolled for next year
    household = household_register(user=clerk, village=village, address="", members=[
        MemberInput("李一", factories.id_number(), "head"), MemberInput("李二", factories.id_number(), "spouse")])
    head, spouse = household.members.order_by("pk")
    identity_certify(user=clerk, person=head, code="subsistence_allowance", valid_from=timezone.localdate())
    # When the clerk opens 全户参保登记
    page = clerk_client.get(f"/enrollment/households/{household.pk}/enroll/").content.decode()
    # Then each member's amount if paid today is shown: 40.00 for the head, 400.00 for the spouse
    assert f"{next_year_window}年度 应缴 40.00 元（资助 360.00 元）" in page
    assert f"{next_year_window}年度 应缴 400.00 元" in page
    # And registering the household stores those amounts
    data = {"channel": "village_batch", "payment_date": "", "benefit_year": "",
            "m-TOTAL_FORMS": "2", "m-INITIAL_FORMS": "2", "m-MIN_NUM_FORMS": "0", "m-MAX_NUM_FORMS": "1000",
            "m-0-person_id": head.pk, "m-0-include": "on", "m-0-category": "regular",
            "m-1-person_id": spouse.pk, "m-1-include": "on", "m-1-category": "regular"}
    assert clerk_client.post(f"/enrollment/households/{household.pk}/enroll/", data).status_code == 302
    stored = dict(Enrollment.objects.values_list("person_id", "amount_due"))
    assert stored == {head.pk: D("40.00"), spouse.pk: D("400.00")}


def test_the_village_renewal_preview_shows_todays_price(clerk_client, clerk, village, next_year_window):
    # Given a person enrolled this year (paid in last year's window) and certified 低保 since
    this_year = next_year_window - 1
    paid = date(this_year - 1, 10, 8)
    person = factories.person(village, name="续保人")
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=paid, today=paid)
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=timezone.localdate())
    # When the renewal for next year is previewed
    page = clerk_client.get(f"/enrollment/renew/?village={village.pk}&to_year={next_year_window}").content.decode()
    # Then the candidate's row shows 40.00 due, which is what renewing registers
    assert re.search(r'class="amount-due">40\.00<small class="text-muted">（资助 360\.00）', page)
    clerk_client.post("/enrollment/renew/", {"village": village.pk, "to_year": next_year_window, "person": person.pk, "confirm": "1"})
    assert Enrollment.objects.get(person=person, benefit_year=next_year_window).amount_due == D("40.00")


def test_the_enrollment_export_gives_unpaid_rows_at_todays_price(clerk, village, next_year_window):
    from enrollment.resources import EnrollmentExportResource

    # Given two unpaid enrollments, one of a person certified 低保 after registering
    _, (certified, other) = _registered_family(clerk, village, 2)
    identity_certify(user=clerk, person=certified, code="subsistence_allowance", valid_from=timezone.localdate())
    # When the enrollments are exported (the admin's export)
    dataset = EnrollmentExportResource(user=clerk).export(Enrollment.objects.select_related("person").order_by("person_id"))
    # Then the amounts are today's: 360.00 subsidy and 40.00 due for the certified one
    rows = [(row["资助金额"], row["个人应缴"]) for row in dataset.dict]
    assert [tuple(D(str(v)) for v in r) for r in rows] == [(D("360.00"), D("40.00")), (D("0.00"), D("400.00"))]


def test_an_unpaid_enrollment_that_paying_today_cannot_buy_says_why(clerk_client, clerk, village, current_standards):
    # Given a registration for 2024 made in 2023's collection window, never paid
    person = factories.person(village)
    enrollment = enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", today=date(2023, 10, 8))
    assert enrollment.benefit_year == 2024 and enrollment.payment_date is None
    # When the person page and the payment form are opened today
    page = clerk_client.get(f"/enrollment/people/{person.pk}/").content.decode()
    pay_form = clerk_client.get(f"/enrollment/enrollments/{enrollment.pk}/pay/").content.decode()
    # Then both show the registered amount with the reason a payment today would be refused
    for html in (page, pay_form):
        assert "按今日无法核定" in html and "与登记的2024年度不符" in html


def test_person_page_header_prices_the_year_a_payment_today_buys(clerk, village, current_standards):
    # Given a 低保 person and a day outside every collection window (mid-year, X000 art. 11)
    from assistance.selectors import person_assistance

    person = factories.person(village)
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2026, 1, 5))
    # When the person page's header prices enrolling on 2026-06-15
    header = person_assistance(person, date(2026, 6, 15))["quote"]
    # Then it prices what paying that day gives: benefit year 2026 (not next year), 360.00 subsidy
    assert (header["year"], header["standard"], header["subsidy"], header["amount_due"]) == (2026, D("400.00"), D("360.00"), D("40.00"))

"""Registering records no payment (issue 9): 参保登记 and 全户参保登记 take no payment date; a
payment is recorded with its receipt number, the amount received and the method on the payment
page (payments.payment_record). 登记并缴费 registers and opens that page; the success message
links to it."""

import re
from decimal import Decimal as D

import pytest
from django.utils import timezone

from enrollment.models import Enrollment, Payment
from enrollment.services.people import MemberInput, household_register
from tests import factories

pytestmark = pytest.mark.django_db


def success_message(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def household_of_two(clerk, village):
    household = household_register(user=clerk, village=village, address="一组", members=[
        MemberInput("周大", factories.id_number(), "head"), MemberInput("周二", factories.id_number(male=False), "spouse")])
    return household, list(household.members.order_by("pk"))


def household_data(members, **extra):
    data = {"channel": "village_batch", "benefit_year": "", "m-TOTAL_FORMS": str(len(members)), "m-INITIAL_FORMS": str(len(members)),
            "m-MIN_NUM_FORMS": "0", "m-MAX_NUM_FORMS": "1000"}
    for i, member in enumerate(members):
        data.update({f"m-{i}-person_id": member.pk, f"m-{i}-include": "on", f"m-{i}-category": "regular"})
    return {**data, **extra}


def test_the_registration_forms_ask_for_no_payment_date(clerk_client, clerk, village, current_standards):
    person = factories.person(village)
    household, _ = household_of_two(clerk, village)

    for url in (f"/enrollment/people/{person.pk}/enroll/", f"/enrollment/households/{household.pk}/enroll/"):
        page = clerk_client.get(url).content.decode()
        assert 'name="payment_date"' not in page and "缴费日期" not in page, url
        assert re.search(r'<button type="submit" name="pay" value="1"[^>]*>登记并缴费</button>', page), url


def test_registering_a_person_records_no_payment_and_links_to_the_payment_page(clerk_client, village, current_standards):
    person = factories.person(village, name="吴登记")

    # When the clerk registers, even with a payment date sent by an old form
    response = clerk_client.post(f"/enrollment/people/{person.pk}/enroll/", {
        "category": "regular", "channel": "village_batch", "payment_date": timezone.localdate().isoformat()}, follow=True)

    # Then the enrollment waits for its payment, no payment is recorded, and the message links to 登记缴费
    enrollment = Enrollment.objects.get(person=person)
    assert (enrollment.status, enrollment.payment_date, enrollment.payment_id) == (Enrollment.Status.REGISTERED, None, None)
    assert not Payment.objects.exists()
    message = success_message(response)
    assert f"{enrollment.benefit_year}年度参保登记成功（待缴费），应缴 400.00 元" in message
    assert f'<a href="/enrollment/enrollments/{enrollment.pk}/pay/" class="alert-link">登记缴费</a>' in response.content.decode()


def test_register_and_pay_opens_the_payment_page_which_records_the_receipt(clerk_client, village, current_standards):
    person = factories.person(village, name="郑缴费")

    # When the clerk clicks 登记并缴费
    response = clerk_client.post(f"/enrollment/people/{person.pk}/enroll/", {"category": "regular", "channel": "village_batch", "pay": "1"})

    # Then the payment page of the new enrollment opens, showing the amount due
    enrollment = Enrollment.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == f"/enrollment/enrollments/{enrollment.pk}/pay/"
    assert "400.00" in clerk_client.get(response["Location"]).content.decode()
    # and paying there records the receipt with the enrollment
    paid = clerk_client.post(response["Location"], {"receipt_number": "XA0001", "amount_received": "400.00", "method": "cash",
                                                    "payment_date": timezone.localdate().isoformat()})
    payment = Payment.objects.get()
    assert paid["Location"] == f"/enrollment/payments/{payment.pk}/receipt/"
    assert (payment.receipt_number, payment.amount) == ("XA0001", D("400.00"))
    assert Enrollment.objects.get(pk=enrollment.pk).payment_id == payment.pk


def test_registering_a_household_records_no_payment_and_register_and_pay_opens_the_household_payment(
        clerk_client, clerk, village, current_standards):
    household, members = household_of_two(clerk, village)

    # When the clerk registers the household with 登记并缴费 (and a stale payment date)
    response = clerk_client.post(f"/enrollment/households/{household.pk}/enroll/",
                                 household_data(members, pay="1", payment_date=timezone.localdate().isoformat()))

    # Then both wait for their payment, nothing is paid, and 整户缴费 of their year opens
    enrollments = list(Enrollment.objects.filter(person__household=household))
    year = enrollments[0].benefit_year
    assert {(e.status, e.payment_date) for e in enrollments} == {(Enrollment.Status.REGISTERED, None)} and len(enrollments) == 2
    assert not Payment.objects.exists()
    assert response.status_code == 302 and response["Location"] == f"/enrollment/households/{household.pk}/pay/?year={year}"
    page = clerk_client.get(response["Location"])
    assert "已为 2 名家庭成员办理参保登记（待缴费），应缴合计 800.00 元" in success_message(page)


def test_registering_a_household_without_paying_returns_to_the_household_with_the_link(clerk_client, clerk, village, current_standards):
    household, members = household_of_two(clerk, village)

    response = clerk_client.post(f"/enrollment/households/{household.pk}/enroll/", household_data(members), follow=True)

    year = Enrollment.objects.filter(person__household=household).first().benefit_year
    assert response.redirect_chain[-1][0] == f"/enrollment/households/{household.pk}/"
    assert f'<a href="/enrollment/households/{household.pk}/pay/?year={year}" class="alert-link">整户缴费</a>' in response.content.decode()

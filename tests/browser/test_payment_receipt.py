"""A county clerk collects a household's contributions in a real browser: the household page,
整户缴费 with one receipt number for everyone, and the receipt (缴费凭证) it lands on."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from enrollment.models import CollectionWindow, Enrollment, Payment
from enrollment.services.enrollments import enrollment_register
from enrollment.services.people import MemberInput, household_register
from enrollment.services.policy import scheme_for_region
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-12345-word"  # tests.factories.user
RECEIPT = re.compile(r"/enrollment/payments/\d+/receipt/$")


def test_clerk_pays_a_whole_household_and_lands_on_its_receipt(page, failed_responses, clerk, xianan_villages, current_standards):
    # Given a household of two registered for next year (unpaid, 400.00 each) while its collection is open
    village = xianan_villages[0]
    today = timezone.localdate()
    CollectionWindow.objects.create(scheme=scheme_for_region(village), benefit_year=today.year + 1, kind="resident",
                                    opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=30), source="test")
    household = household_register(user=clerk, village=village, address="幸福路 8 号", members=[
        MemberInput("周建华", factories.id_number(), "head"), MemberInput("周小梅", factories.id_number(), "child")])
    for person in household.members.all():
        enrollment_register(user=clerk, person=person, category="regular", channel="village_batch")

    # When the clerk logs in and opens the household page
    page.goto("/")
    page.get_by_label("用户名").fill(clerk.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("navigation").get_by_text("咸安区").wait_for()
    page.goto(f"/enrollment/households/{household.pk}/")

    # ... chooses 整户缴费: both members ticked, 800.00 due
    page.get_by_role("link", name=f"整户缴费（{today.year + 1}年度）").click()
    assert page.locator("#amount-due").inner_text() == "800.00"
    # (unticking a member changes the total on the page, ticking again restores it)
    page.get_by_label("周小梅 缴费").uncheck()
    assert page.locator("#amount-due").inner_text() == "400.00"
    page.get_by_label("周小梅 缴费").check()
    assert page.locator("#amount-due").inner_text() == "800.00"

    # ... and records one receipt number and 800.00 received by WeChat Pay
    page.get_by_label("票据号").fill("WX20260001")
    page.get_by_label("实收金额（元）").fill("800.00")
    page.get_by_label("缴费方式").select_option(label="微信支付")
    page.get_by_role("button", name="确认缴费").click()

    # Then the clerk lands on the receipt with both people, the total in figures and in capitals
    page.wait_for_url(RECEIPT)
    assert "缴费已登记：票据号 WX20260001，实收 800.00 元" in page.get_by_role("alert").inner_text()
    assert page.locator("#receipt-number").inner_text() == "WX20260001"
    assert page.locator("#receipt-lines tbody tr").count() == 2
    assert page.locator("#receipt-total").inner_text() == "800.00"
    assert page.locator("#receipt-in-words").inner_text() == "人民币捌佰元整"
    assert page.locator("#receipt-method").inner_text() == "微信支付"
    assert page.get_by_role("button", name="打印").is_visible()
    # and one payment holds both enrollments, now paid
    payment = Payment.objects.get()
    assert set(Enrollment.objects.values_list("payment_id", "status")) == {(payment.pk, Enrollment.Status.PAID)}
    assert failed_responses == []

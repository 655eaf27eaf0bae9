"""The collection season's main question in a real browser: "who in this village has registered
but not paid?" — one click from the dashboard to the village's unpaid list, one more to 缴费."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from enrollment.models import CollectionWindow, Enrollment
from enrollment.services.enrollments import enrollment_register
from enrollment.services.policy import scheme_for_region
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-12345-word"  # tests.factories.user


def test_clerk_goes_from_the_dashboard_to_a_villages_unpaid_list_and_on_to_the_payment(
        page, failed_responses, clerk, xianan_villages, current_standards):
    # Given next year's collection open, and in 村1 two people registered unpaid and one paid; in 村2 one unpaid
    village, other = xianan_villages
    today = timezone.localdate()
    CollectionWindow.objects.create(scheme=scheme_for_region(village), benefit_year=today.year + 1, kind="resident",
                                    opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=30), source="test")
    people = {}
    for name, where, paid in (("赵未缴", village, False), ("钱未缴", village, False), ("孙已缴", village, True), ("李别村", other, False)):
        people[name] = factories.person(where, name=name)
        enrollment_register(user=clerk, person=people[name], category="regular", channel="village_batch",
                            payment_date=today if paid else None)

    # When the clerk logs in and clicks 村1's unpaid count in 各村征缴进度
    page.goto("/")
    page.get_by_label("用户名").fill(clerk.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    progress = page.locator("#village-progress")
    progress.wait_for()
    link = progress.locator(f'[data-village-unpaid="{village.pk}"]')
    assert link.inner_text() == "2"
    link.click()

    # Then the village's unpaid list shows exactly its two unpaid people, 400.00 each
    page.wait_for_url(re.compile(r"/enrollment/collection/\?"))
    rows = page.locator("#collection-rows tbody tr")
    assert rows.count() == 2
    listed = {rows.nth(i).locator("td").nth(0).inner_text(): rows.nth(i) for i in range(2)}
    assert set(listed) == {"赵未缴", "钱未缴"}
    assert listed["赵未缴"].locator("td.money").nth(0).inner_text().strip() == "400.00"
    assert page.locator("#totals-row").is_visible()

    # When the clerk clicks 缴费 on 赵未缴's row
    listed["赵未缴"].get_by_role("link", name="缴费").click()

    # Then the payment page of that enrollment opens, showing what is due
    enrollment = Enrollment.objects.get(person=people["赵未缴"])
    page.wait_for_url(f"**/enrollment/enrollments/{enrollment.pk}/pay/")
    body = page.locator("main").inner_text()
    assert "登记缴费" in body and "400.00" in body
    assert page.get_by_label("票据号").is_visible()  # the counter payment form takes the receipt number
    assert failed_responses == []

"""The fund pages' charts in a real browser (issue 12): the city officer opens 基金收支月报 and
基金运行预警 after the demo year was posted; both charts are drawn by the vendored ECharts, the
numbers are the tables under them, and the console stays clean (a CSP violation is one)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from benefits.services.demo import generate_settlement_demo
from enrollment.services.demo import generate_demo
from funds.services.jobs import post_days_until
from tests.browser.test_dashboard_charts import PAINTED_PIXELS, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_officer_sees_the_fund_charts_drawn(page, failed_responses, officer, xianan, current_standards):
    today = timezone.localdate()
    generate_demo(county=xianan, households=60, seed=7, today=today)
    generate_settlement_demo(county=xianan, share=0.4, seed=7, today=today)
    post_days_until(today - timedelta(days=1))
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))

    page.goto("/")
    page.get_by_label("用户名").fill(officer.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="基金", exact=True).click()
    page.get_by_role("link", name="基金收支月报").click()
    page.locator('[data-chart="fund_months"][data-drawn="true"]').wait_for()
    assert page.locator("#chart-fund-months canvas").first.evaluate(PAINTED_PIXELS) > 1000
    assert page.locator("#statement tbody tr").count() == 13  # twelve months and the total

    page.goto("/funds/alerts/")
    page.locator('[data-chart="surplus"][data-drawn="true"]').wait_for()
    assert page.locator("#chart-surplus canvas").first.evaluate(PAINTED_PIXELS) > 1000
    assert "咸安区" in page.locator("#alert-figures").inner_text()
    assert not console_errors, console_errors
    assert not failed_responses, failed_responses

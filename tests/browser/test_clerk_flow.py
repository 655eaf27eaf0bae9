"""A county clerk registers a household and enrolls it, in a real browser: the login page,
the household form, the whole-household enrollment form, and the benefit period shown back."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from core.idnumber import mask_id_number
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-12345-word"  # tests.factories.user
WAITING_DAYS = 90  # X000 art. 11: mid-year enrollment waits 90 days
WINDOW_OPENS_MONTH = 9  # X000 art. 7: paid Sep 1 - Dec 31 of Y-1, benefits for all of Y
# A glob such as households/*/ would also match households/new/, the page the clerk leaves.
HOUSEHOLD_PAGE = re.compile(r"/enrollment/households/\d+/$")
PERSON_PAGE = re.compile(r"/enrollment/people/\d+/$")


def expected_benefit_period(payment_date: date) -> tuple[date, date]:
    """The 咸宁 rules written out again, independently of enrollment.rules.terms."""
    if payment_date.month >= WINDOW_OPENS_MONTH:
        year = payment_date.year + 1
        return date(year, 1, 1), date(year, 12, 31)
    start = payment_date + timedelta(days=WAITING_DAYS)
    return start, date(start.year, 12, 31)


def test_clerk_registers_and_enrolls_a_household(page, failed_responses, clerk, xianan_villages, current_standards):
    # Given a clerk of 咸安区, a village of the district, and two residents to register
    village = xianan_villages[0]
    village_label = f"{village.parent.name} {village.name}"
    head = {"name": "王建国", "id_number": factories.id_number(date(1978, 3, 9), "421202", male=True)}
    spouse = {"name": "李秀英", "id_number": factories.id_number(date(1981, 7, 21), "421202", male=False)}
    payment_date = timezone.localdate()
    start, end = expected_benefit_period(payment_date)
    period = f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"

    # When the clerk logs in through the login page
    page.goto("/")
    page.get_by_label("用户名").fill(clerk.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    navigation = page.get_by_role("navigation")
    navigation.get_by_text("咸安区").wait_for()

    # ... opens 登记家庭户 from the menu (a Bootstrap dropdown: the vendored script must load)
    navigation.get_by_role("link", name="参保登记").click()
    navigation.get_by_role("link", name="登记家庭户").click()
    page.wait_for_url("**/enrollment/households/new/")

    # ... and registers a household of two, leaving the other member rows empty
    page.get_by_label("村/社区").select_option(label=village_label)
    page.get_by_label("住址").fill("幸福路 8 号")
    for row, member, relation in ((1, head, "户主"), (2, spouse, "配偶")):
        page.get_by_label(f"第{row}人 姓名").fill(member["name"])
        page.get_by_label(f"第{row}人 身份证号").fill(member["id_number"])
        page.get_by_label(f"第{row}人 与户主关系").select_option(label=relation)
    page.get_by_role("button", name="登记").click()

    # Then the clerk lands on the household page with both members, not yet enrolled
    page.wait_for_url(HOUSEHOLD_PAGE)
    assert page.get_by_role("alert").inner_text() == f"已登记{head['name']}户，共 2 人"
    members = page.locator("#members tbody tr")
    assert members.count() == 2
    years = [th.removesuffix("年度参保") for th in page.locator("#members thead th").all_inner_texts()[4:]]
    benefit_column = 4 + years.index(str(start.year))
    assert members.nth(0).locator("td").nth(benefit_column).inner_text() == "未参保"

    # When the clerk enrolls the whole household and takes the payment at the same visit
    page.get_by_role("link", name="全户参保登记").click()
    page.get_by_role("button", name="登记并缴费").click()

    # Then 整户缴费 opens for the year registered, with what is due; the clerk records the receipt
    page.wait_for_url(re.compile(r"/enrollment/households/\d+/pay/\?year=\d+$"))
    assert page.get_by_role("alert").inner_text().startswith("已为 2 名家庭成员办理参保登记（待缴费），应缴合计 800.00 元")
    page.get_by_label("票据号").fill("XA2026000001")
    page.get_by_label("实收金额（元）").fill("800.00")
    page.get_by_role("button", name="确认缴费").click()
    page.wait_for_url(re.compile(r"/enrollment/payments/\d+/receipt/$"))

    # ... and the household page (through the receipt's breadcrumbs) shows both members insured
    # for the period of that payment, and what each paid
    page.get_by_role("navigation", name="当前位置").get_by_role("link", name=f"{head['name']}户").click()
    page.wait_for_url(HOUSEHOLD_PAGE)
    rows = {cells[0]: cells for cells in (members.nth(i).locator("td").all_inner_texts() for i in range(2))}
    assert rows[spouse["name"]][:4] == [spouse["name"], mask_id_number(spouse["id_number"]), "配偶", "正常"]
    assert [line.strip() for line in rows[spouse["name"]][benefit_column].split("\n")] == ["已缴费", period, "已缴 400.00 元", "缴费凭证"]
    assert rows[head["name"]][:4] == [head["name"], mask_id_number(head["id_number"]), "户主", "正常"]
    assert [line.strip() for line in rows[head["name"]][benefit_column].split("\n")] == ["已缴费", period, "已缴 400.00 元", "缴费凭证"]

    # ... and the head's own page shows the enrollment, paid today, with the same period
    page.get_by_role("link", name=head["name"]).click()
    page.wait_for_url(PERSON_PAGE)
    assert page.locator("#id-number").inner_text() == head["id_number"]
    enrollments = page.locator("#enrollments tbody tr")
    assert enrollments.count() == 1
    cells = enrollments.first.locator("td").all_inner_texts()
    assert (cells[0], cells[3]) == (str(start.year), f"{payment_date.isoformat()}\n缴费凭证")
    assert enrollments.first.locator("td.benefit-period").inner_text().startswith(period)
    assert failed_responses == []

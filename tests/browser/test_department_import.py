"""A civil-affairs user imports the department's list in a real browser, and the county clerk
then sees the resulting identity, class and subsidy on the person's page (issue 3)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import Department
from core.xlsx import write_xlsx
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-12345-word"  # tests.factories.user
HEADERS = ["姓名", "身份证号", "身份类别", "认定日期", "有效期至", "认定文号", "退出日期", "所属村/社区"]


def log_in(page, user):
    page.goto("/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("navigation").get_by_text(user.region.name).wait_for()


def test_department_imports_a_list_and_the_clerk_sees_the_subsidy(page, failed_responses, tmp_path, clerk, xianan,
                                                                 xianan_villages, current_standards):
    # Given a registered resident and a 民政 user of the same district
    person = factories.person(xianan_villages[0], name="刘低保")
    civil = factories.user("minzheng", "民政", xianan, department=Department.CIVIL_AFFAIRS)
    certified_on = timezone.localdate() - timedelta(days=20)
    listing = tmp_path / "低保名单.xlsx"
    listing.write_bytes(write_xlsx(HEADERS, [["刘低保", person.id_number, "低保", certified_on, None, "咸民〔2026〕8号", None, None]],
                                   text_columns=[2]))

    # When the department user opens 导入部门认定名单 from the menu and uploads the list
    log_in(page, civil)
    navigation = page.get_by_role("navigation")
    navigation.get_by_role("link", name="名单导入").click()
    navigation.get_by_role("link", name="导入部门认定名单").click()
    page.wait_for_url("**/imports/new/identity_list/")
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(str(listing))
    page.get_by_role("button", name="上传并校验").click()

    # Then the preview shows the row as new, and confirming imports it
    page.wait_for_url("**/imports/*/")
    assert page.locator("#job-status").inner_text() == "待确认"
    assert "新增" in page.locator("table tbody tr").first.inner_text()
    page.get_by_role("button", name="确认导入").click()
    page.locator("#job-status", has_text="已导入").wait_for()

    # When the clerk logs in and looks the person up by ID number
    page.context.clear_cookies()
    log_in(page, clerk)
    page.goto("/enrollment/people/")
    page.get_by_label("身份证号或姓名").fill(person.id_number)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/enrollment/people/{person.pk}/")

    # Then the page shows the certified identity, class 2 and next year's subsidy (400 × 90%)
    identities = page.locator("#identities").inner_text()
    assert "城乡最低生活保障对象" in identities and "咸民〔2026〕8号" in identities and "民政" in identities
    summary = page.locator("#assistance-summary").inner_text()
    assert "医疗救助类别：2类" in summary
    assert "资助 360.00 元" in summary and "应缴 40.00 元" in summary
    assert failed_responses == []

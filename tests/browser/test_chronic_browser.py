"""门诊慢特病 in a real browser (issue 11's done-when): a clerk submits an application with its
evidence from the person page, a reviewer approves it from the queue, a chronic visit at the
approved facility is settled, and one at another facility is refused with the reason."""

import re
from datetime import date

import pytest
from django.utils import timezone

from benefits.models import ChronicApproval, Facility, Settlement
from core.roles import REVIEWER
from enrollment.services.enrollments import enrollment_register
from tests import factories
from tests.benefits.test_manual_claims import deadlines  # noqa: F401 - a fixture
from tests.browser.test_department_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _claim(page, person, hospital_label, day):
    page.goto("/benefits/claims/new/")
    page.get_by_label("身份证号").fill(person.id_number)
    page.get_by_label("受理日期").fill(day.isoformat())
    page.get_by_label("医院（已登记的机构）").select_option(label=hospital_label)
    page.get_by_label("就医类型").select_option(label="门诊慢特病")
    page.get_by_label("入院（就诊）日期").fill(day.isoformat())
    page.get_by_label("慢特病病种").fill("结核病")
    page.get_by_label("甲类费用（元）").fill("1000")
    page.get_by_role("button", name="计算并核对").click()


def test_a_clerk_submits_a_reviewer_approves_and_settlement_follows_the_approval(page, browser, live_server, failed_responses, deadlines,
                                                                                 clerk, village, xianan, current_standards):
    # Given a resident insured this year, the district hospital (level 2) and the city hospital (level 3)
    today = timezone.localdate()
    person = factories.person(village, name="结核病甲")
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=date(today.year - 1, 10, 8),
                        today=date(today.year - 1, 10, 8))
    Facility.objects.create(code="H2", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    Facility.objects.create(code="H3", name="咸宁市中心医院", level=3, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    reviewer = factories.user("reviewer_xianan", REVIEWER, xianan)

    # When the clerk submits 结核病 at the district hospital with a diagnosis certificate
    log_in(page, clerk)
    page.goto(f"/enrollment/people/{person.pk}/")
    assert "无门诊慢特病认定" in page.locator("#chronic-approvals").inner_text()
    page.get_by_role("link", name="申报认定").click()
    page.get_by_label("病种").select_option(label="结核病（门诊慢性病，2级及以下）")
    page.get_by_label("确诊医院").fill("咸宁市中心医院")
    page.get_by_label("确诊日期").fill(today.isoformat())
    page.get_by_label("选定的定点机构").select_option(label="咸安区人民医院（H2，2级）")
    page.get_by_label("证明材料").set_input_files([{"name": "诊断证明.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="提交申报").click()

    # Then the application waits for review, with its evidence, and the clerk may not decide it
    page.wait_for_url(re.compile(r"/benefits/chronic/\d+/$"))
    assert page.locator("#approval-status").inner_text().startswith("待审核")
    assert "诊断证明.pdf" in page.locator("#evidence").inner_text()
    assert "须由另一名审核员审核" in page.locator("#decision-note").inner_text()
    approval = ChronicApproval.objects.get()

    # When the reviewer opens the queue and approves it
    reviewer_page = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    log_in(reviewer_page, reviewer)
    reviewer_page.goto("/benefits/chronic/queue/")
    assert "结核病甲" in reviewer_page.locator("#chronic-queue").inner_text()
    reviewer_page.get_by_role("link", name="审核").click()
    reviewer_page.get_by_label("认定通过").check()
    reviewer_page.get_by_role("button", name="保存审核结论").click()
    reviewer_page.locator("#approval-status").wait_for()
    assert reviewer_page.locator("#approval-status").inner_text().startswith("已认定")
    approval.refresh_from_db()
    assert approval.status == "approved" and approval.valid_from == today and approval.decided_by == reviewer
    assert "认定通过" in reviewer_page.locator("#timeline").inner_text()

    # When the clerk records a 结核病 visit at the approved hospital, it is settled by the chronic pool
    _claim(page, person, "咸安区人民医院（二级）", today)
    page.get_by_role("button", name="确认报销").click()
    page.wait_for_url(re.compile(r"/benefits/settlements/\d+/bill/$"))
    settled = Settlement.objects.get()
    assert settled.chronic_fund == settled.basic_fund > 0

    # and one at the city hospital is refused with the reason, nothing written
    _claim(page, person, "咸宁市中心医院（三级）", today)
    page.get_by_text("结核病的门诊慢特病认定的定点机构为咸安区人民医院，不是咸宁市中心医院").wait_for()
    assert Settlement.objects.count() == 1
    assert failed_responses == []

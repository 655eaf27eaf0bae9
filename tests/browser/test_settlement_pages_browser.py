"""Settlement and filing pages in a real browser (issue 10's leftovers): a settlement outside the
city shows its 结算方式, the filing it rests on and each tier on a 1366-px screen; a clerk files a
remote-care filing from the person page (a bad period gets the Chinese error and saves nothing),
ends one and revokes another through their buttons; and a paper bill is previewed, recorded,
and its settlement page says 手工报销."""

import re
from datetime import date

import pytest

from benefits.models import Facility, RemoteCareFiling, Settlement
from benefits.services.filings import filing_create
from benefits.services.settlements import OUTSIDE, VisitInput, settlement_create
from tests import factories
from tests.benefits.test_manual_claims import deadlines, insured_person  # noqa: F401 - deadlines is a fixture
from tests.browser.test_department_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREEN = {"width": 1366, "height": 768}
PERSON_PAGE = re.compile(r"/enrollment/people/\d+/$")
WUHAN = {"destination_province": "湖北省", "destination_city": "武汉市"}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth") <= SCREEN["width"]


@pytest.fixture
def wuhan_hospital(xianan):
    """A hospital of 武汉 that settles directly (异地就医直接结算), recorded with its place."""
    return Facility.objects.create(code="WH-1", name="华中科技大学同济医学院附属同济医院", level=3, tier="secondary_plus", region=xianan,
                                   place_province="湖北省", place_city="武汉市", agreement_from=date(2020, 1, 1))


def test_a_settlement_outside_the_city_shows_its_channel_filing_and_tiers_on_1366(page, failed_responses, clerk, officer, village,
                                                                                   wuhan_hospital):
    # Given a referral to 武汉 and the 武汉 hospital's direct bill of a stay under it
    person = insured_person(clerk, village, "钱转诊")
    filing = filing_create(user=clerk, person=person, kind="referral", valid_from=date(2023, 3, 1), valid_to=date(2023, 6, 30),
                           hospital="华中科技大学同济医学院附属同济医院", **WUHAN)
    s = settlement_create(user=officer, data=VisitInput(
        person=person, facility=wuhan_hospital, bill_number="WH0001", kind="inpatient", visit_date=date(2023, 4, 10),
        discharge_date=date(2023, 4, 18), location=OUTSIDE, costs={"class_a": "26000", "class_b_drug": "4000", "out_of_catalogue": "800"}))
    assert (s.location, s.filing_id) == ("remote_filed", filing.pk) and s.basic_fund > 0 and s.critical_illness > 0

    # When the clerk opens it on a 1366×768 screen
    log_in(page, clerk)
    page.set_viewport_size(SCREEN)
    page.goto(f"/benefits/settlements/{s.pk}/")

    # Then nothing scrolls sideways; the page says how it was settled, where, and on which filing
    assert fits_the_screen(page)
    visit = page.locator("#visit")
    assert "结算方式" in visit.inner_text() and page.locator("#channel").inner_text().strip() == "直接结算"
    location = page.locator("#location").inner_text()
    assert "市外已备案（转诊或临时外出）" in location and "依据转诊备案（湖北省武汉市，2023-03-01起）" in location
    # and each tier's payment to the cent, with the person's share
    split = page.locator("#split").inner_text()
    for label, amount in (("基本医保统筹", s.basic_fund), ("大病保险", s.critical_illness), ("医疗救助", s.assistance),
                          ("个人负担", s.personal)):
        assert re.search(rf"{label}\s+{re.escape(f'{amount:,.2f}')}", split), (label, amount, split)
    assert "基本医保" in page.locator("#parameters").inner_text()
    assert failed_responses == []


def test_a_clerk_files_on_the_person_page_and_a_period_ending_before_it_starts_is_refused(page, failed_responses, clerk, village):
    # Given a resident of the clerk's district without filings
    person = factories.person(village, name="李外出")
    log_in(page, clerk)
    page.goto(f"/enrollment/people/{person.pk}/")
    assert "无异地就医备案" in page.locator("#filings").inner_text()

    # When the clerk opens 办理备案 and gives an end before the start
    page.get_by_role("link", name="办理备案").click()
    page.wait_for_url(f"**/benefits/people/{person.pk}/filings/new/")
    page.get_by_label("备案类型").select_option(label="临时外出就医备案")
    page.get_by_label("就医省份").select_option("广东省")
    page.get_by_label("就医城市").fill("深圳")
    page.get_by_label("备案开始日期").fill("2026-05-01")
    page.get_by_label("备案结束日期").fill("2026-03-01")
    page.get_by_role("button", name="办理备案").click()

    # Then the form comes back with the reason in Chinese, and nothing is saved
    page.get_by_text("备案结束日期（2026-03-01）早于备案开始日期（2026-05-01）").wait_for()
    assert not RemoteCareFiling.objects.exists()

    # When the clerk corrects the end and files again
    page.get_by_label("备案结束日期").fill("2026-08-31")
    page.get_by_role("button", name="办理备案").click()

    # Then the person page lists the filing (深圳 stored as 深圳市), with the clerk as 经办人
    page.wait_for_url(PERSON_PAGE)
    page.get_by_role("alert").get_by_text("已为 李外出 办理临时外出就医备案 广东省深圳市 2026-05-01至2026-08-31").wait_for()
    row = page.locator("#filings tbody tr").first
    assert re.sub(r"\s+", " ", row.inner_text()).startswith("临时外出就医备案 广东省深圳市 2026-05-01 至 2026-08-31")
    filing = RemoteCareFiling.objects.get()
    assert (filing.destination_city, filing.created_by_id, filing.status) == ("深圳市", clerk.pk, "valid")
    assert failed_responses == []


def test_a_clerk_ends_one_filing_and_revokes_another_through_their_buttons(page, failed_responses, clerk, village):
    # Given a long-term residence filing and a referral entered for the wrong place
    person = factories.person(village, name="何长住")
    long_term = filing_create(user=clerk, person=person, kind="long_term", destination_province="浙江省", destination_city="杭州市",
                              valid_from=date(2025, 2, 1))
    wrong = filing_create(user=clerk, person=person, kind="referral", destination_province="湖南省", destination_city="长沙市",
                          valid_from=date(2026, 5, 1), valid_to=date(2026, 7, 31))
    log_in(page, clerk)
    page.goto(f"/enrollment/people/{person.pk}/")

    # When the clerk ends the long-term filing (the person came home) with its button
    rows = page.locator("#filings tbody tr")
    rows.filter(has_text="异地长期居住备案").get_by_role("link", name="修改结束日期").click()
    page.wait_for_url(f"**/benefits/filings/{long_term.pk}/end/")
    assert "浙江省杭州市" in page.locator("#filing-summary").inner_text()
    page.get_by_label("备案结束日期").fill("2026-06-30")
    page.get_by_label("修改原因").fill("已回参保地居住")
    page.get_by_role("button", name="保存").click()

    # Then the person page shows its last day, and the history keeps the reason
    page.wait_for_url(PERSON_PAGE)
    page.get_by_role("alert").get_by_text("结束日期已改为2026-06-30").wait_for()
    assert "2025-02-01 至 2026-06-30" in rows.filter(has_text="异地长期居住备案").inner_text()
    long_term.refresh_from_db()
    assert long_term.valid_to == date(2026, 6, 30) and long_term.history.first().history_change_reason == "已回参保地居住"

    # When the clerk revokes the wrong referral: a reason and the confirmation box are required
    rows.filter(has_text="湖南省长沙市").get_by_role("link", name="撤销").click()
    page.wait_for_url(f"**/benefits/filings/{wrong.pk}/revoke/")
    page.get_by_label("撤销原因").fill("录入错误：转入医院在北京市")
    page.get_by_role("button", name="确认撤销").click()
    assert page.url.endswith(f"/benefits/filings/{wrong.pk}/revoke/")  # the unticked box keeps the clerk on the page
    wrong.refresh_from_db()
    assert wrong.status == "valid"
    page.get_by_label("我已核对，确认撤销该备案").check()
    page.get_by_role("button", name="确认撤销").click()

    # Then the row reads 已撤销 with the reason and has no buttons left
    page.wait_for_url(PERSON_PAGE)
    revoked = rows.filter(has_text="湖南省长沙市")
    assert "已撤销" in revoked.inner_text() and "录入错误：转入医院在北京市" in revoked.inner_text()
    assert revoked.get_by_role("link").count() == 0
    wrong.refresh_from_db()
    assert (wrong.status, wrong.revoked_reason) == ("revoked", "录入错误：转入医院在北京市")
    assert failed_responses == []


def test_a_paper_bill_is_previewed_then_recorded_and_its_settlement_page_says_manual(page, failed_responses, deadlines, clerk, village,
                                                                                     xianan):
    # Given an insured resident and the county hospital, which could not settle the stay directly
    person = insured_person(clerk, village, "欧阳明月")
    Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                            agreement_from=date(2020, 1, 1))
    log_in(page, clerk)

    # When the clerk copies the bill into 手工报销录入 and asks for the computation
    page.goto("/benefits/claims/new/")
    page.get_by_label("身份证号").fill(person.id_number)
    page.get_by_label("受理日期").fill("2023-04-10")
    page.get_by_label("医院（已登记的机构）").select_option(label="咸安区人民医院（二级）")
    page.get_by_label("就医类型").select_option(label="住院")
    page.get_by_label("入院（就诊）日期").fill("2023-03-15")
    page.get_by_label("出院日期").fill("2023-03-20")
    page.get_by_label("甲类费用（元）").fill("8000")
    page.get_by_label("乙类药品（元）").fill("2000")
    page.get_by_label("目录外（全自费）（元）").fill("500")
    page.get_by_role("button", name="计算并核对").click()

    # Then the preview shows the split, and nothing is written yet
    page.locator("#claim-preview-note").wait_for()
    preview = page.locator("#claim-preview-split").inner_text()
    assert "10,500.00" in preview
    fund_total, personal = page.locator("#preview-fund-total").inner_text(), page.locator("#preview-personal").inner_text()
    assert not Settlement.objects.exists()

    # When the clerk confirms
    page.get_by_role("button", name="确认报销").click()

    # Then the claim is stored as the preview said, and its bill and settlement page say 手工报销
    page.wait_for_url(re.compile(r"/benefits/settlements/\d+/bill/$"))
    s = Settlement.objects.get()
    assert (s.channel, s.claim_received_on, s.created_by_id) == ("manual", date(2023, 4, 10), clerk.pk)
    assert fund_total == f"{s.basic_fund + s.critical_illness + s.assistance + s.extra_assistance:,.2f}" and personal == f"{s.personal:,.2f}"
    assert page.locator("h1").inner_text().replace(" ", "") == "手工报销结算单"
    page.goto(f"/benefits/settlements/{s.pk}/")
    page.set_viewport_size(SCREEN)
    assert page.locator("#channel").inner_text().strip() == "手工报销 · 受理日期 2023-04-10"
    assert f"结算单 {s.bill_number}" in page.locator("h1").inner_text()
    assert fits_the_screen(page)
    assert failed_responses == []

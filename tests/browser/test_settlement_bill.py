"""A clerk opens a settlement in a real browser: the page fits a 1366-px screen, the one-stop
settlement bill (一站式结算单) prints on A4, and the PDF chromium makes of it holds the amounts
(issue 9). The PDF's text is read with poppler's pdftotext."""

import shutil
import subprocess
from datetime import date

import pytest

from assistance.services.identities import identity_certify
from benefits.models import Facility
from benefits.services.settlements import VisitInput, settlement_create
from enrollment.services.enrollments import enrollment_register
from tests import factories
from tests.browser.test_department_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} (poppler-utils) is needed to read the bill's PDF", pytrace=False)
    return path


def pdf_text(path) -> str:
    return subprocess.run([_poppler("pdftotext"), "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_info(path) -> dict:
    """pdfinfo's fields: Pages, Page size ("595.28 x 841.89 pts (A4)")..."""
    out = subprocess.run([_poppler("pdfinfo"), str(path)], check=True, capture_output=True, text=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def test_the_settlement_page_fits_1366_and_the_bill_prints_on_a4_with_the_amounts(page, failed_responses, tmp_path, officer, clerk,
                                                                                 xianan, xianan_villages):
    # Given a 低保 resident's large admission at a level-2 hospital, paid by all three tiers
    person = factories.person(xianan_villages[0], name="王住院")
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch",
                        payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2023, 1, 1))
    hospital = Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                       agreement_from=date(2020, 1, 1))
    s = settlement_create(user=officer, data=VisitInput(
        person=person, facility=hospital, bill_number="ZY0001", kind="inpatient", visit_date=date(2023, 3, 15),
        discharge_date=date(2023, 3, 25), costs={"class_a": "60000", "class_b_drug": "10000", "out_of_catalogue": "1000"}))
    assert s.basic_fund > 0 and s.critical_illness > 0 and s.assistance > 0

    # When the officer opens the settlement on a 1366×768 screen
    log_in(page, officer)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/benefits/settlements/{s.pk}/")

    # Then nothing scrolls sideways, and the parameters used are listed by tier
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1366
    parameters = page.locator("#parameters").inner_text()
    assert "基本医保" in parameters and "大病保险" in parameters and "医疗救助" in parameters
    assert "住院统筹支付比例（二级医疗机构）" in parameters and "70%" in parameters

    # and the person's year page (17 columns of amounts and running totals) fits as well
    page.goto(f"/benefits/people/{person.pk}/settlements/?year=2023")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1366
    assert "剩余" in page.locator("#caps").inner_text()
    page.goto(f"/benefits/settlements/{s.pk}/")

    # When the 冲正 button is pressed, a dialog asks for the reason and the confirmation
    page.get_by_role("button", name="冲正").click()
    dialog = page.locator("#reverse-dialog")
    dialog.get_by_label("冲正原因（必填）").wait_for()
    assert dialog.get_by_label("我已核对，确认冲正该结算单").is_visible()
    dialog.get_by_role("button", name="取消").click()
    dialog.wait_for(state="hidden")

    # When the officer opens the bill and prints it to PDF
    page.get_by_role("link", name="一站式结算单（打印）").click()
    page.wait_for_url(f"**/benefits/settlements/{s.pk}/bill/")
    assert page.locator("h1").inner_text().replace(" ", "") == "一站式结算单"
    pdf = tmp_path / "bill.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4", print_background=True)

    # Then the PDF is one A4 page whose text holds the heading and every amount, without the buttons
    info = pdf_info(pdf)
    assert info["Pages"] == "1", info
    assert info["Page size"].startswith("595.") and "(A4)" in info["Page size"], info
    text = pdf_text(pdf)
    assert "一站式结算单" in text and "ZY0001" in text
    for amount in (s.total, s.basic_fund, s.critical_illness, s.assistance, s.personal):
        assert f"{amount:,.2f}" in text, amount
    assert "71,000.00" in text
    assert "返回结算单详情" not in text and "打印：" in text
    assert person.id_number not in text and person.masked_id_number in text
    assert failed_responses == []

"""The quarterly summary of manual claims (手工报销季度汇总) in a real browser: the city's table of
18 columns reads on a 1366-px screen (no name or 合计 set one character a line), and its print is
one A4 landscape sheet with the heading, the table and the signatures (issue 10, findings 5-6)."""

from datetime import date

import pytest

from benefits.models import Facility
from benefits.services.claims import OutsideHospital, manual_claim_record
from tests.benefits.test_manual_claims import BILL, claim, deadlines, insured_person  # noqa: F401 - deadlines is a fixture
from tests.browser.test_department_import import log_in
from tests.browser.test_settlement_bill import pdf_info, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_city_summary_fits_1366_and_prints_on_one_landscape_sheet(page, failed_responses, tmp_path, deadlines, clerk, other_clerk,
                                                                      officer, xianan, village, jiayu, jiayu_villages):
    hospital = Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                       agreement_from=date(2020, 1, 1))
    people = [insured_person(clerk, village, "欧阳明月"), insured_person(other_clerk, jiayu_villages[0], "乙")]
    manual_claim_record(user=clerk, claim=claim(people[0], hospital))
    manual_claim_record(user=clerk, claim=claim(people[0], outside=OutsideHospital(name="华中科技大学同济医学院附属协和医院", level=3,
                                                                                  province="湖北省", city="武汉市"), place="remote"))
    manual_claim_record(user=other_clerk, claim=claim(people[1], outside=OutsideHospital(name="广州市第一人民医院", level=3,
                                                                                        province="广东省", city="广州市"),
                                                      place="remote", received_on=date(2023, 5, 5)))
    log_in(page, officer)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/benefits/claims/summary/?year=2023&quarter=2")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1366
    # Every row on one or two lines (a one-character column makes a row of many lines)
    heights = page.eval_on_selector_all("#claim-rows tbody tr, #claim-rows tfoot tr", "rows => rows.map(r => r.getBoundingClientRect().height)")
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#claim-rows td')).lineHeight) || 18")
    assert len(heights) == 4 and max(heights) < 3 * line + 8, (heights, line)
    header = page.eval_on_selector("#claim-rows thead tr", "r => r.getBoundingClientRect().height")
    assert header < 4 * line, header

    page.goto("/benefits/claims/summary/print/?year=2023&quarter=2")
    page.emulate_media(media="print")
    pdf = tmp_path / "summary.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    info = pdf_info(pdf)
    assert info["Pages"] == "1", info
    assert info["Page size"].startswith("841.") and "(A4)" in info["Page size"], info  # A4 landscape
    text = pdf_text(pdf)
    assert "2023年第2季度手工报销汇总表" in text and "经办人：" in text and "负责人：" in text
    assert "SG421221202300001" in text and "31,500.00" in text  # 嘉鱼's claim and the total
    assert failed_responses == []

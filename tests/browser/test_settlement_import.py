"""A city officer imports a facility's monthly CSV export in a real browser, sees each bill's
split in the preview, confirms, and opens the settlement page that explains every amount by its
rule (issue 4, worked example 1 of RULES.md 9)."""

from datetime import date

import pytest

from benefits.models import Facility
from enrollment.services.enrollments import enrollment_register
from tests import factories
from tests.browser.test_department_import import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = "结算单号,机构编码,身份证号,姓名,就医类型,入院（就诊）日期,出院日期,就医地,病种,甲类费用,乙类药品,目录外费用"


def test_officer_imports_a_facility_export_and_reads_the_explanation(page, failed_responses, tmp_path, officer, clerk, xianan,
                                                                    xianan_villages):
    # Given an insured resident (paid in the 2023 window) and a level-2 hospital under agreement
    person = factories.person(xianan_villages[0], name="王住院")
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch",
                        payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
    Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                            agreement_from=date(2020, 1, 1))
    export = tmp_path / "H001-202303.csv"
    export.write_text(f"{HEADERS}\nZY0001,H001,{person.id_number},王住院,住院,2023-03-15,2023-03-20,市内,,8000,2000,500\n",
                      encoding="gbk")

    # When the officer uploads it from 名单导入 → 导入定点机构结算数据
    log_in(page, officer)
    navigation = page.get_by_role("navigation")
    navigation.get_by_role("link", name="名单导入").click()
    navigation.get_by_role("link", name="导入定点机构结算数据").click()
    page.wait_for_url("**/imports/new/settlements/")
    page.get_by_label("Excel 文件（.xlsx）或 CSV 文件（UTF-8/GBK）").set_input_files(str(export))
    page.get_by_role("button", name="上传并校验").click()

    # Then the preview shows the split of RULES.md 9 example 1 before anything is written
    page.wait_for_url("**/imports/*/")
    assert page.locator("#job-status").inner_text() == "待确认"
    row = page.locator("table tbody tr").first.inner_text()
    assert "新增" in row and "基本医保6,440.00" in row and "个人4,060.00" in row
    page.get_by_role("button", name="确认导入").click()
    page.locator("#job-status", has_text="已导入").wait_for()

    # When the officer opens the person's 2023 settlements and the bill
    page.goto(f"/benefits/people/{person.pk}/settlements/?year=2023")
    assert "6,440.00\t6,440.00" in page.locator("#history").inner_text()  # the bill's basic fund, the year's so far
    page.get_by_role("link", name="ZY0001").click()

    # Then every step shows its amount and its article, and the parameters used
    page.wait_for_url("**/benefits/settlements/*/")
    steps = page.locator("#explanation").inner_text()
    assert "起付标准\t600.00\t咸宁办法 第二十条(一)1" in steps
    assert "基本医保统筹支付\t6,440.00" in steps and "个人负担\t4,060.00" in steps
    assert "住院统筹支付比例（二级医疗机构）\t70%" in page.locator("#parameters").inner_text()
    assert failed_responses == []

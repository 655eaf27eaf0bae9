"""Settlement pages in plain Chinese (issue 9): the one-stop settlement bill, the settlement page's
parameters by tier, a person's year against every cap, the facility list on the latest month
with data with totals and export, 冲正 only with a reason, and the parameters page."""

import io
import re
from datetime import date
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook

from assistance.services.applications import application_accept, application_decide
from assistance.services.identities import identity_certify
from benefits.models import Facility, Settlement
from benefits.services.settlements import VisitInput, settlement_create, settlement_reverse
from core.roles import REVIEWER
from enrollment.services.enrollments import enrollment_register
from tests import factories

pytestmark = pytest.mark.django_db
# RULES.md 9 worked example 1 at a level-2 hospital: basic 6,440.00, personal 4,060.00.
EXAMPLE = {"class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500"}
# A large admission that reaches 大病保险 and 医疗救助 (低保, class 2 of S001 §二).
LARGE = {"class_a": "60000", "class_b_drug": "10000", "out_of_catalogue": "1000"}
CODE_NAMES = re.compile(r"X000 art\.|S001 §|RULES\.md|annual_cap|inpatient_rate|\brate\b|\byuan\b|None|\[\'")


@pytest.fixture
def hospital(xianan):
    return Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                   agreement_from=date(2020, 1, 1))


@pytest.fixture
def clinic(xianan):
    return Facility.objects.create(code="V001", name="咸安第一村卫生室", level=1, tier="village", region=xianan,
                                   agreement_from=date(2020, 1, 1))


@pytest.fixture
def insured(clerk, village):
    person = factories.person(village, name="王参保")
    enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=date(2022, 10, 8),
                        today=date(2022, 10, 8))
    return person


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def settle(user, person, facility, bill, *, day=date(2023, 3, 15), kind="inpatient", costs=EXAMPLE):
    return settlement_create(user=user, data=VisitInput(person=person, facility=facility, bill_number=bill, kind=kind, visit_date=day,
                                                        costs=dict(costs)))


def text_of(response) -> str:
    """The visible text of a page, tags and the <style> block dropped."""
    html = response.content.decode()
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ------------------------------------------------------------------------------ the bill

def test_the_bill_shows_every_tiers_payment_formatted_and_the_steps_in_chinese(officer_client, officer, clerk, insured, hospital):
    # Given a 低保 person's large admission, paid by all three tiers
    identity_certify(user=clerk, person=insured, code="subsistence_allowance", valid_from=date(2023, 1, 1))
    s = settle(officer, insured, hospital, "ZY0001", costs=LARGE)
    assert s.critical_illness > 0 and s.assistance > 0

    # When the bill is opened
    response = officer_client.get(f"/benefits/settlements/{s.pk}/bill/")
    text = text_of(response)

    # Then it carries the heading, the bill number, the person (ID masked), the facility and every amount formatted
    assert response.status_code == 200
    assert "一站式结算单" in text and "咸安区医疗保障局" in text and "ZY0001" in text
    assert insured.masked_id_number in text and insured.id_number not in text
    assert "咸安区人民医院" in text and "二级" in text and "住院" in text and "低保" in text and "城乡居民" in text
    for label, amount in (("费用合计", s.total), ("基本医保统筹", s.basic_fund), ("大病保险", s.critical_illness),
                          ("医疗救助", s.assistance), ("倾斜/托底救助", s.extra_assistance), ("个人负担", s.personal)):
        assert re.search(rf"{re.escape(label)} {re.escape(f'{amount:,.2f}')}", text), (label, amount)
    assert "71,000.00" in text  # the total with its thousands separator
    # and the steps in plain words with their sources as document and article
    assert "起付标准 600.00 咸宁办法 第二十条(一)1" in text
    assert "十堰救助办法" in text
    assert not CODE_NAMES.search(text), CODE_NAMES.search(text)
    assert "经办人签字" in text and "已冲正" not in text


def test_a_reversed_bill_is_marked_and_the_detail_page_links_to_the_bill(officer_client, officer, insured, hospital):
    s = settle(officer, insured, hospital, "ZY0002")
    detail = officer_client.get(f"/benefits/settlements/{s.pk}/").content.decode()
    assert f'href="/benefits/settlements/{s.pk}/bill/"' in detail
    reversal = settlement_reverse(user=officer, settlement=s, reason="重复结算")
    text = text_of(officer_client.get(f"/benefits/settlements/{s.pk}/bill/"))
    assert "已冲正" in text and "重复结算" in text
    # The original's steps stay positive; the reversal record's, like its totals, are negative.
    original_steps = text.split("计算过程")[1]
    assert "基本医保统筹支付 6,440.00" in original_steps
    for url in (f"/benefits/settlements/{reversal.pk}/bill/", f"/benefits/settlements/{reversal.pk}/"):
        page = text_of(officer_client.get(url))
        assert "冲正" in page
        steps = page.split("计算过程")[1]
        assert "基本医保统筹支付 -6,440.00" in steps and " 6,440.00" not in steps.replace("-6,440.00", ""), url


def test_the_settlement_page_shows_only_the_parameters_its_steps_used_by_tier(officer_client, officer, insured, hospital):
    # Given an ordinary admission (no identity: no 医疗救助), then the rate changed after it
    s = settle(officer, insured, hospital, "ZY0003")
    from benefits.models import PolicyParameter

    rate = PolicyParameter.objects.get(region__code="421200", name="inpatient_rate.2")
    rate.value = "0.80"
    rate.save()

    # When the settlement page is opened
    response = officer_client.get(f"/benefits/settlements/{s.pk}/")
    parameters = text_of(response).split("本单使用的政策参数")[1]

    # Then the parameters of its steps are shown by Chinese name, with the value it used, grouped by tier
    assert "基本医保" in parameters and "大病保险" in parameters and "医疗救助" not in parameters
    assert "住院统筹支付比例（二级医疗机构） 70%" in parameters and "80%" not in parameters
    assert "住院起付标准（二级医疗机构） 600.00 元" in parameters
    assert "乙类先行自付比例（乙类药品） 10%" in parameters
    # and not those of other levels, kinds or tiers it did not use
    for unused in ("一级医疗机构", "三级医疗机构", "普通门诊", "一般诊疗费", "血液制品", "倾斜救助", "托底"):
        assert unused not in parameters, unused
    # The steps: amounts formatted, sources as articles; breadcrumbs lead back to the person
    steps = text_of(response).split("计算过程")[1]
    assert "基本医保统筹支付 6,440.00" in steps and "咸宁办法 第二十条(一)1" in steps
    assert not CODE_NAMES.search(text_of(response))
    html = response.content.decode()
    assert "breadcrumb" in html and f"/enrollment/people/{insured.pk}/" in html and "结算记录" in html


def test_another_countys_settlement_and_bill_are_404(client, other_clerk, officer, insured, hospital):
    s = settle(officer, insured, hospital, "ZY0004")
    client.force_login(other_clerk)
    for url in (f"/benefits/settlements/{s.pk}/", f"/benefits/settlements/{s.pk}/bill/"):
        assert client.get(url).status_code == 404
    # a clerk may not reverse at all; the settlement stays as it was
    assert client.post(f"/benefits/settlements/{s.pk}/reverse/", {"reason": "越权", "confirm": "1"}).status_code in (403, 404)
    assert Settlement.objects.get(pk=s.pk).status == Settlement.Status.SETTLED


# ------------------------------------------------------------------------------ 冲正

def test_reversal_without_a_reason_or_confirmation_is_refused_in_chinese(officer_client, insured, hospital, officer):
    s = settle(officer, insured, hospital, "ZY0005")
    for data, message in (({"reason": "  ", "confirm": "1"}, "请填写冲正原因"), ({"reason": "重复结算"}, "请勾选")):
        response = officer_client.post(f"/benefits/settlements/{s.pk}/reverse/", data, follow=True)
        assert message in response.content.decode()
        assert Settlement.objects.get(pk=s.pk).status == Settlement.Status.SETTLED
    response = officer_client.post(f"/benefits/settlements/{s.pk}/reverse/", {"reason": "重复结算", "confirm": "1", "return_to": "person"})
    assert response.status_code == 302 and response["Location"] == f"/benefits/people/{insured.pk}/settlements/?year=2023"
    assert Settlement.objects.get(pk=s.pk).status == Settlement.Status.REVERSED


def test_the_person_page_reverses_through_one_dialog_not_a_field_on_every_row(officer_client, officer, insured, hospital):
    for bill in ("ZY0006", "ZY0007"):
        settle(officer, insured, hospital, bill)
    html = officer_client.get(f"/benefits/people/{insured.pk}/settlements/?year=2023").content.decode()
    assert html.count('name="reason"') == 1 and html.count('id="reverse-dialog"') == 1
    assert html.count('data-bs-target="#reverse-dialog"') == 2


# ------------------------------------------------------------------------------ a person's year

def test_the_year_page_shows_each_cap_used_and_left_the_deductibles_and_the_bases(officer_client, officer, insured, hospital):
    # Given two admissions in 2023 (deductible 600 each)
    settle(officer, insured, hospital, "ZY0010", day=date(2023, 3, 15))
    second = settle(officer, insured, hospital, "ZY0011", day=date(2023, 5, 20), costs={"class_a": "30000"})

    # When the person's year is opened
    text = text_of(officer_client.get(f"/benefits/people/{insured.pk}/settlements/?year=2023"))

    # Then the basic cap shows used, left (200,000 − used) and the cap, to the cent
    used = D("6440.00") + second.basic_fund
    assert f"基本医保统筹支付 {used:,.2f} {D('200000') - used:,.2f} 200,000.00" in text
    assert "大病保险 " in text and "400,000.00" in text and "50,000.00" in text
    # the deductibles paid and the bases of 大病保险 and 医疗救助
    assert "已付起付标准（住院） 1,200.00" in text and "本年已付起付标准合计 1,200.00" in text
    assert re.search(r"大病保险计算基数（年度累计）.*? [\d,]+\.\d\d", text)
    # and the running totals per row
    assert "6,440.00 6,440.00" in text and f"{second.basic_fund:,.2f} {used:,.2f}" in text
    assert not CODE_NAMES.search(text)


def test_a_cap_used_up_shows_nothing_left_never_below_zero(officer_client, officer, insured, hospital):
    settle(officer, insured, hospital, "ZY0020", costs={"class_a": "400000"})
    text = text_of(officer_client.get(f"/benefits/people/{insured.pk}/settlements/?year=2023"))
    assert "基本医保统筹支付 200,000.00 0.00 200,000.00" in text


# ------------------------------------------------------------------------------ facility lists

def test_the_list_opens_on_the_latest_month_with_data_for_all_facilities(officer_client, officer, insured, hospital, clinic):
    # Given bills in March 2023 at the hospital and in May 2023 at the clinic, none this month
    settle(officer, insured, hospital, "ZY0030", day=date(2023, 3, 15))
    settle(officer, insured, clinic, "MZ0031", day=date(2023, 5, 9), kind="outpatient", costs={"class_a": "40"})

    # When the list is opened without parameters
    response = officer_client.get("/benefits/settlements/")

    # Then it shows all facilities in May 2023, the latest month with data
    assert (response.context["year"], response.context["month"], response.context["facility"]) == (2023, 5, None)
    text = text_of(response)
    assert "全部机构" in text and "MZ0031" in text and "ZY0030" not in text
    # and for the hospital, its own latest month
    response = officer_client.get(f"/benefits/settlements/?facility={hospital.pk}")
    assert (response.context["year"], response.context["month"]) == (2023, 3)
    assert "ZY0030" in text_of(response)


def test_the_list_totals_the_month_and_the_export_has_the_same_rows_and_totals(officer_client, officer, insured, hospital, clinic):
    first = settle(officer, insured, hospital, "ZY0040", day=date(2023, 3, 15))
    second = settle(officer, insured, clinic, "MZ0041", day=date(2023, 3, 16), kind="outpatient", costs={"class_a": "40"})
    settle(officer, insured, clinic, "MZ0042", day=date(2023, 4, 2), kind="outpatient", costs={"class_a": "40"})

    response = officer_client.get("/benefits/settlements/?facility=&year=2023&month=3")
    totals_row = text_of(response).split("合计 ")[-1]
    assert totals_row.startswith("2 笔")
    assert f"{first.total + second.total:,.2f}" in totals_row and f"{first.basic_fund + second.basic_fund:,.2f}" in totals_row

    export = officer_client.get("/benefits/settlements/export.xlsx?facility=&year=2023&month=3")
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content) if export.streaming else export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("就诊（入院）日期", "出院日期", "结算单号") and "基本医保统筹" in rows[0]
    assert [r[2] for r in rows[1:-1]] == ["ZY0040", "MZ0041"]
    total_column, basic_column = rows[0].index("费用合计"), rows[0].index("基本医保统筹")
    assert not isinstance(rows[1][total_column], str) and D(str(rows[1][total_column])) == first.total  # a number, not text
    assert rows[-1][0] == "合计" and rows[-1][2] == "2 笔"
    assert D(str(rows[-1][basic_column])) == first.basic_fund + second.basic_fund

    only_clinic = officer_client.get(f"/benefits/settlements/export.xlsx?facility={clinic.pk}&year=2023&month=3")
    rows = list(load_workbook(io.BytesIO(only_clinic.content)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:-1]] == ["MZ0041"]


def test_the_export_refuses_another_countys_facility(client, clerk, jiayu, hospital):
    foreign = Facility.objects.create(code="J001", name="嘉鱼县医院", level=2, tier="secondary_plus", region=jiayu,
                                      agreement_from=date(2020, 1, 1))
    client.force_login(clerk)
    response = client.get(f"/benefits/settlements/export.xlsx?facility={foreign.pk}")
    assert response.status_code == 400 and "所选定点机构不存在或不在您的管辖区划内" in response.content.decode()


# ------------------------------------------------------------------------------ parameters page

def test_the_parameters_page_shows_chinese_names_values_with_units_and_articles(officer_client):
    text = text_of(officer_client.get("/benefits/parameters/"))
    assert "年度最高支付限额 200,000.00 元" in text
    assert "住院统筹支付比例（二级医疗机构） 70%" in text
    assert "特困人员" in text or "低保" in text  # code lists by their Chinese names
    assert "咸宁办法 第二十二条" in text and "待确认" in text
    assert "基本医保" in text and "大病保险" in text and "医疗救助" in text
    for code in ("annual_cap", "0.70", "returned_to_poverty", " yuan", " rate", "X000 art.", "RULES.md"):
        assert code not in text, code


def test_the_one_time_assistance_message_formats_the_amount(client, clerk, village, xianan, officer):
    # Given an approved one-time application for a person with an admission before certification
    person = factories.person(village)
    for paid in (date(2021, 10, 8), date(2022, 10, 8)):
        enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", payment_date=paid, today=paid)
    hospital = Facility.objects.create(code="H9", name="医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    settle(officer, person, hospital, "ZY-B", day=date(2022, 9, 1), costs={"class_a": "8000", "class_b_drug": "2000"})
    identity_certify(user=clerk, person=person, code="subsistence_allowance", valid_from=date(2023, 2, 1))
    application = application_accept(user=clerk, person=person, kind="one_time", reason="认定前住院")
    reviewer = factories.user("rev", REVIEWER, xianan)
    application_decide(user=reviewer, application=application, approve=True, reason="同意", today=date(2023, 3, 1))
    client.force_login(reviewer)
    response = client.post(f"/benefits/applications/{application.pk}/one-time/", follow=True)
    assert "一次性医疗救助 2,352.00 元已记录" in response.content.decode()

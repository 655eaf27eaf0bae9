"""The trial page (待遇试算, issue 9): a person looked up by ID number fills the form with the
identities valid on the visit date, the approvals and the year's totals from the records;
the year-to-date figures are inputs of the form; identities are checkboxes; amounts and
sources read as users read them."""

import re
from datetime import date
from decimal import Decimal as D

import pytest

from assistance.models import Application, HardshipIdentity
from benefits.models import PersonYear
from core.models import Department
from core.roles import REVIEWER
from tests import factories

pytestmark = pytest.mark.django_db
VISIT = {"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 2, "facility_tier": "secondary_plus",
         "location": "local", "class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500"}
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def value_of(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    found = re.search(r'value="([^"]*)"', match.group())
    return found.group(1) if found else ""


def checked(page: str, name: str) -> set[str]:
    boxes = re.findall(rf'<input[^>]*type="checkbox"[^>]*name="{name}"[^>]*>', page)
    return {re.search(r'value="([^"]*)"', b).group(1) if 'value="' in b else "on" for b in boxes if "checked" in b}


@pytest.fixture
def low_income(village, xianan, clerk):
    """A 低保 person certified before the visit, with an approved tilted-assistance application
    and totals already settled this year."""
    person = factories.person(village, name="试算人")
    HardshipIdentity.objects.create(person=person, code="subsistence_allowance", department=Department.CIVIL_AFFAIRS,
                                    valid_from=date(2022, 6, 1))
    HardshipIdentity.objects.create(person=person, code="orphan", department=Department.CIVIL_AFFAIRS,
                                    valid_from=date(2022, 1, 1), valid_to=date(2022, 12, 31))  # ended before the visit
    Application.objects.create(person=person, kind="tilted", reason="转诊", accepted_by=clerk, status="approved",
                               decided_by=factories.user("rev", REVIEWER, xianan), decided_on=date(2023, 2, 1))
    PersonYear.objects.create(person=person, year=2023, basic_fund=D("1234.50"), outpatient_fund=D("0"), chronic_fund=D("0"),
                              ci_base=D("0"), ci_paid=D("0"), ma_base=D("3000.00"), ma_paid=D("2100.00"), extra_paid=D("0"), personal=D("0"))
    return person


def test_looking_up_a_person_fills_identities_approvals_and_year_to_date(clerk_client, low_income):
    # When the clerk looks the person up for a visit on 2023-03-15
    page = clerk_client.get("/benefits/trial/", {"id_number": low_income.id_number, "date": "2023-03-15"}).content.decode()
    # Then the identities valid that day are ticked (not the one that ended), with the approvals in force
    assert checked(page, "identities") == {"subsistence_allowance"}
    assert checked(page, "tilted_approved") == {"on"} and checked(page, "assistance_approved") == set()
    # and the year's totals are in the year-to-date inputs, the visit date and pooling region set
    assert value_of(page, "ytd_basic_fund") == "1234.50" and value_of(page, "ytd_ma_paid") == "2100.00"
    assert value_of(page, "ytd_ci_paid") == "0.00" and value_of(page, "date") == "2023-03-15"
    assert re.search(r'<option value="xianning"[^>]*selected', page)
    person = page.split('id="lookup-person"')[1].split("</div>")[0]
    assert "试算人" in person and "城乡最低生活保障对象（低保）" in person and "2类" in person and "subsistence_allowance" not in person


def test_the_year_to_date_inputs_change_the_result(clerk_client, presets):
    # Given the same visit with nothing used this year, and with the year's basic cap already used
    fresh = clerk_client.post("/benefits/trial/", VISIT).content.decode()
    capped = clerk_client.post("/benefits/trial/", {**VISIT, "ytd_basic_fund": "200000"}).content.decode()
    # Then basic insurance pays the first and nothing on the second; amounts have separators
    assert 'id="basic">6,440.00<' in fresh and 'id="personal">4,060.00<' in fresh
    assert 'id="basic">0.00<' in capped
    # and sources read as document and article, not the stored keys
    assert "咸宁办法" in fresh and "X000 art." not in fresh


def test_identities_are_checkboxes_with_chinese_labels(clerk_client, presets):
    page = clerk_client.get("/benefits/trial/").content.decode()
    assert len(re.findall(r'type="checkbox"[^>]*name="identities"', page)) == 16
    assert '<select name="identities"' not in page and "特困人员（特困供养人员）" in page
    assert "本年医疗救助已支付" in page  # a year-to-date input, by its Chinese name


def test_another_countys_person_is_not_found_and_not_echoed(clerk_client, jiayu_villages):
    elsewhere = factories.person(jiayu_villages[0], name="外县试算人")
    HardshipIdentity.objects.create(person=elsewhere, code="orphan", department=Department.CIVIL_AFFAIRS, valid_from=date(2022, 1, 1))
    page = clerk_client.get("/benefits/trial/", {"id_number": elsewhere.id_number, "date": "2023-03-15"}).content.decode()
    assert "未找到" in page and "外县试算人" not in page
    assert elsewhere.id_number not in page and elsewhere.masked_id_number not in page
    assert checked(page, "identities") == set()


def test_a_bad_id_number_is_a_chinese_error_and_a_fullwidth_one_is_found(clerk_client, low_income):
    number = low_income.id_number
    wrong_check_digit = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = clerk_client.get("/benefits/trial/", {"id_number": wrong_check_digit, "date": "2023-03-15"})
    assert response.status_code == 200
    errors = response.context["lookup"].errors["id_number"]
    assert errors and re.search(r"[\u4e00-\u9fff]", errors[0])
    bad_date = clerk_client.get("/benefits/trial/", {"id_number": low_income.id_number, "date": "2023-13-45"})
    assert bad_date.status_code == 200 and bad_date.context["lookup"].errors["date"]
    page = clerk_client.get("/benefits/trial/", {"id_number": low_income.id_number.translate(FULLWIDTH), "date": "2023-03-15"}).content.decode()
    assert checked(page, "identities") == {"subsistence_allowance"}


def options(page: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert select, name
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)))


def test_the_form_offers_the_new_kinds_places_tiers_and_referrals_in_chinese(clerk_client, presets):
    page = clerk_client.get("/benefits/trial/").content.decode()
    assert options(page, "visit")["maternity"] == "住院分娩（生育）"
    assert options(page, "location")["remote_long_term"] == "异地长期居住（已备案）"
    assert options(page, "facility_tier") == {"secondary_plus": "二级及以上医疗机构", "township": "乡镇卫生院/社区卫生服务中心",
                                              "community_station": "社区卫生服务站", "village": "村卫生室", "clinic": "诊所"}
    assert options(page, "referral") == {"referred": "按规定转诊（或急诊）", "referred_outside_list": "转诊病种目录外", "unreferred": "未按规定转诊"}
    for label in ("省外就医", "转出医院已付起付线", "上级医院下转接续治疗", "本年门诊慢特病医疗救助计算基数", "本年生育医疗费用基金已支付"):
        assert label in page


def test_a_jilin_referral_is_tried_from_the_page(clerk_client, presets):
    visit = {**VISIT, "region": "jilin", "facility_level": 3, "class_b_drug": "", "out_of_catalogue": "", "class_a": "10000"}
    referred = clerk_client.post("/benefits/trial/", visit).content.decode()
    outside_list = clerk_client.post("/benefits/trial/", {**visit, "referral": "referred_outside_list",
                                                          "referred_from_deductible": "200"}).content.decode()
    assert 'id="basic">5,400.00<' in referred  # 60% x (10,000 - 1,000)
    assert 'id="basic">3,680.00<' in outside_list  # 40% x (10,000 - 800)
    assert "吉林六统一方案" in outside_list and "J003" not in outside_list


def test_out_of_province_ticked_drops_tilted_assistance_on_the_page(clerk_client, presets):
    visit = {**VISIT, "facility_level": 1, "class_a": "1200", "class_b_drug": "", "out_of_catalogue": "", "identities": ["low_income_edge"],
             "assistance_approved": "on", "tilted_approved": "on", "ytd_ma_base_chronic": "4800"}
    inside = clerk_client.post("/benefits/trial/", visit).content.decode()
    outside = clerk_client.post("/benefits/trial/", {**visit, "out_of_province": "on"}).content.decode()
    extra = re.compile(r"倾斜/托底救助</th><td class=\"money\">([^<]*)<")
    assert extra.search(inside).group(1) == "75.00" and extra.search(outside).group(1) == "0.00"
    assert "省外就医，不享受倾斜救助" in outside


def test_looking_up_a_person_with_an_approval_fills_its_disease_and_what_it_used(clerk_client, clerk, village, xianan, current_standards):
    from benefits.models import ChronicDisease, Facility
    from benefits.services.settlements import VisitInput, settlement_create
    from enrollment.services.enrollments import enrollment_register

    person = factories.person(village, name="结核丙")
    enrollment_register(user=clerk, person=person, category="regular", channel="individual", payment_date=date(2025, 10, 8),
                        today=date(2025, 10, 8))
    clinic = Facility.objects.create(code="T1", name="卫生院", level=1, tier="township", region=xianan, agreement_from=date(2020, 1, 1))
    factories.chronic_approval(person, "tuberculosis", clinic, date(2026, 1, 1), date(2027, 12, 31))
    ChronicDisease.objects.filter(code="tuberculosis", region__code="421200").update(rate=D("0.80"), annual_cap=D("1000"))
    settlement_create(user=clerk, data=VisitInput(person=person, facility=clinic, bill_number="B1", kind="chronic",
                                                  visit_date=date(2026, 5, 4), disease="结核病", costs={"class_a": "1000"}))
    # When the clerk looks the person up: the disease and the 800 it used of its 1,000 are filled
    page = clerk_client.get("/benefits/trial/", {"id_number": person.id_number, "date": "2026-05-10"}).content.decode()
    assert value_of(page, "disease") == "结核病" and value_of(page, "ytd_disease_chronic_fund") == "800.00"
    # and a trial of the same visit pays what a settlement would: 200 left
    form = {**VISIT, "date": "2026-05-10", "visit": "chronic", "facility_level": 1, "facility_tier": "township", "disease": "结核病",
            "class_a": "1000", "class_b_drug": "", "out_of_catalogue": "", "ytd_disease_chronic_fund": "800.00", "ytd_chronic_fund": "800.00"}
    assert 'id="basic">200.00<' in clerk_client.post("/benefits/trial/", form).content.decode()
    # with a second approval in force, neither disease is guessed: the page says what each used
    factories.chronic_approval(person, "severe_mental_illness", clinic, date(2026, 1, 1), date(2027, 12, 31))
    page = clerk_client.get("/benefits/trial/", {"id_number": person.id_number, "date": "2026-05-10"}).content.decode()
    assert value_of(page, "disease") == "" and "结核病本年已支付 800.00 元" in page and "重性精神病维持治疗本年已支付 0.00 元" in page

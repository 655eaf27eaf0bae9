"""Bad query parameters (issue 8): a typed or tampered link gets a 400 page that says in Chinese
what is wrong, never a 500 and never a silently different list; ID numbers are normalised
(fullwidth digits, spaces, x) before every check and lookup."""

from datetime import date
from decimal import Decimal

import pytest

from assistance.models import SubsidyRun
from benefits.models import Facility
from core.idnumber import normalize, parse_id_number
from core.models import Region
from core.roles import CITY_OFFICER
from tests import factories

pytestmark = pytest.mark.django_db

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.fixture
def hospital(xianan):
    return Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan,
                                   agreement_from=date(2020, 1, 1))


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def refused(response, *words):
    assert response.status_code == 400, response.status_code
    html = response.content.decode()
    assert "查询条件有误" in html
    for word in words:
        assert word in html, html
    return html


# ------------------------------------------------------------------------------ settlement pages


@pytest.mark.parametrize("query, words", [
    ("year=abc", ["年度「abc」不是有效的整数"]),
    ("month=x", ["月份「x」不是有效的整数"]),
    ("month=13", ["月份 13 不在 1 至 12 之间"]),
    ("facility=abc", ["定点机构「abc」不是有效的整数"]),
    ("year=0", ["年度 0 不在 1900 至 2099 之间"]),
    ("year=-5", ["年度 -5 不在 1900 至 2099 之间"]),
    ("year=２０２３", ["年度「２０２３」不是有效的整数"]),
    ("facility=99999999999999999999", ["定点机构 99999999999999999999 不在"]),
], ids=["year-text", "month-text", "month-13", "facility-text", "year-0", "year-negative", "year-fullwidth", "facility-huge"])
def test_facility_month_page_refuses_bad_parameters_with_a_400_page(officer_client, hospital, query, words):
    refused(officer_client.get(f"/benefits/settlements/?{query}"), *words)


def test_facility_month_page_refuses_a_facility_outside_the_users_region(client, clerk, jiayu, hospital):
    # Given a facility of another county
    foreign = Facility.objects.create(code="J001", name="嘉鱼县医院", level=2, tier="secondary_plus", region=jiayu,
                                      agreement_from=date(2020, 1, 1))
    client.force_login(clerk)

    # Then asking for it is refused rather than showing the clerk's own facility under its name
    refused(client.get(f"/benefits/settlements/?facility={foreign.pk}"), "所选定点机构不存在或不在您的管辖区划内")


def test_facility_month_page_still_works_with_good_parameters(officer_client, hospital):
    response = officer_client.get(f"/benefits/settlements/?facility={hospital.pk}&year=2023&month=3")
    assert response.status_code == 200
    assert (response.context["year"], response.context["month"], response.context["facility"]) == (2023, 3, hospital)


@pytest.mark.parametrize("query, words", [
    ("year=99999", ["年度 99999 不在 1900 至 2099 之间"]),
    ("year=1899", ["年度 1899 不在 1900 至 2099 之间"]),
    ("year=20x3", ["年度「20x3」不是有效的整数"]),
])
def test_person_year_page_refuses_a_year_out_of_range(officer_client, village, query, words):
    person = factories.person(village)
    refused(officer_client.get(f"/benefits/people/{person.pk}/settlements/?{query}"), *words)


# ------------------------------------------------------------------------------ NUL and over-long text


@pytest.fixture
def run(officer, xianan):
    return SubsidyRun.objects.create(region=Region.objects.get(code="421200"), benefit_year=2024, assessed_on=date(2023, 12, 1),
                                     created_by=officer, region_path=Region.objects.get(code="421200").path)


@pytest.mark.parametrize("url", [
    "/enrollment/people/?q=%00",
    "/enrollment/people/?q=4212%0002",
    "/enrollment/people/export.xlsx?q=%00",
    "/enrollment/employee-coverage/?q=%00",
    "/assistance/identities/?q=%00",
    "/benefits/settlements/?year=%00",
    "/imports/?page=%00",
])
def test_a_nul_character_in_any_text_parameter_is_a_400_not_a_500(officer_client, url):
    refused(officer_client.get(url), "非法字符")


def test_a_nul_character_in_payer_or_county_of_a_subsidy_export_is_a_400(officer_client, run):
    refused(officer_client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx?payer=%00"), "非法字符")
    refused(officer_client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx?county=4212%0002"), "非法字符")


def test_subsidy_export_refuses_an_unknown_payer_and_an_overlong_county(officer_client, run):
    refused(officer_client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx?payer=nobody"), "资金来源「nobody」不是可选的值")
    refused(officer_client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx?county={'4' * 200}"), "县（市、区）代码」过长")


def test_an_overlong_search_is_refused_with_the_form_to_correct_it(officer_client):
    html = refused(officer_client.get(f"/enrollment/employee-coverage/?q={'张' * 500}"), "过长")
    assert "500 个字符" in html
    response = officer_client.get(f"/enrollment/people/?q={'张' * 500}")
    refused(response, "身份证号或姓名：")
    assert response.context["form"].errors["q"]  # the search form is shown again to correct it
    refused(officer_client.get(f"/assistance/identities/?q={'张' * 500}"), "身份证号或姓名：")


def test_bad_paging_keys_and_import_filters_are_refused(officer_client):
    refused(officer_client.get("/enrollment/people/?after=abc"), "翻页位置「abc」不是有效的整数")
    refused(officer_client.get("/assistance/identities/?before=-3"), "翻页位置 -3 不在")
    refused(officer_client.get("/imports/?page=x"), "页码「x」不是有效的整数")


def test_coverage_gap_refuses_a_bad_year_instead_of_showing_another_years_list(officer_client):
    refused(officer_client.get("/assistance/coverage-gap/?benefit_year=abc"), "待遇年度：")
    refused(officer_client.get("/assistance/coverage-gap/?benefit_year=99999"), "待遇年度：")


def test_identity_certify_page_refuses_a_bad_person_parameter(client, xianan):
    civil = factories.user("minzheng", "民政", xianan, department="civil_affairs")
    client.force_login(civil)
    refused(client.get("/assistance/identities/new/?person=abc"), "人员「abc」不是有效的整数")


# ------------------------------------------------------------------------------ ID numbers: one spelling


def test_normalize_turns_fullwidth_spaced_and_lowercase_numbers_into_one_spelling():
    number = "11010519491231002X"
    assert normalize(number.translate(FULLWIDTH)) == number
    assert normalize("110105 1949\u30001231 002x\t") == number
    assert parse_id_number("１１０１０５１９４９１２３１００２ｘ").number == number


def test_digits_of_other_scripts_are_refused_not_stored():
    # Arabic-Indic digits pass str.isdigit and survive NFKC; they are not an ID number.
    arabic = "".join(chr(0x0660 + int(c)) for c in "11010519491231002") + "X"
    with pytest.raises(ValueError) as error:
        parse_id_number(arabic)
    assert "前17位应为数字" in str(error.value)


def test_a_fullwidth_number_in_the_search_finds_the_person(clerk_client, village):
    person = factories.person(village, name="全角")
    response = clerk_client.get("/enrollment/people/", {"q": person.id_number.translate(FULLWIDTH)})
    assert response.status_code == 302 and response.url == f"/enrollment/people/{person.pk}/"


def test_a_number_typed_with_spaces_in_the_identity_search_finds_the_person(officer_client, village, officer):
    from assistance.services.identities import identity_certify

    person = factories.person(village, name="空格")
    identity_certify(user=officer, person=person, code="subsistence_allowance", valid_from=date(2023, 1, 1))
    spaced = " ".join([person.id_number[:6], person.id_number[6:14], person.id_number[14:]]).translate(FULLWIDTH)
    page = officer_client.get("/assistance/identities/", {"q": spaced})
    assert [i.person for i in page.context["page"].items] == [person]


def test_a_fullwidth_number_finds_the_employee_coverage_row(officer_client, village):
    from enrollment.models import EmployeeCoverage

    number = factories.id_number()
    EmployeeCoverage.objects.create(id_number=number, name="职工", employer="某单位", starts_on=date(2020, 1, 1),
                                    region=village.parent.parent, region_path=village.parent.parent.path)
    page = officer_client.get("/enrollment/employee-coverage/", {"q": number.translate(FULLWIDTH)})
    assert [c.id_number for c in page.context["page"].items] == [number]

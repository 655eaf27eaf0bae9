"""Designated facilities (定点医药机构) in the admin: an officer adds and changes the facilities
of their own region (a county's officer: the county), the agreement dates are checked, every
change is in the history, and another county's facility is not theirs to change."""

from datetime import date
from decimal import Decimal

import pytest

from benefits.models import Facility, Settlement
from core.errors import ServiceError
from core.models import SecurityEvent
from core.roles import CITY_OFFICER, CLERK
from benefits.services.facilities import facility_save
from tests import factories
from tests.admin_forms import admin_form_data

pytestmark = pytest.mark.django_db
ADD = "/admin/benefits/facility/add/"


@pytest.fixture
def county_officer(xianan):
    return factories.user("officer_xianan", CITY_OFFICER, xianan, staff=True)


def form(region, **changes):
    data = {"code": "XA-H9", "name": "咸安区第九医院", "level": "2", "tier": "secondary_plus", "region": str(region.pk),
            "zero_markup": "on", "agreement_from": "2026-01-01", "agreement_to": ""}
    return data | changes


def facility(region, code="XA-H1", **extra):
    values = {"name": "咸安区人民医院", "level": 2, "tier": "secondary_plus", "region": region, "agreement_from": date(2025, 1, 1)} | extra
    return Facility.objects.create(code=code, **values)


def test_a_county_officer_adds_a_facility_of_the_county_with_history(client, county_officer, xianan):
    client.force_login(county_officer)
    response = client.post(ADD, form(xianan))
    assert response.status_code == 302
    added = Facility.objects.get(code="XA-H9")
    assert added.region_path == xianan.path and added.agreement_to is None
    record = added.history.get()
    assert record.history_user == county_officer and record.history_type == "+"


def test_an_agreement_ending_before_it_starts_is_refused_on_its_field(client, county_officer, xianan):
    client.force_login(county_officer)
    response = client.post(ADD, form(xianan, agreement_to="2025-12-31"))
    assert response.status_code == 200
    assert "协议结束（2025-12-31）早于协议开始（2026-01-01）" in response.content.decode()
    assert not Facility.objects.filter(code="XA-H9").exists()


def test_an_implausible_agreement_date_is_refused(client, county_officer, xianan):
    client.force_login(county_officer)
    response = client.post(ADD, form(xianan, agreement_from="1800-01-01"))
    assert "不在合理范围内" in response.content.decode()
    assert not Facility.objects.exists()


def test_a_county_officer_changes_the_countys_facility_the_code_fixed(client, county_officer, xianan):
    hospital = facility(xianan)
    client.force_login(county_officer)
    data = admin_form_data(hospital, changes={"name": "咸安区人民医院（新院区）", "agreement_to": "2027-12-31", "code": "CHANGED"})
    response = client.post(f"/admin/benefits/facility/{hospital.pk}/change/", data)
    assert response.status_code == 302
    hospital.refresh_from_db()
    assert hospital.name == "咸安区人民医院（新院区）" and hospital.agreement_to == date(2027, 12, 31)
    assert hospital.code == "XA-H1"  # bills and monthly exports name the facility by its code
    latest = hospital.history.first()
    assert latest.history_user == county_officer and latest.history_type == "~"
    assert client.get(f"/admin/benefits/facility/{hospital.pk}/history/").status_code == 200


def test_another_countys_facility_is_not_changeable(client, county_officer, jiayu):
    theirs = facility(jiayu, code="JY-H1", name="嘉鱼县人民医院")
    client.force_login(county_officer)
    assert "嘉鱼县人民医院" not in client.get("/admin/benefits/facility/").content.decode()
    assert client.get(f"/admin/benefits/facility/{theirs.pk}/change/").status_code == 403
    response = client.post(f"/admin/benefits/facility/{theirs.pk}/change/", admin_form_data(theirs, changes={"name": "改名"}))
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.name == "嘉鱼县人民医院"
    assert SecurityEvent.objects.filter(user=county_officer).exists()


def test_a_county_officer_cannot_place_a_facility_in_another_county(client, county_officer, xianan, jiayu):
    client.force_login(county_officer)
    response = client.post(ADD, form(jiayu))
    assert response.status_code == 200 and not Facility.objects.exists()
    mine = facility(xianan)
    client.post(f"/admin/benefits/facility/{mine.pk}/change/", admin_form_data(mine, changes={"region": jiayu.pk}))
    mine.refresh_from_db()
    assert mine.region == xianan


def test_the_city_officer_adds_a_facility_in_any_county_of_the_city(client, officer, jiayu):
    client.force_login(officer)
    assert client.post(ADD, form(jiayu, code="JY-H9")).status_code == 302
    assert Facility.objects.get(code="JY-H9").region == jiayu


def test_a_clerk_reads_facilities_but_does_not_change_them(client, xianan):
    clerk = factories.user("clerk_staff", CLERK, xianan, staff=True)
    hospital = facility(xianan)
    client.force_login(clerk)
    assert client.get("/admin/benefits/facility/").status_code == 200
    assert client.get(ADD).status_code == 403
    client.post(f"/admin/benefits/facility/{hospital.pk}/change/", admin_form_data(hospital, changes={"name": "改名"}))
    hospital.refresh_from_db()
    assert hospital.name == "咸安区人民医院"


def test_an_agreement_never_shrinks_past_bills_already_settled(client, county_officer, xianan, village):
    hospital = facility(xianan)
    person = factories.person(village)
    Settlement.objects.create(parameter_set=factories.parameter_set(), person=person, facility=hospital, bill_number="B1", kind="outpatient", visit_date=date(2025, 6, 1),
                              year=2025, total=Decimal("88.00"), region_path=village.path)
    client.force_login(county_officer)
    response = client.post(f"/admin/benefits/facility/{hospital.pk}/change/",
                           admin_form_data(hospital, changes={"agreement_to": "2025-05-31"}))
    assert "该机构已有 2025-06-01 就诊的结算单，协议结束不能早于该日期" in response.content.decode()
    hospital.refresh_from_db()
    assert hospital.agreement_to is None
    # The service refuses it too, whatever door calls it
    hospital.agreement_from = date(2025, 7, 1)
    with pytest.raises(ServiceError, match="协议开始不能晚于该日期"):
        facility_save(user=county_officer, facility=hospital)


def test_the_facility_list_import_keeps_to_the_same_rules_and_history(officer, xianan, village):
    # Given a facility with a bill settled in June 2025
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.services import imports
    from core.xlsx import write_xlsx

    hospital = facility(xianan)
    Settlement.objects.create(parameter_set=factories.parameter_set(), person=factories.person(village), facility=hospital, bill_number="B1", kind="outpatient",
                              visit_date=date(2025, 6, 1), year=2025, total=Decimal("88.00"), region_path=village.path)
    headers = ["机构编码", "机构名称", "级别", "门诊机构类别", "所在县（市、区）", "协议开始", "协议结束"]
    rows = [["XA-H1", "咸安区人民医院", "二级", "医院", "421202", "2025-01-01", "2025-05-31"],
            ["XA-H2", "咸安区第二医院", "二级", "医院", "421202", "2025-01-01", ""]]
    # When the list ends its agreement before that bill, and adds another facility
    job = imports.import_job_preview(imports.import_job_create(
        user=officer, kind="facilities", uploaded=SimpleUploadedFile("f.xlsx", write_xlsx(headers, rows)), skip_bad_rows=True).pk)
    # Then the first row is refused on its column, the second is added with its history
    assert job.errors == [{"row": 2, "column": "协议结束", "message": "该机构已有 2025-06-01 就诊的结算单，协议结束不能早于该日期"}]
    imports.import_job_commit(job.pk)
    assert Facility.objects.get(code="XA-H2").history.get().history_user == officer


def test_the_region_box_finds_only_the_officers_own_regions(client, county_officer, xianan, jiayu):
    client.force_login(county_officer)
    url = "/admin/autocomplete/?app_label=benefits&model_name=facility&field_name=region&term="
    assert [r["text"] for r in client.get(url + "咸安").json()["results"]] == ["咸安区"]
    assert client.get(url + "嘉鱼").json()["results"] == []


def test_a_hospital_outside_the_city_is_recorded_with_its_place_written_as_filings_write_it(client, county_officer, xianan):
    client.force_login(county_officer)
    response = client.post(ADD, form(xianan, code="WH-1", name="武汉协和医院", place_province="湖北", place_city="武汉"))
    assert response.status_code == 302
    added = Facility.objects.get(code="WH-1")
    assert (added.place_province, added.place_city) == ("湖北省", "武汉市")


@pytest.mark.parametrize("place, field, message", [
    ({"place_province": "火星"}, "place_province", "不是省级行政区名称"),
    ({"place_city": "武汉市"}, "place_province", "请同时填写所在省份"),
    ({"place_province": "湖南省", "place_city": "长沙县"}, "place_city", "长沙县"),
])
def test_a_place_that_cannot_be_one_is_refused_on_its_field(client, county_officer, xianan, place, field, message):
    client.force_login(county_officer)
    response = client.post(ADD, form(xianan, code="WH-2", **place))
    assert response.status_code == 200 and not Facility.objects.filter(code="WH-2").exists()
    assert message in str(response.context["adminform"].form.errors[field])


def test_the_facility_list_import_records_a_hospital_outside_the_city_with_its_place(officer, xianan):
    # Given a list with a hospital in 武汉 (typed short), one in 长沙县 (a county, no city) and one of the city
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.services import imports
    from core.xlsx import write_xlsx

    headers = ["机构编码", "机构名称", "级别", "门诊机构类别", "所在县（市、区）", "所在省份", "所在城市", "协议开始"]
    rows = [["WH-1", "武汉协和医院", "三级", "医院", "421202", "湖北", "武汉", "2025-01-01"],
            ["CS-1", "长沙县人民医院", "二级", "医院", "421202", "湖南省", "长沙县", "2025-01-01"],
            ["XA-H3", "咸安区第三医院", "二级", "医院", "421202", "", "广州", "2025-01-01"],
            ["XA-H4", "咸安区第四医院", "二级", "医院", "421202", "", "", "2025-01-01"]]
    job = imports.import_job_preview(imports.import_job_create(
        user=officer, kind="facilities", uploaded=SimpleUploadedFile("f.xlsx", write_xlsx(headers, rows)), skip_bad_rows=True).pk)
    # Then the county and the city without its province are refused on their columns
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "所在城市"), (4, "所在省份")]
    assert "长沙县" in job.errors[0]["message"] and "请同时填写所在省份" in job.errors[1]["message"]
    imports.import_job_commit(job.pk)
    # And the places are written as filings write them; the city's hospital has none
    assert Facility.objects.values_list("code", "place_province", "place_city").order_by("code")[::1] == [
        ("WH-1", "湖北省", "武汉市"), ("XA-H4", "", "")]


def test_a_hospital_placed_inside_the_pooling_region_is_refused_as_one_of_the_citys(client, county_officer, xianan):
    # 湖北 咸宁 (or 嘉鱼县 under it) is the facility's own pooling region: a hospital there is settled as 市内.
    from core.errors import ServiceError as Refused
    from benefits.services.facilities import facility_place

    client.force_login(county_officer)
    response = client.post(ADD, form(xianan, code="XN-1", name="咸宁某医院", place_province="湖北", place_city="咸宁"))
    assert response.status_code == 200 and "在本统筹区（咸宁市）内" in response.content.decode()
    assert not Facility.objects.filter(code="XN-1").exists()
    with pytest.raises(Refused) as refused:
        facility_place("湖北省", "长沙县", xianan)
    assert "所在城市" in refused.value.message and "就医城市" not in refused.value.message
    assert facility_place("湖北省", "武汉", xianan) == ("湖北省", "武汉市")

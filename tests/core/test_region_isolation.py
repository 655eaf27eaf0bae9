"""A clerk of one county never reaches a person of another county: by URL, by admin, by export,
by import. Denied attempts are recorded."""

import io

import pytest
from openpyxl import load_workbook

from core.models import SecurityEvent
from core.restrict import region_allowed
from core.roles import CLERK
from core.xlsx import write_xlsx
from enrollment.models import Enrollment, Person, ResidentScheme
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign_person(jiayu_villages):
    return factories.person(jiayu_villages[0], name="嘉鱼人")


@pytest.fixture
def own_person(village):
    return factories.person(village, name="咸安人")


def test_person_page_of_another_county_is_404_and_logged(clerk_client, foreign_person, own_person):
    assert clerk_client.get(f"/enrollment/people/{own_person.pk}/").status_code == 200
    response = clerk_client.get(f"/enrollment/people/{foreign_person.pk}/")
    assert response.status_code == 404
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ACCESS_DENIED)
    assert event.object_id == str(foreign_person.pk)
    assert event.user.username == "clerk_xianan"


@pytest.mark.parametrize("suffix", ["edit/", "enroll/"])
def test_actions_on_another_countys_person_are_404(clerk_client, foreign_person, suffix):
    assert clerk_client.get(f"/enrollment/people/{foreign_person.pk}/{suffix}").status_code == 404
    assert clerk_client.post(f"/enrollment/people/{foreign_person.pk}/{suffix}", {"name": "x"}).status_code == 404


def test_household_and_enrollment_of_another_county_are_404(clerk_client, foreign_person, other_clerk):
    from enrollment.services.people import MemberInput, household_register

    household = household_register(
        user=other_clerk, village=foreign_person.village, address="",
        members=[MemberInput(foreign_person.name, foreign_person.id_number, "head")],
    )
    assert clerk_client.get(f"/enrollment/households/{household.pk}/").status_code == 404
    enrollment = Enrollment.objects.create(
        person=foreign_person, benefit_year=2023, scheme=ResidentScheme.objects.first(), category="regular", channel="individual",
        village=foreign_person.village, region_path=foreign_person.region_path, registered_on="2022-10-01",
        standard="380", subsidy="0", amount_due="380", benefit_start="2023-01-01", benefit_end="2023-12-31",
    )
    assert clerk_client.get(f"/enrollment/enrollments/{enrollment.pk}/pay/").status_code == 404
    assert clerk_client.post(f"/enrollment/enrollments/{enrollment.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert Enrollment.objects.get(pk=enrollment.pk).status == "registered"


def test_search_and_list_show_only_own_county(clerk_client, foreign_person, own_person):
    page = clerk_client.get("/enrollment/people/").content.decode()
    assert "咸安人" in page and "嘉鱼人" not in page
    by_id = clerk_client.get(f"/enrollment/people/?q={foreign_person.id_number}")
    assert "嘉鱼人" not in by_id.content.decode()


def test_export_contains_only_own_county_and_masks_nothing_it_should_not(clerk_client, foreign_person, own_person):
    response = clerk_client.get("/enrollment/people/export.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    names = [r[0] for r in rows[1:]]
    assert names == ["咸安人"]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).exists()


def test_export_needs_its_own_permission(client, xianan, own_person):
    department_user = factories.user("civil", "民政", xianan)
    client.force_login(department_user)
    assert client.get("/enrollment/people/").status_code == 200
    assert client.get("/enrollment/people/export.xlsx").status_code == 403


def test_department_user_sees_masked_id_even_on_detail(client, xianan, own_person):
    client.force_login(factories.user("civil", "民政", xianan))
    page = client.get(f"/enrollment/people/{own_person.pk}/").content.decode()
    assert own_person.id_number not in page
    assert own_person.masked_id_number in page


def test_clerk_sees_masked_list_and_full_number_on_detail(clerk_client, own_person):
    listing = clerk_client.get("/enrollment/people/").content.decode()
    assert own_person.id_number not in listing and own_person.masked_id_number in listing
    detail = clerk_client.get(f"/enrollment/people/{own_person.pk}/").content.decode()
    assert own_person.id_number in detail


def test_import_rows_of_another_county_are_errors(clerk, jiayu_villages, village, current_standards):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.services import imports

    foreign_village = jiayu_villages[0]
    headers = ["姓名", "身份证号", "村/社区"]
    data = write_xlsx(headers, [["甲", factories.id_number(), foreign_village.code], ["乙", factories.id_number(), village.code]])
    job = imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=SimpleUploadedFile("a.xlsx", data))
    job = imports.import_job_preview(job.pk)
    statuses = {row[0]: row[1] for row in job.preview_rows}
    assert statuses == {2: "error", 3: "new"}
    assert "不是您管辖区划内" in job.errors[0]["message"]
    assert job.errors[0]["column"] == "村/社区"


def test_import_of_a_person_registered_in_another_county_is_an_error(clerk, foreign_person, village):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.services import imports

    data = write_xlsx(["姓名", "身份证号", "村/社区"], [[foreign_person.name, foreign_person.id_number, village.code]])
    job = imports.import_job_preview(imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=SimpleUploadedFile("a.xlsx", data)).pk)
    assert job.counts["error"] == 1
    assert job.errors[0]["message"] == "该身份证号无法在您的辖区登记，请联系市局核实"
    assert Person.objects.get(pk=foreign_person.pk).village == foreign_person.village


def test_admin_change_page_of_another_countys_person_is_403(client, jiayu_villages, xianan, village):
    county_officer = factories.user("xianan_officer", "市局", xianan, staff=True)
    foreign = factories.person(jiayu_villages[0], name="嘉鱼人")
    own = factories.person(village, name="咸安人")
    client.force_login(county_officer)
    assert client.get(f"/admin/enrollment/person/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/enrollment/person/{foreign.pk}/change/").status_code == 403
    listing = client.get("/admin/enrollment/person/").content.decode()
    assert "咸安人" in listing and "嘉鱼人" not in listing
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCESS_DENIED, object_id=str(foreign.pk)).exists()


def test_admin_export_is_restricted_and_escaped(client, jiayu_villages, xianan, village):
    county_officer = factories.user("xianan_officer", "市局", xianan, staff=True)
    factories.person(jiayu_villages[0], name="嘉鱼人")
    factories.person(village, name="=HYPERLINK(\"http://x\")")
    client.force_login(county_officer)
    columns = ["name", "id_number", "gender", "birth_date", "phone", "village", "status"]
    response = client.post(
        "/admin/enrollment/person/export/",
        {"format": "0", "resource": "0", **{f"personexportresource_{c}": "on" for c in columns}},
    )
    assert response.status_code == 200, response.content[:500]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")"]


def test_region_allowed_is_a_subtree_test(xianan, jiayu, village):
    clerk = factories.user("c", CLERK, xianan)
    assert region_allowed(clerk, village)
    assert region_allowed(clerk, xianan)
    assert not region_allowed(clerk, jiayu)
    assert not region_allowed(clerk, xianan.parent)

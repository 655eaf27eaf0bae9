"""Leaks through messages and files (issue 8): an import job, its pages and its error rows
belong to its uploader's region and to the import permission of its kind; error rows show full
ID numbers only with core.view_full_id_number; an enrollment list never tells where a person of
another county is registered, nor registers them a second time."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from core.idnumber import upgrade_15_digit
from core.models import Department, SecurityEvent
from core.roles import CLERK, REVIEWER
from core.services import imports
from core.xlsx import write_xlsx
from enrollment.models import Person
from tests import factories

pytestmark = pytest.mark.django_db
ENROLLMENT_HEADERS = ["姓名", "身份证号", "村/社区"]
IDENTITY_HEADERS = ["姓名", "身份证号", "身份类别", "认定日期", "有效期至", "认定文号", "退出日期", "所属村/社区"]


def uploaded(user, kind, headers, rows, **options):
    job = imports.import_job_create(user=user, kind=kind, uploaded=SimpleUploadedFile("名单.xlsx", write_xlsx(headers, rows)),
                                    options=options)
    return imports.import_job_preview(job.pk)


def sheet_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return [list(r) for r in workbook.active.iter_rows(values_only=True)]


@pytest.fixture
def clerks_job(clerk, village):
    """A clerk's enrollment list whose one row names a village outside the clerk's county."""
    number = factories.id_number(date(1975, 3, 3))
    job = uploaded(clerk, "enrollment_list", ENROLLMENT_HEADERS, [["甲", number, "999999999999"]])
    assert job.counts["error"] == 1
    job.number = number
    return job


def pages(job):
    return [f"/imports/{job.pk}/", f"/imports/{job.pk}/progress/", f"/imports/{job.pk}/errors.xlsx"]


def test_a_department_user_of_the_same_county_cannot_open_a_clerks_import(client, clerks_job, xianan):
    # Given a 民政 user of the clerk's county: the import-log permission, not the enrollment import one
    civil = factories.user("minzheng", "民政", xianan, department=Department.CIVIL_AFFAIRS)
    client.force_login(civil)
    # When they open the job's pages and its error rows, then each is a 404 and a recorded attempt
    for url in pages(clerks_job):
        assert client.get(url).status_code == 404, url
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCESS_DENIED, user=civil)
    assert events.count() == 3 and {(e.object_id, e.detail) for e in events} == {
        (str(clerks_job.pk), "导入记录不在用户所属区划内，或用户没有该类名单的导入权限")}
    # and the import log does not list it
    assert clerks_job.original_name not in client.get("/imports/").content.decode()


@pytest.mark.parametrize("who", ["reviewer", "clerk_of_another_county"])
def test_a_reviewer_or_another_countys_clerk_cannot_open_it_either(client, clerks_job, xianan, jiayu, who):
    user = factories.user("reviewer", REVIEWER, xianan) if who == "reviewer" else factories.user("clerk_jiayu", CLERK, jiayu)
    client.force_login(user)
    for url in pages(clerks_job):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/imports/{clerks_job.pk}/cancel/").status_code == 404


def test_a_colleague_with_the_import_permission_opens_it_and_reads_full_numbers(client, clerks_job, xianan):
    colleague = factories.user("clerk_xianan_2", CLERK, xianan)
    client.force_login(colleague)
    assert client.get(f"/imports/{clerks_job.pk}/").status_code == 200
    rows = sheet_rows(client.get(f"/imports/{clerks_job.pk}/errors.xlsx"))
    assert rows[1][1] == clerks_job.number  # a clerk may see full ID numbers


def test_error_rows_are_masked_for_users_without_view_full_id_number(client, xianan, village):
    # Given a 民政 user's identity list with an unknown number and a 15-digit number
    civil = factories.user("minzheng", "民政", xianan, department=Department.CIVIL_AFFAIRS)
    unknown = factories.id_number(date(1966, 6, 6))
    old = "421202660707123"
    job = uploaded(civil, "identity_list", IDENTITY_HEADERS, [
        ["甲", unknown, "低保", "2023-01-01", "", "", "", ""],
        ["乙", old, "低保", "2023-01-01", "", "", "", ""],
    ])
    assert job.counts["error"] == 2
    client.force_login(civil)
    # When they download the error rows
    rows = sheet_rows(client.get(f"/imports/{job.pk}/errors.xlsx"))
    # Then no full number is in the file: cells and reasons are masked
    assert rows[1][1] == unknown[:6] + "********" + unknown[-4:]
    assert rows[2][1] == old[:6] + "*****" + old[-4:]
    upgraded = upgrade_15_digit(old)
    assert upgraded[:6] + "********" + upgraded[-4:] in rows[2][-1]  # the reason quotes its 18-digit form, masked
    text = "".join(str(cell) for row in rows for cell in row if cell is not None)
    assert unknown not in text and old not in text and upgraded not in text


def test_an_enrollment_list_does_not_say_where_a_person_of_another_county_lives(clerk, village, jiayu_villages, current_standards):
    # Given a person registered in 嘉鱼县
    elsewhere = factories.person(jiayu_villages[0], name="王五")
    # When a 咸安区 clerk's list names them
    job = uploaded(clerk, "enrollment_list", ENROLLMENT_HEADERS, [[elsewhere.name, elsewhere.id_number, village.code]])
    # Then the row is refused without the county, township, village or name
    message = job.errors[0]["message"]
    assert message == "该身份证号无法在您的辖区登记，请联系市局核实"
    for place in (jiayu_villages[0].name, jiayu_villages[0].parent.name, "嘉鱼"):
        assert place not in str(job.preview_rows)
    # and skipping bad rows creates no second person with that number
    imports.import_job_confirm(user=clerk, job=job, skip_bad_rows=True)
    imports.import_job_commit(job.pk)
    assert list(Person.objects.filter(id_number=elsewhere.id_number)) == [elsewhere]


def test_registering_a_household_does_not_say_who_or_where_a_person_of_another_county_is(clerk, village, jiayu_villages):
    from core.errors import ServiceError
    from enrollment.services.people import MemberInput, household_register, person_create

    # Given a person registered in 嘉鱼县
    elsewhere = factories.person(jiayu_villages[0], name="王五")
    # When a 咸安区 clerk registers a household, or a person, with that number
    for attempt in (
        lambda: household_register(user=clerk, village=village, address="", members=[MemberInput("王五", elsewhere.id_number, "head")]),
        lambda: person_create(user=clerk, name="王五", id_number=elsewhere.id_number, village=village),
    ):
        with pytest.raises(ServiceError) as error:
            attempt()
        # Then the refusal names neither the person nor the place
        assert error.value.message == "该身份证号无法在您的辖区登记，请联系市局核实"
    assert list(Person.objects.filter(id_number=elsewhere.id_number)) == [elsewhere]

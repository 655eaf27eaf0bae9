"""Leaks through messages and files (issue 8), for the department lists and the assistance
exports: a number registered outside the user's region reads as one registered nowhere, likely
matches come from the user's region only, and exports mask ID numbers without
core.view_full_id_number."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from assistance.services.identities import identity_certify
from assistance.services.subsidies import subsidy_run_create
from core.models import Department, Region
from core.services import imports
from core.xlsx import write_xlsx
from enrollment.models import Person
from tests import factories

pytestmark = pytest.mark.django_db
HEADERS = ["姓名", "身份证号", "身份类别", "认定日期", "有效期至", "认定文号", "退出日期", "所属村/社区"]
UNKNOWN = "身份证号：该身份证号的人员未在您的辖区登记；可选择“登记未登记人员”并填写所属村/社区"


@pytest.fixture
def civil(xianan):
    return factories.user("minzheng", "民政", xianan, department=Department.CIVIL_AFFAIRS)


@pytest.fixture
def city_civil(presets):
    return factories.user("minzheng_city", "民政", Region.objects.get(code="421200"), department=Department.CIVIL_AFFAIRS)


def preview(user, rows, **options):
    job = imports.import_job_create(user=user, kind="identity_list", uploaded=SimpleUploadedFile("list.xlsx", write_xlsx(HEADERS, rows)),
                                    options=options)
    return imports.import_job_preview(job.pk)


def row(name, number, village=""):
    return [name, number, "低保", "2023-01-01", "", "", "", village]


def reasons(job):
    return {e["row"]: (f"{e['column']}：" if e["column"] else "") + e["message"] for e in job.errors}


def test_a_person_of_another_county_reads_exactly_as_one_registered_nowhere(civil, village, jiayu_villages):
    # Given a person registered in 嘉鱼县 and a number registered nowhere
    elsewhere = factories.person(jiayu_villages[0], name="王五")
    nowhere = factories.id_number(date(1971, 1, 1))
    # When a 咸安区 民政 user's list names both
    job = preview(civil, [row("王五", elsewhere.id_number), row("赵六", nowhere)])
    # Then both rows get the same message, which names no place
    assert reasons(job) == {2: UNKNOWN, 3: UNKNOWN}
    assert [r[4] for r in job.preview_rows] == [[], []]  # no likely match offered from outside


def test_registering_unknown_people_does_not_duplicate_a_person_of_another_county(civil, village, jiayu_villages):
    elsewhere = factories.person(jiayu_villages[0], name="王五")
    nowhere = factories.id_number(date(1971, 1, 1))
    job = preview(civil, [row("王五", elsewhere.id_number, village.code), row("赵六", nowhere, village.code)], register_unknown=True)
    assert reasons(job) == {2: "身份证号：该身份证号无法在您的辖区登记，请联系市局核实"}
    assert jiayu_villages[0].name not in str(job.preview_rows)
    imports.import_job_confirm(user=civil, job=job, skip_bad_rows=True)
    imports.import_job_commit(job.pk)
    assert list(Person.objects.filter(id_number=elsewhere.id_number)) == [elsewhere]
    assert Person.objects.get(id_number=nowhere).village == village


def typo_of(number: str) -> str:
    """The number with one digit of its sequence mistyped (the check character then fails)."""
    return number[:15] + str((int(number[15]) + 1) % 10) + number[16:]


def test_likely_matches_come_from_the_users_county_only(civil, city_civil, village, jiayu_villages):
    # Given people of 嘉鱼县: one whose number is one digit off, one of the same name and birthday
    off_by_one = factories.person(jiayu_villages[0], name="李明", birth=date(1965, 4, 12))
    same_name = factories.person(jiayu_villages[0], name="王伟", birth=date(1980, 5, 17))
    rows = [row("李明", typo_of(off_by_one.id_number)), row("王伟", factories.id_number(date(1980, 5, 17)))]
    # When a 咸安区 user previews, then nothing of 嘉鱼县 is proposed
    job = preview(civil, rows)
    assert [r[4] for r in job.preview_rows] == [[], []]
    assert "李明" not in str(job.errors[0]) and "可能是" not in str(job.errors)
    # When a user bound to the city previews, then the whole city is searched
    job = preview(city_civil, rows)
    assert [[c[0] for c in r[4]] for r in job.preview_rows] == [[off_by_one.pk], [same_name.pk]]


def test_a_likely_match_in_the_users_own_county_is_still_proposed(civil, village):
    person = factories.person(village, name="李明", birth=date(1965, 4, 12))
    job = preview(civil, [row("李明", typo_of(person.id_number))])
    assert [c[0] for c in job.preview_rows[0][4]] == [person.pk]


# ------------------------------------------------------------------------------ exports


def cells(response) -> str:
    workbook = load_workbook(io.BytesIO(response.content))
    return " ".join(str(c) for r in workbook.active.iter_rows(values_only=True) for c in r if c is not None)


@pytest.fixture
def hardship_person(clerk, village):
    person = factories.person(village, name="特困甲")
    identity_certify(user=clerk, person=person, code="extreme_poverty", valid_from=date(2022, 1, 1))
    return person


def test_subsidy_run_exports_mask_numbers_for_departments(client, clerk, civil, hardship_person):
    run = subsidy_run_create(user=clerk, region=clerk.region, benefit_year=2023, assessed_on=date(2022, 11, 1))
    client.force_login(civil)
    for query in ("", "?payer=assistance_fund", f"?county={clerk.region.code}"):
        text = cells(client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx{query}"))
        assert hardship_person.id_number not in text and (not query or hardship_person.masked_id_number in text)
    client.force_login(clerk)  # a clerk holds view_full_id_number
    assert hardship_person.id_number in cells(client.get(f"/assistance/subsidy-runs/{run.pk}/export.xlsx"))


def test_the_coverage_gap_export_masks_numbers_for_departments(client, civil, hardship_person):
    client.force_login(civil)
    text = cells(client.get(f"/assistance/coverage-gap/?benefit_year={date.today().year + 1}&export=1"))
    assert hardship_person.masked_id_number in text and hardship_person.id_number not in text


def test_the_identity_list_export_masks_numbers_for_departments(client, civil, hardship_person):
    client.force_login(civil)
    text = cells(client.get("/assistance/identities/export.xlsx"))
    assert hardship_person.masked_id_number in text and hardship_person.id_number not in text

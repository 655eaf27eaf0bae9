"""Department lists of hardship identities: preview, commit, errors, idempotence, revocation
by an explicit exit date, unknown people (register or likely matches), departments' codes."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance.models import HardshipIdentity
from core.models import Department, ImportJob
from core.services import imports
from core.xlsx import write_xlsx
from enrollment.models import Person
from tests import factories

pytestmark = pytest.mark.django_db
HEADERS = ["姓名", "身份证号", "身份类别", "认定日期", "有效期至", "认定文号", "退出日期", "所属村/社区"]


@pytest.fixture
def civil(xianan):
    return factories.user("minzheng", "民政", xianan, department=Department.CIVIL_AFFAIRS)


def preview(user, rows, **options):
    job = imports.import_job_create(user=user, kind="identity_list", uploaded=SimpleUploadedFile("list.xlsx", write_xlsx(HEADERS, rows)),
                                    options=options)
    return imports.import_job_preview(job.pk)


def row(person_or_name, number=None, code="低保", start="2023-01-01", end="", doc="咸民〔2023〕5号", exit_="", village=""):
    name = person_or_name if isinstance(person_or_name, str) else person_or_name.name
    number = number or person_or_name.id_number
    return [name, number, code, start, end, doc, exit_, village]


def by_row(job):
    return {r[0]: r for r in job.preview_rows}


def test_a_department_list_previews_then_certifies(civil, village):
    a, b = factories.person(village, name="甲"), factories.person(village, name="乙")
    job = preview(civil, [row(a), row(b, code="特困", end="2023-12-31")])
    assert job.counts == {"new": 2, "changed": 0, "unchanged": 0, "error": 0}
    assert not HardshipIdentity.objects.exists()
    job = imports.import_job_commit(job.pk)
    assert job.status == ImportJob.Status.COMMITTED
    record = HardshipIdentity.objects.get(person=b)
    assert (record.code, record.department, record.valid_to, record.document_number) == ("extreme_poverty", "civil_affairs", date(2023, 12, 31), "咸民〔2023〕5号")
    assert record.history.get().history_user == civil


def test_the_same_list_again_changes_nothing_and_absence_revokes_nothing(civil, village):
    a, b = factories.person(village, name="甲"), factories.person(village, name="乙")
    imports.import_job_commit(preview(civil, [row(a), row(b)]).pk)
    again = preview(civil, [row(a), row(b)])
    assert again.counts["unchanged"] == 2
    next_month = imports.import_job_commit(preview(civil, [row(a)]).pk)  # b absent
    assert next_month.counts["unchanged"] == 1
    assert HardshipIdentity.objects.get(person=b).revoked_on is None


def test_an_exit_date_revokes(civil, village):
    a = factories.person(village, name="甲")
    imports.import_job_commit(preview(civil, [row(a)]).pk)
    job = imports.import_job_commit(preview(civil, [row(a, exit_="2023-06-01")]).pk)
    assert job.counts["changed"] == 1, (job.status, job.counts, job.preview_rows)
    record = HardshipIdentity.objects.get(person=a)
    assert (record.status, record.revoked_on) == ("revoked", date(2023, 6, 1))
    assert preview(civil, [row(a, exit_="2023-06-01")]).counts["unchanged"] == 1


def test_a_following_period_merges(civil, village):
    a = factories.person(village, name="甲")
    imports.import_job_commit(preview(civil, [row(a, end="2023-06-30")]).pk)
    job = imports.import_job_commit(preview(civil, [row(a, start="2023-07-01", end="2023-12-31")]).pk)
    assert job.counts["changed"] == 1
    assert HardshipIdentity.objects.get(person=a).valid_to == date(2023, 12, 31)


@pytest.mark.parametrize("change, column, message", [
    (dict(number="42120219800101123"), "身份证号", "18位"),
    (dict(code="返贫致贫"), "身份类别", "乡村振兴"),
    (dict(code="贫困户"), "身份类别", "无法识别"),
    (dict(end="2022-12-31"), "有效期至", "早于认定日期"),
    (dict(exit_="2022-12-31"), "退出日期", "早于认定日期"),
])
def test_bad_rows_name_column_and_reason(civil, village, change, column, message):
    a = factories.person(village, name="甲")
    job = preview(civil, [row(a, **change)])
    assert job.counts["error"] == 1
    assert job.errors[0]["column"] == column and message in job.errors[0]["message"]


def test_a_name_that_does_not_match_the_registry_is_an_error(civil, village):
    a = factories.person(village, name="张三")
    job = preview(civil, [row("张叁", a.id_number)])
    assert "不一致" in job.errors[0]["message"]


def test_unknown_people_are_errors_unless_the_user_registers_them(civil, village):
    number = factories.id_number(date(1970, 2, 2))
    job = preview(civil, [row("新人", number, village=village.code)])
    assert job.counts["error"] == 1 and "未在您的辖区登记" in job.errors[0]["message"]
    job = preview(civil, [row("新人", number, village=village.code)], register_unknown=True)
    assert job.counts["new"] == 1
    imports.import_job_commit(job.pk)
    person = Person.objects.get(id_number=number)
    assert (person.name, person.village, person.birth_date) == ("新人", village, date(1970, 2, 2))
    assert HardshipIdentity.objects.get(person=person).code == "subsistence_allowance"


def test_a_typo_in_an_id_number_proposes_the_likely_person_to_confirm(civil, village):
    person = factories.person(village, name="李明", birth=date(1965, 4, 12))
    # One digit mistyped in the sequence part: the check digit no longer fits.
    typo = person.id_number[:15] + str((int(person.id_number[15]) + 1) % 10) + person.id_number[16:]
    job = preview(civil, [row("李明", typo)])
    choices = by_row(job)[2][4]
    assert [c[0] for c in choices] == [person.pk]
    assert "相差一位" in choices[0][1] and person.id_number not in choices[0][1]
    assert not HardshipIdentity.objects.exists()  # never merged silently

    job = imports.import_job_choose(user=civil, job=job, row=2, value=person.pk)
    assert job.counts["new"] == 1
    imports.import_job_commit(job.pk)
    assert HardshipIdentity.objects.get().person == person


def test_same_name_same_birthday_and_homophones_are_proposed(civil, village):
    same = factories.person(village, name="王伟", birth=date(1980, 5, 17))
    homophone = factories.person(village, name="汪伟", birth=date(1980, 5, 17))
    stranger = factories.id_number(date(1980, 5, 17))
    job = preview(civil, [row("王伟", stranger)])
    proposed = {c[0] for c in by_row(job)[2][4]}
    assert proposed == {same.pk, homophone.pk}


def test_a_choice_not_offered_is_refused(civil, village):
    from core.errors import ServiceError

    other = factories.person(village, name="无关")
    job = preview(civil, [row("陌生", factories.id_number(date(1990, 1, 1)))])
    with pytest.raises(ServiceError):
        imports.import_job_choose(user=civil, job=job, row=2, value=other.pk)


def test_duplicates_of_a_person_and_code_in_one_file_are_errors(civil, village):
    a = factories.person(village, name="甲")
    job = preview(civil, [row(a), row(a, start="2023-05-01")])
    assert job.counts["error"] == 2


def test_the_template_shows_the_departments_own_code(client, xianan):
    import io

    from openpyxl import load_workbook

    rural = factories.user("xiangcun", "乡村振兴", xianan, department=Department.RURAL_REVITALISATION)
    client.force_login(rural)
    response = client.get("/imports/template/identity_list.xlsx")
    example = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1]
    assert example[2] == "返贫致贫人口"

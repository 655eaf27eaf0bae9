"""Cells of a department list (部门认定名单) that their columns could not hold are row errors in
their column at preview, not a confirm that fails with `value too long`."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance.models import HardshipIdentity
from core.models import Department, ImportJob
from core.services import imports
from enrollment.models import Person
from tests import factories
from tests.spreadsheets import Text, workbook

pytestmark = pytest.mark.django_db
HEADERS = ["姓名", "身份证号", "身份类别", "认定日期", "有效期至", "认定文号", "退出日期", "所属村/社区"]


@pytest.fixture
def civil(xianan):
    return factories.user("minzheng", "民政", xianan, department=Department.CIVIL_AFFAIRS)


def previewed(user, rows, **options):
    job = imports.import_job_create(user=user, kind="identity_list", uploaded=SimpleUploadedFile("list.xlsx", workbook(HEADERS, rows)),
                                    options=options, skip_bad_rows=True)
    return imports.import_job_preview(job.pk)


def row(name, number, *, doc="咸民〔2023〕5号", village=""):
    return [name, number, "低保", "2023-01-01", "", doc, "", village]


def errors(job):
    return {number: error for number, status, _summary, error, *_ in job.preview_rows if status == "error"}


def max_length(model, field):
    return model._meta.get_field(field).max_length


def test_a_document_number_longer_than_its_column_is_a_row_error_and_the_confirm_writes_the_rest(civil, village):
    # Given a list whose second row has a 300-character 认定文号
    a, b = factories.person(village, name="甲"), factories.person(village, name="乙")
    job = previewed(civil, [row("甲", a.id_number), row("乙", b.id_number, doc="咸民" * 150)])

    # Then that row is an error in its column at preview
    limit = max_length(HardshipIdentity, "document_number")
    assert job.counts["new"] == 1 and errors(job) == {3: f"认定文号：长度 300 超过上限 {limit} 个字符"}

    # And the confirm certifies the first person only
    job = imports.import_job_commit(job.pk)
    assert job.status == ImportJob.Status.COMMITTED
    assert list(HardshipIdentity.objects.values_list("person__name", flat=True)) == ["甲"]


@pytest.mark.parametrize("doc, message", [
    (Text('=HYPERLINK("http://x","咸民")'), "会被表格软件当作公式"),
    ("咸民\u200b〔2023〕5号", "控制字符或不可见字符"),
])
def test_a_document_number_that_is_not_plain_text_is_refused(civil, village, doc, message):
    person = factories.person(village, name="甲")

    job = previewed(civil, [row("甲", person.id_number, doc=doc)])

    assert errors(job)[2].startswith("认定文号：") and message in errors(job)[2]


@pytest.mark.parametrize("name, message", [
    ("新" * 60, f"长度 60 超过上限 {max_length(Person, 'name')} 个字符"),
    (Text("=新人"), "会被表格软件当作公式"),
])
def test_an_unknown_person_registered_by_the_list_needs_a_name_the_register_can_hold(civil, village, name, message):
    # Given a list that registers an unknown person
    job = previewed(civil, [row(name, factories.id_number(), village=village.code)], register_unknown=True)

    # Then the name is an error in its column, and nobody is registered
    assert errors(job)[2].startswith("姓名：") and message in errors(job)[2]
    imports.import_job_commit(job.pk)
    assert not Person.objects.exists()

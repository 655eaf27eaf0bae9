"""Import templates that prevent errors (core.imports.template_workbook, core.xlsx.write_template):
every list's template keeps ID numbers as text in a wide column, shows example rows with valid
ID numbers marked 示例 (skipped on import, saying so), offers drop-downs on its coded columns,
and explains every column on a 说明 sheet."""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from core.idnumber import parse_id_number
from core.imports import UNCHANGED, NEW
from core.models import Department
from core.services import imports
from core.identity_codes import IdentityCode
from enrollment.models import Category, Enrollment, Person, Relation
from tests import factories
from tests.spreadsheets import enrollment_list, enrollment_row, previewed, statuses, upload

pytestmark = pytest.mark.django_db
KINDS = sorted(imports.IMPORTERS)
RANGE = re.compile(r"^'?(?P<sheet>[^'!]+)'?!\$(?P<col>[A-Z]+)\$(?P<first>\d+):\$[A-Z]+\$(?P<last>\d+)$")


def template(kind, user=None):
    return load_workbook(io.BytesIO(imports.template_workbook(kind, user)))


def example_rows(book):
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True) if any(v not in (None, "") for v in row)]


def dropdown(book, column_index):
    """The choices of the list validation on a data column (row 2 and a row far below)."""
    sheet = book.worksheets[0]
    letter = get_column_letter(column_index)
    for validation in sheet.data_validations.dataValidation:
        covered = str(validation.sqref)
        if validation.type == "list" and f"{letter}2" in validation.sqref and f"{letter}5000" in validation.sqref:
            match = RANGE.match(validation.formula1)
            assert match, validation.formula1
            lists = book[match["sheet"]]
            assert lists.sheet_state == "hidden"
            return [lists[f"{match['col']}{n}"].value for n in range(int(match["first"]), int(match["last"]) + 1)], validation, covered
    return None


@pytest.mark.parametrize("kind", KINDS)
def test_every_template_keeps_id_numbers_as_text_in_a_wide_column(kind, officer):
    # Given any list's template
    importer = imports.importer_class(kind)
    book = template(kind, officer)
    sheet = book.worksheets[0]
    # Then the first sheet is the list, its header the columns in order
    assert [c.value for c in sheet[1]] == [c.header for c in importer.columns]
    for index, column in enumerate(importer.columns, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        if column.text:
            assert dimension.number_format == "@", column.header
        if column.key.endswith("id_number"):
            assert dimension.width >= 22, column.header  # 18 digits shown whole, never 4.21202E+17


@pytest.mark.parametrize("kind", KINDS)
def test_every_templates_example_rows_are_marked_and_their_id_numbers_valid(kind, officer):
    importer = imports.importer_class(kind)
    rows = example_rows(template(kind, officer))
    keys = [c.key for c in importer.columns]
    assert rows
    for row in rows:
        values = dict(zip(keys, row))
        assert "示例" in str(values[importer.example_key])
        for key, value in values.items():
            if key.endswith("id_number") and value:
                assert parse_id_number(value).number == value  # a valid check character


@pytest.mark.parametrize("kind", KINDS)
def test_every_template_uploaded_unchanged_skips_its_examples_saying_why(kind, officer):
    # Given the template as downloaded, When uploaded and previewed
    data = imports.template_workbook(kind, officer)
    job = previewed(officer, data, kind=kind)
    # Then every example row is skipped with a message naming the 示例 mark, none is an error
    assert job.counts["error"] == 0
    assert set(statuses(job).values()) == {UNCHANGED}
    assert all("示例" in summary and "已跳过" in summary for _n, _s, summary, _e, *_ in job.preview_rows)


@pytest.mark.parametrize("kind", KINDS)
def test_every_templates_coded_columns_have_a_drop_down_of_chinese_choices(kind, officer):
    importer = imports.importer_class(kind)
    book = template(kind, officer)
    offered = importer.choices_for(officer)  # a column's fixed choices, or the user's own (a region's catalogue)
    for index, column in enumerate(importer.columns, start=1):
        found = dropdown(book, index)
        if column.key not in offered:
            assert found is None, column.header
            continue
        choices, validation, _covered = found
        assert choices == list(offered[column.key]), column.header
        assert all(not re.search(r"[A-Za-z_]", choice) for choice in choices)
        assert validation.showErrorMessage and validation.errorStyle == "stop"
        assert "、".join(choices)[:50] in validation.error


def test_the_enrollment_template_offers_category_relation_and_the_identity_template_the_codes(clerk):
    enrollment = template("enrollment_list", clerk)
    headers = [c.value for c in enrollment.worksheets[0][1]]
    assert dropdown(enrollment, headers.index("参保类别") + 1)[0] == list(Category.labels)
    assert dropdown(enrollment, headers.index("与户主关系") + 1)[0] == list(Relation.labels)
    identity = template("identity_list", clerk)  # the bureau records for every department
    headers = [c.value for c in identity.worksheets[0][1]]
    assert dropdown(identity, headers.index("身份类别") + 1)[0] == list(IdentityCode.labels)


def test_a_departments_identity_template_lists_only_its_own_codes(client, xianan):
    rural = factories.user("xiangcun", "乡村振兴", xianan, department=Department.RURAL_REVITALISATION)
    client.force_login(rural)
    book = load_workbook(io.BytesIO(client.get("/imports/template/identity_list.xlsx").content))
    choices = dropdown(book, 3)[0]
    assert "返贫致贫人口" in choices and "未纳入监测的稳定脱贫人口" in choices
    assert "城乡最低生活保障对象（低保）" not in choices  # 民政's code


@pytest.mark.parametrize("kind", KINDS)
def test_every_templates_notes_sheet_explains_every_column_and_the_rules(kind, officer):
    importer = imports.importer_class(kind)
    notes = template(kind, officer)["说明"]
    rows = [list(r) for r in notes.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if r[:6] == ["列名", "是否必填", "格式", "可选值", "填写说明", "示例"])
    described = {r[0]: r for r in rows[header_at + 1 : header_at + 1 + len(importer.columns)]}
    assert list(described) == [c.header for c in importer.columns]
    for column in importer.columns:
        _header, required, shown_format, allowed, _help, _example = described[column.header]
        assert required == ("必填" if column.required else "选填")
        assert shown_format
        if column.choices:
            assert allowed == "、".join(importer.choices_for(officer)[column.key])
    text = "\n".join(str(v) for r in rows for v in r if v)
    assert "填写规则" in text and "示例" in text and "公式" in text
    if any(c.date for c in importer.columns):
        assert "YYYY-MM-DD" in text


def test_the_enrollment_rules_say_one_row_per_person():
    notes = template("enrollment_list")["说明"]
    text = "\n".join(str(v) for r in notes.iter_rows(values_only=True) for v in r if v)
    assert "每人一行" in text


def test_rows_typed_below_the_examples_import_and_the_examples_do_not(clerk_client, clerk, village):
    # Given the downloaded template with one real person typed below its examples
    book = load_workbook(io.BytesIO(clerk_client.get("/imports/template/enrollment_list.xlsx").content))
    sheet = book.worksheets[0]
    number = factories.id_number(date(1975, 3, 2))
    sheet.append(["刘一", number, None, "户主", village.code, None, "城乡居民", "2022-10-08"])
    buffer = io.BytesIO()
    book.save(buffer)
    # When previewed and committed
    job = imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=upload(buffer.getvalue()))
    job = imports.import_job_preview(job.pk)
    assert statuses(job) == {2: UNCHANGED, 3: UNCHANGED, 4: UNCHANGED, 5: NEW}
    imports.import_job_commit(job.pk)
    # Then only the real person is registered
    assert list(Person.objects.values_list("name", flat=True)) == ["刘一"]


def test_an_example_row_with_its_mark_removed_is_checked_like_any_other(clerk, village):
    # The mark, not the values, makes an example: 张三 with the example's valid number imports.
    job = previewed(clerk, enrollment_list(enrollment_row("张三", "421202199003071239", village)))
    assert statuses(job) == {2: NEW}


@pytest.mark.parametrize("spelling", ["中小学生/幼儿", "中小学生", "幼儿", "中小学生（含幼儿）"])
def test_the_pupil_category_imports_in_the_old_and_the_new_spelling(clerk, village, spelling):
    child = factories.id_number(date(2015, 9, 1))
    job = imports.import_job_commit(previewed(clerk, enrollment_list(
        enrollment_row("王小明", child, village, category=spelling))).pk)
    assert job.counts["new"] == 1
    assert Enrollment.objects.get(person__id_number=child).category == Category.SCHOOL_PUPIL


def test_an_unknown_category_lists_the_choices_separated_so_that_a_label_with_a_slash_is_one(clerk, village):
    job = previewed(clerk, enrollment_list(enrollment_row("张三", factories.id_number(), village, category="职工")))
    message = job.errors[0]["message"]
    assert "城乡居民、在校大中专学生、中小学生/幼儿、新生儿" in message
    assert "中小学生/幼儿/" not in message and "/中小学生" not in message

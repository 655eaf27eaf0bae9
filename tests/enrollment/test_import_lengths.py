"""Cells of the enrollment and employee lists that their columns could not hold, or that are not
what the column means (a formula as a phone number), are row errors in their column at preview:
the clerk sees them before confirming, and the confirm writes the good rows only (before, the
preview said 新增 and the confirm failed with `value too long`)."""

import pytest

from core.models import ImportJob
from core.services import imports
from enrollment.models import EmployeeCoverage, Enrollment, Household, Person
from tests import factories
from tests.spreadsheets import PAID_ON, Text, previewed, reasons, statuses, workbook

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "户主身份证号", "与户主关系", "村/社区", "联系电话", "参保类别", "缴费日期", "家庭住址"]
EMPLOYEE_HEADERS = ["姓名", "身份证号", "参保单位", "参保开始日期", "参保终止日期", "参保地"]


def household_row(village, *, name="王建国", number=None, phone="", address=""):
    return [name, number or factories.id_number(), "", "户主", village.code, phone, "", PAID_ON, address]


def max_length(model, field):
    return model._meta.get_field(field).max_length


@pytest.mark.parametrize("cells, column, message", [
    ({"phone": Text('=HYPERLINK("http://x")')}, "联系电话", "会被表格软件当作公式"),
    ({"phone": "1" * 25}, "联系电话", f"长度 25 超过上限 {max_length(Person, 'phone')} 个字符"),
    ({"phone": "13800000000138"}, "联系电话", "不是有效的联系电话"),
    ({"phone": "138000"}, "联系电话", "不是有效的联系电话"),
    ({"phone": "138 0000 abcd"}, "联系电话", "不是有效的联系电话"),
    ({"phone": "1380000\t0000"}, "联系电话", "控制字符或不可见字符"),
    ({"phone": "138\u200b00000000"}, "联系电话", "控制字符或不可见字符"),
    ({"name": "王" * 60}, "姓名", f"长度 60 超过上限 {max_length(Person, 'name')} 个字符"),
    ({"name": Text("=1+1")}, "姓名", "会被表格软件当作公式"),
    ({"name": "@王建国"}, "姓名", "会被表格软件当作公式"),
    ({"name": "王\u200b建国"}, "姓名", "控制字符或不可见字符"),
    ({"address": "咸" * 300}, "家庭住址", f"长度 300 超过上限 {max_length(Household, 'address')} 个字符"),
    ({"address": "咸安区\u202e永安街道"}, "家庭住址", "控制字符或不可见字符"),
])
def test_a_cell_its_column_cannot_hold_is_a_row_error_and_the_confirm_writes_the_good_rows(clerk, village, cells, column, message):
    # Given a village list with one good household and one bad cell, bad rows to be skipped
    data = workbook(HEADERS, [household_row(village), household_row(village, **{"name": "李秀英", **cells})])

    # When it is previewed
    job = previewed(clerk, data, skip_bad_rows=True)

    # Then the bad row is an error in its column (not 新增), the good one new
    assert statuses(job) == {2: "new", 3: "error"}
    assert reasons(job)[3].startswith(f"{column}：") and message in reasons(job)[3]

    # And the confirm writes the good household only, instead of failing
    job = imports.import_job_commit(job.pk)
    assert job.status == ImportJob.Status.COMMITTED
    assert list(Person.objects.values_list("name", flat=True)) == ["王建国"]
    assert Household.objects.count() == 1 and Enrollment.objects.count() == 1


@pytest.mark.parametrize("phone, stored", [
    ("13800000001", "13800000001"),
    (13800000001, "13800000001"),  # a number cell
    ("138-0000-0001", "138-0000-0001"),
    ("138 0000 0001", "13800000001"),
    ("１３８０００００００１", "13800000001"),  # fullwidth digits from a Chinese input method
    ("0715-8123456", "0715-8123456"),
    ("071581234567", "071581234567"),
    ("8123456", "8123456"),
    ("0715-8123456-801", "0715-8123456-801"),
])
def test_phone_numbers_as_villages_write_them_are_accepted(clerk, village, phone, stored):
    job = imports.import_job_commit(previewed(clerk, workbook(HEADERS, [household_row(village, phone=phone)])).pk)

    assert job.status == ImportJob.Status.COMMITTED
    assert Person.objects.get().phone == stored


def test_an_address_over_several_lines_is_kept_on_one_line_within_the_column(clerk, village):
    # Excel's Alt+Enter puts a line break inside the cell
    job = imports.import_job_commit(previewed(clerk, workbook(HEADERS, [household_row(village, address="咸安区\n永安街道  1号")])).pk)

    assert job.status == ImportJob.Status.COMMITTED
    assert Household.objects.get().address == "咸安区 永安街道 1号"


def test_a_full_length_name_and_address_are_written(clerk, village):
    name, address = "王" * max_length(Person, "name"), "咸" * max_length(Household, "address")

    job = imports.import_job_commit(previewed(clerk, workbook(HEADERS, [household_row(village, name=name, address=address)])).pk)

    assert job.status == ImportJob.Status.COMMITTED
    assert (Person.objects.get().name, Household.objects.get().address) == (name, address)


# ------------------------------------------------------------------------------ employee list


def employee_row(**cells):
    values = {"name": "李四", "id_number": factories.id_number(), "employer": "咸宁市某公司", "starts": "2020-01-01"} | cells
    return [values["name"], values["id_number"], values["employer"], values["starts"], "", ""]


@pytest.mark.parametrize("cells, column, message", [
    ({"employer": "某" * 300}, "参保单位", f"长度 300 超过上限 {max_length(EmployeeCoverage, 'employer')} 个字符"),
    ({"employer": Text("=cmd|' /C calc'!A0")}, "参保单位", "会被表格软件当作公式"),
    ({"name": "李" * 60}, "姓名", f"长度 60 超过上限 {max_length(EmployeeCoverage, 'name')} 个字符"),
    ({"name": "+李四"}, "姓名", "会被表格软件当作公式"),
])
def test_an_employee_list_cell_its_column_cannot_hold_is_a_row_error(officer, cells, column, message):
    data = workbook(EMPLOYEE_HEADERS, [employee_row(), employee_row(**cells)])

    job = previewed(officer, data, kind="employee_coverage", skip_bad_rows=True)

    assert statuses(job) == {2: "new", 3: "error"}
    assert reasons(job)[3].startswith(f"{column}：") and message in reasons(job)[3]
    job = imports.import_job_commit(job.pk)
    assert job.status == ImportJob.Status.COMMITTED
    assert EmployeeCoverage.objects.count() == 1

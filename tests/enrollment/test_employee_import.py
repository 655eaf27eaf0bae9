"""The employee-insurance list (enrollment.importers.EmployeeCoverageImporter): who holds
employee cover for which period, kept current by re-importing the list; a resident enrollment
overlapping that period is then refused (X000 art. 3)."""

from datetime import date

import pytest

from core.errors import ServiceError
from core.imports import CHANGED, ERROR, NEW, UNCHANGED
from core.models import ImportJob, Region
from core.services import imports
from enrollment.models import EmployeeCoverage, Enrollment
from enrollment.services import enrollments as enrollment_services
from tests import factories
from tests.spreadsheets import (
    committed,
    employee_list,
    enrollment_list,
    enrollment_row,
    previewed,
    reasons,
    statuses,
    upload,
)


VALID_ID = "42120219800517101X"


def employee_row(name, id_number, *, employer="咸宁市某公司", starts=date(2020, 1, 1), ends=None, region=None):
    return [name, id_number, employer, starts, ends, region]


def test_a_new_list_is_new_then_changed_or_unchanged_when_imported_again(officer):
    # Given the bureau's first employee list
    zhang, li = factories.id_number(), factories.id_number(male=False)
    first = committed(officer, employee_list(employee_row("张三", zhang), employee_row("李四", li, region="421221")),
                      kind="employee_coverage")
    assert first.counts == {NEW: 2, CHANGED: 0, UNCHANGED: 0, ERROR: 0}
    assert EmployeeCoverage.objects.get(id_number=li).region.name == "嘉鱼县"

    # When next month's list says Zhang left his employer at the end of June
    job = previewed(officer, employee_list(employee_row("张三", zhang, ends=date(2022, 6, 30)), employee_row("李四", li, region="嘉鱼县")),
                    kind="employee_coverage")

    # Then his row is a change, hers is unchanged, and the commit ends his period
    assert statuses(job) == {2: CHANGED, 3: UNCHANGED}
    imports.import_job_commit(job.pk)
    assert EmployeeCoverage.objects.get(id_number=zhang).ends_on == date(2022, 6, 30)
    assert EmployeeCoverage.objects.count() == 2
    assert EmployeeCoverage.objects.get(id_number=zhang).history.first().history_user == officer


def test_a_second_period_of_the_same_person_is_new(officer):
    number = factories.id_number()
    committed(officer, employee_list(employee_row("张三", number, starts=date(2018, 1, 1), ends=date(2019, 12, 31))), kind="employee_coverage")

    job = committed(officer, employee_list(employee_row("张三", number, starts=date(2021, 3, 1))), kind="employee_coverage")

    assert job.counts[NEW] == 1
    assert EmployeeCoverage.objects.filter(id_number=number).count() == 2


def test_the_same_period_twice_in_one_file_is_an_error_not_a_crash(officer):
    # Given a list repeating a person's period, once as a date cell and once typed as text
    number, other = factories.id_number(), factories.id_number()
    data = employee_list(
        employee_row("张三", number, starts=date(2020, 1, 1)),
        employee_row("王五", other),
        employee_row("张三", number, starts="2020/01/01"),
    )

    # When it is previewed and committed skipping bad rows
    job = previewed(officer, data, kind="employee_coverage", skip_bad_rows=True)
    assert statuses(job) == {2: ERROR, 3: NEW, 4: ERROR}
    assert reasons(job)[2] == "身份证号：身份证号、参保开始日期与第4行重复（同一文件内不能重复）"
    job = imports.import_job_commit(job.pk)

    # Then only the other row is written
    assert job.status == ImportJob.Status.COMMITTED
    assert list(EmployeeCoverage.objects.values_list("id_number", flat=True)) == [other]


@pytest.mark.parametrize("row, message", [
    (["张三", 421202198005171013, "", date(2020, 1, 1), None, None], "身份证号：身份证号单元格是数字格式，Excel 已丢失末尾数字；请将该列设为“文本”格式后重新录入"),
    (["张三", VALID_ID, "", None, None, None], "参保开始日期：不能为空"),
    (["张三", VALID_ID, "", date(2020, 1, 1), date(2019, 1, 1), None], "参保终止日期：终止日期早于开始日期"),
    (["张三", VALID_ID, "", date(2020, 1, 1), None, "420300"], "参保地：「420300」不是您管辖的区划"),
], ids=["number-formatted-id", "no-start", "end-before-start", "foreign-region"])
def test_a_bad_row_is_an_error_with_its_column(officer, row, message):
    job = previewed(officer, employee_list(row), kind="employee_coverage")
    assert reasons(job) == {2: message}


def test_a_period_recorded_in_another_city_is_not_touched(officer):
    shiyan = Region.objects.get(code="420302")
    number = factories.id_number()
    EmployeeCoverage.objects.create(id_number=number, name="张三", starts_on=date(2020, 1, 1), region=shiyan, region_path=shiyan.path)

    job = previewed(officer, employee_list(employee_row("张三", number, ends=date(2021, 1, 1))), kind="employee_coverage")

    assert reasons(job) == {2: "身份证号：该记录属于其他区划"}
    assert EmployeeCoverage.objects.get().ends_on is None


def test_a_clerk_may_not_import_the_employee_list(clerk):
    with pytest.raises(ServiceError) as refused:
        imports.import_job_create(user=clerk, kind="employee_coverage", uploaded=upload(employee_list(employee_row("张三", factories.id_number()))))
    assert refused.value.message == "您没有导入该名单的权限"


# ------------------------------------------------------------------------------ effect on resident enrollment


def test_the_employee_list_then_blocks_an_overlapping_resident_enrollment(officer, clerk, village):
    # Given Zhang on the employee list since 2020, and Li whose employee cover ended in 2021
    zhang, li = factories.id_number(), factories.id_number(male=False)
    committed(officer, employee_list(employee_row("张三", zhang), employee_row("李四", li, ends=date(2021, 12, 31))), kind="employee_coverage")

    # When the village list enrolls both for 2023
    job = previewed(clerk, enrollment_list(enrollment_row("张三", zhang, village), enrollment_row("李四", li, village)))

    # Then Zhang's row is refused with the period and the article (not the employer: the
    # employee list is city-wide), Li's is fine
    assert statuses(job) == {2: ERROR, 3: NEW}
    assert reasons(job)[2] == (
        "缴费日期：该人员2020-01-01至今参加职工医保，"
        "与居民医保待遇期2023-01-01至2023-12-31重叠，不能同时参保（X000 art. 3）"
    )


def test_the_employee_list_also_blocks_paying_an_earlier_registration(officer, clerk, village):
    # Given a resident registered (unpaid) for 2023, who then appears on the employee list
    person = factories.person(village)
    enrollment_services.enrollment_register(user=clerk, person=person, category="regular", channel="village_batch", today=date(2022, 10, 1))
    committed(officer, employee_list(employee_row(person.name, person.id_number, starts=date(2022, 7, 1))), kind="employee_coverage")

    # When the village list records the payment
    job = previewed(clerk, enrollment_list(enrollment_row(person.name, person.id_number, village, paid="2022-10-08")))

    # Then the payment is refused as the payment page would refuse it, and nothing is paid
    assert statuses(job) == {2: ERROR}
    assert "参加职工医保" in reasons(job)[2]
    assert Enrollment.objects.get().status == Enrollment.Status.REGISTERED

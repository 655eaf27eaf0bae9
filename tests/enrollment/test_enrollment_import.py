"""Village and school enrollment lists (enrollment.importers.EnrollmentListImporter): what the
preview says each row will do, what a commit writes, and what it refuses, row by row and column
by column, through the same terms and conflict rules as the pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import ServiceError
from core.imports import CHANGED, ERROR, NEW, UNCHANGED
from core.models import ImportJob
from core.services import imports
from enrollment.models import Enrollment, Household, Person, Relation
from enrollment.services import enrollments as enrollment_services
from tests import factories
from tests.spreadsheets import (
    ENROLLMENT_HEADERS,
    committed,
    enrollment_list,
    enrollment_row,
    previewed,
    reasons,
    statuses,
    upload,
    workbook,
)

NUMBER_FORMAT_MESSAGE = "身份证号：身份证号单元格是数字格式，Excel 已丢失末尾数字；请将该列设为“文本”格式后重新录入"


@pytest.fixture
def family(village):
    """A household list: the head, his wife and their son."""
    head, wife, son = factories.id_number(), factories.id_number(male=False), factories.id_number(date(2015, 3, 1))
    rows = [
        enrollment_row("王建国", head, village, phone="13800000001"),
        enrollment_row("李秀英", wife, village, head=head, relation="妻子"),
        enrollment_row("王小明", son, village, head=head, relation="子", category="中小学生"),
    ]
    return {"head": head, "wife": wife, "son": son, "rows": rows}


# ------------------------------------------------------------------------------ new / changed / unchanged


def test_a_new_household_is_previewed_as_new_and_written_on_commit(clerk, village, family):
    # When the village's list is previewed
    job = previewed(clerk, enrollment_list(*family["rows"]))

    # Then each row would be new, with what it will do, and nothing is written yet
    assert statuses(job) == {2: NEW, 3: NEW, 4: NEW}
    summary = {number: text for number, _status, text, _error, *_choices in job.preview_rows}
    assert "新增人员" in summary[2] and "新建家庭户" in summary[2]
    assert "2023年度参保登记（城乡居民，应缴380.00元）已缴费" in summary[3]
    assert not Person.objects.exists()

    # When the clerk confirms
    job = imports.import_job_commit(job.pk)

    # Then one household holds the three, each enrolled for 2023 as paid on the list
    assert job.status == ImportJob.Status.COMMITTED
    household = Household.objects.get()
    assert household.head.id_number == family["head"]
    members = {p.id_number: p for p in household.members.all()}
    assert set(members) == {family["head"], family["wife"], family["son"]}
    assert members[family["wife"]].relation_to_head == Relation.SPOUSE
    assert members[family["head"]].phone == "13800000001"
    wife = Enrollment.objects.get(person__id_number=family["wife"])
    assert (wife.benefit_year, wife.payment_date, wife.is_paid) == (2023, date(2022, 10, 8), True)
    assert (wife.standard, wife.subsidy, wife.amount_due) == (Decimal("380.00"), Decimal("0.00"), Decimal("380.00"))
    assert Enrollment.objects.get(person__id_number=family["son"]).category == "school_pupil"
    assert members[family["head"]].history.first().history_user == clerk


def test_the_same_file_imported_twice_changes_nothing_the_second_time(clerk, family):
    data = enrollment_list(*family["rows"])
    committed(clerk, data)
    before = (Person.objects.count(), Household.objects.count(), Enrollment.objects.count(),
              Person.history.count(), Enrollment.history.count())

    again = previewed(clerk, data)
    assert statuses(again) == {2: UNCHANGED, 3: UNCHANGED, 4: UNCHANGED}
    again = imports.import_job_commit(again.pk)

    assert again.status == ImportJob.Status.COMMITTED
    assert again.counts == {NEW: 0, CHANGED: 0, UNCHANGED: 3, ERROR: 0}
    assert (Person.objects.count(), Household.objects.count(), Enrollment.objects.count(),
            Person.history.count(), Enrollment.history.count()) == before


def test_a_changed_phone_number_is_changed_and_updated(clerk, village, family):
    committed(clerk, enrollment_list(*family["rows"]))
    rows = [list(r) for r in family["rows"]]
    rows[0][5] = "13900000009"

    job = previewed(clerk, enrollment_list(*rows))

    assert statuses(job) == {2: CHANGED, 3: UNCHANGED, 4: UNCHANGED}
    assert "变更：联系电话" in job.preview_rows[0][2]
    imports.import_job_commit(job.pk)
    assert Person.objects.get(id_number=family["head"]).phone == "13900000009"


def test_an_unpaid_registration_reimported_with_a_payment_date_is_changed_and_paid(clerk, village, current_standards):
    # Given a list imported before payment (registration only)
    number = factories.id_number()
    committed(clerk, enrollment_list(enrollment_row("张三", number, village, paid=None)))
    registered = Enrollment.objects.get()
    assert registered.status == Enrollment.Status.REGISTERED

    # When the same list comes back with the payment date
    today = timezone.localdate()
    job = previewed(clerk, enrollment_list(enrollment_row("张三", number, village, paid=today)))

    # Then the row is a change that records the payment on the same enrollment
    assert statuses(job) == {2: CHANGED}
    assert f"{registered.benefit_year}年度登记缴费（{today}）" in job.preview_rows[0][2]
    imports.import_job_commit(job.pk)
    paid = Enrollment.objects.get()
    assert paid.pk == registered.pk
    assert (paid.payment_date, paid.is_paid) == (today, True)


def test_a_member_joins_the_household_of_a_head_registered_earlier(clerk, village):
    head = factories.person(village, name="户主")
    household = Household.objects.create(head=head, village=village, region_path=village.path)
    Person.objects.filter(pk=head.pk).update(household=household, relation_to_head=Relation.HEAD)

    committed(clerk, enrollment_list(enrollment_row("女儿", factories.id_number(male=False), village, head=head.id_number, relation="女儿")))

    daughter = Person.objects.get(name="女儿")
    assert (daughter.household, daughter.relation_to_head) == (household, Relation.CHILD)


# ------------------------------------------------------------------------------ errors, by row and column


@pytest.mark.parametrize("change, column, message", [
    ({0: ""}, "姓名", "不能为空"),
    ({1: "42120219800517101"}, "身份证号", "身份证号应为18位，当前为17位"),
    ({3: "邻居"}, "与户主关系", "无法识别「邻居」"),
    ({4: "421299999999"}, "村/社区", "「421299999999」不是您管辖区划内的村（社区）"),
    ({6: "职工"}, "参保类别", "无法识别「职工」，应为 城乡居民、在校大中专学生、中小学生/幼儿、新生儿"),
    ({7: "2022-13-45"}, "缴费日期", "「2022-13-45」不是有效日期，请写成 2022-10-08 的形式"),
    ({7: "2099-01-01"}, "缴费日期", "缴费日期不能晚于今天"),
    ({7: "0001-01-01"}, "缴费日期", "「0001-01-01」不在合理范围内（应在1900-01-01至2099-12-31之间）"),
    ({7: "2999-01-01"}, "缴费日期", "「2999-01-01」不在合理范围内（应在1900-01-01至2099-12-31之间）"),
], ids=["name", "id-length", "relation", "village", "category", "date", "future-payment", "before-1900", "after-2099"])
def test_a_bad_cell_is_an_error_naming_row_column_and_reason(clerk, village, change, column, message):
    row = enrollment_row("张三", factories.id_number(), village)
    for index, value in change.items():
        row[index] = value

    job = previewed(clerk, enrollment_list(enrollment_row("李四", factories.id_number(), village), row))

    assert statuses(job) == {2: NEW, 3: ERROR}
    assert job.errors == [{"row": 3, "column": column, "message": message}]
    assert reasons(job)[3] == f"{column}：{message}"


def test_a_number_formatted_id_cell_gives_a_clear_error(clerk, village):
    # Given a list where Excel stored two 18-digit ID numbers as numbers (they round to the same one)
    data = workbook(ENROLLMENT_HEADERS, [
        ["张三", 421202198005171013, "", "户主", village.code],
        ["李四", 421202198005171021, "", "户主", village.code],
    ])

    job = previewed(clerk, data)

    # Then each row says the cell is a number, not that the rows repeat each other
    assert reasons(job) == {2: NUMBER_FORMAT_MESSAGE, 3: NUMBER_FORMAT_MESSAGE}


def test_duplicates_inside_the_file_are_errors(clerk, village):
    number = factories.id_number()
    job = previewed(clerk, enrollment_list(
        enrollment_row("张三", number, village),
        enrollment_row("李四", factories.id_number(), village),
        enrollment_row("张三", number.lower(), village),
    ))

    assert statuses(job) == {2: ERROR, 3: NEW, 4: ERROR}
    assert reasons(job)[2] == "身份证号：身份证号与第4行重复（同一文件内不能重复）"
    assert reasons(job)[4] == "身份证号：身份证号与第2行重复（同一文件内不能重复）"


def test_members_of_a_head_whose_row_failed_are_errors_too(clerk, village, family):
    rows = [list(r) for r in family["rows"]]
    rows[0][7] = "不知道"

    job = previewed(clerk, enrollment_list(*rows))

    assert statuses(job) == {2: ERROR, 3: ERROR, 4: ERROR}
    assert reasons(job)[3] == "户主身份证号：户主（第2行）有错误，本行无法入户"


def test_a_head_id_typed_with_spaces_still_takes_in_the_members(clerk, village):
    head = factories.id_number()
    job = committed(clerk, enrollment_list(
        enrollment_row("户主", f"{head[:6]} {head[6:14]} {head[14:]}", village),
        enrollment_row("配偶", factories.id_number(male=False), village, head=head, relation="配偶"),
    ))

    assert job.counts == {NEW: 2, CHANGED: 0, UNCHANGED: 0, ERROR: 0}
    assert Person.objects.get(name="配偶").household.head.id_number == head


def test_a_member_whose_head_is_nowhere_is_an_error(clerk, village):
    stranger = factories.id_number()
    job = previewed(clerk, enrollment_list(enrollment_row("张三", factories.id_number(), village, head=stranger, relation="子女")))
    assert "未在您的辖区登记，也不在本文件中" in reasons(job)[2]


def test_a_second_enrollment_for_the_same_year_is_refused(clerk, village):
    person = factories.person(village)
    enrollment_services.enrollment_register(user=clerk, person=person, category="regular", channel="individual",
                                            payment_date=date(2022, 10, 1), today=date(2022, 10, 1))

    job = previewed(clerk, enrollment_list(enrollment_row(person.name, person.id_number, village)))

    assert statuses(job) == {2: ERROR}
    assert "已有2023年度参保登记" in reasons(job)[2]


# ------------------------------------------------------------------------------ region


def test_rows_outside_the_clerks_county_are_errors(clerk, village, jiayu_villages):
    foreign_village = jiayu_villages[0]
    registered_there = factories.person(foreign_village, name="嘉鱼人")
    foreign_head = factories.person(foreign_village, name="嘉鱼户主")
    Household.objects.create(head=foreign_head, village=foreign_village, region_path=foreign_village.path)

    job = previewed(clerk, enrollment_list(
        enrollment_row("甲", factories.id_number(), foreign_village),
        enrollment_row("嘉鱼人", registered_there.id_number, village),
        enrollment_row("乙", factories.id_number(), village, head=foreign_head.id_number, relation="子女"),
        enrollment_row("丙", factories.id_number(), village),
    ))

    assert statuses(job) == {2: ERROR, 3: ERROR, 4: ERROR, 5: NEW}
    assert reasons(job)[2].startswith("村/社区：")
    # Neither where the person lives nor that the head's household exists elsewhere is told.
    assert reasons(job)[3] == "身份证号：该身份证号无法在您的辖区登记，请联系市局核实"
    assert reasons(job)[4] == f"户主身份证号：户主 {foreign_head.masked_id_number} 未在您的辖区登记，也不在本文件中"
    assert foreign_village.name not in reasons(job)[3]
    imports.import_job_confirm(user=clerk, job=job, skip_bad_rows=True)
    imports.import_job_commit(job.pk)
    assert Person.objects.get(id_number=registered_there.id_number).village == foreign_village
    assert list(Household.objects.get(head=foreign_head).members.all()) == []


# ------------------------------------------------------------------------------ atomic commit


def test_a_bad_row_makes_the_commit_write_nothing(clerk, village, family):
    job = previewed(clerk, enrollment_list(*family["rows"], enrollment_row("坏行", "123", village)))

    with pytest.raises(ServiceError):
        imports.import_job_commit(job.pk)

    assert not Person.objects.exists()
    assert not Household.objects.exists()
    assert not Enrollment.objects.exists()


def test_skipping_bad_rows_writes_the_good_rows_only(clerk, village, family):
    job = previewed(clerk, enrollment_list(enrollment_row("坏行", "123", village), *family["rows"]), skip_bad_rows=True)

    job = imports.import_job_commit(job.pk)

    assert job.status == ImportJob.Status.COMMITTED
    assert job.counts == {NEW: 3, CHANGED: 0, UNCHANGED: 0, ERROR: 1}
    assert set(Person.objects.values_list("id_number", flat=True)) == {family["head"], family["wife"], family["son"]}
    assert Enrollment.objects.count() == 3


# ------------------------------------------------------------------------------ in the browser


def test_upload_preview_and_confirm_in_the_browser(clerk_client, clerk, village, family):
    # Given the upload page
    page = clerk_client.get("/imports/new/enrollment_list/")
    assert page.status_code == 200
    assert "下载模板" in page.content.decode()

    # When the clerk uploads a list with a bad row
    response = clerk_client.post("/imports/new/enrollment_list/", {"file": upload(enrollment_list(*family["rows"], enrollment_row("坏行", "123", village)))})

    # Then she lands on the preview, which lists each row and the reason for the bad one
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/"
    preview = clerk_client.get(response["Location"]).content.decode()
    assert preview.count("<td>新增</td>") == 3
    assert "<td>错误</td>" in preview
    assert "身份证号：身份证号应为18位，当前为3位" in preview
    assert 'id="confirm-import"' in preview
    assert not Person.objects.exists()

    # When she confirms without skipping the bad row, nothing is written
    refused = clerk_client.post(f"/imports/{job.pk}/commit/", follow=True)
    assert "有 1 行错误" in refused.content.decode()
    assert not Person.objects.exists()

    # When she confirms skipping it, the three good rows are written
    done = clerk_client.post(f"/imports/{job.pk}/commit/", {"skip_bad_rows": "on"}, follow=True)
    assert "导入完成：新增 3 行" in done.content.decode()
    assert Person.objects.count() == 3
    listing = clerk_client.get("/imports/").content.decode()
    assert "名单.xlsx" in listing and "已导入" in listing


def test_the_subsidy_comes_from_identities_certified_on_the_payment_date(clerk, village):
    """Issue 3: lists carry no identities; a registered person's certified identity valid on
    the payment date gives the subsidy, and the enrollment keeps the record it came from."""
    from assistance.services.identities import identity_certify

    wife = factories.person(village, name="李秀英", male=False)
    record = identity_certify(user=clerk, person=wife, code="subsistence_allowance", valid_from=date(2022, 1, 1))
    later = factories.person(village, name="张迟")
    identity_certify(user=clerk, person=later, code="orphan", valid_from=date(2022, 10, 9))  # a day after payment
    job = committed(clerk, enrollment_list(
        enrollment_row("李秀英", wife.id_number, village), enrollment_row("张迟", later.id_number, village)))
    assert job.status == ImportJob.Status.COMMITTED
    paid = Enrollment.objects.get(person=wife)
    assert (paid.subsidy, paid.amount_due, paid.subsidy_identity_record) == (Decimal("342.00"), Decimal("38.00"), record)
    assert Enrollment.objects.get(person=later).subsidy == Decimal("0.00")

"""The import engine (core.imports) and its job steps (core.services.imports, core.tasks,
core.views): header mapping, duplicates inside a file, batches, preview before an atomic commit,
the import log, background work with progress, and who may see or act on a job."""

import io

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from core import imports as engine
from core.errors import ServiceError
from core.imports import CHANGED, ERROR, NEW, UNCHANGED, Column, Importer, RowOutcome
from core.models import ImportJob, Region, RegionLevel, SecurityEvent
from core.roles import CLERK
from core.services import imports
from core.xlsx import XLSX_MIME, Sheet
from enrollment.models import Enrollment, Person
from tests import factories
from tests.spreadsheets import (
    ENROLLMENT_HEADERS,
    Text,
    committed,
    enrollment_list,
    enrollment_row,
    previewed,
    read_back,
    statuses,
    upload,
)

# ------------------------------------------------------------------------------ the engine


class VillageListImporter(Importer):
    """A minimal list for the engine's own behaviour: one village per row under a township."""

    kind = "villages"
    title = "村（社区）名单"
    columns = [
        Column("code", "区划代码", required=True),
        Column("name", "名称", required=True, aliases=("村名",)),
        Column("note", "备注"),
    ]
    duplicate_key = "code"

    def __init__(self, *, township, reverse=False, **kwargs):
        super().__init__(**kwargs)
        self.township = township
        self.reverse = reverse

    def order(self, rows):
        return list(reversed(rows)) if self.reverse else rows

    def check(self, rows):
        existing = {r.code: r for r in Region.objects.filter(code__in=[engine.text(r.values.get("code")) for r in rows])}
        outcomes = []
        for row in rows:
            code, name = engine.text(row.values.get("code")), engine.text(row.values.get("name"))
            outcome = RowOutcome(row.number, payload=(code, name))
            if not name:
                outcome.fail("名称", "不能为空")
            elif code not in existing:
                outcome.status = NEW
            elif existing[code].name != name:
                outcome.status = CHANGED
            outcomes.append(outcome)
        return outcomes

    def write(self, outcomes):
        for outcome in outcomes:
            code, name = outcome.payload
            Region.objects.update_or_create(code=code, defaults={"name": name, "level": RegionLevel.VILLAGE, "parent": self.township})


@pytest.fixture
def township(xianan):
    return factories.region("421202009", "测试镇", RegionLevel.TOWNSHIP, xianan)


def village_rows(importer, headers, *rows):
    rows, errors = engine.rows_from_sheet(importer, Sheet(headers=headers, rows=[(n, list(r)) for n, r in enumerate(rows, start=2)]))
    assert errors == []
    return rows


def test_headers_are_found_by_name_alias_and_required_mark(clerk, township):
    importer = VillageListImporter(user=clerk, township=township)

    index, errors = engine.map_headers(importer, ["序号", "*区划代码", "村名 ", "其他"])

    assert errors == []
    assert index == {"code": 1, "name": 2}


def test_a_missing_required_column_is_named(clerk, township):
    _index, errors = engine.map_headers(VillageListImporter(user=clerk, township=township), ["区划代码", "备注"])
    assert errors == ["缺少必填列「名称」"]


def test_a_sheet_without_any_known_column_points_to_the_template(clerk, township):
    _index, errors = engine.map_headers(VillageListImporter(user=clerk, township=township), ["A", "B"])
    assert errors == ["没有识别出任何列；请使用「村（社区）名单」模板（表头：区划代码、名称、备注）"]


def test_rows_repeating_the_key_inside_the_file_are_all_errors(clerk, township):
    importer = VillageListImporter(user=clerk, township=township)
    rows = village_rows(importer, ["区划代码", "名称"],
                        ["421202009001", "一村"], ["421202009002", "二村"], [" 421202009001", "一村（重复）"], ["421202009003", "三村"])

    result = engine.run(importer, rows, commit=False)

    assert [(o.number, o.status) for o in result.outcomes] == [(2, ERROR), (3, NEW), (4, ERROR), (5, NEW)]
    assert result.outcomes[0].errors == [("区划代码", "区划代码与第4行重复（同一文件内不能重复）")]
    assert result.outcomes[2].errors == [("区划代码", "区划代码与第2行重复（同一文件内不能重复）")]


def test_preview_writes_nothing_reports_progress_and_keeps_spreadsheet_order(clerk, township, settings):
    # Given batches of two and an importer that checks rows in reverse order
    settings.IMPORT_BATCH_SIZE = 2
    importer = VillageListImporter(user=clerk, township=township, reverse=True)
    rows = village_rows(importer, ["区划代码", "名称"], *[[f"42120200900{i}", f"{i}村"] for i in range(1, 6)])
    progress = []

    # When the file is previewed
    result = engine.run(importer, rows, commit=False, progress=lambda done, total: progress.append((done, total)))

    # Then every row would be new, in the file's order, progress went batch by batch, nothing was written
    assert [o.number for o in result.outcomes] == [2, 3, 4, 5, 6]
    assert result.counts == {NEW: 5, CHANGED: 0, UNCHANGED: 0, ERROR: 0}
    assert progress == [(2, 5), (4, 5), (5, 5)]
    assert not Region.objects.filter(parent=township).exists()


def test_a_bad_row_in_a_later_batch_rolls_back_the_batches_already_written(clerk, township, settings):
    # Given batches of one row, the bad row last
    settings.IMPORT_BATCH_SIZE = 1
    importer = VillageListImporter(user=clerk, township=township)
    rows = village_rows(importer, ["区划代码", "名称"], ["421202009001", "一村"], ["421202009002", "二村"], ["421202009003", ""])

    # When committed without skipping bad rows
    with pytest.raises(engine.CommitAborted) as aborted:
        engine.run(importer, rows, commit=True)

    # Then nothing is written and the outcome says which row failed
    assert not Region.objects.filter(parent=township).exists()
    assert [o.number for o in aborted.value.result.errors] == [4]


def test_skipping_bad_rows_writes_the_good_ones(clerk, township, settings):
    settings.IMPORT_BATCH_SIZE = 1
    importer = VillageListImporter(user=clerk, township=township)
    rows = village_rows(importer, ["区划代码", "名称"], ["421202009001", "一村"], ["421202009002", ""], ["421202009003", "三村"])

    result = engine.run(importer, rows, commit=True, skip_bad_rows=True)

    assert result.counts[ERROR] == 1
    assert set(Region.objects.filter(parent=township).values_list("name", flat=True)) == {"一村", "三村"}


# ------------------------------------------------------------------------------ the job log


def test_a_committed_job_is_the_import_log(clerk, village):
    # When a clerk imports a two-person list
    data = enrollment_list(enrollment_row("张三", factories.id_number(), village), enrollment_row("李四", factories.id_number(), village))
    job = committed(clerk, data, name="咸安1村名单.xlsx")

    # Then the job records who, when, which file and what happened
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED
    assert (job.user, job.original_name, job.total_rows) == (clerk, "咸安1村名单.xlsx", 2)
    assert job.counts == {NEW: 2, CHANGED: 0, UNCHANGED: 0, ERROR: 0}
    assert job.previewed_at <= job.committed_at
    assert job.region_path == clerk.region.path
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.IMPORT, object_id=str(job.pk), detail__startswith="导入").exists()
    assert set(Enrollment.objects.values_list("source_import", flat=True)) == {job.pk}


def test_nothing_is_written_until_the_clerk_confirms(clerk, village):
    job = previewed(clerk, enrollment_list(enrollment_row("张三", factories.id_number(), village)))

    assert statuses(job) == {2: NEW}
    assert job.status == ImportJob.Status.PREVIEWED
    assert not Person.objects.exists()
    assert not Enrollment.objects.exists()


def test_a_job_with_errors_is_not_committed_unless_bad_rows_are_skipped(clerk, village):
    job = previewed(clerk, enrollment_list(enrollment_row("张三", factories.id_number(), village), enrollment_row("李四", "123", village)))

    with pytest.raises(ServiceError) as refused:
        imports.import_job_confirm(user=clerk, job=job, skip_bad_rows=False)

    assert refused.value.message.startswith("有 1 行错误")
    assert not Person.objects.exists()
    job = imports.import_job_confirm(user=clerk, job=job, skip_bad_rows=True)
    assert imports.import_job_commit(job.pk).status == ImportJob.Status.COMMITTED
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]


def test_data_changed_after_the_preview_aborts_the_whole_commit(clerk, village, jiayu_villages, settings):
    # Given a previewed list of three, checked and written one row per batch
    settings.IMPORT_BATCH_SIZE = 1
    numbers = [factories.id_number() for _ in range(3)]
    job = previewed(clerk, enrollment_list(*[enrollment_row(f"人{i}", n, village) for i, n in enumerate(numbers)]))
    assert job.counts[NEW] == 3
    # ... and the last person registered in another county before the clerk confirms
    meanwhile = factories.person(jiayu_villages[0], name="人2")
    Person.objects.filter(pk=meanwhile.pk).update(id_number=numbers[2])

    # When the clerk confirms
    job = imports.import_job_commit(job.pk)

    # Then nothing at all is written, and the job is back for review with the new error
    assert not Person.objects.filter(village=village).exists()
    assert job.status == ImportJob.Status.PREVIEWED
    assert "未写入任何数据" in job.failure
    assert job.errors[0]["row"] == 4


def test_committing_twice_writes_once(clerk, village):
    job = committed(clerk, enrollment_list(enrollment_row("张三", factories.id_number(), village)))

    again = imports.import_job_commit(job.pk)

    assert again.status == ImportJob.Status.COMMITTED
    assert Person.objects.count() == 1
    assert Enrollment.objects.count() == 1


# ------------------------------------------------------------------------------ background work


def test_a_large_file_is_previewed_and_committed_by_tasks_with_progress(clerk_client, clerk, village, settings, django_capture_on_commit_callbacks):
    # Given a background threshold of 2 rows (5,000 in production) and a 3-row list
    settings.IMPORT_BACKGROUND_ROWS = 2
    data = enrollment_list(*[enrollment_row(f"人{i}", factories.id_number(), village) for i in range(3)])

    # When the clerk uploads it, the page only queues the preview
    with django_capture_on_commit_callbacks() as queued:
        response = clerk_client.post("/imports/new/enrollment_list/", {"file": upload(data)}, follow=True)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.UPLOADED
    assert "已转入后台校验" in response.content.decode()
    assert clerk_client.get(f"/imports/{job.pk}/progress/").json()["percent"] == 0

    # ... and the worker runs it
    for task in queued:
        task()
    progress = clerk_client.get(f"/imports/{job.pk}/progress/").json()
    assert (progress["status"], progress["done"], progress["total"], progress["percent"]) == ("previewed", 3, 3, 100)
    assert not Person.objects.exists()

    # When the clerk confirms, the commit runs in a task too
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_client.post(f"/imports/{job.pk}/commit/", follow=True)
    assert "已转入后台导入" in response.content.decode()

    # Then the list is written and the log says so
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED
    assert job.counts[NEW] == 3
    assert Person.objects.count() == 3
    assert clerk_client.get(f"/imports/{job.pk}/progress/").json()["phase"] == "commit"


def test_a_background_commit_with_errors_is_refused_before_a_task_is_sent(clerk_client, clerk, village, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_BACKGROUND_ROWS = 1
    job = previewed(clerk, enrollment_list(enrollment_row("张三", factories.id_number(), village), enrollment_row("李四", "123", village)))

    with django_capture_on_commit_callbacks() as queued:
        response = clerk_client.post(f"/imports/{job.pk}/commit/", follow=True)

    assert queued == []
    assert "有 1 行错误" in response.content.decode()
    assert not Person.objects.exists()


def test_a_new_job_starts_at_zero_whatever_the_cache_remembers(clerk, village):
    # Given progress left in the cache under the id the next job will get (a database restored
    # while the cache kept its keys)
    data = enrollment_list(enrollment_row("张三", factories.id_number(), village))
    first = imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=upload(data))
    next_id = first.pk + 1
    first.delete()
    imports.set_progress(next_id, "commit", 9, 9)

    # When a new job is uploaded
    job = imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=upload(data))

    # Then its progress is its own
    assert job.pk == next_id
    assert imports.get_progress(job)["percent"] == 0
    cache.delete(imports._progress_key(job.pk))


# ------------------------------------------------------------------------------ who may act


@pytest.fixture
def clerks_job(clerk, village):
    return previewed(clerk, enrollment_list(enrollment_row("张三", factories.id_number(), village), enrollment_row("李四", "123", village)))


@pytest.mark.parametrize("method, suffix", [("get", ""), ("get", "progress/"), ("get", "errors.xlsx"), ("post", "commit/"), ("post", "cancel/")])
def test_a_clerk_of_another_county_cannot_see_or_act_on_the_job(client, other_clerk, clerks_job, method, suffix):
    client.force_login(other_clerk)

    response = getattr(client, method)(f"/imports/{clerks_job.pk}/{suffix}")

    assert response.status_code == 404
    clerks_job.refresh_from_db()
    assert clerks_job.status == ImportJob.Status.PREVIEWED
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCESS_DENIED, object_id=str(clerks_job.pk)).exists()


def test_a_clerk_of_another_county_does_not_see_the_job_listed(client, other_clerk, clerks_job):
    client.force_login(other_clerk)
    assert clerks_job.original_name not in client.get("/imports/").content.decode()


@pytest.mark.parametrize("action", ["commit", "cancel"])
def test_a_colleague_in_the_same_county_may_look_but_not_confirm_or_cancel(client, xianan, clerks_job, action):
    colleague = factories.user("clerk_xianan_2", CLERK, xianan)
    client.force_login(colleague)

    page = client.get(f"/imports/{clerks_job.pk}/")
    response = client.post(f"/imports/{clerks_job.pk}/{action}/", {"skip_bad_rows": "on"})

    assert page.status_code == 200
    assert 'id="confirm-import"' not in page.content.decode()
    assert response.status_code == 403
    clerks_job.refresh_from_db()
    assert clerks_job.status == ImportJob.Status.PREVIEWED
    assert not Person.objects.exists()


def test_an_unknown_list_kind_is_404(clerk_client):
    assert clerk_client.get("/imports/new/payroll/").status_code == 404
    assert clerk_client.get("/imports/template/payroll.xlsx").status_code == 404


def test_a_clerk_may_not_import_the_employee_list(clerk_client):
    assert clerk_client.get("/imports/new/employee_coverage/").status_code == 403


def test_cancelled_jobs_cannot_be_committed(clerk_client, clerk, village):
    job = previewed(clerk, enrollment_list(enrollment_row("张三", factories.id_number(), village)))

    clerk_client.post(f"/imports/{job.pk}/cancel/")
    response = clerk_client.post(f"/imports/{job.pk}/commit/", follow=True)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED
    assert "不能确认导入" in response.content.decode()
    assert not Person.objects.exists()


# ------------------------------------------------------------------------------ downloads


def test_the_template_has_chinese_headers_and_marked_example_rows(clerk_client):
    response = clerk_client.get("/imports/template/enrollment_list.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MIME
    assert "attachment" in response["Content-Disposition"]
    header, *examples = read_back(response.content)
    assert header == ["姓名", "身份证号", "户主身份证号", "与户主关系", "村/社区", "联系电话", "参保类别", "缴费日期",
                      "学校", "参保年度", "家庭住址"]
    # A household of three as the example (head, spouse, pupil), every row marked 示例
    assert len(examples) == 3
    assert all(row[0].startswith("示例") for row in examples)
    # ID numbers and phone numbers typed into the template stay text (Excel keeps 15 digits of a number)
    columns = load_workbook(io.BytesIO(response.content)).active.column_dimensions
    assert [columns[letter].number_format for letter in "ABCF"] == ["General", "@", "@", "@"]


def test_the_template_uploaded_unchanged_imports_nothing(clerk_client, clerk, village):
    template = clerk_client.get("/imports/template/enrollment_list.xlsx").content

    job = previewed(clerk, template)

    # The example rows are skipped, saying why (never an invalid-ID error)
    assert statuses(job) == {2: UNCHANGED, 3: UNCHANGED, 4: UNCHANGED}
    assert all("示例" in summary and "跳过" in summary for _n, _s, summary, _e, *_ in job.preview_rows)
    imports.import_job_commit(job.pk)
    assert not Person.objects.exists()


def test_error_rows_download_as_they_were_with_the_reason(clerk_client, clerk, village):
    # Given a list with one good row and two bad ones, one of them text a spreadsheet would run
    good = factories.id_number()
    job = previewed(clerk, enrollment_list(
        enrollment_row("张三", good, village),
        enrollment_row(Text("=HYPERLINK(\"http://x\")"), "123", village),
        enrollment_row("王五", good[:-1] + "0" if good[-1] != "0" else good[:-1] + "1", village),
    ))

    response = clerk_client.get(f"/imports/{job.pk}/errors.xlsx")

    assert response.status_code == 200
    header, *rows = read_back(response.content)
    assert header[-1] == "错误原因"
    assert header[:-1] == ENROLLMENT_HEADERS
    assert [row[0] for row in rows] == ["'=HYPERLINK(\"http://x\")", "王五"]
    assert rows[0][-1] == "身份证号：身份证号应为18位，当前为3位"
    assert rows[1][-1] == "身份证号：身份证号校验位错误，请核对号码"
    assert load_workbook(io.BytesIO(response.content)).active.column_dimensions["B"].number_format == "@"

"""Large settlement files are committed as a chain of bounded chunks, one transaction each:
the result equals a one-transaction commit, a chunk run twice writes once, a chunk that finds
new error rows stops the job without writing that chunk, and the uploader continues from it."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from benefits.models import Facility, PersonYear, Settlement
from core.models import ImportChunk, ImportJob
from core.services import imports
from core.tasks import commit_import
from core.xlsx import write_xlsx
from enrollment.services.enrollments import enrollment_register
from tests import factories
from tests.workers import run_in_real_worker

HEADERS = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "就医地", "病种", "甲类费用", "乙类药品", "目录外费用"]
SPLIT = ("total", "policy_range", "deductible", "basic_fund", "outpatient_fund", "critical_illness", "assistance", "personal")


def _people(clerk, village, xianan, count=2):
    people = []
    for i in range(count):
        person = factories.person(village, name=f"分段{i}")
        enrollment_register(user=clerk, person=person, category="regular", channel="village_batch",
                            payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
        people.append(person)
    Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    return people


def _rows(people):
    """Seven inpatient bills alternating between two people, large enough to cross the
    deductible and the CI threshold in later chunks: each chunk depends on the totals the
    chunks before it left."""
    return [[f"ZY{n}", "H001", people[n % 2].id_number, people[n % 2].name, "住院", f"2023-0{1 + n // 2}-1{n % 2}", f"2023-0{1 + n // 2}-2{n % 2}", "市内", "",
             str(9000 + 1000 * n), "3000", "200"] for n in range(7)]


def _previewed(officer, rows):
    job = imports.import_job_create(user=officer, kind="settlements", uploaded=SimpleUploadedFile("big.xlsx", write_xlsx(HEADERS, rows)))
    return imports.import_job_preview(job.pk)


def _splits():
    return {s.bill_number: tuple(getattr(s, f) for f in SPLIT) for s in Settlement.objects.all()}


@pytest.fixture
def people(clerk, village, xianan):
    return _people(clerk, village, xianan)


@pytest.mark.django_db
def test_a_chunked_commit_settles_exactly_as_one_transaction(officer, people, settings):
    rows = _rows(people)
    settings.IMPORT_CHUNK_ROWS = 1000
    job = _previewed(officer, rows)
    assert not imports.commits_in_chunks(job)
    imports.import_job_commit(job.pk)
    whole = _splits()
    totals = {p.year: p.basic_fund for p in PersonYear.objects.filter(person=people[0])}
    Settlement.objects.all().delete()
    PersonYear.objects.all().delete()

    settings.IMPORT_CHUNK_ROWS, settings.IMPORT_BATCH_SIZE = 2, 1
    job = _previewed(officer, rows)
    assert imports.commits_in_chunks(job) and imports.runs_in_background(job)
    commit_import.delay(job.pk)  # eager here: each chunk's task sends the next
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED, job.failure
    assert job.counts == {"new": 7, "changed": 0, "unchanged": 0, "error": 0}
    assert list(job.chunks.values_list("first_row", "last_row", "status")) == [
        (2, 3, "done"), (4, 5, "done"), (6, 7, "done"), (8, 8, "done")]
    assert _splits() == whole and len(whole) == 7
    assert {p.year: p.basic_fund for p in PersonYear.objects.filter(person=people[0])} == totals
    assert imports.get_progress(job)["chunks_done"] == 4


@pytest.mark.django_db
def test_a_chunk_run_twice_writes_once(officer, people, settings):
    settings.IMPORT_CHUNK_ROWS = 3
    job = _previewed(officer, _rows(people))
    job = imports.import_job_commit(job.pk)  # cuts the file; the chunks wait for their tasks
    assert job.status == ImportJob.Status.COMMITTING and job.chunks.count() == 3 and not Settlement.objects.exists()
    assert imports.import_job_commit_chunk(job.pk, 0) == 1
    first = _splits()
    assert imports.import_job_commit_chunk(job.pk, 0) == 1  # redelivered: nothing written again
    assert _splits() == first and len(first) == 3
    assert imports.import_job_commit(job.pk).status == ImportJob.Status.COMMITTING  # a second commit task leaves it alone
    assert imports.import_job_commit_chunk(job.pk, 1) == 2
    assert imports.import_job_commit_chunk(job.pk, 2) is None
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED and Settlement.objects.count() == 7
    assert job.counts == {"new": 7, "changed": 0, "unchanged": 0, "error": 0}  # chunk 0 counted once, as written
    assert imports.import_job_commit_chunk(job.pk, 2) is None and Settlement.objects.count() == 7
    basic = PersonYear.objects.get(person=people[0], year=2023).basic_fund
    assert basic == sum(s.basic_fund for s in Settlement.objects.filter(person=people[0]))


@pytest.mark.django_db
def test_new_error_rows_stop_the_chunk_and_the_uploader_continues_from_it(officer, people, settings):
    settings.IMPORT_CHUNK_ROWS = 3
    job = _previewed(officer, _rows(people))
    assert job.error_count == 0
    people[1].name = "改名"  # after the preview: person 1's rows no longer match
    people[1].save()
    commit_import.delay(job.pk)
    job.refresh_from_db()
    # Chunk 0 (rows 2-4) holds a row of person 1 too, so it stops there: nothing written.
    assert job.status == ImportJob.Status.PREVIEWED and not Settlement.objects.exists()
    assert "第 2–4 行中发现新的错误行" in job.failure and "未写入任何数据" in job.failure
    assert {e["row"] for e in job.errors} == {3} and "姓名与登记信息" in job.errors[0]["message"]
    with pytest.raises(Exception):
        imports.import_job_confirm(user=officer, job=job, skip_bad_rows=False)
    job = imports.import_job_confirm(user=officer, job=job, skip_bad_rows=True)
    commit_import.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED
    assert job.counts == {"new": 4, "changed": 0, "unchanged": 0, "error": 3}
    assert sorted(e["row"] for e in job.errors) == [3, 5, 7]
    assert set(Settlement.objects.values_list("bill_number", flat=True)) == {"ZY0", "ZY2", "ZY4", "ZY6"}


@pytest.mark.django_db
def test_a_stop_after_written_chunks_keeps_them_and_says_so(officer, people, settings):
    settings.IMPORT_CHUNK_ROWS = 2  # chunks of rows 2-3, 4-5, 6-7, 8
    job = _previewed(officer, _rows(people))
    job = imports.import_job_commit(job.pk)
    assert imports.import_job_commit_chunk(job.pk, 0) == 1
    imports.import_job_chunk_interrupted(job.pk, 1, "超过时限")  # the task's soft time limit
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert "第 4–5 行的导入超过时限" in job.failure and "此前各段已导入 2 行" in job.failure
    assert Settlement.objects.count() == 2
    job = imports.import_job_confirm(user=officer, job=job, skip_bad_rows=False)
    commit_import.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED and Settlement.objects.count() == 7
    assert job.counts["new"] == 7


@pytest.mark.django_db
def test_cancelling_a_stopped_job_keeps_the_written_chunks(officer, people, settings):
    settings.IMPORT_CHUNK_ROWS = 2
    job = imports.import_job_commit(_previewed(officer, _rows(people)).pk)
    imports.import_job_commit_chunk(job.pk, 0)
    imports.import_job_chunk_interrupted(job.pk, 1, "中断")
    job.refresh_from_db()
    imports.import_job_cancel(user=officer, job=job)
    assert Settlement.objects.count() == 2
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.CANCELLED
    assert imports.import_job_commit_chunk(job.pk, 1) is None and Settlement.objects.count() == 2


@pytest.mark.services
def test_chunks_run_in_a_real_worker(redis_broker, transactional_db, officer, clerk, village, xianan, settings):
    people = _people(clerk, village, xianan)
    settings.IMPORT_CHUNK_ROWS = 2
    job = _previewed(officer, _rows(people))
    run_in_real_worker(lambda: commit_import.delay(job.pk), job, until=(ImportJob.Status.COMMITTED, ImportJob.Status.FAILED))
    assert job.status == ImportJob.Status.COMMITTED, job.failure
    assert ImportChunk.objects.filter(job=job, status="done").count() == 4
    assert Settlement.objects.count() == 7
    assert PersonYear.objects.get(person=people[0], year=2023).basic_fund > D(0)


@pytest.mark.django_db
def test_the_import_log_shows_each_chunk_to_the_officer(client, officer, people, settings):
    settings.IMPORT_CHUNK_ROWS = 3
    job = _previewed(officer, _rows(people))
    commit_import.delay(job.pk)
    client.force_login(officer)
    admin_page = client.get(f"/admin/core/importjob/{job.pk}/change/").content.decode()
    assert "导入分段" in admin_page and admin_page.count("已导入") >= 3
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "已完成 3 / 3 段" in page


@pytest.mark.django_db
def test_an_unexpected_error_in_a_chunk_leaves_the_job_waiting_not_stuck(officer, people, settings, monkeypatch):
    from benefits.services import settlements

    settings.IMPORT_CHUNK_ROWS = 3
    job = _previewed(officer, _rows(people))
    real_store, calls = settlements._store, []

    def failing_second_chunk(*args, **kwargs):  # each chunk stores its rows once
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(settlements, "_store", failing_second_chunk)
    with pytest.raises(RuntimeError):
        commit_import.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED and "第 5–7 行的导入出错" in job.failure
    assert Settlement.objects.count() == 3
    monkeypatch.setattr(settlements, "_store", real_store)
    commit_import.delay(imports.import_job_confirm(user=officer, job=job, skip_bad_rows=False).pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED and Settlement.objects.count() == 7

"""A job whose process died (a killed Celery worker, a killed web process) is noticed: after the
stale period without a heartbeat, and with no transaction holding its row, it is shown 已中断
with what is written; its uploader may continue it (from the first chunk not written, or the
whole one-transaction commit again) or cancel it (the written chunks stay). A process that is
alive, however slow, is neither overtaken nor cancelled."""

import time
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from benefits.models import Facility, PersonYear, Settlement
from core.models import ImportChunk, ImportJob
from core.services import imports
from core.tasks import commit_import, commit_import_chunk
from core.xlsx import write_xlsx
from enrollment.services.enrollments import enrollment_register
from tests import factories
from tests.workers import Child, child_env, forget_unacked, run_in_real_worker, send_over_broker

HEADERS = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "就医地", "病种", "甲类费用", "乙类药品", "目录外费用"]
BILLS = {f"ZY{n}" for n in range(7)}
Status = ImportJob.Status


def _people(clerk, village, xianan):
    people = []
    for i in range(2):
        person = factories.person(village, name=f"中断{i}")
        enrollment_register(user=clerk, person=person, category="regular", channel="village_batch",
                            payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
        people.append(person)
    Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    return people


def _confirmed(officer, people):
    """Seven inpatient bills of two people, previewed and confirmed by the officer."""
    rows = [[f"ZY{n}", "H001", people[n % 2].id_number, people[n % 2].name, "住院", f"2023-0{1 + n // 2}-1{n % 2}", f"2023-0{1 + n // 2}-2{n % 2}", "市内", "",
             str(9000 + 1000 * n), "3000", "200"] for n in range(7)]
    job = imports.import_job_create(user=officer, kind="settlements", uploaded=SimpleUploadedFile("bills.xlsx", write_xlsx(HEADERS, rows)))
    job = imports.import_job_preview(job.pk)
    assert job.status == Status.PREVIEWED and job.error_count == 0, job.failure
    return imports.import_job_confirm(user=officer, job=job, skip_bad_rows=False)


def _die(job, *, seconds_ago=60):
    """What a dead process leaves: the job still working, its last heartbeat long ago."""
    long_ago = timezone.now() - timedelta(seconds=seconds_ago)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=long_ago, updated_at=long_ago)


def _page(client, job):
    return client.get(f"/imports/{job.pk}/").content.decode()


def _status_shown(page):
    return page.split('id="job-status">', 1)[1].split("<", 1)[0]


def _exact(people):
    """Every bill settled once, and each person's year totals are the sum of their bills."""
    assert set(Settlement.objects.values_list("bill_number", flat=True)) == BILLS
    assert Settlement.objects.count() == 7
    for person in people:
        year = PersonYear.objects.get(person=person, year=2023)
        assert year.basic_fund == sum(s.basic_fund for s in Settlement.objects.filter(person=person))


@pytest.fixture
def people(clerk, village, xianan):
    return _people(clerk, village, xianan)


@pytest.fixture
def chunked(settings):
    settings.IMPORT_CHUNK_ROWS = 3  # rows 2-4, 5-7, 8
    settings.IMPORT_HEARTBEAT_STALE_SECONDS = 30


# ------------------------------------------------------------------------------ eager (in-process)


@pytest.mark.django_db
def test_a_chunked_import_whose_worker_died_is_shown_interrupted_and_continues_from_its_chunk(client, officer, people, chunked,
                                                                                              django_capture_on_commit_callbacks):
    job = _confirmed(officer, people)
    assert imports.import_job_commit(job.pk).status == Status.COMMITTING
    assert imports.import_job_commit_chunk(job.pk, 0) == 1  # then the worker died inside chunk 1
    client.force_login(officer)

    # Given a heartbeat within the stale period, the job is still importing: no continue yet.
    page = _page(client, job)
    assert _status_shown(page) == "导入中" and 'id="resume-import"' not in page
    refused = client.post(f"/imports/{job.pk}/resume/", follow=True).content.decode()
    assert "不能继续" in refused and ImportJob.objects.get(pk=job.pk).status == Status.COMMITTING

    _die(job)
    page = _page(client, job)
    assert _status_shown(page) == "已中断" and 'id="resume-import"' in page and 'id="cancel-import"' in page
    assert "已写入 1 / 3 段，共 3 行（至第 4 行）" in page
    progress = client.get(f"/imports/{job.pk}/progress/").json()  # what the page's poll reads: it reloads
    assert progress["interrupted"] is True and progress["status_label"] == "已中断"
    listing = client.get("/imports/").content.decode()
    assert "已中断" in listing

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/resume/")  # eager here: the chunks run in this process
    job.refresh_from_db()
    assert job.status == Status.COMMITTED, job.failure
    assert job.counts == {"new": 7, "changed": 0, "unchanged": 0, "error": 0}
    assert list(job.chunks.values_list("status", flat=True)) == ["done"] * 3
    _exact(people)
    assert _status_shown(_page(client, job)) == "已导入"


@pytest.mark.django_db
def test_cancelling_an_interrupted_chunked_import_keeps_the_written_chunks_and_says_so(client, officer, people, chunked):
    job = _confirmed(officer, people)
    imports.import_job_commit(job.pk)
    imports.import_job_commit_chunk(job.pk, 0)
    client.force_login(officer)
    assert "不能取消" in client.post(f"/imports/{job.pk}/cancel/", follow=True).content.decode()
    _die(job)

    page = client.post(f"/imports/{job.pk}/cancel/", follow=True).content.decode()
    assert "此前各段已导入的 3 行保留" in page
    job.refresh_from_db()
    assert job.status == Status.CANCELLED and Settlement.objects.count() == 3
    assert imports.import_job_commit_chunk(job.pk, 1) is None and Settlement.objects.count() == 3  # a late task writes nothing


@pytest.mark.django_db
def test_a_check_whose_process_died_is_interrupted_and_checked_again(client, officer, people, chunked, django_capture_on_commit_callbacks):
    job = _confirmed(officer, people)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.PREVIEWING, counts={}, preview_rows=[])
    _die(job)
    client.force_login(officer)
    page = _page(client, job)
    assert _status_shown(page) == "已中断" and "校验不写入任何数据" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/resume/")
    job.refresh_from_db()
    assert job.status == Status.PREVIEWED and job.counts["new"] == 7 and not Settlement.objects.exists()


@pytest.mark.django_db
def test_a_job_left_importing_after_its_last_chunk_is_finished_with_its_counts(client, officer, people, chunked, django_capture_on_commit_callbacks):
    """Before the last chunk marked the job done in its own transaction, a process that died in
    between left every row written and the job 导入中 with no counts."""
    job = _confirmed(officer, people)
    commit_import.delay(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.COMMITTING, counts={}, committed_at=None)
    _die(job)
    client.force_login(officer)
    page = _page(client, job)
    assert _status_shown(page) == "已中断" and "已写入 3 / 3 段，共 7 行" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/resume/")
    job.refresh_from_db()
    assert job.status == Status.COMMITTED and job.counts == {"new": 7, "changed": 0, "unchanged": 0, "error": 0}
    _exact(people)


@pytest.mark.django_db
def test_the_last_chunk_and_the_end_of_the_job_are_written_together(officer, people, chunked, monkeypatch):
    job = _confirmed(officer, people)
    imports.import_job_commit(job.pk)
    assert imports.import_job_commit_chunk(job.pk, 0) == 1 and imports.import_job_commit_chunk(job.pk, 1) == 2

    def the_end_fails(**kwargs):
        raise RuntimeError("connection lost while finishing the job")

    monkeypatch.setattr(imports, "record_event", the_end_fails)
    with pytest.raises(RuntimeError):
        commit_import_chunk.delay(job.pk, 2)
    # The last chunk went with the job's end: nothing of it is written, and the job says so.
    assert ImportChunk.objects.get(job=job, number=2).status == ImportChunk.Status.PENDING
    assert Settlement.objects.count() == 6
    job.refresh_from_db()
    assert job.status == Status.PREVIEWED and "第 8–8 行的导入出错，该段未写入" in job.failure

    monkeypatch.undo()
    commit_import.delay(imports.import_job_confirm(user=officer, job=job, skip_bad_rows=False).pk)
    job.refresh_from_db()
    assert job.status == Status.COMMITTED and job.counts["new"] == 7
    _exact(people)


# ------------------------------------------------------------------------------ real processes, killed


def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("a second process sees the test data only in PostgreSQL")


def _until_interrupted(client, job, seconds=15):
    """The page a user reloads after the process died: PostgreSQL frees the row as soon as it
    sees the connection gone, and the job shows 已中断 once the stale period has passed."""
    deadline = time.monotonic() + seconds
    while True:
        page = _page(client, job)
        if _status_shown(page) == "已中断" or time.monotonic() > deadline:
            return page
        time.sleep(0.2)


@pytest.mark.services
def test_a_worker_killed_mid_chunk_writes_none_of_it_and_a_new_worker_continues(
        redis_broker, transactional_db, officer, clerk, village, xianan, client, settings, tmp_path):
    _postgres()
    settings.IMPORT_CHUNK_ROWS, settings.IMPORT_HEARTBEAT_STALE_SECONDS = 3, 1
    people = _people(clerk, village, xianan)
    job = _confirmed(officer, people)
    client.force_login(officer)
    # The worker writes chunk 0 (the preview's kept plan of its three rows), then chunk 1's, and
    # pauses inside chunk 1's transaction.
    worker = Child("worker", env=child_env(IMPORT_CHUNK_ROWS=3, IMPORT_BATCH_SIZE=1, PAUSE_KIND="settlements",
                                           PAUSE_AT_WRITE=2, PAUSE_MARKER=tmp_path / "paused"), log=tmp_path / "worker.log")
    try:
        send_over_broker(lambda: commit_import.delay(job.pk))
        worker.wait_paused()
        time.sleep(1.5)  # longer than the stale period: the slow worker is still alive, holding the job
        page = _page(client, job)
        assert _status_shown(page) == "导入中" and 'id="resume-import"' not in page
        assert "正在写入数据" in client.post(f"/imports/{job.pk}/resume/", follow=True).content.decode()
        assert "正在写入数据" in client.post(f"/imports/{job.pk}/cancel/", follow=True).content.decode()
    finally:
        worker.kill()
        forget_unacked(job.pk)

    # Chunk 0 (rows 2-4) is written; of chunk 1 nothing, not even the row written before the kill.
    assert set(Settlement.objects.values_list("bill_number", flat=True)) == {"ZY0", "ZY1", "ZY2"}
    assert list(ImportChunk.objects.filter(job=job).values_list("status", flat=True)) == ["done", "pending", "pending"]
    page = _until_interrupted(client, job)
    assert _status_shown(page) == "已中断" and "已写入 1 / 3 段，共 3 行" in page

    run_in_real_worker(lambda: client.post(f"/imports/{job.pk}/resume/"), job, until=(Status.COMMITTED, Status.FAILED))
    assert job.status == Status.COMMITTED, job.failure
    assert job.counts == {"new": 7, "changed": 0, "unchanged": 0, "error": 0}
    _exact(people)


@pytest.mark.services
def test_a_web_process_killed_mid_commit_writes_nothing_and_the_job_can_be_continued_or_cancelled(
        redis_broker, transactional_db, officer, clerk, village, xianan, client, settings, tmp_path):
    _postgres()
    settings.IMPORT_HEARTBEAT_STALE_SECONDS = 1
    people = _people(clerk, village, xianan)
    client.force_login(officer)

    def killed_mid_commit(name):
        """A small file, committed in the web process as the confirm view does; the process is
        killed after writing its seven rows (the preview's kept plan, one piece) inside the one
        transaction."""
        job = _confirmed(officer, people)
        assert not imports.runs_in_background(job)
        web = Child("commit", job.pk, env=child_env(IMPORT_BATCH_SIZE=1, PAUSE_KIND="settlements", PAUSE_AT_WRITE=1,
                                                    PAUSE_MARKER=tmp_path / f"{name}.paused"), log=tmp_path / f"{name}.log")
        try:
            web.wait_paused()
        finally:
            web.kill()
        assert not Settlement.objects.exists()
        assert all(year.basic_fund == 0 for year in PersonYear.objects.filter(year=2023))
        page = _until_interrupted(client, job)
        assert _status_shown(page) == "已中断" and "中断时已回滚，未写入任何数据" in page
        return job

    cancelled = killed_mid_commit("cancelled")
    assert "未写入任何数据" in client.post(f"/imports/{cancelled.pk}/cancel/", follow=True).content.decode()
    assert ImportJob.objects.get(pk=cancelled.pk).status == Status.CANCELLED and not Settlement.objects.exists()

    continued = killed_mid_commit("continued")
    assert "导入完成：新增 7 行" in client.post(f"/imports/{continued.pk}/resume/", follow=True).content.decode()
    continued.refresh_from_db()
    assert continued.status == Status.COMMITTED and continued.counts["new"] == 7
    _exact(people)

"""A large settlement file's preview is checked in several processes at once, each on its share
of the people (core.forked). What the user sees (counts, error rows, each row's split) and what
the commit stores from the kept plan are exactly what a preview in one process gives. These
tests commit their data (a forked process sees only committed rows)."""

import gzip
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from benefits.importers import SettlementImporter
from benefits.models import Facility, ParameterSet, PersonYear, Settlement
from benefits.services.settlements import SPLIT_FIELDS, YEAR_FIELDS
from core import forked
from core.imports import RowIn
from core.models import ImportJob
from core.services import imports
from core.tasks import commit_import, preview_import
from core.xlsx import write_xlsx
from enrollment.services.enrollments import enrollment_register
from tests import factories
from tests.workers import child_env, forget_unacked, send_over_broker

pytestmark = pytest.mark.django_db(transaction=True)
HEADERS = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "就医地", "病种", "甲类费用", "乙类药品", "目录外费用"]
WORKER_ENV = {"IMPORT_PREVIEW_PROCESSES": "2", "IMPORT_PREVIEW_PART_ROWS": "10", "IMPORT_CHUNK_ROWS": "7"}


@pytest.fixture
def world(clerk, village, xianan, settings):
    settings.IMPORT_CHUNK_ROWS = 7  # 41 rows: six pieces, each person's bills spread over several
    settings.IMPORT_PREVIEW_PART_ROWS = 10
    people = []
    for i in range(8):
        person = factories.person(village, name=f"分进程{i}")
        enrollment_register(user=clerk, person=person, category="regular", channel="village_batch",
                            payment_date=date(2022, 10, 8), today=date(2022, 10, 8))
        people.append(person)
    Facility.objects.create(code="H001", name="咸安区人民医院", level=2, tier="secondary_plus", region=xianan, agreement_from=date(2020, 1, 1))
    Facility.objects.create(code="V001", name="示例村卫生室", level=1, tier="village", region=xianan, agreement_from=date(2020, 1, 1))
    return people


def _rows(people):
    """Per person, admissions that cross the deductible and the CI threshold in later pieces
    and two outpatient visits on one day (the daily cap); one person's ID number in fullwidth
    digits in one row (the same person); a wrong name; a bill number twice for two people."""
    rows = []
    for n in range(4):
        for i, p in enumerate(people):
            rows.append([f"ZY{n}-{i}", "H001", p.id_number, p.name, "住院", f"2023-0{1 + n}-1{i % 3}", f"2023-0{1 + n}-2{i % 3}", "市内", "",
                         str(9000 + 4000 * n + 100 * i), "3000", "200"])
    for n in range(2):
        for p in people[:3]:
            rows.append([f"MZ{n}-{p.pk}", "V001", p.id_number, p.name, "普通门诊", "2023-06-06", "", "市内", "", "60", "0", "0"])
    rows[3][2] = rows[3][2].translate({ord(c): 0xFEE0 + ord(c) for c in "0123456789"})
    rows.append(["ZY9", "H001", people[1].id_number, "别人", "住院", "2023-07-01", "2023-07-04", "市内", "", "5000", "0", "0"])
    rows.append(["DUP", "H001", people[2].id_number, people[2].name, "住院", "2023-07-02", "2023-07-04", "市内", "", "5000", "0", "0"])
    rows.append(["DUP", "H001", people[5].id_number, people[5].name, "住院", "2023-07-03", "2023-07-04", "市内", "", "5000", "0", "0"])
    return rows


def _upload(officer, rows):
    return imports.import_job_create(user=officer, kind="settlements", skip_bad_rows=True,
                                     uploaded=SimpleUploadedFile("parts.xlsx", write_xlsx(HEADERS, rows)))


def _seen(job):
    return job.counts, job.errors, job.preview_rows


def _stored():
    rows = {s.bill_number: (tuple(getattr(s, f) for f in SPLIT_FIELDS), s.explanation, s.parameter_set.versions)
            for s in Settlement.objects.all()}
    years = {(y.person_id, y.year): tuple(getattr(y, f) for f in YEAR_FIELDS) for y in PersonYear.objects.all()}
    return rows, years


def _wipe():
    Settlement.objects.all().delete()
    PersonYear.objects.all().delete()
    ParameterSet.objects.all().delete()


def _plan_files():
    """The plan files in private storage (the storage outlives a test run, so tests compare)."""
    try:
        return set(default_storage.listdir(imports.PLANS_DIR)[1])
    except FileNotFoundError:
        return set()


def _segments(job):
    """The number of parts each piece's kept plan was saved from."""
    manifest = imports._gz_json_read(job.plan_file)["pieces"]
    return [len(imports._plan_read(p["plan"])) for _n, p in sorted(manifest.items(), key=lambda i: int(i[0])) if p["plan"]]


def _one_process_then_wiped(officer, rows, settings):
    """What one process shows and stores for the file (then removed again)."""
    settings.IMPORT_PREVIEW_PROCESSES = 1
    job = imports.import_job_preview(_upload(officer, rows).pk)
    seen = _seen(job)
    commit_import.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED, job.failure
    stored = _stored()
    _wipe()
    return seen, stored


def _checked_by(monkeypatch, log: Path):
    """Record which process checked each batch of the preview (a file: the processes share no memory)."""
    real = SettlementImporter.check

    def check(self, rows):
        if not self.committing:
            with open(log, "a") as out:
                out.write(f"{os.getpid()} {len(rows)}\n")
        return real(self, rows)

    monkeypatch.setattr(SettlementImporter, "check", check)


def test_a_preview_in_parts_shows_and_stores_what_one_process_does(world, officer, settings, monkeypatch, tmp_path):
    rows = _rows(world)
    expected_seen, expected_stored = _one_process_then_wiped(officer, rows, settings)
    assert expected_seen[0] == {"new": 38, "changed": 0, "unchanged": 0, "error": 3}

    settings.IMPORT_PREVIEW_PROCESSES = 3
    _checked_by(monkeypatch, tmp_path / "checks")
    files_before = _plan_files()
    job = imports.import_job_preview(_upload(officer, rows).pk)
    checks = [line.split() for line in (tmp_path / "checks").read_text().splitlines()]
    assert len({pid for pid, _n in checks}) == 3  # three processes checked rows
    assert sum(int(n) for _pid, n in checks) == len(rows) - 2  # every row once, the repeated bill number's two rows not at all
    assert _seen(job) == expected_seen
    assert job.plan_file and max(_segments(job)) > 1  # the pieces' plans came in parts
    assert imports.get_progress(job)["percent"] == 100

    monkeypatch.setattr(SettlementImporter, "check", lambda self, rows: pytest.fail("the kept plan is written, nothing checked again"))
    commit_import.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED, job.failure
    assert job.counts == expected_seen[0]
    assert _stored() == expected_stored
    assert _plan_files() == files_before  # the plan's files, the parts' shares among them, are gone once written


def test_a_persons_bills_stay_in_one_part_however_the_number_is_written(world, officer, settings):
    settings.IMPORT_PREVIEW_PROCESSES = 4
    importer = SettlementImporter(user=officer)
    number = world[0].id_number
    spellings = [number, number.translate({ord(c): 0xFEE0 + ord(c) for c in "0123456789"}), f" {number[:6]} {number[6:]} ",
                 number[:-1] + number[-1].lower()]
    rows = [RowIn(n, {"id_number": spellings[n % 4]}) for n in range(2, 22)]
    rows += [RowIn(n, {"id_number": p.id_number}) for n, p in enumerate(world[1:], start=22)]
    parts = imports._preview_parts(importer, rows)
    assert parts is not None and len(parts) > 1
    holding = [k for k, share in enumerate(parts) if any(r.number < 22 for r in share)]
    assert len(holding) == 1
    assert all([r.number for r in share] == sorted(r.number for r in share) for share in parts)  # the file's order


def test_a_small_file_or_one_process_is_checked_here(world, officer, settings):
    importer = SettlementImporter(user=officer)
    rows = [RowIn(n, {"id_number": p.id_number}) for n, p in enumerate(world * 2, start=2)]
    settings.IMPORT_PREVIEW_PROCESSES = 2
    settings.IMPORT_PREVIEW_PART_ROWS = len(rows) + 1
    assert imports._preview_parts(importer, rows) is None
    settings.IMPORT_PREVIEW_PART_ROWS, settings.IMPORT_PREVIEW_PROCESSES = 2, 1
    assert imports._preview_parts(importer, rows) is None


def test_a_part_that_fails_fails_the_preview_and_leaves_no_plan(world, officer, settings, monkeypatch):
    settings.IMPORT_PREVIEW_PROCESSES = 2
    parent, real = os.getpid(), SettlementImporter.check

    def check(self, rows):
        if os.getpid() != parent:
            raise KeyError("a bug in a forked part")
        return real(self, rows)

    monkeypatch.setattr(SettlementImporter, "check", check)
    job = _upload(officer, _rows(world))
    files_before = _plan_files()
    with pytest.raises(KeyError) as error:
        imports.import_job_preview(job.pk)
    assert any("In the forked process" in note for note in error.value.__notes__)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "内部错误" in job.failure and not job.plan_file
    assert _plan_files() == files_before  # neither part left a plan file


def test_a_plan_saved_before_segments_is_still_read(world):
    name = default_storage.save(f"{imports.PLANS_DIR}/old-format.gz",
                                SimpleUploadedFile("x", gzip.compress('{"format":2,"sets":{},"totals":[]}\nline 1\nline 2'.encode())))
    assert imports._plan_read(name) == [{"format": 2, "sets": {}, "totals": [], "lines": ["line 1", "line 2"]}]
    default_storage.delete(name)


def test_progress_adds_up_the_parts(world, officer):
    job = _upload(officer, _rows(world))
    imports.set_progress(job.pk, "preview", 0, 40, parts=2)
    imports._checking(job.pk, part=0)(10, 20)
    imports._checking(job.pk, part=1)(20, 20)
    assert imports.get_progress(job)["done"] == 30 and imports.get_progress(job)["percent"] == 75


@pytest.mark.services
def test_a_preview_in_parts_in_a_real_prefork_worker(redis_broker, world, officer, settings, tmp_path):
    """A Celery prefork pool's process may not start multiprocessing children; the parts are
    forked directly, and the preview comes out as in one process."""
    rows = _rows(world)
    expected_seen, _stored_ = _one_process_then_wiped(officer, rows, settings)
    job = _upload(officer, rows)
    log = tmp_path / "worker.log"
    env = child_env(**WORKER_ENV)
    with open(log, "wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
                                   "--loglevel=INFO", "--without-mingle", "--without-gossip", "--without-heartbeat",
                                   f"--hostname=parts-{os.getpid()}@%h"],
                                  cwd=Path(__file__).resolve().parent.parent.parent, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        send_over_broker(lambda: preview_import.delay(job.pk))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in (ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED):
                break
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        forget_unacked(job.pk)
    assert job.status == ImportJob.Status.PREVIEWED, (job.failure, log.read_text(errors="replace")[-3000:])
    assert _seen(job) == expected_seen
    assert max(_segments(job)) > 1, "the worker checked the file in parts"

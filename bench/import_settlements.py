"""Benchmark: a facility's large settlement export (CSV, UTF-8) uploaded, previewed and
committed as a chain of bounded chunks (IMPORT_CHUNK_ROWS rows, one transaction each) on
PostgreSQL, then the same file again (idempotent: every bill comes back unchanged).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yibao_settle_bench python bench/import_settlements.py [--rows 200000]
        [--prefill 1000000] [--profile commit.prof]

--prefill N first fills the database up to N stored settlements of the same people (generated
in SQL, a minute for a million), so that the import is measured against a full year's data.
--profile writes a cProfile of the preview and the commit (one file each, .preview/.commit).

Tasks run in-process (eager), one chunk after another, exactly as a worker runs them. The
figures to watch: rows/s of the commit and the slowest chunk, which must stay far under the
broker's visibility timeout (2 h) and the chunk task's time limit (10 min).
"""

import argparse
import csv
import io
import os
import random
import statistics
import time
from datetime import date, timedelta

os.environ.pop("CELERY_BROKER_URL", None)  # tasks eager, in this process

from common import django_on_postgres, ensure_people, peak_rss_mb, settlement_setup  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yibao_settle_bench"
HEADERS = ["结算单号", "机构编码", "身份证号", "姓名", "就医类型", "入院（就诊）日期", "出院日期", "就医地", "病种", "甲类费用", "乙类药品", "目录外费用"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--prefill", type=int, default=0, help="fill the database up to this many settlements first")
    parser.add_argument("--profile", default="", help="write cProfile output of the preview and the commit to this path")
    args = parser.parse_args()
    django_on_postgres(DEFAULT_DB)
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from benefits.models import Settlement
    from core.services import imports
    from core.tasks import commit_import
    from enrollment.models import Person

    ensure_people(args.people)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM benefits_settlement WHERE bill_number LIKE 'IMP%%'")
    (hospital, clinic), officer = settlement_setup([("IMPH01", "导入基准医院", 2, "secondary_plus"), ("IMPV01", "导入基准卫生室", 1, "village")])
    people = list(Person.objects.order_by("pk").values_list("id_number", "name")[: args.people])
    if args.prefill:
        prefill(args.prefill, clinic, len(people))

    rng = random.Random(5)
    year_start = date(date.today().year, 1, 1)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for n in range(args.rows):
        id_number, name = rng.choice(people)
        inpatient = rng.random() < 0.15
        day = year_start + timedelta(days=rng.randint(0, 330))
        writer.writerow([f"IMP{n:09d}", hospital.code if inpatient else clinic.code, id_number, name, "住院" if inpatient else "普通门诊",
                         day.isoformat(), (day + timedelta(days=5)).isoformat() if inpatient else "", "市内", "",
                         rng.randint(2000, 30000) if inpatient else rng.randint(20, 150), rng.randint(0, 5000) if inpatient else 0,
                         rng.randint(0, 800) if inpatient else 0])
    data = buffer.getvalue().encode()
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB CSV; chunks of {settings.IMPORT_CHUNK_ROWS:,} rows")

    t = time.monotonic()
    job = imports.import_job_create(user=officer, kind="settlements", uploaded=SimpleUploadedFile("export.csv", data))
    upload = time.monotonic() - t
    t = time.monotonic()
    job = profiled(args.profile and args.profile + ".preview", imports.import_job_preview, job.pk)
    preview = time.monotonic() - t
    assert job.error_count == 0, job.errors[:5]
    t = time.monotonic()
    profiled(args.profile and args.profile + ".commit", commit_import.delay, job.pk)
    commit = time.monotonic() - t
    job.refresh_from_db()
    assert job.status == job.Status.COMMITTED, job.failure
    chunk_seconds = [float(c.seconds) for c in job.chunks.all()] or [commit]  # a file of one chunk commits in one go
    stored = Settlement.objects.filter(source_import=job).count()
    print(f"upload {upload:.1f} s + preview {preview:.1f} s + commit {commit:.1f} s = {upload + preview + commit:.1f} s; "
          f"preview {args.rows / preview:,.0f} rows/s, commit {stored / commit:,.0f} settlements/s ({stored:,} stored; "
          f"{Settlement.objects.count():,} in the database)")
    print(f"  {len(chunk_seconds)} chunks: median {statistics.median(chunk_seconds):.1f} s, slowest {max(chunk_seconds):.1f} s "
          f"(visibility timeout {settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']} s, chunk time limit {settings.IMPORT_CHUNK_TIME_LIMIT} s)")

    t = time.monotonic()
    again = imports.import_job_preview(imports.import_job_create(user=officer, kind="settlements", uploaded=SimpleUploadedFile("export.csv", data)).pk)
    print(f"same file again: {again.counts['unchanged']:,} unchanged, {again.counts['new']} new, in {time.monotonic() - t:.1f} s; "
          f"peak RSS {peak_rss_mb():.0f} MB")


def profiled(path: str, function, *args):
    if not path:
        return function(*args)
    import cProfile

    profile = cProfile.Profile()
    try:
        return profile.runcall(function, *args)
    finally:
        profile.dump_stats(path)


def prefill(count: int, facility, people: int) -> None:
    """Settlements up to `count` in all (outpatient visits of the first `people` people at the
    facility this year, bills PRE…), written in SQL: only their number and spread matter here."""
    from django.db import connection

    from benefits.models import Settlement
    from benefits.services.settlements import parameter_set_digest, parameter_sets_store
    from core.bulk import refresh_statistics

    missing = count - Settlement.objects.count()
    if missing <= 0:
        return
    started = time.monotonic()
    year = date.today().year
    empty_set = parameter_set_digest({})  # the prefilled rows name an empty parameter set
    parameter_sets_store({empty_set: {}})
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM benefits_settlement")
        offset = cursor.fetchone()[0]
        cursor.execute("""
            INSERT INTO benefits_settlement (person_id, facility_id, bill_number, kind, visit_date, year, location, disease, referral,
                referred_from_deductible, downward_referral, in_province, channel, class_a, class_b_drug, blood, class_b_treatment,
                material_general, material_other_domestic, material_other_imported, out_of_catalogue, total, class_b_first_pay,
                policy_range, location_first_pay, deductible, basic_fund, critical_illness, assistance, extra_assistance, personal,
                ci_base, ma_base, outpatient_fund, chronic_fund, parameter_set_id, explanation, status, reason, region_path, created_at)
            SELECT p.id, %s, 'PRE' || (%s + g), 'outpatient', make_date(%s, 1, 1) + (g %% 330), %s, 'local', '', 'referred',
                0, false, true, 'direct', 40, 0, 0, 0, 0, 0, 0, 0, 40, 0, 40, 0, 0, 15, 0, 0, 0, 25, 0, 0, 15, 0, %s, '[]',
                'settled', '', p.region_path, now()
            FROM generate_series(1, %s) AS g
            JOIN (SELECT id, region_path, row_number() OVER (ORDER BY id) - 1 AS n FROM enrollment_person ORDER BY id LIMIT %s) AS p
              ON p.n = g %% %s
        """, [facility.pk, offset, year, year, empty_set, missing, people, people])
    refresh_statistics(Settlement)
    print(f"prefilled {missing:,} settlements in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

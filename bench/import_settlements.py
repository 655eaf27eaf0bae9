"""Benchmark: a facility's large settlement export (CSV, UTF-8) uploaded, previewed and
committed as a chain of bounded chunks (IMPORT_CHUNK_ROWS rows, one transaction each) on
PostgreSQL, then the same file again (idempotent: every bill comes back unchanged).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yibao_settle_bench python bench/import_settlements.py [--rows 200000]

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
    job = imports.import_job_preview(job.pk)
    preview = time.monotonic() - t
    assert job.error_count == 0, job.errors[:5]
    t = time.monotonic()
    commit_import.delay(job.pk)
    commit = time.monotonic() - t
    job.refresh_from_db()
    assert job.status == job.Status.COMMITTED, job.failure
    chunk_seconds = [float(c.seconds) for c in job.chunks.all()] or [commit]  # a file of one chunk commits in one go
    stored = Settlement.objects.filter(source_import=job).count()
    print(f"upload {upload:.1f} s + preview {preview:.1f} s + commit {commit:.1f} s = {upload + preview + commit:.1f} s; "
          f"commit {stored / commit:,.0f} settlements/s ({stored:,} stored)")
    print(f"  {len(chunk_seconds)} chunks: median {statistics.median(chunk_seconds):.1f} s, slowest {max(chunk_seconds):.1f} s "
          f"(visibility timeout {settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout']} s, chunk time limit {settings.IMPORT_CHUNK_TIME_LIMIT} s)")

    t = time.monotonic()
    again = imports.import_job_preview(imports.import_job_create(user=officer, kind="settlements", uploaded=SimpleUploadedFile("export.csv", data)).pk)
    print(f"same file again: {again.counts['unchanged']:,} unchanged, {again.counts['new']} new, in {time.monotonic() - t:.1f} s; "
          f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

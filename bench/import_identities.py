"""Benchmark: a 200,000-row civil-affairs identity list (部门认定名单) previewed and committed on
PostgreSQL, against people registered by the demo generator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yibao_identity_bench python bench/import_identities.py [--rows 200000]

The first run generates the people (about 60,000 households); identities are emptied at each run.
Target (issue 3): preview + commit under 60 s.
"""

import argparse
import os
import random
import time

from common import django_on_postgres, peak_rss_mb
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yibao_identity_bench"
HEADERS = ["姓名", "身份证号", "身份类别", "认定日期", "有效期至", "认定文号", "退出日期", "所属村/社区"]
CODES = ["特困", "低保", "孤儿", "低保边缘", "因病致贫"]


def setup(rows: int):
    django_on_postgres(DEFAULT_DB)
    from django.core.management import call_command

    from enrollment.models import Person

    if Person.objects.count() < rows:
        households = (rows - Person.objects.count()) // 3 + 1000
        t = time.monotonic()
        call_command("generate_demo", households=households, verbosity=0, stdout=open(os.devnull, "w"))
        print(f"generated {Person.objects.count()} people in {time.monotonic() - t:.0f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    setup(args.rows)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from assistance.models import HardshipIdentity
    from core.models import Department
    from core.services import imports
    from core.services.users import user_upsert
    from core.xlsx import write_xlsx
    from enrollment.models import Person

    with connection.cursor() as cursor:
        cursor.execute("UPDATE enrollment_enrollment SET subsidy_identity_record_id = NULL WHERE subsidy_identity_record_id IS NOT NULL")
        cursor.execute("DELETE FROM assistance_subsidyrunline")
        cursor.execute("DELETE FROM assistance_subsidyrun")
        cursor.execute("DELETE FROM assistance_hardshipidentity")
        cursor.execute("TRUNCATE assistance_historicalhardshipidentity")
    civil = user_upsert(username="bench_civil", password="bench-pass-2026", group="民政", region_code="421202", full_name="基准民政")
    civil.department = Department.CIVIL_AFFAIRS
    civil.save()

    rng = random.Random(3)
    people = list(Person.objects.filter(region_path__startswith="420000/421200/421202/").values_list("name", "id_number")[: args.rows])
    rows = [[name, number, rng.choice(CODES), f"2026-{rng.randint(1, 10):02d}-01", "", f"咸民〔2026〕{i}号", "", ""]
            for i, (name, number) in enumerate(people)]
    t = time.monotonic()
    data = write_xlsx(HEADERS, rows, title="认定名单", text_columns=[2])
    print(f"file: {len(rows)} rows, {len(data) / 1048576:.1f} MB, built in {time.monotonic() - t:.1f} s")

    t0 = time.monotonic()
    job = imports.import_job_create(user=civil, kind="identity_list", uploaded=SimpleUploadedFile("list.xlsx", data))
    t1 = time.monotonic()
    job = imports.import_job_preview(job.pk)
    t2 = time.monotonic()
    job = imports.import_job_commit(job.pk)
    t3 = time.monotonic()
    total = t3 - t0
    print(f"status {job.status}, counts {job.counts}, identities written {HardshipIdentity.objects.count()}")
    print(f"  upload checks + read: {t1 - t0:6.2f} s")
    print(f"  preview:              {t2 - t1:6.2f} s  ({len(rows) / (t2 - t1):,.0f} rows/s)")
    print(f"  commit:               {t3 - t2:6.2f} s  ({len(rows) / (t3 - t2):,.0f} rows/s)")
    print(f"  total:                {total:6.2f} s  (target < 60 s)")
    print(f"  peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

"""Benchmark: a 100,000-row village household list through the enrollment importer on
PostgreSQL (upload checks + preview + commit), and the same file through a plain
django-import-export ModelResource with its recommended bulk settings, for the ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yibao_import_bench python bench/import_enrollment.py [--rows 100000]

The benchmark database is emptied of people, households and enrollments at each run.
Target (issue 2): 100,000 rows in under 20 s (5,000 rows/s) and under 600 MB peak memory.
"""

import argparse
import random
import time
from datetime import date, timedelta

from common import django_on_postgres, peak_rss_mb

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yibao_import_bench"
HEADERS = ["姓名", "身份证号", "户主身份证号", "与户主关系", "村/社区", "联系电话", "参保类别", "缴费日期", "学校", "参保年度", "家庭住址"]


def setup():
    django_on_postgres(DEFAULT_DB)


def reset_tables():
    from django.db import connection

    tables = ["enrollment_historicalenrollment", "enrollment_enrollment", "enrollment_historicalperson",
              "enrollment_historicalhousehold", "enrollment_person", "enrollment_household"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE enrollment_household SET head_id = NULL")
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def county_and_clerk():
    from core.models import Region, RegionLevel
    from core.services.users import user_upsert
    from enrollment.models import ResidentScheme
    from enrollment.services.demo import ensure_demo_standards

    county = Region.objects.get(code="421202")
    for scheme in ResidentScheme.objects.all():
        ensure_demo_standards(scheme)
    town = Region.objects.filter(code="421202901").first() or Region.objects.create(code="421202901", name="基准镇", level=RegionLevel.TOWNSHIP, parent=county)
    villages = list(Region.objects.filter(parent=town))
    if not villages:
        Region.objects.bulk_create([
            Region(code=f"421202901{i:03d}", name=f"基准{i}村", level=RegionLevel.VILLAGE, parent=town, path=f"{town.path}421202901{i:03d}/")
            for i in range(1, 201)
        ])
        villages = list(Region.objects.filter(parent=town))
    clerk = user_upsert(username="bench_clerk", password="bench-pass-2026", group="经办员", region_code="421202")
    return clerk, villages


def build_file(rows: int, villages, today: date) -> bytes:
    """Household lists: a head and up to four members, paid in this year's window."""
    from core.idnumber import check_char
    from core.xlsx import write_xlsx
    from enrollment.services.demo import SURNAMES, _name

    rng = random.Random(7)
    used = set()

    def number(birth):
        while True:
            first17 = f"421202{birth:%Y%m%d}{rng.randrange(1000):03d}"
            n = first17 + check_char(first17)
            if n not in used:
                used.add(n)
                return n

    window_open = date(today.year, 9, 1) if today >= date(today.year, 9, 1) else date(today.year - 1, 9, 1)
    out = []
    while len(out) < rows:
        village = rng.choice(villages)
        surname = rng.choice(SURNAMES)
        head = number(today - timedelta(days=rng.randrange(25 * 365, 75 * 365)))
        paid = window_open + timedelta(days=rng.randrange(max(1, min((today - window_open).days, 100))))
        out.append([_name(rng, surname), head, head, "户主", village.code, f"139{rng.randrange(10**8):08d}", "城乡居民", paid, "", "", f"{village.name}{rng.randint(1, 99)}号"])
        for relation in rng.sample(["配偶", "子女", "子女", "父母"], rng.randint(0, 4)):
            if len(out) >= rows:
                break
            age = {"配偶": (25, 75), "子女": (1, 30), "父母": (60, 90)}[relation]
            out.append([_name(rng, surname), number(today - timedelta(days=rng.randrange(age[0] * 365, age[1] * 365))), head, relation,
                        village.code, "", "城乡居民", paid, "", "", ""])
    return write_xlsx(HEADERS, out, title="参保名单")


def run_engine(data: bytes, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.services import imports

    t0 = time.monotonic()
    job = imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=SimpleUploadedFile("bench.xlsx", data))
    t1 = time.monotonic()
    job = imports.import_job_preview(job.pk)
    t2 = time.monotonic()
    job = imports.import_job_commit(job.pk)
    t3 = time.monotonic()
    return job, t1 - t0, t2 - t1, t3 - t2


def run_plain_import_export(data: bytes, villages):
    """The same file through a plain ModelResource (people only, no rules), with the
    library's recommended bulk settings."""
    from import_export import fields, resources
    from import_export.formats.base_formats import XLSX

    from core.idnumber import parse_id_number
    from enrollment.models import Person

    village_by_code = {v.code: v for v in villages}

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号")

        class Meta:
            model = Person
            fields = ("name", "id_number")
            import_id_fields = ("id_number",)
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            force_init_instance = True

        def before_save_instance(self, instance, row, **kwargs):
            parsed = parse_id_number(instance.id_number)
            village = village_by_code[row["村/社区"]]
            instance.birth_date, instance.gender = parsed.birth_date, parsed.gender
            instance.village, instance.region_path = village, village.path

    reset_tables()
    t0 = time.monotonic()
    dataset = XLSX().create_dataset(data)
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.monotonic() - t0
    return result.totals, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-plain", action="store_true", help="skip the plain django-import-export comparison")
    args = parser.parse_args()
    setup()
    from django.utils import timezone

    from enrollment.models import Enrollment, Household, Person

    clerk, villages = county_and_clerk()
    reset_tables()
    t = time.monotonic()
    data = build_file(args.rows, villages, timezone.localdate())
    print(f"file: {args.rows} rows, {len(data) / 1048576:.1f} MB, built in {time.monotonic() - t:.1f} s")
    rss_before = peak_rss_mb()

    job, upload_s, preview_s, commit_s = run_engine(data, clerk)
    total = upload_s + preview_s + commit_s
    print(f"engine: status {job.status}, counts {job.counts}")
    print(f"  written: {Person.objects.count()} people, {Household.objects.count()} households, {Enrollment.objects.count()} enrollments")
    print(f"  upload checks + read: {upload_s:6.2f} s")
    print(f"  preview (dry run):    {preview_s:6.2f} s  ({args.rows / preview_s:,.0f} rows/s)")
    print(f"  commit:               {commit_s:6.2f} s  ({args.rows / commit_s:,.0f} rows/s)")
    print(f"  total:                {total:6.2f} s  ({args.rows / total:,.0f} rows/s; target < 20 s)")
    print(f"  peak RSS: {peak_rss_mb():.0f} MB (before import {rss_before:.0f} MB; target < 600 MB)")

    t = time.monotonic()
    job2, *_ = run_engine(data, clerk)
    print(f"same file again: {job2.counts} in {time.monotonic() - t:.1f} s (nothing written)")

    if not args.skip_plain:
        totals, plain_s = run_plain_import_export(data, villages)
        print(f"plain django-import-export ModelResource (people only, use_bulk, batch 1000, skip_diff, force_init_instance):")
        print(f"  {plain_s:6.2f} s ({args.rows / plain_s:,.0f} rows/s); totals {dict(totals)}")
        print(f"ratio: engine (preview + commit, people + households + enrollments) {args.rows / total:,.0f} rows/s "
              f"vs plain {args.rows / plain_s:,.0f} rows/s = {plain_s / total:.2f}x")


if __name__ == "__main__":
    main()

"""Benchmark: the daily enrollment postings of the fund ledger at a city's scale — contributions,
subsidised enrollment and fiscal subsidies per head (funds.services.postings) each read every paid
enrollment of the city once a day (they post what has changed since the ledger last saw it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yibao_funds_bench python bench/fund_enrollments.py [--rows 2000000]

The demo generator makes a few thousand real people and enrollments; their enrollment rows are
then copied in SQL (INSERT … SELECT over generate_series) up to --rows paid enrollments, spread
over payment dates of the autumn collection. The copies keep their person (the postings read no
person), so the one-enrollment-per-person-and-year index is dropped in this database first.
Reported: each job's first day (everything posted at once), a steady day (nothing new), and a day
with 1,000 new payments.
"""

import argparse
import json
import time
from datetime import date, timedelta

from common import django_on_postgres, ensure_people, peak_rss_mb

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yibao_funds_bench"
COPY = """
INSERT INTO enrollment_enrollment (
    benefit_year, category, channel, region_path, registered_on, payment_date, standard, subsidy, subsidy_identity, identities,
    amount_due, status, benefit_start, benefit_end, mid_year, waiting_days, prior_coverage_kind, prior_coverage_ended_on,
    prior_coverage_years, sources, status_reason, created_at, updated_at, created_by_id, source_import_id, village_id, person_id,
    scheme_id, school_id, subsidy_identity_record_id, payment_id)
SELECT e.benefit_year, e.category, e.channel, e.region_path, e.registered_on, %(first_day)s::date + (g %% 90), e.standard, e.subsidy,
       e.subsidy_identity, e.identities, e.amount_due, 'paid', e.benefit_start, e.benefit_end, e.mid_year, e.waiting_days,
       e.prior_coverage_kind, e.prior_coverage_ended_on, e.prior_coverage_years, e.sources, e.status_reason, now(), now(),
       e.created_by_id, NULL, e.village_id, e.person_id, e.scheme_id, e.school_id, NULL, NULL
FROM generate_series(1, %(count)s) AS g
JOIN (SELECT *, row_number() OVER (ORDER BY id) - 1 AS rn FROM enrollment_enrollment
      WHERE status IN ('paid', 'in_benefit') AND benefit_year = %(year)s) e ON e.rn = g %% %(base)s
"""


def timed(work):
    started = time.monotonic()
    result = work()
    return round(time.monotonic() - started, 2), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--people", type=int, default=3_000)
    args = parser.parse_args()
    django_on_postgres(DEFAULT_DB)
    from django.db import connection

    from core.models import Region
    from enrollment.models import Enrollment
    from funds.services import postings

    ensure_people(args.people)
    year = date.today().year + 1  # the year being collected this autumn
    base = Enrollment.objects.filter(status__in=("paid", "in_benefit"), benefit_year=year).count()
    if not base:
        year -= 1
        base = Enrollment.objects.filter(status__in=("paid", "in_benefit"), benefit_year=year).count()
    city = Region.objects.get(code="421200")
    first_day = date(year - 1, 9, 1)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE funds_journalline, funds_journalentry, funds_account, funds_jobrun RESTART IDENTITY CASCADE")
        cursor.execute("DROP INDEX IF EXISTS one_enrollment_per_person_year")
        cursor.execute("SELECT count(*) FROM enrollment_enrollment WHERE status IN ('paid', 'in_benefit', 'ended', 'suspended')")
        have = cursor.fetchone()[0]
    started = time.monotonic()
    while have < args.rows:
        count = min(500_000, args.rows - have)
        with connection.cursor() as cursor:
            cursor.execute(COPY, {"first_day": first_day, "count": count, "year": year, "base": base})
        have += count
        print(f"  {have:,} paid enrollments, {time.monotonic() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE enrollment_enrollment")
    paid = Enrollment.objects.filter(region_path__startswith=city.path, status__in=Enrollment.PAID_STATUSES).count()

    day = date(year, 1, 1)  # the benefit year has begun: the fiscal subsidies of its people count
    jobs = {"contributions": postings.post_contribution_day, "subsidies": postings.post_subsidy_day,
            "fiscal_subsidies": postings.post_fiscal_subsidy_day}
    report = {"paid_enrollments_of_the_city": paid, "benefit_year": year}
    for name, work in jobs.items():
        first_s, first = timed(lambda work=work: work(city, day))
        steady_s, steady = timed(lambda work=work: work(city, day + timedelta(days=1)))
        report[name] = {"first_day_s": first_s, "first_day_amount": first["amount"], "steady_day_s": steady_s,
                        "steady_day_entries": steady["entries"]}
    with connection.cursor() as cursor:  # a day with 1,000 new payments
        cursor.execute(COPY, {"first_day": day + timedelta(days=2), "count": 1000, "year": year, "base": base})
        cursor.execute("UPDATE enrollment_enrollment SET payment_date = %s WHERE payment_date > %s", [day + timedelta(days=2), day + timedelta(days=1)])
    for name, work in jobs.items():
        seconds, result = timed(lambda work=work: work(city, day + timedelta(days=2)))
        report[name]["day_with_1000_payments_s"] = seconds
        report[name]["day_with_1000_payments_entries"] = result["entries"]
    from funds.services.reconcile import income_checks

    seconds, checks = timed(lambda: income_checks(city, day + timedelta(days=2)))  # the reconciliation page's incomes table
    report["reconciliation_incomes"] = {"seconds": seconds, "rows": len(checks), "differences": sum(1 for c in checks if c.difference)}
    report["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark: a city's year of settlements posted to the fund ledger, day by day, per facility
and fund (funds.services.jobs), then balance queries and the year's reconciliation.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yibao_funds_bench python bench/funds.py [--rows 20000000]

Settlement rows are generated in SQL (INSERT … SELECT over generate_series: amounts only, no
engine; the engine has its own benchmark, bench/settlement.py), spread over last year's 365
days, 40 facilities, two counties' people, 1% of them manual claims. Targets (issue 12): a
balance query p95 under 100 ms; posting and reconciliation times are reported.
"""

import argparse
import json
import random
import statistics
import time
from datetime import date, timedelta

from common import django_on_postgres, ensure_people, peak_rss_mb, settlement_setup

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yibao_funds_bench"
GENERATE = """
INSERT INTO benefits_settlement (
    bill_number, kind, visit_date, year, location, disease, class_a, class_b_drug, blood, class_b_treatment, material_general,
    material_other_domestic, material_other_imported, out_of_catalogue, total, class_b_first_pay, policy_range, location_first_pay,
    deductible, basic_fund, critical_illness, assistance, extra_assistance, personal, ci_base, ma_base, outpatient_fund, chronic_fund,
    explanation, status, reason, region_path, created_at, facility_id, person_id, parameter_set_id, channel)
SELECT 'FB' || g, 'outpatient', day, %(year)s, 'local', '', 1000, 0, 0, 0, 0, 0, 0, 0, 1000, 0, 1000, 0, 0,
       basic, ci, ma, 0, 1000 - basic - ci - ma, 0, 0, 0, 0, '[]'::jsonb, 'settled', '', p.region_path,
       day + time '10:00' + (g %% 28800) * interval '1 second', f.id, p.id, %(parameter_set)s,
       CASE WHEN g %% 100 = 0 THEN 'manual' ELSE 'direct' END
FROM (SELECT g, %(start)s::date + (g %% 365) AS day, (300 + g %% 400)::numeric AS basic,
             CASE WHEN g %% 50 = 0 THEN 120 ELSE 0 END::numeric AS ci,
             CASE WHEN g %% 20 = 0 THEN 40 ELSE 0 END::numeric AS ma
      FROM generate_series(%(first)s, %(last)s) AS g) AS rows
JOIN bench_people p ON p.rn = rows.g %% %(people)s
JOIN bench_facilities f ON f.rn = (rows.g / 365) %% %(facilities)s  -- every facility on every day
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    django_on_postgres(DEFAULT_DB)
    from django.db import connection

    from benefits.models import Facility, Settlement
    from benefits.services.settlements import VisitInput, settlement_create
    from core.models import Region
    from enrollment.models import Enrollment
    from funds.models import Account, JournalEntry, JournalLine
    from funds.services import jobs, ledger
    from funds.services.reconcile import reconcile_settlements

    ensure_people(args.people)
    levels = [(3, "secondary_plus"), (2, "secondary_plus"), (1, "township"), (1, "village")] * 10
    facilities, officer = settlement_setup([(f"FBENCH{i:03d}", f"基金基准医院{i}", level, tier) for i, (level, tier) in enumerate(levels)])
    year = date.today().year - 1
    start = date(year, 1, 1)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE funds_journalline, funds_journalentry, funds_account, funds_jobrun, benefits_settlement, "
                       "benefits_personyear RESTART IDENTITY CASCADE")
    # One settlement by the engine gives the parameter set the generated rows name.
    person = Enrollment.objects.filter(benefit_year=date.today().year).select_related("person__village").first().person
    seed = settlement_create(user=officer, data=VisitInput(person=person, facility=facilities[1], bill_number="FBSEED", kind="outpatient",
                                                           visit_date=date.today() - timedelta(days=1), costs={"class_a": "100"}))
    parameter_set = seed.parameter_set_id
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE benefits_settlement, benefits_personyear RESTART IDENTITY")
        cursor.execute("DROP TABLE IF EXISTS bench_people; DROP TABLE IF EXISTS bench_facilities")
        cursor.execute("CREATE UNLOGGED TABLE bench_people AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS rn, id, region_path "
                       "FROM enrollment_person ORDER BY id LIMIT %s", [args.people])
        cursor.execute("CREATE UNLOGGED TABLE bench_facilities AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS rn, id "
                       "FROM benefits_facility WHERE code LIKE 'FBENCH%%'")
        cursor.execute("SELECT count(*) FROM bench_people")
        people = cursor.fetchone()[0]
    started = time.monotonic()
    step = 2_000_000
    for first in range(1, args.rows + 1, step):
        with connection.cursor() as cursor:
            cursor.execute(GENERATE, {"year": year, "parameter_set": parameter_set, "start": start, "first": first,
                                      "last": min(first + step - 1, args.rows), "people": people, "facilities": len(facilities)})
        print(f"  generated {min(first + step - 1, args.rows):,} rows, {time.monotonic() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE benefits_settlement")
    generated_s = time.monotonic() - started
    rows = Settlement.objects.count()

    started = time.monotonic()
    done = jobs.post_settlements_until(date(year, 12, 31))
    post_s = time.monotonic() - started
    entries, lines = JournalEntry.objects.count(), JournalLine.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE funds_journalline; ANALYZE funds_journalentry")

    started = time.monotonic()
    again = jobs.post_settlements_until(date(year, 12, 31))
    again_s = time.monotonic() - started

    accounts = list(Account.objects.all())
    rng = random.Random(5)
    latencies = []
    for _ in range(args.queries):
        account, day = rng.choice(accounts), start + timedelta(days=rng.randrange(365))
        t = time.perf_counter()
        ledger.balance(account, day)
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    officer_balances_t = time.perf_counter()
    ledger.balances(officer, date(year, 12, 31))
    officer_balances_ms = (time.perf_counter() - officer_balances_t) * 1000

    city = Region.objects.get(code="421200")
    started = time.monotonic()
    result = reconcile_settlements(city, start, date(year, 12, 31))
    reconcile_s = time.monotonic() - started
    month_t = time.monotonic()
    reconcile_settlements(city, date(year, 12, 1), date(year, 12, 31))
    reconcile_month_s = time.monotonic() - month_t

    report = {
        "settlement_rows": rows, "people": people, "facilities": Facility.objects.filter(code__startswith="FBENCH").count(),
        "generated_s": round(generated_s, 1),
        "posting": {"days": done.get("421200"), "seconds": round(post_s, 1), "rows_per_s": round(rows / post_s),
                    "seconds_per_day": round(post_s / max(done.get("421200") or 1, 1), 2), "entries": entries, "lines": lines},
        "posting_again": {"days": again.get("421200"), "seconds": round(again_s, 2)},
        "balance_ms": {"p50": round(statistics.median(latencies), 2), "p95": round(latencies[int(len(latencies) * 0.95) - 1], 2),
                       "max": round(latencies[-1], 2)},
        "all_balances_of_the_city_ms": round(officer_balances_ms, 1),
        "reconcile_year_s": round(reconcile_s, 1), "reconcile_month_s": round(reconcile_month_s, 1),
        "reconciled": result.balanced, "settled": str(result.settled), "posted": str(result.posted),
        "peak_rss_mb": peak_rss_mb(),
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

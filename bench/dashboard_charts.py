"""Benchmark: the queries of the dashboard's charts (enrollment.charts) on a county of
realistic size, uncached, for the county's clerk and for the city's officer (the whole city's
rows, as the county's here).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yibao_charts_bench python bench/dashboard_charts.py [--people 500000] [--settlements 2000000]

People and their two years of enrollments come from the demo generator (enrollment.services.
demo); settlements are written straight by SQL (INSERT ... SELECT over generate_series), spread
over the county's people and this year's days up to today, as many again last year: the charts
read only a settlement's year, region path, visit date and the four tiers, and computing 2
million settlements through the rules would take an hour. Each query runs --repeats times after
one warm-up; the median and the slowest go to stdout with the plan's access path.
"""

import argparse
import statistics
import time
from datetime import date

from common import django_on_postgres, ensure_people

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yibao_charts_bench"
BENCH_PREFIX = "CHARTBENCH"


def ensure_settlements(wanted: int) -> None:
    """This year's and last year's synthetic settlements of the county, `wanted` per year."""
    from django.db import connection

    from benefits.models import Facility
    from benefits.services.settlements import parameter_set_digest, parameter_sets_store
    from core.models import Region

    county = Region.objects.get(code="421202")
    facility, _ = Facility.objects.get_or_create(code=f"{BENCH_PREFIX}01", defaults={
        "name": "图表基准医院", "level": 2, "tier": "secondary_plus", "region": county, "agreement_from": date(2020, 1, 1)})
    today = date.today()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM benefits_settlement WHERE facility_id = %s", [facility.pk])
        if cursor.fetchone()[0] >= 2 * wanted:
            return
        cursor.execute("DELETE FROM benefits_settlement WHERE facility_id = %s", [facility.pk])
        cursor.execute("CREATE TEMP TABLE bench_people AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, region_path "
                       "FROM enrollment_person WHERE region_path LIKE %s", [county.path + "%"])
        cursor.execute("SELECT count(*) FROM bench_people")
        people = cursor.fetchone()[0]
        money = ", ".join(["0"] * 18)  # the eight cost lines and the split columns the charts do not read
        empty_set = parameter_set_digest({})  # the generated rows name an empty parameter set
        parameter_sets_store({empty_set: {}})
        started = time.perf_counter()
        for year, last_day in ((today.year, today), (today.year - 1, date(today.year - 1, 12, 31))):
            days = (last_day - date(year, 1, 1)).days + 1
            cursor.execute(f"""
                INSERT INTO benefits_settlement (
                    person_id, facility_id, bill_number, kind, visit_date, discharge_date, year, location, disease,
                    class_a, class_b_drug, blood, class_b_treatment, material_general, material_other_domestic,
                    material_other_imported, out_of_catalogue, total, class_b_first_pay, policy_range, location_first_pay,
                    deductible, personal, ci_base, ma_base, outpatient_fund, chronic_fund,
                    basic_fund, critical_illness, assistance, extra_assistance,
                    parameter_set_id, explanation, status, reverses_id, reason, region_path, source_import_id,
                    created_by_id, created_at)
                SELECT p.id, %s, %s || %s || '-' || g, 'outpatient', make_date(%s, 1, 1) + (g %% %s), NULL, %s, 'local', '',
                       {money},
                       (g %% 997)::numeric / 4, (g %% 13 = 0)::int * (g %% 5003)::numeric / 2,
                       (g %% 41 = 0)::int * (g %% 811)::numeric, (g %% 97 = 0)::int * (g %% 307)::numeric,
                       %s, '[]', 'settled', NULL, '', p.region_path, NULL, NULL, now()
                FROM generate_series(0, %s - 1) AS g JOIN bench_people p ON p.n = g %% %s
            """, [facility.pk, BENCH_PREFIX, year, year, days, year, empty_set, wanted, people])
        cursor.execute("DROP TABLE bench_people")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE benefits_settlement")
    print(f"wrote {2 * wanted} settlements in {time.perf_counter() - started:.0f} s")


def timed(label, run, repeats):
    run()  # warm-up: the pages and indexes in the buffer cache, as on a working day
    millis = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        millis.append((time.perf_counter() - started) * 1000)
    print(f"{label:<44}{statistics.median(millis):>10.1f}{max(millis):>10.1f}")


def plan(queryset) -> str:
    """The access path of a query's plan: its scan nodes, in order."""
    text = queryset.explain()
    return "; ".join(line.strip().lstrip("-> ").split("  ")[0] for line in text.splitlines()
                     if "Scan" in line and "on " in line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--settlements", type=int, default=2_000_000, help="per year")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    django_on_postgres(DEFAULT_DB)
    from django.db.models import Count

    from benefits.models import Settlement
    from core.models import Region
    from core.roles import CITY_OFFICER, CLERK
    from core.services.users import user_upsert
    from enrollment import charts, worklists
    from enrollment.models import Enrollment

    ensure_people(args.people)
    ensure_settlements(args.settlements)
    today = date.today()
    clerk = user_upsert(username="charts_bench_clerk", password="bench-pass-2026", group=CLERK, region_code="421202")
    officer = user_upsert(username="charts_bench_officer", password="bench-pass-2026", group=CITY_OFFICER, region_code="421200",
                          is_staff=True)
    county = Region.objects.get(code="421202")
    print(f"{Enrollment.objects.filter(region_path__startswith=county.path).count()} enrollments, "
          f"{Settlement.objects.filter(region_path__startswith=county.path).count()} settlements in {county.name}")
    print(f"{'query (uncached)':<44}{'median ms':>10}{'max ms':>10}")
    year = worklists.collecting_year(clerk, today)
    for user in (clerk, officer):
        policy = charts._user_policy(user)
        window, last_window = policy.window_for("resident", year), policy.window_for("resident", year - 1)
        who = f"{user.region.name}"
        timed(f"{who} 缴费进度（两个年度按日）", lambda: charts._enrollment_progress(user, window, last_window, today), args.repeats)
        timed(f"{who} 结算支出（按月分制度）", lambda: charts._settlement_spending(user, today), args.repeats)
        # The villages come with the dashboard figures (the worklist's per-village totals).
        timed(f"{who} 各村合计（含未缴费最多的村）", lambda: worklists.village_totals(user, worklists.Scope(year=year)),
              args.repeats)
    print("plans (county clerk):")
    print("  progress:", plan(Enrollment.objects.restrict(clerk).filter(benefit_year__in=[year - 1, year], status__in=Enrollment.PAID_STATUSES)
                              .values("benefit_year", "payment_date").annotate(n=Count("pk")).order_by()))
    print("  spending:", plan(Settlement.objects.restrict(clerk).filter(year=today.year).values("year").annotate(n=Count("pk")).order_by()))
    print("  villages:", plan(worklists.year_enrollments(clerk, worklists.Scope(year=year)).values("village_id").annotate(n=Count("pk")).order_by()))


if __name__ == "__main__":
    main()

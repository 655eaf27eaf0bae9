"""Benchmark: the settlement engine computing and storing 1,000,000 generated settlements for
200,000 people on PostgreSQL (batches of 5,000: the people's year totals locked, eligibility
and policy loaded once, rows written with COPY), and the trial endpoint's latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yibao_settle_bench python bench/settlement.py [--settlements 1000000]

Targets (issue 4): at least 2,000 stored settlements/s; trial endpoint p95 under 50 ms.
"""

import argparse
import json
import random
import statistics
import time
from datetime import date, timedelta

from common import django_on_postgres, ensure_people, peak_rss_mb, settlement_setup

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/yibao_settle_bench"
BATCH = 5000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--disease-cap", type=str, default="",
                        help="give diabetes_insulin an annual cap of its own (yuan): batches then read each chronic person's year by disease")
    args = parser.parse_args()
    django_on_postgres(DEFAULT_DB)
    from django.db import connection, transaction
    from django.test import Client

    from benefits.models import ChronicApproval, ChronicDisease, PersonYear, RemoteCareFiling, Settlement, TwoDiseasesRegistration
    from benefits.services.settlements import SettlementBatch, VisitInput, settlements_write
    from core.bulk import fewer_collections
    from enrollment.models import Person

    ensure_people(args.people)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE benefits_settlement, benefits_personyear RESTART IDENTITY")
        cursor.execute("DELETE FROM benefits_remotecarefiling WHERE note = 'bench'")
        cursor.execute("DELETE FROM benefits_chronicstep WHERE approval_id IN (SELECT id FROM benefits_chronicapproval WHERE diagnosing_hospital = 'bench')")
        cursor.execute("DELETE FROM benefits_chronicapproval WHERE diagnosing_hospital = 'bench'")
        cursor.execute("DELETE FROM benefits_twodiseasesregistration WHERE note = 'bench'")
    levels = [(3, "secondary_plus"), (2, "secondary_plus"), (1, "township"), (1, "village")] * 10
    facilities, officer = settlement_setup([(f"BENCH{i:03d}", f"基准医院{i}", level, tier) for i, (level, tier) in enumerate(levels)])
    for facility in facilities[::4]:  # the level-3 hospitals are city-level: county people pay the 5% there
        facility.city_level = True
        facility.save()
    # Care outside the city is at hospitals recorded there (a 市外 bill at a hospital of the city is refused).
    outside, officer = settlement_setup([("BENCHW1", "武汉基准医院", 3, "secondary_plus"), ("BENCHW2", "武汉基准二院", 2, "secondary_plus")])
    for facility in outside:
        facility.place_province, facility.place_city = "湖北省", "武汉市"
        facility.save()
    people = list(Person.objects.select_related("village").order_by("pk")[: args.people])
    rng = random.Random(11)
    # A tenth of the people hold a referral filing to 武汉 for the year: their visits outside the
    # city are settled from it (remote_filed), the others' outside visits as unfiled.
    filed = rng.sample(people, len(people) // 10)
    RemoteCareFiling.objects.bulk_create([
        RemoteCareFiling(person=p, kind="referral", destination_province="湖北省", destination_city="武汉市", region_path=p.region_path,
                         valid_from=date(date.today().year, 1, 1), note="bench") for p in filed], batch_size=5000)
    kinds = ["outpatient"] * 6 + ["inpatient", "two_diseases_drug", "chronic", "general_fee"]
    year_start = date(date.today().year, 1, 1)
    # 门诊慢特病 (RULES.md 3.5): a chronic visit is paid only under an approval of its disease at
    # its facility, so chronic visits are those of people approved for the year (3% a chronic
    # disease at a facility of level 2 or below, 1% a special disease at level 2 or above);
    # 两病用药 visits are those of the tenth registered for hypertension.
    ChronicDisease.objects.filter(region__code="421200", code="diabetes_insulin").update(annual_cap=args.disease_cap or None)
    catalogue = {d.code: d for d in ChronicDisease.objects.filter(region__code="421200")}
    approved = []
    for share, code, levels in ((0.03, "diabetes_insulin", (1, 2)), (0.01, "uraemia_dialysis", (2, 3))):
        allowed = [f for f in facilities if f.level in levels and f.tier in ("secondary_plus", "township")]
        approved += [(p, rng.choice(allowed), code) for p in rng.sample(people, int(len(people) * share))]
    ChronicApproval.objects.bulk_create([
        ChronicApproval(person=p, disease=catalogue[code], diagnosing_hospital="bench", diagnosed_on=year_start, facility=f,
                        status=ChronicApproval.Status.APPROVED, valid_from=year_start, valid_to=date(year_start.year, 12, 31),
                        region_path=p.region_path) for p, f, code in approved], batch_size=5000)
    registered = rng.sample(people, len(people) // 10)
    TwoDiseasesRegistration.objects.bulk_create([
        TwoDiseasesRegistration(person=p, disease=catalogue["hypertension"], registered_on=year_start, note="bench", region_path=p.region_path)
        for p in registered], batch_size=5000)

    def visit(n):
        kind = rng.choice(kinds)
        facility = rng.choice([f for f in facilities if (f.tier == "secondary_plus") == (kind == "inpatient")]
                              if kind in ("inpatient", "general_fee") else facilities)
        if kind == "general_fee" and facility.tier == "secondary_plus":
            facility = facilities[2]
        where = rng.choice(["local"] * 9 + ["outside"])
        if where == "outside":
            facility = rng.choice(outside)
        person, disease = rng.choice(people), ""
        if kind == "chronic":
            person, facility, disease = rng.choice(approved)
            where = "local"
        elif kind == "two_diseases_drug":
            person, disease = rng.choice(registered), "hypertension"
        big = kind == "inpatient"
        costs = {"class_a": str(rng.randint(2000, 40000) if big else rng.randint(20, 400)),
                 "class_b_drug": str(rng.randint(0, 8000) if big else rng.randint(0, 100)),
                 "out_of_catalogue": str(rng.randint(0, 2000) if big else 0)}
        return VisitInput(person=person, facility=facility, bill_number=f"BN{n:08d}", kind=kind,
                          visit_date=year_start + timedelta(days=rng.randint(0, 330)),
                          location=where, place_province="湖北省" if where == "outside" else "",
                          place_city="武汉市" if where == "outside" else "",
                          disease=disease, costs=costs)

    batch = SettlementBatch()
    started = time.monotonic()
    done = 0
    with fewer_collections():  # as the import runs its batches (core.imports.run)
        while done < args.settlements:
            items = [visit(done + i) for i in range(min(BATCH, args.settlements - done))]
            with transaction.atomic():
                batch.load(items, lock=True)
                settlements_write(batch=batch, settled=[batch.settle(item) for item in items], user=officer)
            done += len(items)
            if done % 100_000 == 0:
                print(f"  {done:,} settled, {done / (time.monotonic() - started):,.0f}/s")
    seconds = time.monotonic() - started
    capped = f", diabetes_insulin capped at {args.disease_cap}" if args.disease_cap else ""
    print(f"settlements: {done:,} for {len(people):,} people in {seconds:.1f} s = {done / seconds:,.0f} stored settlements/s "
          f"(target >= 3,400, issue 10){capped}; peak RSS {peak_rss_mb():.0f} MB")
    print(f"  rows: {Settlement.objects.count():,} settlements, {PersonYear.objects.count():,} person-year totals")

    client = Client()
    client.force_login(officer)
    payload = {"region": "xianning", "date": "2023-03-15", "visit": "inpatient", "facility_level": 2,
               "costs": {"class_a": "8000", "class_b_drug": "2000", "out_of_catalogue": "500"},
               "person": {"identities": ["subsistence_allowance"]}, "year_to_date": {"ci_base": "10000", "ma_base": "2000"}}
    for _ in range(10):
        client.post("/api/trial-settlement/", payload, content_type="application/json")
    times = []
    for _ in range(args.requests):
        t = time.perf_counter()
        response = client.post("/api/trial-settlement/", payload, content_type="application/json")
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.content
    times.sort()
    print(f"trial endpoint: {args.requests} requests, median {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95) - 1]:.1f} ms "
          f"(target p95 < 50 ms); answer personal = {json.loads(response.content)['personal']}")


if __name__ == "__main__":
    main()

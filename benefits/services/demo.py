"""Demo settlements for a first look (`manage.py generate_settlement_demo`): designated
facilities of a demo county and this year's visits of a share of its insured people, settled by
the engine through the batch path, as a facility's export would be. Generated, never shipped."""

import random
from dataclasses import dataclass
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from benefits.models import ChronicDisease, Facility, Settlement, TwoDiseasesRegistration
from benefits.services.chronic import registration_create
from benefits.services.policy import pooling_region
from benefits.services.settlements import SettlementBatch, VisitInput, settlements_write
from core.bulk import refresh_statistics
from core.models import Region, RegionLevel
from enrollment.models import Enrollment, Person

BATCH = 2000
# (kind, weight, facility tier, cost ranges {line: (low, high)})
VISITS = [
    ("outpatient", 50, "village", {"class_a": (15, 120), "class_b_drug": (0, 40)}),
    ("general_fee", 15, "township", {}),
    ("outpatient", 10, "township", {"class_a": (40, 300), "class_b_drug": (0, 80)}),
    ("inpatient", 15, "secondary_plus", {"class_a": (2000, 30000), "class_b_drug": (0, 6000), "material_general": (0, 3000),
                                         "out_of_catalogue": (0, 1500)}),
    ("two_diseases_drug", 10, "village", {"class_a": (30, 150)}),
]


@dataclass
class SettlementDemoResult:
    facilities: int
    settlements: int
    people: int


def demo_facility_code(county: Region, suffix: str) -> str:
    """Facility codes are unique across the installation: the county's code keeps two demo
    counties apart."""
    return f"DEMO-{county.code}-{suffix}"


def demo_bill_prefix(county: Region, year: int) -> str:
    return f"DEMO{county.code}-{year}"


def demo_facilities(county: Region) -> list[Facility]:
    """A city hospital (level 3), the county hospital (level 2), one health centre per township
    (zero markup) and one clinic per village of the first townships; created once per county."""
    city = county.parent
    start = date(timezone.localdate().year - 1, 1, 1)
    wanted = [(demo_facility_code(county, "H3"), f"{city.name if city else ''}中心医院（{county.name}）", 3, "secondary_plus", county, True),
              (demo_facility_code(county, "H2"), f"{county.name}人民医院", 2, "secondary_plus", county, False)]
    towns = list(Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP).order_by("path")[:6])
    for i, town in enumerate(towns):
        wanted.append((demo_facility_code(county, f"T{i:02d}"), f"{town.name}卫生院", 1, "township", town, False))
        for j, village in enumerate(Region.objects.filter(parent=town, level=RegionLevel.VILLAGE).order_by("path")[:3]):
            wanted.append((demo_facility_code(county, f"V{i:02d}{j}"), f"{village.name}卫生室", 1, "village", village, False))
    facilities = []
    for code, name, level, tier, region, city_level in wanted:
        facility, _ = Facility.objects.get_or_create(code=code, defaults={
            "name": name, "level": level, "tier": tier, "region": region, "city_level": city_level, "zero_markup": tier != "secondary_plus",
            "agreement_from": start})
        facilities.append(facility)
    return facilities


def _settled_on_their_day(facilities, prefix: str, first: int) -> None:
    """A demo year is generated at once; each bill is dated as if settled on its discharge (or
    visit) day, so the fund ledger posts it on that day (funds.services.postings)."""
    by_day = defaultdict(list)
    rows = Settlement.objects.filter(facility__in=facilities, bill_number__startswith=prefix, bill_number__gte=f"{prefix}{first:07d}")
    for pk, visit, discharge in rows.values_list("pk", "visit_date", "discharge_date"):
        by_day[discharge or visit].append(pk)
    for day, pks in by_day.items():
        moment = timezone.make_aware(datetime.combine(day, time(16, 0)))
        for start in range(0, len(pks), 5000):
            Settlement.objects.filter(pk__in=pks[start : start + 5000]).update(created_at=moment)


def generate_settlement_demo(*, county: Region, share: float = 0.3, seed: int = 2026, today: date | None = None,
                             user=None) -> SettlementDemoResult:
    """Visits from January 1 to yesterday for `share` of the county's people insured this year,
    one to four each, settled in date order on their running year totals. All or nothing."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    year_start = date(today.year, 1, 1)
    days = (today - year_start).days
    if days < 1:
        return SettlementDemoResult(0, 0, 0)
    insured = list(Enrollment.objects.filter(region_path__startswith=county.path, benefit_year=today.year,
                                             status__in=Enrollment.PAID_STATUSES).values_list("person_id", flat=True))
    chosen = rng.sample(insured, int(len(insured) * share))
    people = {p.pk: p for p in Person.objects.filter(pk__in=chosen).select_related("village")}
    facilities = demo_facilities(county)
    by_tier = {tier: [f for f in facilities if f.tier == tier] for tier in ("village", "township", "secondary_plus")}
    weights = [v[1] for v in VISITS]
    visits = []
    for pid in chosen:
        for _ in range(rng.randint(1, 4)):
            kind, _w, tier, ranges = rng.choices(VISITS, weights)[0]
            visits.append(VisitInput(
                person=people[pid], facility=rng.choice(by_tier[tier]), bill_number="", kind=kind,
                visit_date=year_start + timedelta(days=rng.randrange(days)),
                costs={line: str(rng.randint(low, high)) for line, (low, high) in ranges.items()}))
    # 两病 patients are registered (hypertension, from the first of the year).
    registered = {v.person.pk for v in visits if v.kind == "two_diseases_drug"}
    visits.sort(key=lambda v: v.visit_date)
    # Bill numbers carry the county's code (two demo counties never collide) and continue
    # after an earlier run's, so running it again adds visits instead of failing.
    prefix = demo_bill_prefix(county, today.year)
    first = Settlement.objects.filter(facility__in=facilities, bill_number__startswith=prefix).count()
    for n, visit in enumerate(visits, start=first):
        visit.bill_number = f"{prefix}{n:07d}"
        if visit.kind == "inpatient":
            # never after today: a stay still going on is not settled yet
            visit.discharge_date = min(visit.visit_date + timedelta(days=rng.randint(2, 12)), today)
    settling = SettlementBatch()
    with transaction.atomic():
        hypertension = ChronicDisease.objects.get(region=pooling_region(county), code="hypertension")
        for pid in sorted(registered):
            if not TwoDiseasesRegistration.objects.filter(person_id=pid, disease=hypertension, ended_on__isnull=True).exists():
                registration_create(user=user, person=people[pid], disease=hypertension, registered_on=year_start)
        for start in range(0, len(visits), BATCH):
            batch = visits[start : start + BATCH]
            settling.load(batch, lock=True)
            settlements_write(batch=settling, settled=[settling.settle(v) for v in batch], user=user)
        _settled_on_their_day(facilities, prefix, first)
        transaction.on_commit(lambda: refresh_statistics(Settlement))
    return SettlementDemoResult(len(facilities), len(visits), len(chosen))

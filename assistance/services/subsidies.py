"""The yearly subsidised-enrollment list (资助参保名单, RULES.md 2.3) and the coverage gap
(应保尽保): who among the hardship people gets which subsidy, paid by whom, and who is not
yet enrolled. One subsidy per person, from the most favourable single identity (X000 art. 9)."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from assistance.models import AssistanceClassRule, HardshipIdentity, SubsidyRun, SubsidyRunLine
from core.errors import ServiceError
from core.models import Region, RegionLevel
from core.money import ZERO, money
from core.restrict import region_allowed
from core.validation import check_date
from enrollment.models import Enrollment, Person
from enrollment.rules.terms import TermsError, best_subsidy
from enrollment.services.policy import PolicyCache

BATCH = 5000


def _county_of(path: str, counties: dict) -> Region | None:
    return next((counties[code] for code in path.split("/") if code in counties), None)


def _hardship_people(user, region: Region, day: date):
    """(person id, region path) -> identity records valid on the day, for living people of the region."""
    records = (HardshipIdentity.objects.restrict(user).filter(region_path__startswith=region.path).valid_on(day)
               .filter(person__status=Person.Status.NORMAL).only("id", "person_id", "code", "region_path").order_by("person_id"))
    people: dict[int, list] = defaultdict(list)
    for record in records.iterator(chunk_size=BATCH):
        people[record.person_id].append(record)
    return people


@transaction.atomic
def subsidy_run_create(*, user, region: Region, benefit_year: int, assessed_on: date) -> SubsidyRun:
    """Compute the list and compare it with the previous run of the same region and year."""
    if not region_allowed(user, region):
        raise ServiceError("region_denied", f"{region.name} 不在您的管辖区划内", "region")
    check_date(assessed_on, field="assessed_on", label="身份核定日期")
    policies = PolicyCache()
    try:
        policy = policies.policy(region)
        standard = money(policy.standard_for(benefit_year).individual)
    except TermsError as error:
        raise ServiceError(error.code, error.message, "benefit_year") from None
    payers = dict(AssistanceClassRule.objects.values_list("identity_code", "payer"))
    counties = {r.code: r for r in Region.objects.filter(level=RegionLevel.COUNTY)
                .filter(Q(path__startswith=region.path) | Q(code__in=region.path.split("/")))}
    previous = SubsidyRun.objects.filter(region=region, benefit_year=benefit_year).order_by("-created_at").first()
    run = SubsidyRun.objects.create(region=region, region_path=region.path, benefit_year=benefit_year, assessed_on=assessed_on, created_by=user)
    lines, total = [], ZERO
    for person_id, records in _hardship_people(user, region, assessed_on).items():
        amount, code, source = best_subsidy(policy, benefit_year, standard, [r.code for r in records])
        if not amount:
            continue
        record = next(r for r in records if r.code == code)
        county = _county_of(record.region_path, counties)
        lines.append(SubsidyRunLine(run=run, person_id=person_id, identity_id=record.pk, code=code, payer=payers.get(code, "assistance_fund"),
                                    county=county, standard=standard, subsidy=amount, source=source))
        total += amount
    SubsidyRunLine.objects.bulk_create(lines, batch_size=BATCH)
    run.people, run.total = len(lines), total
    run.changes = _compare(previous, lines) if previous else {}
    run.save(update_fields=["people", "total", "changes"])
    return run


def _compare(previous: SubsidyRun, lines: list) -> dict:
    before = {pid: (code, str(amount)) for pid, code, amount in previous.lines.values_list("person_id", "code", "subsidy")}
    after = {l.person_id: (l.code, str(l.subsidy)) for l in lines}
    added = [p for p in after if p not in before]
    removed = [p for p in before if p not in after]
    changed = [p for p in after if p in before and after[p] != before[p]]
    names = dict(Person.objects.filter(pk__in=added + removed + changed).values_list("pk", "name"))

    def describe(kind, ids):
        return [{"kind": kind, "person": pk, "name": names.get(pk, ""), "before": before.get(pk), "after": after.get(pk)} for pk in ids[:500]]

    return {"previous": previous.pk, "added": len(added), "removed": len(removed), "changed": len(changed),
            "details": describe("新增", added) + describe("移出", removed) + describe("变更", changed)}


def subsidy_totals(run: SubsidyRun, by: str) -> list[tuple[str, int, Decimal, str]]:
    """(label, people, amount, key for the export) per payer or per county."""
    from django.db.models import Count, Sum

    if by == "payer":
        labels = dict(SubsidyRunLine._meta.get_field("payer").choices)
        rows = run.lines.values("payer").annotate(n=Count("pk"), amount=Sum("subsidy")).order_by("payer")
        return [(labels.get(r["payer"], r["payer"]), r["n"], r["amount"], r["payer"]) for r in rows]
    rows = run.lines.values("county__code", "county__name").annotate(n=Count("pk"), amount=Sum("subsidy")).order_by("county__code")
    return [(r["county__name"], r["n"], r["amount"], r["county__code"]) for r in rows]


def coverage_gap(user, region: Region, benefit_year: int, day: date):
    """Hardship people of the region with an identity valid on the day and no enrollment for
    the benefit year (应保尽保), ordered by village."""
    enrolled = Enrollment.objects.filter(person_id=OuterRef("pk"), benefit_year=benefit_year).exclude(status=Enrollment.Status.CANCELLED)
    holders = HardshipIdentity.objects.filter(region_path__startswith=region.path).valid_on(day).values("person_id")
    return (Person.objects.restrict(user).filter(region_path__startswith=region.path, status=Person.Status.NORMAL, pk__in=holders)
            .filter(~Exists(enrolled)).select_related("village", "village__parent").order_by("region_path", "pk"))


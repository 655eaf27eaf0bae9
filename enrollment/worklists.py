"""The collection worklist (参保征缴清单): reads of the collection season, restricted to the user.

For a benefit year and a scope (a region of the user's subtree — county, township or village —
or a school), the people by status: registered and unpaid (已登记未缴费), paid (已缴费), last
year's enrollees not yet renewed (上年参保本年未续保) and subsidised (资助参保); and a summary per
village (counts and totals).

At county scale (300,000 enrollments) only what a page shows is priced: the rows come in keyset
pages (core.paging), and only a page's unpaid rows are priced today, through the one pricing path
(selectors.with_amounts_due; selectors.renewal_quotes for people not yet renewed). The summary
is aggregated in SQL over the stored terms: its 应缴 is what the registrations were priced at,
which differs from today's price only where a hardship identity started or ended since. A
county's or township's summary is cached for 5 minutes, as the dashboard's figures (which read
the same summary); a village's or a school's is live.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from core.idnumber import normalize
from core.money import ZERO
from core.models import Region, RegionLevel
from core.paging import KeysetPage, keyset_page
from enrollment import selectors
from enrollment.models import Category, Enrollment, Person, School

Status = Enrollment.Status

UNPAID, PAID, NOT_RENEWED, SUBSIDISED = "unpaid", "paid", "not_renewed", "subsidised"
# The statuses a worklist is asked for; "" is every registration of the year.
STATUS_CHOICES = [
    ("", "全部参保登记"),
    (UNPAID, "已登记未缴费"),
    (PAID, "已缴费"),
    (NOT_RENEWED, "上年参保本年未续保"),
    (SUBSIDISED, "资助参保"),
]
STATUS_LABELS = dict(STATUS_CHOICES)
# Rows priced per batch in exports and prints: one identity query per batch.
PRICING_BATCH = 1000


@dataclass(frozen=True)
class Scope:
    """What a worklist is asked for. `region` and `school` are already restricted to the user."""

    year: int
    status: str = ""
    region: Region | None = None
    school: School | None = None
    query: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Row:
    """One line of the worklist. `enrollment` is this year's registration, or for a person not
    yet renewed last year's (whose category and village are shown)."""

    person: Person
    enrollment: Enrollment
    village: Region
    category: str  # the Chinese label
    status: str  # the Chinese label
    amount_due: Decimal | None  # unpaid: priced today; paid: what was due; not renewed: renewing today
    subsidy: Decimal | None
    subsidy_identity: str  # identity code, shown with |identity_label
    collected: Decimal  # what was paid (0.00 when unpaid)
    note: str = ""  # why an amount could not be priced today
    unpaid: bool = False  # registered and unpaid: the row offers 缴费
    not_renewed: bool = False


@dataclass
class VillageTotals:
    """Counts and amounts of one village (or of the whole scope, village None)."""

    village: Region | None = None
    registered: int = 0
    paid: int = 0
    unpaid: int = 0
    subsidised: int = 0
    not_renewed: int = 0
    amount_due: Decimal = ZERO  # unpaid registrations, as registered
    collected: Decimal = ZERO  # paid registrations

    def add(self, other: "VillageTotals") -> None:
        for name in ("registered", "paid", "unpaid", "subsidised", "not_renewed", "amount_due", "collected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Summary:
    villages: list = field(default_factory=list)
    total: VillageTotals = field(default_factory=VillageTotals)


# ------------------------------------------------------------------------------ querysets

def _scoped(qs, scope: Scope):
    if scope.region is not None:
        qs = qs.filter(region_path__startswith=scope.region.path)
    if scope.school is not None:
        qs = qs.filter(school=scope.school)
    return qs


def year_enrollments(user, scope: Scope, year: int | None = None):
    """The user's active (not cancelled) registrations of the year in the scope."""
    year = scope.year if year is None else year
    return _scoped(Enrollment.objects.restrict(user).filter(benefit_year=year).exclude(status=Status.CANCELLED), scope)


def not_renewed_enrollments(user, scope: Scope):
    """Last year's registrations (one per person) of people alive and living who have none
    for the year, as the dashboard counts them. NOT EXISTS, an anti-join on the
    one-enrollment-per-year index (selectors.enrollment_figures says why not NOT IN)."""
    renewed = Enrollment.objects.filter(person_id=OuterRef("person_id"), benefit_year=scope.year).exclude(status=Status.CANCELLED)
    return (year_enrollments(user, scope, scope.year - 1).filter(~Exists(renewed))
            .filter(person__status=Person.Status.NORMAL))


def _search(qs, query: str):
    """A name (prefix) or an ID number (full: exact; partial digits: prefix), as 人员查询 searches."""
    query = (query or "").strip()
    if not query:
        return qs
    digits = normalize(query)
    if len(digits) == 18:
        return qs.filter(person__id_number=digits)
    if digits[:1].isdigit():
        return qs.filter(person__id_number__startswith=digits)
    return qs.filter(person__name__startswith=query)


def worklist_queryset(user, scope: Scope):
    """The registrations behind the worklist's rows (last year's for not_renewed)."""
    if scope.status == NOT_RENEWED:
        qs = not_renewed_enrollments(user, scope)
    else:
        qs = year_enrollments(user, scope)
        if scope.status == UNPAID:
            qs = qs.filter(status=Status.REGISTERED)
        elif scope.status == PAID:
            qs = qs.filter(status__in=Enrollment.PAID_STATUSES)
        elif scope.status == SUBSIDISED:
            qs = qs.filter(subsidy__gt=0)
    return _search(qs, scope.query).select_related("person", "person__village", "village", "village__parent", "school")


# ------------------------------------------------------------------------------ rows

def rows_for(enrollments, scope: Scope, *, today: date | None = None) -> list[Row]:
    """The rows of some registrations of the worklist, priced today where unpaid (or, for
    people not renewed, as renewing today would price them)."""
    today = today or timezone.localdate()
    enrollments = list(enrollments)
    if scope.status == NOT_RENEWED:
        quotes = selectors.renewal_quotes([e.person for e in enrollments], to_year=scope.year, today=today)
        rows = []
        for e in enrollments:
            quote = quotes[e.person_id]
            priced = quote.amount_due is not None and not quote.note
            rows.append(Row(
                person=e.person, enrollment=e, village=e.village,
                category=Category(selectors.renewal_category(e.category)).label, status="未续保",
                amount_due=quote.amount_due if priced else None, subsidy=quote.subsidy if priced else None,
                subsidy_identity=quote.subsidy_identity if priced else "", collected=ZERO,
                note=quote.note if not priced else "", not_renewed=True,
            ))
        return rows
    rows = []
    for e in selectors.with_amounts_due(enrollments, today=today):
        due = e.due
        rows.append(Row(
            person=e.person, enrollment=e, village=e.village, category=e.get_category_display(),
            status="未缴费" if e.status == Status.REGISTERED else e.get_status_display(),
            amount_due=due.amount_due, subsidy=due.subsidy, subsidy_identity=due.subsidy_identity,
            collected=due.amount_due if due.paid else ZERO, note=due.note, unpaid=e.status == Status.REGISTERED,
        ))
    return rows


def worklist_page(user, scope: Scope, *, after=None, before=None, today: date | None = None) -> KeysetPage:
    """A keyset page of the worklist (50 rows), its items Rows; only these are priced."""
    page = keyset_page(worklist_queryset(user, scope), after=after, before=before)
    page.items = rows_for(page.items, scope, today=today)
    return page


def worklist_rows(user, scope: Scope, *, limit: int, today: date | None = None):
    """Up to `limit` rows in village order (exports and prints), priced in batches."""
    qs = worklist_queryset(user, scope).order_by("region_path", "pk")[:limit]
    batch = []
    for enrollment in qs.iterator(chunk_size=PRICING_BATCH):
        batch.append(enrollment)
        if len(batch) == PRICING_BATCH:
            yield from rows_for(batch, scope, today=today)
            batch = []
    if batch:
        yield from rows_for(batch, scope, today=today)


# ------------------------------------------------------------------------------ summary

def village_totals(user, scope: Scope) -> Summary:
    """Counts and amounts per village of the scope, aggregated in SQL (two grouped queries:
    this year's registrations, and last year's not renewed), in village order. The status and
    the search do not narrow it: it is the scope's picture."""
    rows = year_enrollments(user, scope).order_by().values("village_id").annotate(
        registered=Count("pk"),
        paid=Count("pk", filter=Q(status__in=Enrollment.PAID_STATUSES)),
        unpaid=Count("pk", filter=Q(status=Status.REGISTERED)),
        subsidised=Count("pk", filter=Q(subsidy__gt=0)),
        unpaid_amount=Sum("amount_due", filter=Q(status=Status.REGISTERED)),
        collected_amount=Sum("amount_due", filter=Q(status__in=Enrollment.PAID_STATUSES)),
    )
    by_village: dict[int, VillageTotals] = {}
    for r in rows:
        by_village[r["village_id"]] = VillageTotals(
            registered=r["registered"], paid=r["paid"], unpaid=r["unpaid"], subsidised=r["subsidised"],
            amount_due=r["unpaid_amount"] or ZERO, collected=r["collected_amount"] or ZERO,
        )
    for r in not_renewed_enrollments(user, scope).order_by().values("village_id").annotate(n=Count("pk")):
        by_village.setdefault(r["village_id"], VillageTotals()).not_renewed = r["n"]
    summary = Summary()
    regions = Region.objects.select_related("parent").in_bulk(list(by_village))
    for pk, totals in by_village.items():
        summary.total.add(totals)
        totals.village = regions[pk]
    summary.villages = sorted(by_village.values(), key=lambda t: t.village.path)
    return summary


def cached_village_totals(user, scope: Scope) -> Summary:
    """village_totals, cached for 5 minutes (as the dashboard's figures, which read it) when the
    scope is wider than a village or a school: a county's totals group its 300,000 registrations
    and anti-join last year's (about a second), a village's take milliseconds and stay live."""
    from enrollment.selectors import DASHBOARD_CACHE_SECONDS

    if scope.school is not None or (scope.region is not None and scope.region.level == RegionLevel.VILLAGE):
        return village_totals(user, scope)
    owner = "all" if user.is_superuser else user.region_id
    key = f"collection-totals:v1:{owner}:{scope.year}:{scope.region.pk if scope.region else ''}"
    summary = cache.get(key)
    if summary is None:
        summary = village_totals(user, scope)
        cache.set(key, summary, DASHBOARD_CACHE_SECONDS)
    return summary


def most_unpaid(summary: Summary, n: int) -> list[VillageTotals]:
    """The n villages with the most unpaid registrations (ties in village order), none without."""
    return sorted((v for v in summary.villages if v.unpaid), key=lambda v: (-v.unpaid, v.village.path))[:n]


# ------------------------------------------------------------------------------ defaults and choices

def collecting_year(user, today: date | None = None) -> int:
    """The benefit year being collected: the year of a collection window open today, else the
    current benefit year."""
    today = today or timezone.localdate()
    open_now = [w.benefit_year for w in selectors.open_windows(user, today) if w.opens_on <= today <= w.closes_on]
    return max(open_now) if open_now else selectors.current_benefit_year(today)


def region_choices(user) -> list[tuple[int, str]]:
    """The regions a worklist may be asked for (the user's own and below, down to villages),
    in tree order, each labelled with its parent: "咸安区 横沟桥镇", "横沟桥镇 龙畈村"."""
    rows = Region.objects.restrict(user).order_by("path").values_list("pk", "name", "parent__name")
    return [(pk, f"{parent} {name}" if parent else name) for pk, name, parent in rows]


def school_choices(user) -> list[tuple[int, str]]:
    return list(School.objects.restrict(user).order_by("name").values_list("pk", "name"))

"""Reads, always restricted to the user's region."""

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from core.errors import ServiceError
from core.idnumber import normalize
from core.models import Region, RegionLevel
from enrollment.models import Category, Enrollment, Household, Person
from enrollment.rules.terms import TermsError

Status = Enrollment.Status
DASHBOARD_CACHE_SECONDS = 300
DASHBOARD_TOP_VILLAGES = 10  # 各村征缴进度: the villages with the most unpaid registrations


def people_search(user, query: str = "", village=None):
    """People matching an ID number (full: exact; partial digits: prefix) or a name (prefix)."""
    qs = Person.objects.restrict(user).select_related("village")
    query = (query or "").strip()
    if query:
        digits = normalize(query)
        if len(digits) == 18:
            qs = qs.filter(id_number=digits)
        elif digits[:1].isdigit():
            qs = qs.filter(id_number__startswith=digits)
        else:
            qs = qs.filter(name__startswith=query)
    if village is not None:
        qs = qs.filter(region_path__startswith=village.path)
    return qs


def village_choices(user) -> list[tuple[int, str]]:
    """The villages of the user's region as (pk, "乡镇 村") in path order, labelled as
    forms.VillageField labels them: a county's 600 villages as tuples, not 1,200 model instances."""
    rows = (Region.objects.restrict(user).filter(level=RegionLevel.VILLAGE).order_by("path")
            .values_list("pk", "name", "parent__name"))
    return [(pk, f"{township} {name}" if township else name) for pk, name, township in rows]


def enrollment_figures(user, year: int) -> dict:
    """Dashboard figures of the user's region for a benefit year: enrolled, paid, unpaid,
    subsidised, people enrolled last year who have not enrolled for this one, the amount
    collected (paid registrations) and the amount registered but unpaid (as registered), and
    the villages with the most unpaid registrations (各村征缴进度). Aggregated in SQL by the
    collection worklist (enrollment.worklists.village_totals), so each figure is the count of
    the list it links to. Cached for 5 minutes."""
    from enrollment import worklists

    key = f"dashboard:v3:{user.region_id if not user.is_superuser else 'all'}:{year}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    summary = worklists.cached_village_totals(user, worklists.Scope(year=year))
    total = summary.total
    figures = {
        "year": year, "enrolled": total.registered, "paid": total.paid, "unpaid": total.unpaid, "subsidised": total.subsidised,
        "not_renewed": total.not_renewed, "collected": total.collected, "unpaid_amount": total.amount_due,
        # Plain values, not Region rows: the cache holds them.
        "villages": [
            {"pk": v.village.pk, "name": v.village.name, "township": v.village.parent.name if v.village.parent_id else "",
             # A city's officer sees villages of several counties, whose names repeat.
             "county": v.village.parent.parent.name if v.village.parent_id and v.village.parent.parent_id else "",
             "registered": v.registered, "paid": v.paid, "unpaid": v.unpaid, "not_renewed": v.not_renewed,
             "collected": v.collected, "unpaid_amount": v.amount_due}
            for v in worklists.most_unpaid(summary, DASHBOARD_TOP_VILLAGES)
        ],
    }
    cache.set(key, figures, DASHBOARD_CACHE_SECONDS)
    return figures


@dataclass(frozen=True)
class AmountDue:
    """What an enrollment costs, as every page shows it: for an unpaid (registered) one, the
    terms its payment would be priced at today (the identities valid today, the one pricing
    service the payment uses); for a paid one, what was paid. `note` says why an unpaid one
    cannot be priced today (then the registered terms are shown)."""

    standard: Decimal
    subsidy: Decimal
    subsidy_identity: str
    amount_due: Decimal
    benefit_start: date
    benefit_end: date
    mid_year: bool
    waiting_days: int
    sources: tuple
    paid: bool
    priced_on: date | None = None  # set when priced today
    note: str = ""

    @classmethod
    def of(cls, enrollment: Enrollment, *, paid: bool, priced_on: date | None = None, note: str = "") -> "AmountDue":
        return cls(enrollment.standard, enrollment.subsidy, enrollment.subsidy_identity, enrollment.amount_due,
                   enrollment.benefit_start, enrollment.benefit_end, enrollment.mid_year, enrollment.waiting_days,
                   tuple(enrollment.sources or ()), paid, priced_on, note)


def with_amounts_due(enrollments, *, today: date | None = None) -> list[Enrollment]:
    """The enrollments, each with `.due` (AmountDue). A page's unpaid ones are priced in one
    go: their people and villages in one query (when not loaded), the identities valid today
    in one, each scheme's parameters once."""
    from assistance.services.identities import valid_identities
    from enrollment.services.enrollments import price_payment
    from enrollment.services.policy import PolicyCache

    today = today or timezone.localdate()
    enrollments = list(enrollments)
    unpaid = [e for e in enrollments if e.status == Status.REGISTERED]
    unloaded = {e.person_id for e in unpaid
                if not Enrollment.person.is_cached(e) or not Person.village.is_cached(e.person)}
    if unloaded:
        people = Person.objects.select_related("village").in_bulk(unloaded)
        for e in unpaid:
            if e.person_id in people:
                e.person = people[e.person_id]
    identities = valid_identities({e.person_id for e in unpaid}, today) if unpaid else {}
    policies = PolicyCache()
    for e in enrollments:
        if e.status != Status.REGISTERED:
            e.due = AmountDue.of(e, paid=e.is_paid)
            continue
        # A copy: price_payment sets the payment's terms, date and status on what it is given.
        priced = copy.copy(e)
        try:
            price_payment(priced, today, today=today, policy=policies.policy(e.person.village), records=identities.get(e.person_id, []))
        except (ServiceError, TermsError) as error:
            e.due = AmountDue.of(e, paid=False, note=f"按今日无法核定：{error.message}")
            continue
        e.due = AmountDue.of(priced, paid=False, priced_on=today)
    return enrollments


@dataclass(frozen=True)
class Quote:
    """What enrolling a person today would cost (not yet registered): the same pricing as
    registration (the identities valid today), or a note saying why it cannot be priced."""

    benefit_year: int | None = None
    standard: Decimal | None = None
    subsidy: Decimal | None = None
    subsidy_identity: str = ""
    amount_due: Decimal | None = None
    note: str = ""


def quotes_today(people_categories, *, today: date | None = None, benefit_year: int | None = None) -> dict[int, Quote]:
    """person id -> Quote for [(person with its village loaded, category)], priced in one go:
    the identities valid today in one query, each scheme's parameters once. With
    `benefit_year`, a day that buys another year is a note, as registering would refuse it."""
    from assistance.services.identities import valid_identities
    from enrollment.services.enrollments import priced_with_identities
    from enrollment.services.policy import PolicyCache

    today = today or timezone.localdate()
    people_categories = list(people_categories)
    records = valid_identities([p.pk for p, _ in people_categories], today) if people_categories else {}
    policies = PolicyCache()
    quotes = {}
    for person, category in people_categories:
        try:
            terms, _codes, _record = priced_with_identities(person, category=category, assessed_on=today, records=records.get(person.pk, []),
                                                            policy=policies.policy(person.village))
        except (ServiceError, TermsError) as error:
            quotes[person.pk] = Quote(note=error.message)
            continue
        note = ""
        if benefit_year is not None and terms.benefit_year != benefit_year:
            note = f"今日登记对应{terms.benefit_year}年度，不是所选的{benefit_year}年度"
        quotes[person.pk] = Quote(terms.benefit_year, terms.standard, terms.subsidy, terms.subsidy_identity or "", terms.amount_due, note)
    return quotes


def renewal_category(last_category: str) -> str:
    """The category a renewal registers: last year's, except that a newborn's free birth year
    is followed by the resident category (X000 art. 7)."""
    return Category.REGULAR if last_category == Category.NEWBORN else last_category


def renewal_categories(candidates, *, to_year: int) -> dict[int, str]:
    """person id -> the category each candidate would renew in (last year's, renewal_category),
    in one query."""
    last = dict(Enrollment.objects.filter(person__in=candidates, benefit_year=to_year - 1).exclude(status=Status.CANCELLED)
                .values_list("person_id", "category"))
    return {p.pk: renewal_category(last.get(p.pk, Category.REGULAR)) for p in candidates}


def renewal_quotes(candidates, *, to_year: int, today: date | None = None, categories: dict | None = None) -> dict[int, Quote]:
    """For the renewal preview: each candidate's amount due as renewing today would price it,
    with last year's category (`categories` when the caller has them, else one query)."""
    candidates = list(candidates)
    categories = categories if categories is not None else renewal_categories(candidates, to_year=to_year)
    return quotes_today([(p, categories[p.pk]) for p in candidates], today=today, benefit_year=to_year)


def household_members_with_status(household: Household, years: list[int], today: date | None = None):
    """Members of a household with their enrollment per year (None when not enrolled), each
    enrollment with its amount due (with_amounts_due)."""
    members = list(household.members.select_related("village").order_by("pk"))
    by_pk = {m.pk: m for m in members}
    enrollments = list(Enrollment.objects.filter(person__in=members, benefit_year__in=years).exclude(status=Status.CANCELLED)
                       .select_related("school"))
    for e in enrollments:
        e.person = by_pk[e.person_id]
    by_person_year = {(e.person_id, e.benefit_year): e for e in with_amounts_due(enrollments, today=today)}
    return [(m, [by_person_year.get((m.pk, y)) for y in years]) for m in members]


def current_benefit_year(today: date) -> int:
    return today.year


def default_category(person: Person, today: date | None = None) -> str:
    """A first guess for the enrollment form: newborns in their birth year, else regular."""
    from django.utils import timezone

    today = today or timezone.localdate()
    return "newborn" if person.birth_date.year == today.year else "regular"


def open_windows(user, today: date) -> list:
    """The collection windows of the user's scheme for this and next benefit year."""
    from enrollment.rules.terms import TermsError
    from enrollment.services.policy import policy_for_region

    if not user.region_id:
        return []
    try:
        policy = policy_for_region(user.region)
    except TermsError:
        return []
    kinds = ["resident"] + (["college_student"] if policy.rules.college_own_period else [])
    windows = [policy.window_for(kind, year) for year in (today.year, today.year + 1) for kind in kinds]
    return [w for w in windows if w.closes_on >= today]

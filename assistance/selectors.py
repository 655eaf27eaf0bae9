"""Reads of the assistance app, restricted to the user's region."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import islice

from assistance.models import HardshipIdentity
from assistance.services.identities import assistance_class
from core.identity_codes import IdentityCode
from core.idnumber import normalize as normalize_id_number

IDENTITY_ORDER = list(IdentityCode.values)  # codes listed in RULES.md order, the most favourable first


def identities_of(person) -> list[HardshipIdentity]:
    return list(HardshipIdentity.objects.filter(person=person).select_related("recorded_by").order_by("-valid_from"))


def person_assistance(person, today: date) -> dict:
    """For a person's page: the identities valid today, the resulting assistance class (the
    most favourable), and what enrolling today would cost (RULES.md 1, 2.3), priced by the
    same service as registration and payment (enrollment.selectors.quotes_today)."""
    from assistance.services.applications import approved_on
    from enrollment.selectors import default_category, quotes_today

    valid = [r for r in identities_of(person) if r.is_valid_on(today)]
    klass = assistance_class({r.code for r in valid})
    result = {"valid": valid, "assistance_class": klass, "quote": None, "quote_error": "",
              # S001 §四(六): classes 3-4 receive assistance only after an approved application.
              "needs_application": klass in (3, 4) and approved_on(person.pk, "class_3_4", today) is None}
    quote = quotes_today([(person, default_category(person, today))], today=today)[person.pk]
    if quote.note:
        result["quote_error"] = quote.note
        return result
    record = next((r for r in valid if r.code == quote.subsidy_identity), None)
    result["quote"] = {"year": quote.benefit_year, "standard": quote.standard, "subsidy": quote.subsidy,
                       "amount_due": quote.amount_due, "record": record}
    return result


def identity_search(user, *, code="", status="", department="", query=""):
    qs = HardshipIdentity.objects.restrict(user).select_related("person", "person__village")
    if code:
        qs = qs.filter(code=code)
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department=department)
    query = (query or "").strip()
    if query:
        number = normalize_id_number(query)
        qs = qs.filter(person__id_number=number) if len(number) == 18 else qs.filter(person__name__startswith=query)
    return qs


@dataclass(frozen=True)
class GapRow:
    """One person of the coverage gap: the identities valid today and what enrolling today
    would cost (enrollment.selectors.quotes_today, the one pricing path)."""

    person: object
    identities: tuple[str, ...]
    quote: object


@dataclass
class GapVillage:
    village: object
    count: int = 0
    amount_due: Decimal = Decimal("0")  # every person of the village who could be priced
    rows: list = field(default_factory=list)  # the first ones, for the page

    @property
    def hidden(self) -> int:
        return self.count - len(self.rows)


def coverage_gap_rows(people, *, today: date, benefit_year: int, chunk: int = 2000):
    """GapRow per person of a coverage-gap queryset, in its order, priced in chunks."""
    from assistance.services.identities import valid_identities
    from enrollment.selectors import default_category, quotes_today

    iterator = people.iterator(chunk_size=chunk)
    while batch := list(islice(iterator, chunk)):
        records = valid_identities([p.pk for p in batch], today)
        quotes = quotes_today([(p, default_category(p, today)) for p in batch], today=today, benefit_year=benefit_year)
        for person in batch:
            codes = tuple(sorted({r.code for r in records.get(person.pk, [])}, key=IDENTITY_ORDER.index))
            yield GapRow(person, codes, quotes[person.pk])


def coverage_gap_by_village(people, *, today: date, benefit_year: int, listed_per_village: int = 50) -> list[GapVillage]:
    """The coverage-gap page: per village (in the queryset's order) the count, the total amount
    due and the first people."""
    villages: dict[int, GapVillage] = {}
    for row in coverage_gap_rows(people, today=today, benefit_year=benefit_year):
        group = villages.setdefault(row.person.village_id, GapVillage(row.person.village))
        group.count += 1
        if row.quote.amount_due is not None and not row.quote.note:
            group.amount_due += row.quote.amount_due
        if len(group.rows) < listed_per_village:
            group.rows.append(row)
    return list(villages.values())


@dataclass
class PayerList:
    """One payer's part of a subsidy run: its lines and totals (资助参保名单, RULES.md 2.3)."""

    payer: str
    label: str
    lines: list = field(default_factory=list)
    total: Decimal = Decimal("0")


def subsidy_run_by_payer(run, *, payer: str = "") -> list[PayerList]:
    """The run's lines per payer (one payer with `payer`), in county, village and person order."""
    from assistance.models import Payer

    lines = run.lines.select_related("person", "person__village", "county").order_by("payer", "county__code", "person__region_path", "person_id")
    if payer:
        lines = lines.filter(payer=payer)
    labels = dict(Payer.choices)
    groups: dict[str, PayerList] = {}
    for line in lines.iterator(chunk_size=2000):
        group = groups.setdefault(line.payer, PayerList(line.payer, labels.get(line.payer, "")))
        group.lines.append(line)
        group.total += line.subsidy
    return list(groups.values())

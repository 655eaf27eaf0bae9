"""The reconciliation of settlements and the ledger (对账, issue 12): for each settlement day in
a range, each holder (a facility's direct bills, a county's manual claims) and each fund, what
the settlements paid against what the ledger's 待遇支出 holds for them, counting each posting
once (a reversing entry counts against the entry it reverses). A day not yet posted is listed
as such; any other difference is listed with both figures."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from benefits.models import Facility, Settlement
from core.models import Region
from funds.models import AccountKind, JobRun, JournalLine, SourceKind
from funds.services.jobs import SETTLEMENT_JOB
from funds.services.postings import FUND_COLUMNS, CityRegions, day_bounds, facility_labels

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Difference:
    day: date
    holder: str  # the facility's or the county's name
    fund: str
    settled: Decimal
    posted: Decimal
    day_posted: bool  # whether the day's posting has run

    @property
    def difference(self) -> Decimal:
        return self.settled - self.posted


@dataclass(frozen=True)
class Reconciliation:
    date_from: date
    date_to: date
    settled: Decimal  # the range's fund amounts of all settlements
    posted: Decimal  # what the ledger holds for them
    differences: list
    unposted_days: list  # days of the range whose posting has not run

    @property
    def balanced(self) -> bool:
        return not self.differences


def _settled(city: Region, date_from: date, date_to: date) -> dict:
    """(day, holder key, fund) -> the settlements' amount: direct bills by facility (one query
    grouped by day and facility), manual claims by county (grouped by region path, few)."""
    start, end = day_bounds(date_from)[0], day_bounds(date_to)[1]
    scope = Settlement.objects.filter(created_at__gte=start, created_at__lt=end, region_path__startswith=city.path)
    sums = {f"sum_{column}": Sum(column) for column, _fund in FUND_COLUMNS}
    amounts = defaultdict(lambda: ZERO)
    direct = (scope.exclude(channel=Settlement.Channel.MANUAL).annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
              .values("day", "facility").annotate(**sums).order_by())
    for row in direct:
        for column, fund in FUND_COLUMNS:
            amounts[(row["day"], f"facility:{row['facility']}", fund)] += row[f"sum_{column}"] or ZERO
    regions = CityRegions(city)
    manual = (scope.filter(channel=Settlement.Channel.MANUAL).annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
              .values("day", "region_path").annotate(**sums).order_by())
    for row in manual:
        for column, fund in FUND_COLUMNS:
            amounts[(row["day"], f"county:{regions.county_code(row['region_path'])}", fund)] += row[f"sum_{column}"] or ZERO
    return amounts


def _posted(city: Region, date_from: date, date_to: date) -> dict:
    """(day, holder key, fund) -> the 待遇支出 the ledger holds from the settlement postings of
    the range, a reversing entry counted against the posting it reverses."""
    amounts = defaultdict(lambda: ZERO)
    expense = JournalLine.objects.filter(account__kind=AccountKind.BENEFIT_EXPENSE, entry__city=city)
    kinds = (SourceKind.SETTLEMENTS, SourceKind.MANUAL_CLAIMS)
    own = (expense.filter(entry__source_kind__in=kinds, entry__posted_on__range=(date_from, date_to))
           .values("entry__key", "entry__posted_on", "fund").annotate(total=Sum("amount")).order_by())
    undone = (expense.filter(entry__source_kind=SourceKind.REVERSAL, entry__reverses__source_kind__in=kinds,
                             entry__reverses__posted_on__range=(date_from, date_to))
              .values("entry__reverses__key", "entry__reverses__posted_on", "fund").annotate(total=Sum("amount")).order_by())
    for key_field, day_field, rows in (("entry__key", "entry__posted_on", own), ("entry__reverses__key", "entry__reverses__posted_on", undone)):
        for row in rows:
            holder = row[key_field].split(":", 2)[2].rsplit(":", 1)[0]  # "<kind>:<city>:<holder>:<day>"
            amounts[(row[day_field], holder, row["fund"])] += row["total"]
    return amounts


def reconcile_settlements(city: Region, date_from: date, date_to: date) -> Reconciliation:
    settled, posted = _settled(city, date_from, date_to), _posted(city, date_from, date_to)
    job = f"{SETTLEMENT_JOB}:{city.code}"
    done = {date.fromisoformat(p) for p in JobRun.objects.filter(job=job, status=JobRun.Status.DONE, period__gte=date_from.isoformat(),
                                                                   period__lte=date_to.isoformat()).values_list("period", flat=True)}
    chosen = Facility.objects.filter(pk__in={int(k.split(":")[1]) for _d, k, _f in (*settled, *posted) if k.startswith("facility:")})
    facilities = facility_labels(chosen)
    regions = CityRegions(city)

    def holder_name(key: str) -> str:
        kind, ref = key.split(":", 1)
        return facilities.get(int(ref), ref) if kind == "facility" else f"{regions.region(ref).name}（手工报销）"

    differences = []
    for key in sorted(set(settled) | set(posted), key=lambda k: (k[0], k[1], k[2])):
        day, holder, fund = key
        if settled[key] != posted[key]:
            differences.append(Difference(day, holder_name(holder), fund, settled[key], posted[key], day in done))
    days = [date.fromordinal(n) for n in range(date_from.toordinal(), date_to.toordinal() + 1)]
    busy = {d for d, _h, _f in settled}
    return Reconciliation(date_from, date_to, sum(settled.values(), ZERO), sum(posted.values(), ZERO), differences,
                          [d for d in days if d in busy and d not in done])


@dataclass(frozen=True)
class IncomeCheck:
    """One county's (and payer's or fiscal level's) income from enrollments as the enrollments
    bring it, against what the ledger holds, up to a day."""

    source: str  # 个人缴费, 资助参保, 财政补助
    county: str
    party: str  # the payer or fiscal level, in words; "" for the people's own contributions
    due: Decimal
    posted: Decimal
    note: str

    @property
    def difference(self) -> Decimal:
        return self.due - self.posted


def income_checks(city: Region, through: date) -> list[IncomeCheck]:
    """Each income the daily jobs post from enrollments (the people's own contributions per
    county; subsidised contributions per county and payer; fiscal subsidies per head per county
    and level), recomputed from the enrollments as of the end of `through`, against the ledger up
    to that day. The jobs post the change since the ledger last saw a figure, so every paid
    enrollment is counted exactly once when the two agree; a difference is named: the next
    night's posting, a late entry or refund recorded after the day, or an enrollment year the
    ledger leaves out for want of a standard."""
    from assistance.models import Payer
    from funds.models import FiscalLevel, JournalEntry
    from funds.services import postings

    from django.db.models import Max, Min

    from funds.services.jobs import CONTRIBUTION_JOB, FISCAL_JOB, SUBSIDY_JOB

    jobs_of = {SourceKind.CONTRIBUTIONS: CONTRIBUTION_JOB, SourceKind.SUBSIDY_RUN: SUBSIDY_JOB, SourceKind.FISCAL_SUBSIDY: FISCAL_JOB}
    fiscal_due, missing = postings.fiscal_subsidies_due(city, through)
    sources = (
        ("个人缴费", SourceKind.CONTRIBUTIONS, {(c, ""): v for c, v in postings.contributions_collected(city, through).items()},
         {(c, ""): v for c, v in postings.contributions_posted(city, through).items()}, {}),
        ("资助参保", SourceKind.SUBSIDY_RUN, postings.subsidies_paid(city, through), postings.subsidies_posted(city, through),
         dict(Payer.choices)),
        ("财政补助", SourceKind.FISCAL_SUBSIDY, fiscal_due, postings.fiscal_subsidies_posted(city, through), dict(FiscalLevel.choices)),
    )
    names = dict(Region.objects.filter(path__startswith=city.path).values_list("code", "name"))
    rows = []
    for label, kind, due, posted, parties in sources:
        days = JournalEntry.objects.filter(city=city, source_kind=kind).aggregate(first=Min("posted_on"), last=Max("posted_on"))
        ran = JobRun.objects.filter(job=f"{jobs_of[kind]}:{city.code}", period=through.isoformat(), status=JobRun.Status.DONE).exists()
        order = {party: i for i, party in enumerate(parties)}  # the payers and levels in their own order
        for key in sorted(set(due) | set(posted), key=lambda k: (k[0], order.get(k[1], len(order)), k[1])):
            difference = due.get(key, ZERO) - posted.get(key, ZERO)
            if not difference:
                note = "一致"
            elif difference < 0 and ran and through >= (days["last"] or through):
                note = "已记账金额多于应记，请核查手工记账"
            elif days["first"] is None or through >= (days["last"] or through):
                note = "待次日记账"
            elif through < days["first"]:
                note = f"于 {days['first']:%Y-%m-%d} 首次记账时一并记入"
            else:
                note = "其后补记或退费的差额"
            if difference and kind == SourceKind.FISCAL_SUBSIDY and missing:
                note += f"（{'、'.join(missing)}年度缺少缴费标准或人均财政补助参数，未记账）"
            code, party = key
            rows.append(IncomeCheck(label, names.get(code, code), parties.get(party, party), due.get(key, ZERO), posted.get(key, ZERO), note))
    return rows

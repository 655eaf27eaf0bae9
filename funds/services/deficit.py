"""The deficit report (S001 市级统筹 §三(三)5; RULES.md 7): a year's deficit of the city's
resident basic fund, what the accumulated balance covers, and the shares of the city and of
each county (funds.rules.deficit), from the ledger."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from core.models import Region, RegionLevel
from funds.models import EXPENSE_KINDS, INCOME_KINDS, AccountKind, BudgetLine, Fund, JournalLine
from funds.services.budget import in_force as budget_in_force
from funds.rules.deficit import CountyFigures, Sharing, collection_shortfall, share_deficit
from funds.services.parameters import in_force

ZERO = Decimal("0.00")
COLLECTION_KINDS = (AccountKind.CONTRIBUTION_INCOME, AccountKind.SUBSIDISED_CONTRIBUTION)
PARAMETERS = {"city_share": ("fund_deficit_city_share", Decimal("0.2"), "S001 §三(三)5（十堰市级统筹实施方案）"),
              "collection_weight": ("fund_deficit_collection_weight", Decimal("0.5"), "RULES.md 7 (not from the sources)")}


@dataclass(frozen=True)
class DeficitReport:
    year: int
    through: date
    income: Decimal
    expenditure: Decimal
    balance: Decimal  # accumulated before the year
    sharing: Sharing
    counties: list  # (Region, CountyFigures, share)
    parameters: dict  # key -> (value, source)
    targets: list  # CollectionTarget per county
    budget: object  # the budget in force that sets the targets, or None

    @property
    def final(self) -> bool:
        """The year is over: a shortfall against the target is due from the county."""
        return self.through == date(self.year, 12, 31)


@dataclass(frozen=True)
class CollectionTarget:
    """A county's collection (保险费 and 资助参保缴费 income) against its target, the budget's
    lines for the two items."""

    region: Region
    target: Decimal | None
    collected: Decimal
    shortfall: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        return (self.collected / self.target).quantize(Decimal("0.0001")) if self.target else None


def deficit_report(city: Region, year: int) -> DeficitReport:
    """The year to its end, or for the current year to yesterday; cost growth against the same
    days of the year before."""
    yesterday = timezone.localdate() - timedelta(days=1)
    through = min(date(year, 12, 31), yesterday)
    start, last_start = date(year, 1, 1), date(year - 1, 1, 1)
    last_through = through.replace(year=year - 1) if not (through.month == 2 and through.day == 29) else date(year - 1, 2, 28)
    lines = JournalLine.objects.filter(fund=Fund.RESIDENT_BASIC, region_path__startswith=city.path,
                                       account__kind__in=(*INCOME_KINDS, *EXPENSE_KINDS))
    rows = lines.values("county").annotate(
        income=Sum("amount", filter=Q(account__kind__in=INCOME_KINDS, posted_on__range=(start, through))),
        collection=Sum("amount", filter=Q(account__kind=AccountKind.CONTRIBUTION_INCOME, posted_on__range=(start, through))),
        collected=Sum("amount", filter=Q(account__kind__in=COLLECTION_KINDS, posted_on__range=(start, through))),
        expenditure=Sum("amount", filter=Q(account__kind__in=EXPENSE_KINDS, posted_on__range=(start, through))),
        last_expenditure=Sum("amount", filter=Q(account__kind__in=EXPENSE_KINDS, posted_on__range=(last_start, last_through))),
        before=Sum("amount", filter=Q(posted_on__lt=start)),
    ).order_by()
    rows = {row["county"]: row for row in rows}
    income = -sum((r["income"] or ZERO for r in rows.values()), ZERO)
    expenditure = sum((r["expenditure"] or ZERO for r in rows.values()), ZERO)
    balance = -sum((r["before"] or ZERO for r in rows.values()), ZERO)
    regions = {r.pk: r for r in Region.objects.filter(pk__in=rows, level=RegionLevel.COUNTY).order_by("path")}
    figures = [CountyFigures(regions[pk].code, -(rows[pk]["collection"] or ZERO),
                             (rows[pk]["expenditure"] or ZERO) - (rows[pk]["last_expenditure"] or ZERO)) for pk in regions]
    parameters = in_force(city, through, PARAMETERS)
    sharing = share_deficit(income=income, expenditure=expenditure, balance=balance, counties=figures,
                            city_share=parameters["city_share"][0], collection_weight=parameters["collection_weight"][0])
    by_code = {r.code: r for r in regions.values()}
    counties = [(by_code[f.code], f, sharing.counties[f.code]) for f in figures]
    budget, targets = collection_targets(city, year, {pk: -(row["collected"] or ZERO) for pk, row in rows.items()})
    return DeficitReport(year, through, income, expenditure, balance, sharing, counties, parameters, targets, budget)


def collection_targets(city: Region, year: int, collected: dict[int, Decimal]) -> tuple[object, list[CollectionTarget]]:
    """Each county's collection against its target (S001 §三(三)5: a county that misses it makes
    the shortfall up from its own budget): the target is what the year's budget in force plans
    for the county's 保险费收入 and 资助参保缴费收入; without a budget, no county has a target."""
    budget = budget_in_force(city, Fund.RESIDENT_BASIC, year)
    planned = {}
    if budget is not None:
        for row in (BudgetLine.objects.filter(budget=budget, item__in=COLLECTION_KINDS).values("county")
                    .annotate(total=Sum("amount")).order_by()):
            planned[row["county"]] = row["total"]
    counties = Region.objects.filter(path__startswith=city.path, level=RegionLevel.COUNTY).order_by("path")
    targets = []
    for county in counties:
        target = planned.get(county.pk)
        got = collected.get(county.pk, ZERO)
        targets.append(CollectionTarget(county, target, got, collection_shortfall(target=target, collected=got)))
    return budget, targets

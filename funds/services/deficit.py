"""The deficit report (S001 市级统筹 §三(三)5; RULES.md 7): a year's deficit of the city's
resident basic fund, what the accumulated balance covers, and the shares of the city and of
each county (funds.rules.deficit), from the ledger."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from core.models import Region, RegionLevel
from funds.models import EXPENSE_KINDS, INCOME_KINDS, AccountKind, Fund, JournalLine
from funds.rules.deficit import CountyFigures, Sharing, share_deficit
from funds.services.parameters import in_force

ZERO = Decimal("0.00")
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
    return DeficitReport(year, through, income, expenditure, balance, sharing, counties, parameters)

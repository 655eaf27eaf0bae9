"""Fund-balance warnings (基金运行预警, X000 art. 37; RULES.md 7), the one writer of FundAlert.
For the city and each county, from the ledger of the resident basic fund as of a day: the year's
income (保险费收入, 财政补助收入, 利息收入, 其他收入) and expenditure (待遇支出), the surplus rate,
the accumulated balance and the months of expenditure it covers (over the last 12 months'
average). A warning is raised once per fund, region, kind and month, to the officers of the
region (inbox and email); it is cleared when the figure returns within bounds."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from core.display import percent, source_text, yuan
from core.models import Region, RegionLevel, User
from core.services.notify import notify
from funds.models import EXPENSE_KINDS, INCOME_KINDS, AlertKind, Fund, FundAlert, JournalLine
from funds.rules.alerts import MONTHS_LOW, Thresholds, months_covered, surplus_rate, warnings
from funds.services.parameters import in_force

ZERO = Decimal("0.00")
FUND = Fund.RESIDENT_BASIC
# The pooling region's parameters (benefits presets, RULES.md 7) and the values used without them.
PARAMETERS = {"surplus_low": ("fund_surplus_low", Decimal("0.05"), "X000 art. 37"),
              "surplus_high": ("fund_surplus_high", Decimal("0.25"), "X000 art. 37"),
              "months_low": ("fund_months_low", Decimal("6"), "RULES.md 7 (not from the sources)")}


@dataclass(frozen=True)
class Figures:
    region: Region
    income: Decimal  # this year, to the day
    expenditure: Decimal
    balance: Decimal  # accumulated, to the day
    monthly_expenditure: Decimal  # the last 12 months' average

    @property
    def rate(self) -> Decimal | None:
        return surplus_rate(self.income, self.expenditure)

    @property
    def months(self) -> Decimal | None:
        return months_covered(self.balance, self.monthly_expenditure)


def thresholds(city: Region, day: date) -> tuple[Thresholds, dict[str, str]]:
    """The city's thresholds in force on the day, and each one's source."""
    found = in_force(city, day, PARAMETERS)
    return Thresholds(**{key: value for key, (value, _source) in found.items()}), {key: source for key, (_value, source) in found.items()}


def figures(city: Region, day: date) -> list[Figures]:
    """The city's figures and each county's (the counties with a line), from one grouped query."""
    lines = JournalLine.objects.filter(fund=FUND, region_path__startswith=city.path, posted_on__lte=day,
                                       account__kind__in=(*INCOME_KINDS, *EXPENSE_KINDS))
    year_start, window_start = date(day.year, 1, 1), day - timedelta(days=365)
    rows = lines.values("county").annotate(
        income=Sum("amount", filter=Q(account__kind__in=INCOME_KINDS, posted_on__gte=year_start)),
        expenditure=Sum("amount", filter=Q(account__kind__in=EXPENSE_KINDS, posted_on__gte=year_start)),
        balance=Sum("amount"),
        window=Sum("amount", filter=Q(account__kind__in=EXPENSE_KINDS, posted_on__gt=window_start)),
    ).order_by()
    by_county = {row["county"]: row for row in rows}
    regions = Region.objects.in_bulk(list(by_county))

    def made(region, parts) -> Figures:
        # Income is credited (negative), expenditure debited: the balance is what income left.
        income = -sum((p["income"] or ZERO for p in parts), ZERO)
        expenditure = sum((p["expenditure"] or ZERO for p in parts), ZERO)
        balance = -sum((p["balance"] or ZERO for p in parts), ZERO)
        window = sum((p["window"] or ZERO for p in parts), ZERO)
        return Figures(region, income, expenditure, balance, (window / 12).quantize(Decimal("0.01")))

    result = [made(city, list(by_county.values()))] if by_county else []
    for pk in sorted(by_county, key=lambda pk: regions[pk].path):
        if regions[pk].level == RegionLevel.COUNTY:
            result.append(made(regions[pk], [by_county[pk]]))
    return result


def _recipients(region: Region):
    """The users who read the region's fund lines: its own and those above it within the city."""
    permission = Permission.objects.get(content_type__app_label="funds", codename="view_journalentry")
    paths = [region.path[: i + 1] for i, ch in enumerate(region.path) if ch == "/"]
    return (User.objects.filter(is_active=True, region__path__in=paths)
            .filter(Q(groups__permissions=permission) | Q(user_permissions=permission) | Q(is_superuser=True)).distinct())


def _shown(kind: str, value: Decimal) -> str:
    return f"{value} 个月" if kind == MONTHS_LOW else percent(value)


@transaction.atomic
def check_alerts(city: Region, day: date) -> dict:
    """Raise the warnings the day's figures call for (once per month) and clear those whose
    figure has returned. Returns counts."""
    limits, sources = thresholds(city, day)
    period = f"{day:%Y-%m}"
    raised = cleared = 0
    for figure in figures(city, day):
        found = warnings(figure.rate, figure.months, limits)
        open_alerts = FundAlert.objects.select_for_update().filter(fund=FUND, region=figure.region, period=period, cleared_at__isnull=True)
        for alert in open_alerts:
            if alert.kind not in found:
                alert.cleared_at = timezone.now()
                alert.cleared_value = figure.months if alert.kind == MONTHS_LOW else figure.rate
                alert.save(update_fields=["cleared_at", "cleared_value"])
                cleared += 1
        for kind, (value, threshold) in found.items():
            alert, created = FundAlert.objects.get_or_create(
                fund=FUND, region=figure.region, kind=kind, period=period,
                defaults={"value": value, "threshold": threshold, "income": figure.income, "expenditure": figure.expenditure,
                          "balance": figure.balance, "as_of": day, "source": sources[kind], "region_path": figure.region.path})
            if not created:
                continue  # raised once a month (a cleared one is not raised again this month)
            raised += 1
            label = AlertKind(kind).label
            notify(_recipients(figure.region), title=f"基金运行预警：{figure.region.name}{label}",
                   body=(f"截至{day.year}年{day.month}月{day.day}日，{figure.region.name}{Fund(FUND).label}{label}："
                         f"{_shown(kind, value)}（预警线 {_shown(kind, threshold)}，{source_text(sources[kind])}）。"
                         f"本年收入 {yuan(figure.income)} 元（含个人缴费、资助参保资金和按参保人数计算的各级财政补助），"
                         f"支出 {yuan(figure.expenditure)} 元，累计结余 {yuan(figure.balance)} 元。"),
                   url=reverse("funds:alerts"))
    return {"raised": raised, "cleared": cleared}

"""Reads of manual claims (手工报销), restricted to the user's region: the quarterly summary a
county office reports to the city (S001 市级统筹 §三(三)2: "按季度汇总报市医保经办机构"), its
rows and its totals. A claim counts in the quarter the office received it; a reversal record
in the quarter it was made, so a summary already reported never changes afterwards."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from benefits.models import Settlement
from core.models import Region, RegionLevel
from core.money import ZERO, money

AMOUNTS = ("total", "basic_fund", "critical_illness", "assistance", "extra_assistance", "fund_total", "personal")
FUND_PARTS = ("basic_fund", "critical_illness", "assistance", "extra_assistance")
QUARTERS = (1, 2, 3, 4)


def quarter_span(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of the quarter."""
    last_month = 3 * quarter
    return date(year, last_month - 2, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def claim_counties(user):
    """The counties whose summaries the user may read: a county clerk's own, every county of
    the city for the city's officer."""
    return Region.objects.restrict(user).filter(level=RegionLevel.COUNTY).order_by("code")


@dataclass(frozen=True)
class ClaimRow:
    settlement: Settlement
    county: Region | None

    @property
    def fund_total(self) -> Decimal:
        """What the county office pays the person: every fund's part (基本医保、大病保险、医疗救助、倾斜/托底)."""
        return sum((getattr(self.settlement, name) for name in FUND_PARTS), ZERO)

    def amount(self, name: str) -> Decimal:
        return self.fund_total if name == "fund_total" else getattr(self.settlement, name)

    @property
    def quarter_day(self) -> date:
        s = self.settlement
        # The day of the reversal where the office is (created_at is stored in UTC).
        return timezone.localdate(s.created_at) if s.status == Settlement.Status.REVERSAL else s.claim_received_on


def quarter_claims(user, year: int, quarter: int, county: Region | None = None) -> tuple[list[ClaimRow], dict]:
    """The manual claims of the quarter in the user's region (or one county of it), by county
    and day received, and their totals (reversal records are negative: the sums are net)."""
    first, last = quarter_span(year, quarter)
    rows = Settlement.objects.restrict(user).filter(channel=Settlement.Channel.MANUAL).filter(
        Q(status__in=[Settlement.Status.SETTLED, Settlement.Status.REVERSED], claim_received_on__range=(first, last))
        | Q(status=Settlement.Status.REVERSAL, created_at__date__range=(first, last)))
    if county is not None:
        rows = rows.filter(region_path__startswith=county.path)
    counties = {r.code: r for r in Region.objects.filter(level=RegionLevel.COUNTY)}
    found = []
    for s in rows.select_related("person", "facility").order_by("region_path", "claim_received_on", "bill_number", "pk"):
        found.append(ClaimRow(s, next((counties[c] for c in s.region_path.split("/") if c in counties), None)))
    found.sort(key=lambda r: (r.county.code if r.county else "", r.quarter_day, r.settlement.bill_number, r.settlement.pk))
    totals = {name: money(sum((r.amount(name) for r in found), ZERO)) for name in AMOUNTS}
    totals["n"] = len(found)
    totals["reversals"] = sum(1 for r in found if r.settlement.status == Settlement.Status.REVERSAL)
    totals["received"] = totals["n"] - totals["reversals"]  # claims received in the quarter (a reversal is not one)
    return found, totals

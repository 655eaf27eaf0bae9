"""The home dashboard's charts, for the user's region: enrollment progress during the collection
window (paid enrollments by week, against the same weeks of last year's window), settlement
spending by month split by tier, and the villages with the most registered-but-unpaid people.

The year is the one the collection worklist chases (worklists.collecting_year), and the
villages are the dashboard figures' own (selectors.enrollment_figures, from the worklist's
per-village totals): the chart, the 各村征缴进度 table and the list a bar opens count the same
rows. The other two charts are one aggregate query each, restricted to the user
(`restrict(user)`), filtered on the leading columns of an index (benefit year or settlement
year, then the region path prefix) and grouped in the database; Python only arranges the few
grouped rows (at most a window's days, twelve months). Results are cached for 5 minutes, as
enrollment_figures is. Money stays Decimal: the template formats it with |yuan, and json_script
writes it as a string.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth

from benefits.models import Settlement
from enrollment import selectors, worklists
from enrollment.models import Enrollment
from enrollment.rules.terms import WINDOW_RESIDENT, ResidentPolicy, TermsError, Window
from enrollment.selectors import DASHBOARD_CACHE_SECONDS
from enrollment.services.policy import policy_for_region

DAYS_PER_WEEK = 7
ZERO = Decimal("0.00")
# The four payers of a settlement, as the one-stop bill shows them (basic_fund includes the
# outpatient and chronic-disease pools, which are parts of it).
TIERS = (
    ("basic_fund", "基本医保"),
    ("critical_illness", "大病保险"),
    ("assistance", "医疗救助"),
    ("extra_assistance", "倾斜/托底"),
)


def dashboard_charts(user, today: date) -> dict:
    """The dashboard's chart data for the user (who may view enrollments). The spending chart
    only for users who may view settlements."""
    policy = _user_policy(user)
    charts = {}
    if policy is not None:
        year = worklists.collecting_year(user, today)
        window = policy.window_for(WINDOW_RESIDENT, year)
        charts["progress"] = enrollment_progress(user, window, policy.window_for(WINDOW_RESIDENT, year - 1), today)
        charts["villages"] = top_unpaid_villages(user, year)
    if user.has_perm("benefits.view_settlement"):
        charts["spending"] = settlement_spending(user, today)
    return {"charts": charts}


def _cache_key(user, name: str, *parts) -> str:
    scope = "all" if user.is_superuser else user.region_id
    return ":".join(str(p) for p in ("dashboard-charts", name, scope, *parts))


def _cached(key: str, build):
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, DASHBOARD_CACHE_SECONDS)
    return value


def _user_policy(user) -> ResidentPolicy | None:
    """The resident scheme of the user's region; None for a user without a region (charts of
    collection need a scheme's windows) or a region without a scheme."""
    if not user.region_id:
        return None
    try:
        return policy_for_region(user.region)
    except TermsError:
        return None


def _weeks(window: Window) -> list[tuple[date, date]]:
    """The window's weeks, counted from its first day (week 1 is opens_on and the six days
    after it); the last week ends on closes_on."""
    weeks, start = [], window.opens_on
    while start <= window.closes_on:
        weeks.append((start, min(start + timedelta(days=DAYS_PER_WEEK - 1), window.closes_on)))
        start += timedelta(days=DAYS_PER_WEEK)
    return weeks


def _cumulative(daily: dict[date, int], until: date) -> int:
    return sum(n for day, n in daily.items() if day <= until)


def _day_label(day: date) -> str:
    return f"{day.month}月{day.day}日"


def enrollment_progress(user, window: Window, last_window: Window, today: date) -> dict:
    """Paid enrollments of the window's benefit year, cumulative at the end of each week of the
    window, and last year's at the end of the same week of last year's window (上年同期).
    Weeks after today have no figure for this year."""
    return _cached(_cache_key(user, "progress", window.benefit_year, window.opens_on, window.closes_on, today),
                   lambda: _enrollment_progress(user, window, last_window, today))


def _enrollment_progress(user, window: Window, last_window: Window, today: date) -> dict:
    year = window.benefit_year
    until = min(window.closes_on, today)
    # One query for both years on the (benefit_year, region_path) index, grouped by payment
    # day: at most a window's days per year come back. Week numbers count from the window's
    # own first day, which no database week function does; the days are summed into weeks here.
    rows = (Enrollment.objects.restrict(user)
            .filter(status__in=Enrollment.PAID_STATUSES)
            .filter(Q(benefit_year=year, payment_date__lte=until) | Q(benefit_year=year - 1, payment_date__lte=last_window.closes_on))
            .values("benefit_year", "payment_date").annotate(paid=Count("pk")).order_by())
    daily = {year: {}, year - 1: {}}
    for row in rows:
        daily[row["benefit_year"]][row["payment_date"]] = row["paid"]
    last_weeks = _weeks(last_window)
    weeks = []
    for number, (starts_on, ends_on) in enumerate(_weeks(window), start=1):
        last_ends_on = last_weeks[min(number, len(last_weeks)) - 1][1]
        weeks.append({
            "week": number,
            "label": f"第{number}周",
            "dates": f"{_day_label(starts_on)}—{_day_label(ends_on)}",
            "paid": _cumulative(daily[year], min(ends_on, today)) if starts_on <= today else None,
            "last_year_paid": _cumulative(daily[year - 1], last_ends_on),
        })
    return {
        "year": year,
        "last_year": year - 1,
        "opens_on": window.opens_on,
        "closes_on": window.closes_on,
        "last_opens_on": last_window.opens_on,
        "last_closes_on": last_window.closes_on,
        "is_open": window.contains(today),
        "weeks": weeks,
    }


def settlement_spending(user, today: date) -> dict:
    """What each tier paid, by month of the visit, for the calendar year of `today` (the
    settlements' `year`), up to this month. Reversal records carry the negated amounts and the
    original's visit date, and the reversed original keeps its own: a reversed bill nets to
    zero in its month."""
    return _cached(_cache_key(user, "spending", today.year, today.month),
                   lambda: _settlement_spending(user, today))


def _settlement_spending(user, today: date) -> dict:
    sums = {f"{name}_sum": Sum(name) for name, _label in TIERS}
    rows = (Settlement.objects.restrict(user).filter(year=today.year)
            .annotate(month=ExtractMonth("visit_date")).values("month").annotate(**sums).order_by("month"))
    by_month = {row["month"]: row for row in rows}
    months = []
    for month in range(1, today.month + 1):
        row = by_month.get(month, {})
        amounts = {name: row.get(f"{name}_sum") or ZERO for name, _label in TIERS}
        months.append({"month": month, "label": f"{month}月", **amounts, "total": sum(amounts.values(), ZERO)})
    totals = {name: sum((m[name] for m in months), ZERO) for name, _label in TIERS}
    return {
        "year": today.year,
        "tiers": [{"key": name, "label": label} for name, label in TIERS],
        "months": months,
        "totals": {**totals, "total": sum(totals.values(), ZERO)},
    }


def top_unpaid_villages(user, year: int) -> dict:
    """The villages (村/社区) of the user's region with the most enrollments of `year`
    registered and not paid, most first: the dashboard figures' villages (cached with them)."""
    rows = selectors.enrollment_figures(user, year)["villages"]
    # A city's officer sees several counties' villages, whose township and village names repeat
    # (two 北坪镇 北坳村): the county leads the name then.
    several = len({v.get("county", "") for v in rows}) > 1
    villages = [{
        "village_id": v["pk"],
        "village": v["name"],
        "township": v["township"],
        "county": v.get("county", "") if several else "",
        "label": " ".join(part for part in (v.get("county", "") if several else "", v["township"], v["name"]) if part),
        "unpaid": v["unpaid"],
    } for v in rows]
    return {"year": year, "villages": villages, "several_counties": several}

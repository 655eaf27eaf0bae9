"""Reads of settlements, restricted to the user's region."""

from datetime import date

from django.db.models import Count, Sum

from benefits.models import Facility, PersonYear, PolicyParameter, Settlement
from benefits.rules.settlement import COST_LINES, SettlementError
from benefits.services.policy import settlement_policy
from core.money import money

AMOUNTS = ("total", "basic_fund", "critical_illness", "assistance", "extra_assistance", "personal")


def facility_month(user, facility: Facility, year: int, month: int):
    """A facility's settlements of one month with the month's totals."""
    rows = (Settlement.objects.restrict(user).filter(facility=facility, visit_date__year=year, visit_date__month=month)
            .select_related("person").order_by("visit_date", "pk"))
    totals = rows.aggregate(n=Count("pk"), **{a: Sum(a) for a in AMOUNTS})
    # Sums to the cent (SQLite's SUM of decimals comes back as a float-like long decimal).
    return rows, {k: v if k == "n" else money(v or 0) for k, v in totals.items()}


def person_year_history(person, year: int) -> dict:
    """A person's settlements of a year in order, each with the running totals after it, and
    the caps they count against (RULES.md 3-5)."""
    rows = list(Settlement.objects.filter(person=person, year=year).select_related("facility").order_by("visit_date", "pk"))
    running = {"basic_fund": 0, "outpatient_fund": 0, "chronic_fund": 0, "critical_illness": 0, "assistance": 0,
               "extra_assistance": 0, "personal": 0}
    lines = []
    for row in rows:
        for key in running:
            running[key] += getattr(row, key)
        lines.append((row, dict(running)))
    totals = PersonYear.objects.filter(person=person, year=year).first()
    caps = {}
    try:
        policy = settlement_policy(person.village, date(year, 12, 31))
        caps = {"basic_fund": policy.annual_cap, "outpatient_fund": policy.outpatient_annual_cap
                + (policy.two_diseases_extra_cap if person.two_diseases_registered else 0),
                "chronic_fund": policy.chronic_annual_cap, "critical_illness": policy.ci_cap, "assistance": policy.ma_cap,
                "extra_assistance": policy.tilted_cap}
    except SettlementError:  # a year without parameters shows no caps
        caps = {}
    return {"lines": lines, "totals": totals, "caps": caps}


def settlement_detail(settlement: Settlement) -> dict:
    """What a settlement page shows besides the record: its cost lines with labels, the
    parameters it used with the value each had at the version used (from their history), and
    the records of its reversal."""
    cost_lines = [(Settlement._meta.get_field(line).verbose_name, getattr(settlement, line)) for line in COST_LINES]
    versions = settlement.parameter_versions or {}
    by_pk = {pk: (name, version) for name, (pk, version) in versions.items()}
    used = {}
    for row in PolicyParameter.history.filter(id__in=list(by_pk)).values("id", "version", "value", "unit", "source"):
        name, version = by_pk[row["id"]]
        if row["version"] == version:
            used[name] = row
    parameters = [(name, version, used.get(name)) for name, (_pk, version) in sorted(versions.items())]
    reversal = Settlement.objects.filter(reverses=settlement).first()
    return {"cost_lines": cost_lines, "parameters": parameters, "reversal": reversal}

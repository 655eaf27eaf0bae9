"""Reads of settlements, restricted to the user's region: the facility month list with its
totals, a person's year against every cap, one settlement with the parameters its steps used,
and what its printed bill (一站式结算单) shows."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Max, Q, QuerySet, Sum

from benefits import labels
from benefits.models import ChronicDisease, Facility, ParameterSet, PersonYear, PolicyParameter, Scheme, Settlement, TwoDiseasesRegistration
from benefits.rules.settlement import COST_LINES, FIRST_PAY_LINES, SettlementError
from benefits.services.policy import settlement_policy
from core.display import source_text
from core.models import Region, RegionLevel
from core.money import ZERO, money

# The amounts a list totals, in the order the columns show them.
AMOUNTS = ("total", "basic_fund", "critical_illness", "assistance", "extra_assistance", "personal")
# The payment of each tier as the bill names it (RULES.md 3-5).
TIER_PAYMENTS = (("basic_fund", "基本医保统筹"), ("critical_illness", "大病保险"), ("assistance", "医疗救助"),
                 ("extra_assistance", "倾斜/托底救助"))
SCHEME_ORDER = (Scheme.RESIDENT_BASIC, Scheme.CRITICAL_ILLNESS, Scheme.MEDICAL_ASSISTANCE)


# ------------------------------------------------------------------------------ facility lists

def facility_settlements(user, facility: Facility | None) -> QuerySet:
    """The user's settlements, of one facility or of all the user's facilities (None)."""
    rows = Settlement.objects.restrict(user)
    return rows.filter(facility=facility) if facility is not None else rows


def latest_month(user, facility: Facility | None, year: int | None = None) -> tuple[int, int] | None:
    """(year, month) of the latest visit the list would show (within `year` if given), None
    when there is none: the list opens on a month with data rather than on an empty one."""
    rows = facility_settlements(user, facility)
    if year is not None:
        rows = rows.filter(visit_date__year=year)
    latest = rows.aggregate(latest=Max("visit_date"))["latest"]
    return (latest.year, latest.month) if latest else None


def facility_month(user, facility: Facility | None, year: int, month: int):
    """The settlements of one month (one facility or all) and the month's totals: count and
    each tier's sum to the cent (reversal records are negative, so the sums are net)."""
    rows = (facility_settlements(user, facility).filter(visit_date__year=year, visit_date__month=month)
            .select_related("person", "facility").order_by("visit_date", "pk"))
    totals = rows.aggregate(n=Count("pk"), **{a: Sum(a) for a in AMOUNTS})
    # Sums to the cent (SQLite's SUM of decimals comes back as a float-like long decimal).
    return rows, {k: v if k == "n" else money(v or 0) for k, v in totals.items()}


# ------------------------------------------------------------------------------ a person's year

@dataclass(frozen=True)
class CapUse:
    label: str
    used: Decimal
    cap: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.cap - self.used, ZERO)


# PersonYear total, the policy's cap, the label (RULES.md 3-5).
_CAPS = (
    ("basic_fund", "annual_cap", "基本医保统筹支付"),
    ("outpatient_fund", "outpatient_annual_cap", "普通门诊统筹"),
    ("chronic_fund", "chronic_annual_cap", "门诊慢性病"),
    ("ci_paid", "ci_cap", "大病保险"),
    ("ma_paid", "ma_cap", "医疗救助"),
    ("extra_paid", "tilted_cap", "倾斜救助"),
)


def _disease_caps(person, rows) -> list[CapUse]:
    """A chronic disease's own annual cap (RULES.md 3.5) beside the region's: what the year's
    settlements of that disease used (reversals netted), for each capped disease the person
    holds an approval of or was settled for."""
    from benefits.models import ChronicApproval, DiseaseKind
    from benefits.services.policy import pooling_region

    capped = list(ChronicDisease.objects.filter(region=pooling_region(person.village), kind=DiseaseKind.CHRONIC, annual_cap__isnull=False))
    approved = set(ChronicApproval.objects.filter(person=person, disease__in=capped).values_list("disease_id", flat=True))
    uses = []
    for disease in capped:
        used = sum((r.chronic_fund for r in rows if r.kind == Settlement.Kind.CHRONIC and r.disease == disease.code), ZERO)
        if used or disease.pk in approved:
            uses.append(CapUse(f"门诊慢性病：{disease.name}", used, disease.annual_cap))
    return uses


def person_year_history(person, year: int) -> dict:
    """A person's settlements of a year in order, each with the running totals after it; for
    each cap the amount used, the cap and what is left; the deductibles paid by visit kind;
    and the bases of 大病保险 and 医疗救助 (RULES.md 3-5)."""
    rows = list(Settlement.objects.filter(person=person, year=year).select_related("facility").order_by("visit_date", "pk"))
    running = dict.fromkeys(("total", "basic_fund", "critical_illness", "assistance", "extra_assistance", "personal"), ZERO)
    lines = []
    for row in rows:
        for key in running:
            running[key] += getattr(row, key)
        lines.append((row, dict(running)))
    totals = PersonYear.objects.filter(person=person, year=year).first()
    caps = []
    try:
        policy = settlement_policy(person.village, date(year, 12, 31))
    except SettlementError:  # a year without parameters shows no caps
        policy = None
    if policy is not None:
        registered = TwoDiseasesRegistration.objects.filter(person=person, registered_on__lte=date(year, 12, 31)).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=date(year, 1, 1))).exists()
        for total_name, cap_name, label in _CAPS:
            cap = getattr(policy, cap_name)
            if total_name == "outpatient_fund" and registered:
                cap += policy.two_diseases_extra_cap  # X000 art. 17: 两病 patients +200
                label = "普通门诊统筹（含“两病”用药）"
            caps.append(CapUse(label, getattr(totals, total_name) if totals else ZERO, cap))
            if total_name == "chronic_fund":
                caps += _disease_caps(person, rows)
    deductibles = {}
    for row in rows:
        if row.deductible:
            deductibles[row.get_kind_display()] = deductibles.get(row.get_kind_display(), ZERO) + row.deductible
    deductibles = {kind: amount for kind, amount in deductibles.items() if amount}  # a reversed admission nets to nothing
    return {
        "lines": lines, "totals": totals, "caps": caps, "deductibles": deductibles,
        "deductible_total": sum(deductibles.values(), ZERO),
        "ci_base": totals.ci_base if totals else ZERO, "ma_base": totals.ma_base if totals else ZERO,
        "ci_deductible": policy.ci_deductible if policy else None,
    }


# ------------------------------------------------------------------------------ one settlement

@dataclass(frozen=True)
class UsedParameter:
    name: str
    label: str
    value: str  # as users read it: 200,000.00 元, 70%
    source: str
    version: int
    confirmed: bool


_MA_STEP = re.compile(r"^医疗救助（(\d)类）$")


def _names_used(settlement: Settlement, values: dict) -> list[str]:
    """The parameter names the settlement's steps used, read from the steps the engine wrote
    (benefits.rules.settlement) and the visit's level, tier, location and cost lines. `values`
    maps every loaded name to its value at the version used."""
    level, tier, s = settlement.facility.level, settlement.facility.tier, settlement
    names: list[str] = []
    for step in settlement.explanation or []:
        text = step.get("step", "")
        if text in ("乙类先行自付", "政策范围内费用"):
            names += [f"first_pay_rate.{line}" for line in FIRST_PAY_LINES if getattr(s, line)]
        elif text == "异地就医个人先行自付":
            names.append(f"location_rate.{s.location}")
        elif text == "起付标准":
            names.append(f"inpatient_deductible.{level}")
        elif text == "基本医保统筹支付":
            names.append(f"inpatient_rate.{level}")
        elif text == "基本医保年度最高支付限额":
            names.append("annual_cap")
        elif text.startswith("未登记“两病”"):
            names.append("two_diseases_extra_cap")
        elif text == "门诊统筹日支付限额":
            names.append(f"outpatient_daily_cap.{tier}")
        elif text == "门诊统筹年度支付限额":
            names.append("outpatient_annual_cap")
            if money(abs(Decimal(step.get("amount") or 0))) != money(Decimal(values.get("outpatient_annual_cap") or 0)):
                names.append("two_diseases_extra_cap")  # the cap shown included the 两病 increase
        elif text == "基本医保门诊统筹支付":
            names.append("outpatient_rate")
        elif text == "门诊特殊疾病按住院比例支付":
            # special_diseases: the parameter that named them until the catalogue's kind did
            names += ["special_diseases", f"inpatient_rate.{level}"]
        elif text == "门诊慢性病年度支付限额":
            names.append("chronic_annual_cap")
        elif text == "基本医保门诊慢性病支付":
            names.append("chronic_rate")
        elif text.startswith("大病保险"):
            names += ["ci_deductible", *sorted((n for n in values if n.startswith("ci_band.")), key=lambda n: int(n.split(".")[1]))]
            if "困难群众" in text:
                names += ["ci_special_codes", "ci_special_deductible_factor", "ci_special_rate_bonus"]
            else:
                names.append("ci_cap")
        elif text == "医疗救助年度限额":
            names.append("ma_cap")
        elif match := _MA_STEP.match(text):
            klass = match.group(1)
            names += ["ma_chronic_rate"] if s.kind == Settlement.Kind.CHRONIC else [f"ma_deductible.{klass}", f"ma_inpatient_rate.{klass}"]
        elif text == "托底保障":
            names += ["backstop_codes", "backstop_threshold", "backstop_personal_rate"]
        elif text == "倾斜救助":
            names += ["tilted_threshold", "tilted_rate", "tilted_cap"]
        elif text == "一般诊疗费":
            names.append(f"general_fee.{tier}")
        elif text == "基本医保支付" and s.kind == Settlement.Kind.GENERAL_FEE:
            names.append(f"general_fee_fund.{tier}")
    return list(dict.fromkeys(names))


def parameters_used(settlement: Settlement) -> list[tuple[str, list[UsedParameter]]]:
    """The parameters the settlement's steps used, at the version it was computed with (from
    their history), grouped by tier: [(基本医保, [...]), (大病保险, [...]), (医疗救助, [...])]."""
    versions = ParameterSet.objects.filter(pk=settlement.parameter_set_id).values_list("versions", flat=True).first() or {}
    by_pk = {pk: (name, version) for name, (pk, version) in versions.items()}
    loaded = {}
    for row in PolicyParameter.history.filter(id__in=list(by_pk)).values("id", "version", "value", "unit", "source", "scheme", "confirmed"):
        name, version = by_pk[row["id"]]
        if row["version"] == version:
            loaded[name] = row
    values = {name: row["value"] for name, row in loaded.items()}
    groups: dict[str, list[UsedParameter]] = {}
    for name in _names_used(settlement, values):
        row = loaded.get(name)
        if row is None:  # a name the settlement's policy did not hold
            continue
        groups.setdefault(row["scheme"], []).append(UsedParameter(
            name=name, label=labels.parameter_label(name), value=labels.parameter_value(row["value"], row["unit"]),
            source=row["source"], version=versions[name][1], confirmed=row["confirmed"]))
    return [(labels.TIERS[scheme], groups[scheme]) for scheme in SCHEME_ORDER if scheme in groups]


def settlement_detail(settlement: Settlement) -> dict:
    """What a settlement page shows besides the record: its cost lines with labels, each
    tier's payment, the parameters its steps used, and the records of its reversal."""
    cost_lines = [(Settlement._meta.get_field(line).verbose_name, getattr(settlement, line)) for line in COST_LINES]
    reversal = Settlement.objects.filter(reverses=settlement).first()
    return {
        "cost_lines": cost_lines, "payments": [(label, getattr(settlement, name)) for name, label in TIER_PAYMENTS],
        "parameter_groups": parameters_used(settlement), "reversal": reversal,
        "disease": disease_name(settlement), "steps": shown_steps(settlement),
    }


def shown_steps(settlement: Settlement) -> list[dict]:
    """The calculation steps as a page shows them. A reversal record keeps the steps of the bill
    it reverses; its amounts, like its totals, are shown negated."""
    steps = settlement.explanation or []
    if settlement.status != Settlement.Status.REVERSAL:
        return list(steps)
    return [{**step, "amount": _negated(step.get("amount"))} for step in steps]


def _negated(amount):
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return amount
    return -value if value else value


def disease_name(settlement: Settlement) -> str:
    """A bill's disease as users read it: the catalogue's name (the row keeps its code)."""
    if not settlement.disease:
        return ""
    name = ChronicDisease.objects.filter(code=settlement.disease).values_list("name", flat=True).first()
    return name or labels.code_label(settlement.disease)


def settlement_bill(settlement: Settlement) -> dict:
    """The one-stop settlement bill (一站式结算单): the detail's figures, the person's insured
    category in the settlement's year and the hardship identities valid on the visit date
    (the settlement stores neither, so they are read from the enrollment and identity records)."""
    from assistance.services.identities import valid_identities
    from enrollment.models import Enrollment

    enrollment = (Enrollment.objects.filter(person_id=settlement.person_id, benefit_year=settlement.year)
                  .exclude(status=Enrollment.Status.CANCELLED).order_by("-pk").first())
    identities = [record.get_code_display() for record in valid_identities([settlement.person_id], settlement.visit_date)
                  .get(settlement.person_id, [])]
    fund_total = sum((getattr(settlement, name) for name, _label in TIER_PAYMENTS), ZERO)
    codes = [code for code in settlement.region_path.split("/") if code]
    county = Region.objects.filter(code__in=codes, level=RegionLevel.COUNTY).first()
    return {
        **settlement_detail(settlement), "enrollment": enrollment, "identities": list(dict.fromkeys(identities)),
        "fund_total": fund_total, "bureau": f"{county.name if county else ''}医疗保障局",
        "steps": [{**step, "step": source_text(step.get("step", "")), "source": source_text(step.get("source", ""))}
                  for step in shown_steps(settlement)],
    }

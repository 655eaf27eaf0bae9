"""Settling visits from the data (结算): eligibility from the person's enrollment, identities and
approved applications; the split from the pure engine under the policy in force on the visit
date; the year-to-date totals kept in PersonYear under a row lock so that concurrent
settlements of one person never exceed a cap. A correction is a reversal plus a new record."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from assistance.services.applications import approved_on
from assistance.services.identities import valid_identities
from benefits.models import Facility, PersonYear, Settlement
from benefits.rules.settlement import COST_LINES, Eligibility, SettlementError, Split, Visit, YearToDate, settle
from benefits.services.policy import settlement_policy
from core.errors import ServiceError
from core.money import column_max, fmt_money
from core.restrict import path_allowed
from core.validation import date_problem
from enrollment.models import Enrollment, Person

SPLIT_FIELDS = ("total", "class_b_first_pay", "policy_range", "location_first_pay", "deductible", "basic_fund", "critical_illness",
                "assistance", "extra_assistance", "personal", "ci_base", "ma_base", "outpatient_fund", "chronic_fund")
YEAR_FIELDS = ("basic_fund", "outpatient_fund", "chronic_fund", "ci_base", "ci_paid", "ma_base", "ma_paid", "extra_paid", "personal")
# The largest amount a settlement (a cost line, its total, a year's total) can hold: what comes
# from a file or the trial interface is refused above it, never left to overflow at commit.
AMOUNT_MAX = column_max(Settlement._meta.get_field("total"))


NO_ENROLLMENT = object()  # a batch caller looked and found none


def eligibility_for(person: Person, day: date, *, enrollment=None, identities=None,
                    class_3_4_approved=None, tilted_approved=None, disease: str = "") -> Eligibility:
    """The person's eligibility on the visit date (RULES.md 3-5), read from the data; batch
    callers pass what they preloaded (NO_ENROLLMENT when the person has none covering it)."""
    if enrollment is NO_ENROLLMENT:
        enrollment = None
    elif enrollment is None:
        enrollment = (Enrollment.objects.filter(person=person, status__in=Enrollment.PAID_STATUSES, benefit_end__gte=day)
                      .exclude(status=Enrollment.Status.SUSPENDED).order_by("benefit_start").first())
    insured, reason = False, "未参加居民医保，基本医保不支付"
    if enrollment is not None and enrollment.status != Enrollment.Status.SUSPENDED:
        if enrollment.benefit_start <= day <= enrollment.benefit_end:
            insured, reason = True, ""
        elif day < enrollment.benefit_start and enrollment.benefit_year == day.year:
            reason = f"待遇等待期内（{enrollment.benefit_start:%Y-%m-%d}起享受待遇，X000 art. 11），基本医保不支付"
    if identities is None:
        identities = [r.code for r in valid_identities([person.pk], day).get(person.pk, [])]
    if class_3_4_approved is None:
        class_3_4_approved = approved_on(person.pk, "class_3_4", day) is not None
    if tilted_approved is None:
        tilted_approved = approved_on(person.pk, "tilted", day) is not None
    chronic = {c.strip() for c in (person.chronic_diseases or "").split(",") if c.strip()}
    return Eligibility(
        insured=insured, uninsured_reason=reason, identities=tuple(sorted(set(identities))),
        two_diseases_registered=person.two_diseases_registered, assistance_approved=class_3_4_approved,
        tilted_approved=tilted_approved, chronic_approved=not disease or disease in chronic,
    )


def explanation_json(split: Split) -> list[dict]:
    """The explanation as stored on a settlement and answered by the trial interface."""
    return [{"step": s.step, "amount": fmt_money(s.amount), "source": s.source} for s in split.explanation]


def year_to_date(totals: PersonYear, outpatient_today: Decimal) -> YearToDate:
    return YearToDate(**{f: getattr(totals, f) for f in YEAR_FIELDS if f != "personal"}, outpatient_fund_today=outpatient_today)


def apply_split(totals: PersonYear, split: Split, sign: int = 1) -> None:
    for name, value in (("basic_fund", split.basic_fund), ("outpatient_fund", split.outpatient_fund), ("chronic_fund", split.chronic_fund),
                        ("ci_base", split.ci_base), ("ci_paid", split.critical_illness), ("ma_base", split.ma_base),
                        ("ma_paid", split.assistance), ("extra_paid", split.extra_assistance), ("personal", split.personal)):
        setattr(totals, name, getattr(totals, name) + sign * value)


@dataclass
class VisitInput:
    person: Person
    facility: Facility
    bill_number: str
    kind: str
    visit_date: date
    location: str = "local"
    disease: str = ""
    costs: dict | None = None
    discharge_date: date | None = None
    referral: str = "referred"  # 吉林 (RULES.md 3.7)
    referred_from_deductible: Decimal = Decimal(0)
    downward_referral: bool = False
    in_province: bool = True
    filing_id: int | None = None  # the remote-care filing the location rests on
    channel: str = "direct"  # Settlement.Channel
    claim_received_on: date | None = None  # manual claims: the day the county office took the bill

    def visit(self) -> Visit:
        return Visit(kind=self.kind, facility_level=self.facility.level, facility_tier=self.facility.tier, location=self.location,
                     disease=self.disease, costs={k: Decimal(v) for k, v in (self.costs or {}).items()},
                     zero_markup=self.facility.zero_markup, in_province=self.in_province, referral=self.referral,
                     referred_from_deductible=Decimal(self.referred_from_deductible), downward_referral=self.downward_referral)


def settlement_row(data: VisitInput, split: Split, policy, *, user=None, source_import=None) -> Settlement:
    costs = data.costs or {}
    return Settlement(
        person=data.person, facility=data.facility, bill_number=data.bill_number, kind=data.kind, visit_date=data.visit_date,
        discharge_date=data.discharge_date, year=data.visit_date.year, location=data.location, disease=data.disease,
        referral=data.referral, referred_from_deductible=Decimal(data.referred_from_deductible), downward_referral=data.downward_referral,
        in_province=data.in_province, filing_id=data.filing_id, channel=data.channel, claim_received_on=data.claim_received_on,
        **{line: Decimal(costs.get(line, 0)) for line in COST_LINES},
        **{f: getattr(split, f) for f in SPLIT_FIELDS},
        parameter_versions=dict(policy.versions),
        explanation=explanation_json(split),
        region_path=data.person.region_path, created_by=user, source_import=source_import,
    )


def _outpatient_today(person_id: int, day: date) -> Decimal:
    return (Settlement.objects.filter(person_id=person_id, year=day.year, visit_date=day)
            .aggregate(s=Sum("outpatient_fund"))["s"] or Decimal(0))


def visit_dates_problem(visit_date: date, discharge_date: date | None, *, today: date) -> tuple[str, str] | None:
    """(field, Chinese reason) when a visit's dates cannot be settled, else None: a bill is
    settled after the care, so neither date lies after today, and discharge is not before
    admission. Every door (the settlement import, settlement_create) asks this."""
    for field, label, day in (("visit_date", "入院（就诊）日期", visit_date), ("discharge_date", "出院日期", discharge_date)):
        if day is not None:
            problem = date_problem(day, label=label, not_after_today=True, today=today)
            if problem:
                return field, problem
    if discharge_date is not None and discharge_date < visit_date:
        return "discharge_date", "出院日期早于入院日期"
    return None


@transaction.atomic
def settlement_create(*, user, data: VisitInput, source_import=None) -> Settlement:
    """Settle one visit. The person's PersonYear row is locked first: two settlements of the
    same person are computed one after the other, each on the other's totals."""
    if not path_allowed(user, data.person.region_path):
        raise ServiceError("region_denied", f"{data.person.name} 不在您的管辖区划内", "person")
    problem = visit_dates_problem(data.visit_date, data.discharge_date, today=timezone.localdate())
    if problem:
        raise ServiceError("visit_dates", problem[1], problem[0])
    if not data.facility.under_agreement_on(data.visit_date):
        raise ServiceError("no_agreement", f"{data.facility.name} 在 {data.visit_date} 不在协议期内", "visit_date")
    if Settlement.objects.filter(facility=data.facility, bill_number=data.bill_number, reverses__isnull=True).exists():
        raise ServiceError("duplicate_bill", f"{data.facility.name} 的结算单号 {data.bill_number} 已结算", "bill_number")
    PersonYear.objects.get_or_create(person=data.person, year=data.visit_date.year)
    totals = PersonYear.objects.select_for_update().get(person=data.person, year=data.visit_date.year)
    try:
        policy = settlement_policy(data.person.village, data.visit_date)
        eligibility = eligibility_for(data.person, data.visit_date, disease=data.disease if data.kind == "chronic" else "")
        split = settle(policy, data.visit(), eligibility, year_to_date(totals, _outpatient_today(data.person.pk, data.visit_date)))
    except SettlementError as error:
        raise ServiceError(error.code, error.message, error.field) from None
    row = settlement_row(data, split, policy, user=user, source_import=source_import)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ServiceError("duplicate_bill", f"{data.facility.name} 的结算单号 {data.bill_number} 已结算", "bill_number") from None
    apply_split(totals, split)
    totals.save()
    return row


@transaction.atomic
def settlement_reverse(*, user, settlement: Settlement, reason: str) -> Settlement:
    """冲正: a reversal record with every amount negated, the original marked reversed, the
    year's totals reduced. The settlement itself is never edited otherwise."""
    if not user.has_perm("benefits.reverse_settlement"):
        raise ServiceError("denied", "您没有冲正结算单的权限")
    original = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if not path_allowed(user, original.region_path):
        raise ServiceError("region_denied", "该结算单不在您的管辖区划内")
    if original.status != Settlement.Status.SETTLED:
        raise ServiceError("not_settled", "只能冲正状态为“已结算”的结算单")
    if not (reason or "").strip():
        raise ServiceError("reason", "请填写冲正原因", "reason")
    totals = PersonYear.objects.select_for_update().get(person_id=original.person_id, year=original.year)
    reversal = Settlement.objects.get(pk=original.pk)
    reversal.pk = None
    # The reversal keeps the bill's number: it belongs to that bill, which reverses links. A
    # number of its own ("<n>-R") could be a number the facility itself issues and imports.
    for name in (*COST_LINES, *SPLIT_FIELDS):
        setattr(reversal, name, -getattr(original, name))
    reversal.status, reversal.reverses, reversal.reason, reversal.created_by = Settlement.Status.REVERSAL, original, reason.strip(), user
    reversal.save()
    original.status = Settlement.Status.REVERSED
    original.save(update_fields=["status"])
    for name in YEAR_FIELDS:
        source = {"ci_paid": "critical_illness", "ma_paid": "assistance", "extra_paid": "extra_assistance"}.get(name, name)
        setattr(totals, name, getattr(totals, name) - getattr(original, source))
    totals.save()
    return reversal

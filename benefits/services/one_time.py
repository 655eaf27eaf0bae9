"""One-time assistance for the 12 months before certification (S001 §四(六)): the person's
eligible settlements of that period are settled again by the engine as if the new identity had
been in force (with the approval), year by year from the totals the person had then, and the
medical assistance they would have received, less what was paid, is recorded as one payment."""


from dataclasses import replace
from decimal import Decimal

from django.db import transaction

from assistance.models import Application
from assistance.services.identities import valid_identities
from benefits.models import OneTimeAssistance, Settlement
from benefits.rules.settlement import COST_LINES, Visit, YearToDate, assistance_for
from benefits.services.policy import settlement_policy
from benefits.services.settlements import YEAR_FIELDS, EligibilityLoader, add_to_year, stored_year_amounts
from core.errors import ServiceError
from core.money import add_months

ELIGIBLE_KINDS = ("inpatient", "chronic")


def _visit(s: Settlement) -> Visit:
    return Visit(kind=s.kind, facility_level=s.facility.level, facility_tier=s.facility.tier, location=s.location, disease=s.disease,
                 costs={line: getattr(s, line) for line in COST_LINES}, zero_markup=s.facility.zero_markup, in_province=s.in_province,
                 referral=s.referral, referred_from_deductible=s.referred_from_deductible, downward_referral=s.downward_referral)


class _Totals:
    """Year totals summed from stored rows (the same mapping a reversal takes back)."""

    def __init__(self):
        for name in YEAR_FIELDS:
            setattr(self, name, Decimal(0))


def _ytd_before(person_id: int, year: int, day) -> YearToDate:
    # Only the settlements that stand: a reversed original and its reversal (negated, same
    # visit date) net to zero, so both are left out; one without the other would count the
    # bill negatively.
    totals = _Totals()
    for row in Settlement.objects.filter(person_id=person_id, year=year, visit_date__lt=day, status=Settlement.Status.SETTLED):
        add_to_year(totals, stored_year_amounts(row))
    return YearToDate(**{f: getattr(totals, f) for f in YEAR_FIELDS if f != "personal"})


@transaction.atomic
def one_time_assistance_pay(*, user, application: Application) -> OneTimeAssistance:
    application = Application.objects.select_for_update().select_related("person", "person__village").get(pk=application.pk)
    existing = OneTimeAssistance.objects.filter(application=application).first()
    if existing is not None:
        return existing  # paid once
    if application.kind != Application.Kind.ONE_TIME or application.status != Application.Status.APPROVED:
        raise ServiceError("not_approved", "只有已批准的“认定前12个月一次性救助”申请可以计算支付")
    person = application.person
    records = valid_identities([person.pk], application.decided_on).get(person.pk, [])
    policy_today = settlement_policy(person.village, application.decided_on)
    classed = [r for r in records if policy_today.ma_class_of.get(r.code)]
    if not classed:
        raise ServiceError("no_identity", "申请人在决定日没有有效的医疗救助对象身份")
    record = max(classed, key=lambda r: r.valid_from)  # the newest certification
    certified_on = record.valid_from
    start = add_months(certified_on, -12)
    eligible = list(Settlement.objects.filter(person=person, status=Settlement.Status.SETTLED, kind__in=ELIGIBLE_KINDS,
                                              visit_date__gte=start, visit_date__lt=certified_on)
                    .exclude(location="remote_unfiled").select_related("facility").order_by("visit_date", "pk"))
    codes = tuple(sorted({r.code for r in classed}))
    amount, lines, ytd, year = Decimal(0), [], None, None
    loader = EligibilityLoader()
    loader.load([person])
    for s in eligible:
        if s.year != year:
            year, ytd = s.year, _ytd_before(person.pk, s.year, s.visit_date)
        # As the data said on the day, with the new identity and the approval in force.
        said = loader.eligibility(person, s.visit_date, disease=s.disease if s.kind == "chronic" else "", facility_id=s.facility_id)
        eligibility = replace(said, identities=codes, assistance_approved=True)
        # MA on what basic insurance and CI actually left (S001 §三(四)), in visit order.
        ma, added, _extra, _steps = assistance_for(settlement_policy(person.village, s.visit_date), _visit(s), eligibility,
                                                  s.policy_range - s.basic_fund - s.critical_illness, ytd)
        base = "ma_base_chronic" if s.kind == Settlement.Kind.CHRONIC else "ma_base"  # RULES.md 5: two bases
        ytd = replace(ytd, **{base: getattr(ytd, base) + added}, ma_paid=ytd.ma_paid + max(ma, s.assistance))
        due = max(Decimal(0), ma - s.assistance)
        amount += due
        lines.append({"settlement": s.pk, "bill": s.bill_number, "date": s.visit_date.isoformat(), "assistance": str(ma),
                      "already_paid": str(s.assistance), "due": str(due)})
    return OneTimeAssistance.objects.create(
        application=application, certified_on=certified_on, period_from=start, amount=amount,
        settlements=[line["settlement"] for line in lines], explanation=lines, created_by=user,
    )




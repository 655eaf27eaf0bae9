"""Money designated facilities owe the funds (RULES.md 7: 协议违约金, recovered charges and penalties
are paid up per fund before the year's end). The one writer of FacilityPenalty:

- the city bureau records the decision (处理决定): the facility owes the fund; 应收定点医疗机构款
  is debited and the fund's 其他收入 credited, on the county the facility is in;
- the fund cashier records its payment into the city fiscal special account (缴款): the special
  account debited, the receivable cleared;
- a decision annulled before payment is cancelled with a reason: its entry is reversed.

Each amount due is to the end of the decision's year."""

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from benefits.models import Facility
from core.audit import stamp
from core.errors import ServiceError
from core.models import Region
from core.money import AmountError, column_max, parse_typed_amount
from core.validation import check_date
from funds.models import AccountKind, FacilityPenalty, Fund, SourceKind
from funds.services import ledger
from funds.services.postings import CityRegions, facility_labels
from funds.services.scope import city_of_user

DECIDE = "funds.decide_facilitypenalty"
COLLECT = "funds.collect_facilitypenalty"
Status = FacilityPenalty.Status
ZERO = Decimal("0.00")


def city_of(user) -> Region:
    """The city a user records penalties for (funds.services.scope)."""
    return city_of_user(user, "定点机构违约金和违规费用由统筹区（市）医保局登记，请由市医保局用户办理")


def normalise_text(value) -> str:
    """Typed text as one spelling (NFKC: fullwidth letters and digits as ASCII), trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _text(value, label: str, field: str, limit: int) -> str:
    text = normalise_text(value or "")
    if not text:
        raise ServiceError(field, f"请填写{label}", field)
    if len(text) > limit:
        raise ServiceError(field, f"{label}不能超过{limit}个字", field)
    return text


def _day(value: date | None, label: str, field: str, *, not_before: date, not_before_label: str, today: date) -> date:
    if value is None:
        raise ServiceError(field, f"请填写{label}", field)
    check_date(value, field=field, label=label, not_after_today=True, today=today)
    if value < not_before:
        raise ServiceError(field, f"{label}不能早于{not_before_label} {not_before:%Y-%m-%d}", field)
    return value


@transaction.atomic
def penalty_decide(*, user, facility_code: str, fund: str, kind: str, amount, document: str, decided_on: date | None, reason: str,
                   today: date | None = None) -> FacilityPenalty:
    """Record a decision: the facility owes `amount` to `fund`, due by the end of the decision's
    year. A decision is recorded once per facility, document and fund."""
    if not user.has_perm(DECIDE):
        raise ServiceError("denied", "您没有登记定点机构违约金和违规费用的权限")
    city = city_of(user)
    today = today or timezone.localdate()
    code = normalise_text(facility_code or "").upper()
    facility = Facility.objects.filter(code=code, region_path__startswith=city.path).first() if code else None
    if facility is None:
        raise ServiceError("facility", f"{city.name}没有编码为“{code}”的定点医疗机构" if code else "请填写定点医疗机构编码", "facility")
    if not facility.designated:
        raise ServiceError("facility", f"{facility.name}不是定点医疗机构（没有服务协议）", "facility")
    if fund not in Fund.values:
        raise ServiceError("fund", "请选择基金", "fund")
    if kind not in FacilityPenalty.Kind.values:
        raise ServiceError("kind", "请选择类别", "kind")
    try:
        amount = parse_typed_amount(amount, maximum=column_max(FacilityPenalty._meta.get_field("amount")))
    except AmountError as error:
        raise ServiceError("amount", f"金额：{error}", "amount") from None
    if not amount:
        raise ServiceError("amount", "请填写金额", "amount")
    document = _text(document, "处理决定文号", "document", 100)
    reason = _text(reason, "事由", "reason", 500)
    opened = date(today.year - 1, 1, 1)
    decided_on = _day(decided_on, "决定日期", "decided_on", not_before=opened, not_before_label="基金账可记账的首日", today=today)
    if FacilityPenalty.objects.filter(facility=facility, document=document, fund=fund).exists():
        raise ServiceError("document", f"{facility.name}的{document}（{Fund(fund).label}）已登记", "document")
    county = CityRegions(city).region(CityRegions(city).county_code(facility.region_path))
    penalty = FacilityPenalty(city=city, facility=facility, county=county, fund=fund, kind=kind, amount=amount, document=document,
                              decided_on=decided_on, due_on=date(decided_on.year, 12, 31), reason=reason, created_by=user,
                              region_path=county.path)
    try:
        with transaction.atomic():
            stamp(penalty, user, "登记处理决定").save()
    except IntegrityError:  # the same decision submitted twice at once
        raise ServiceError("document", f"{facility.name}的{document}（{Fund(fund).label}）已登记", "document") from None
    label = facility_labels([facility])[facility.pk]
    receivable = ledger.account(fund, AccountKind.FACILITY_RECEIVABLE, city, facility)
    entry, _created = ledger.post(
        city=city, posted_on=decided_on, source_kind=SourceKind.PENALTY, key=f"penalty:{penalty.pk}", user=user, source_ref=document,
        memo=f"{label} {FacilityPenalty.Kind(kind).label}（{document}）",
        lines=[ledger.Line(receivable, amount, county), ledger.Line(ledger.account(fund, AccountKind.OTHER_INCOME, city), -amount, county)])
    penalty.decision_entry = entry
    FacilityPenalty.objects.filter(pk=penalty.pk).update(decision_entry=entry)  # one history record for the decision
    return penalty


def _locked(penalty: FacilityPenalty, user, expected: str | None) -> FacilityPenalty:
    city = city_of(user)
    locked = FacilityPenalty.objects.select_for_update().select_related("facility", "county").get(pk=penalty.pk)
    if locked.city_id != city.pk:
        raise ServiceError("region_denied", "这不是本市的记录")
    if expected is None or expected != locked.status:
        raise ServiceError("stale", f"该记录现为“{locked.get_status_display()}”，页面已过期，请刷新后再办理")
    return locked


@transaction.atomic
def penalty_collect(*, user, penalty: FacilityPenalty, paid_on: date | None, receipt: str, expected: str | None,
                    today: date | None = None) -> FacilityPenalty:
    """The facility's payment into the city fiscal special account (缴款)."""
    if not user.has_perm(COLLECT):
        raise ServiceError("denied", "您没有登记缴款的权限")
    penalty = _locked(penalty, user, expected)
    if penalty.status != Status.OWED:
        raise ServiceError("status", f"该记录{penalty.get_status_display()}，不能再登记缴款")
    today = today or timezone.localdate()
    paid_on = _day(paid_on, "缴纳日期", "paid_on", not_before=penalty.decided_on, not_before_label="决定日期", today=today)
    receipt = _text(receipt, "缴款凭证号", "receipt", 100)
    city = penalty.city
    entry, _created = ledger.post(
        city=city, posted_on=paid_on, source_kind=SourceKind.PENALTY, key=f"penalty_paid:{penalty.pk}", user=user, source_ref=receipt,
        memo=f"{facility_labels([penalty.facility])[penalty.facility_id]} 缴纳{penalty.get_kind_display()}（{penalty.document}，{receipt}）",
        lines=[ledger.Line(ledger.account(penalty.fund, AccountKind.FISCAL_SPECIAL, city), penalty.amount, penalty.county),
               ledger.Line(ledger.account(penalty.fund, AccountKind.FACILITY_RECEIVABLE, city, penalty.facility), -penalty.amount,
                           penalty.county)])
    penalty.status, penalty.paid_on, penalty.paid_by, penalty.receipt, penalty.payment_entry = Status.PAID, paid_on, user, receipt, entry
    stamp(penalty, user, "登记缴款").save()
    return penalty


@transaction.atomic
def penalty_cancel(*, user, penalty: FacilityPenalty, reason: str, expected: str | None, today: date | None = None) -> FacilityPenalty:
    """A decision annulled (复议、诉讼撤销) before payment: its entry reversed today."""
    if not user.has_perm(DECIDE):
        raise ServiceError("denied", "您没有撤销的权限")
    penalty = _locked(penalty, user, expected)
    if penalty.status != Status.OWED:
        raise ServiceError("status", f"该记录{penalty.get_status_display()}，不能撤销")
    reason = _text(reason, "撤销原因", "reason", 300)
    today = today or timezone.localdate()
    ledger.reverse(entry=penalty.decision_entry, posted_on=max(today, penalty.decided_on), reason=f"撤销处理决定：{reason}", user=user)
    penalty.status, penalty.cancelled_reason = Status.CANCELLED, reason
    stamp(penalty, user, "撤销").save()
    return penalty


@dataclass(frozen=True)
class Outstanding:
    """What facilities still owe, as of a day: owed penalties, of which overdue (past the end of
    their year)."""

    count: int
    amount: Decimal
    overdue_count: int
    overdue_amount: Decimal


def outstanding(queryset, as_of: date) -> Outstanding:
    owed = queryset.filter(status=Status.OWED)
    late = Q(due_on__lt=as_of)
    totals = owed.aggregate(owed_count=Count("pk"), owed_amount=Sum("amount"), late_count=Count("pk", filter=late),
                            late_amount=Sum("amount", filter=late))
    return Outstanding(totals["owed_count"], totals["owed_amount"] or ZERO, totals["late_count"], totals["late_amount"] or ZERO)

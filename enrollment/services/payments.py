"""Counter payments (缴费): one receipt number (票据号) for one person's or a whole household's
unpaid enrollments, the amount received equal to the cent to what they owe on the payment
date. Each enrollment is priced by the one pricing path of a payment
(enrollments.priced_for_payment: the identities valid that day), then all are written with
the Payment they belong to, in one transaction, or none is."""

import re
import unicodedata
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import stamp
from core.display import yuan
from core.errors import ServiceError
from core.models import RegionLevel
from core.restrict import may_change
from enrollment.models import Enrollment, Household, Payment, PaymentMethod
from enrollment.services.enrollments import locked_for_payment, priced_for_payment, save_paid

RECEIPT_NUMBER_MAX_LENGTH = Payment._meta.get_field("receipt_number").max_length
# Receipt numbers are printed digits, often after a series letter (HB2026000123) or a dash.
_RECEIPT_NUMBER = re.compile(r"[A-Z0-9-]+", re.ASCII)


def normalize_receipt_number(value: str) -> str:
    """票据号 as stored: NFKC (fullwidth digits typed with a Chinese input method read as ASCII),
    trimmed, letters upper-case, so that one receipt cannot be entered twice in two spellings."""
    number = unicodedata.normalize("NFKC", value or "").strip().upper()
    if not number:
        raise ServiceError("receipt_number_required", "请填写票据号", "receipt_number")
    if len(number) > RECEIPT_NUMBER_MAX_LENGTH:
        raise ServiceError("receipt_number_length", f"票据号过长（{len(number)} 位，最多 {RECEIPT_NUMBER_MAX_LENGTH} 位）", "receipt_number")
    if not _RECEIPT_NUMBER.fullmatch(number):
        raise ServiceError("receipt_number_format", "票据号只能由字母、数字和“-”组成", "receipt_number")
    return number


def _county_of(village):
    return next((r for r in village.ancestors() if r.level == RegionLevel.COUNTY), None)


def _named(enrollment: Enrollment, error: ServiceError) -> ServiceError:
    return ServiceError(error.code, f"{enrollment.person.name}：{error.message}", error.field)


@transaction.atomic
def payment_record(*, user, enrollments, receipt_number: str, amount_received: Decimal, method: str, payment_date: date,
                   household: Household | None = None, today: date | None = None) -> Payment:
    """Record one counter payment for `enrollments` (unpaid, in the user's region, of one
    county): each priced for `payment_date`, their total equal to `amount_received`. The payer
    is the household's head when paid for a household, else the person."""
    today = today or timezone.localdate()
    number = normalize_receipt_number(receipt_number)
    if method not in PaymentMethod.values:
        raise ServiceError("method", "请选择缴费方式", "method")
    if not isinstance(amount_received, Decimal) or not amount_received.is_finite() or amount_received < 0:
        raise ServiceError("amount", "实收金额应为不小于零的金额", "amount_received")
    pks = sorted({e.pk for e in enrollments})
    if not pks:
        raise ServiceError("no_enrollments", "请至少选择一项待缴费的参保登记", "enrollments")
    locked = locked_for_payment(pks)
    if len(locked) != len(pks):
        raise ServiceError("enrollment_missing", "所选参保登记不存在", "enrollments")
    counties = {}
    for enrollment in locked:
        if not may_change(user, [enrollment.region_path]):
            raise ServiceError("region_denied", f"{enrollment.person.name}不在您的管辖区划内", "enrollments")
        if enrollment.village_id not in counties:
            counties[enrollment.village_id] = _county_of(enrollment.village)
    if household is not None and any(e.person.household_id != household.pk for e in locked):
        raise ServiceError("household", f"所选人员不都是{household}的成员", "enrollments")
    county_ids = {c.pk if c else None for c in counties.values()}
    if None in county_ids or len(county_ids) != 1:
        raise ServiceError("one_county", "一张票据只能用于同一县（市、区）的参保人员", "enrollments")
    county = next(iter(counties.values()))
    for enrollment in locked:
        try:
            priced_for_payment(enrollment, payment_date, today=today)
        except ServiceError as error:
            raise _named(enrollment, error) if len(locked) > 1 else error from None
    total = sum((e.amount_due for e in locked), Decimal("0.00"))
    if amount_received != total:
        raise ServiceError("amount_mismatch", f"实收金额 {yuan(amount_received)} 元与应缴金额 {yuan(total)} 元不一致", "amount_received")
    if Payment.objects.filter(county=county, receipt_number=number).exists():
        raise ServiceError("duplicate_receipt_number", f"票据号 {number} 在{county.name}已经使用，不能重复登记", "receipt_number")

    head = household.head if household is not None and household.head_id else None
    first = locked[0]
    payment = Payment(
        receipt_number=number, county=county, amount=total, method=method, paid_on=payment_date,
        payer_name=(head or first.person).name, household=household, village=first.village, region_path=first.village.path,
        recorded_by=user,
    )
    payment.full_clean(validate_unique=False, validate_constraints=False)
    stamp(payment, user, "缴费")
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:  # the same number saved by another clerk since the check above
        raise ServiceError("duplicate_receipt_number", f"票据号 {number} 在{county.name}已经使用，不能重复登记", "receipt_number") from None
    for enrollment in locked:
        save_paid(enrollment, user=user, payment=payment)
    return payment

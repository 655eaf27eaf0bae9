"""What a payment's receipt (缴费凭证) and a clerk's daily summary (日结单) show: amounts in
Chinese capital numerals as receipts write them, and the reads behind the two pages, always
restricted to the user's region."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from core.money import money
from enrollment.models import Payment, PaymentMethod

_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS_IN_GROUP = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _group_in_words(group: int) -> str:
    """0-9999 in capital numerals, zeros inside read once (1005 → 壹仟零伍), none at the end."""
    digits = f"{group:04d}"
    words, pending_zero = "", False
    for position, digit in enumerate(digits):
        value = int(digit)
        if value == 0:
            pending_zero = bool(words)
            continue
        if pending_zero:
            words += "零"
            pending_zero = False
        words += _CAPITAL_DIGITS[value] + _UNITS_IN_GROUP[3 - position]
    return words


def _integer_in_words(number: int) -> str:
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    if len(groups) > len(_GROUP_UNITS):
        raise ValueError("amount too large for capital numerals")
    words = ""
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        if words and (group < 1000 or groups[index + 1] == 0):
            words += "零"  # 100,500 → 壹拾万零伍佰; 1,000,100 → 壹佰万零壹佰
        words += _group_in_words(group) + _GROUP_UNITS[index]
    return words


def amount_in_words(amount: Decimal) -> str:
    """An amount as a receipt writes it in capital numerals (大写), after the rules of the
    《支付结算办法》 for amounts: 人民币肆佰元整, 人民币壹仟零伍元叁角整, 人民币贰元零伍分; 整 after
    元 or 角, none after 分."""
    amount = money(amount)
    if amount < 0:
        raise ValueError("a receipt amount is never negative")
    cents = int(amount * 100)
    yuan_part, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "人民币零元整"
    words = _integer_in_words(yuan_part) + "元" if yuan_part else ""
    if jiao:
        words += _CAPITAL_DIGITS[jiao] + "角"
    elif fen and yuan_part:
        words += "零"
    if fen:
        words += _CAPITAL_DIGITS[fen] + "分"
    else:
        words += "整"
    return "人民币" + words


def payment_for_receipt(payment: Payment) -> list:
    """The enrollments a payment paid, each with its person, in the order they were paid."""
    return list(payment.enrollments.select_related("person", "school").order_by("person__household_id", "pk"))


@dataclass(frozen=True)
class MethodTotal:
    method: str
    label: str
    payments: int
    people: int
    amount: Decimal


@dataclass(frozen=True)
class DailySummary:
    day: date
    clerk: object
    payments: list  # Payment rows, each with .people
    by_method: list  # MethodTotal, in the order of PaymentMethod
    total_payments: int
    total_people: int
    total_amount: Decimal


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day in the installation's time zone (a counter's day, not UTC's)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def daily_summary(user, *, clerk, day: date) -> DailySummary:
    """A clerk's payments recorded on a day (the day the money was taken at the counter:
    a summary once signed does not change when a later payment is dated back), in the user's
    region, with totals per payment method and overall."""
    start, end = _day_bounds(day)
    payments = list(
        Payment.objects.restrict(user).filter(recorded_by=clerk, recorded_at__gte=start, recorded_at__lt=end)
        .select_related("village").annotate(people=Count("enrollments")).order_by("recorded_at", "pk")
    )
    by_method = []
    for method in PaymentMethod:
        rows = [p for p in payments if p.method == method]
        if rows:
            by_method.append(MethodTotal(method.value, method.label, len(rows), sum(p.people for p in rows),
                                         sum((p.amount for p in rows), Decimal("0.00"))))
    return DailySummary(
        day=day, clerk=clerk, payments=payments, by_method=by_method, total_payments=len(payments),
        total_people=sum(p.people for p in payments), total_amount=sum((p.amount for p in payments), Decimal("0.00")),
    )

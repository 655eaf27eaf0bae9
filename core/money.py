"""Money and calendar helpers shared by every rule: Decimal rounded half-up to 0.01 yuan
(RULES.md: after each step), the one parser of amounts that come from outside (files, the
trial interface), and calendar-month arithmetic."""

import calendar
import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """A Decimal rounded half-up to the cent. Accepts Decimal, int or a numeric string;
    floats are refused so that binary rounding never reaches an amount."""
    if value.__class__ is Decimal:  # the common case: a settlement rounds a few dozen amounts
        try:
            return value.quantize(CENT, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r}") from None
    if isinstance(value, float):
        raise TypeError("money amounts must not be floats")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(f"not an amount: {value!r}") from None


class AmountError(ValueError):
    """An amount from outside that is refused; the message (Chinese) is for the user."""


# Digits, an optional fraction and exponent, as files and JSON write numbers; no "_" (which
# Decimal would take), no NaN or Infinity.
_AMOUNT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_SHOWN = 24  # characters of a refused value quoted back to the user
# Thousands separators as users and the preview write amounts (10,500.00): groups of exactly three.
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?", re.ASCII)


def column_max(field) -> Decimal:
    """The largest amount a DecimalField can store (max_digits 14, 2 places: 999999999999.99)."""
    return Decimal(10) ** (field.max_digits - field.decimal_places) - Decimal(10) ** -field.decimal_places


def parse_amount(value, *, maximum: Decimal) -> Decimal:
    """A non-negative amount to the cent from a cell or a JSON value: Decimal, int, a numeric
    string, or a float as a spreadsheet stores it (its shortest repr). Blank is zero. Refused
    (AmountError): booleans, NaN, infinities, more than two decimal places (a fraction of a cent
    is an error in the source, not something to round away), negatives, more than `maximum`
    (the column that will hold it). Thousands separators are read when every group has three
    digits (10,500.00, 1,000); 1,5 or 10,00 stay refused (a decimal comma or a typo)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ZERO
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise AmountError("不是有效金额")
    # NFKC: fullwidth digits typed with a Chinese input method read as ASCII; other scripts'
    # digits (which Decimal would accept) are refused by the ASCII pattern below.
    raw = repr(value) if isinstance(value, float) else unicodedata.normalize("NFKC", str(value)).strip()
    shown = raw if len(raw) <= _SHOWN else raw[:_SHOWN] + "…"
    if isinstance(value, str) and _GROUPED.fullmatch(raw):
        raw = raw.replace(",", "")
    if not isinstance(value, (int, Decimal)) and not _AMOUNT.fullmatch(raw):
        raise AmountError(f"「{shown}」不是有效金额")
    amount = Decimal(value) if isinstance(value, (int, Decimal)) else Decimal(raw)
    if not amount.is_finite():
        raise AmountError(f"「{shown}」不是有效金额")
    if amount < 0:
        raise AmountError("金额不能为负数")
    if amount > maximum:
        raise AmountError(f"金额 {shown} 超出可记录的范围（最大 {maximum:,}）")
    cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if cents != amount:
        raise AmountError(f"金额 {shown} 超过两位小数（应精确到分）")
    return cents + ZERO  # -0 becomes 0.00


def parse_typed_amount(value, *, maximum: Decimal) -> Decimal:
    """An amount a person typed into a form: as parse_amount, but no exponent or sign (1e5 typed
    by mistake is refused, never read as 100,000.00; exponents are for spreadsheet cells)."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    if any(ch in text for ch in "eE+"):
        shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
        raise AmountError(f"「{shown}」不是有效金额")
    return parse_amount(text, maximum=maximum)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return money(Decimal(amount) * Decimal(percent) / Decimal(100))


def add_months(day: date, months: int) -> date:
    """The same day number `months` calendar months later, or that month's last day when
    the day does not exist (RULES.md 2.2: Jan 20 + 3 months = Apr 20; Nov 30 + 3 = Feb 28/29)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def fmt_money(value: Decimal) -> str:
    return str(money(value))  # two decimals: a Decimal quantized to the cent never prints with an exponent

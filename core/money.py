"""Money and calendar helpers shared by every rule: Decimal rounded half-up to 0.01 yuan
(RULES.md: after each step), and calendar-month arithmetic."""

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """A Decimal rounded half-up to the cent. Accepts Decimal, int or a numeric string;
    floats are refused so that binary rounding never reaches an amount."""
    if isinstance(value, float):
        raise TypeError("money amounts must not be floats")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(f"not an amount: {value!r}") from None


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
    return f"{money(value):.2f}"

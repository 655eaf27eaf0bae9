"""Fund-balance warnings (X000 art. 37; RULES.md 7): the current-year surplus rate of the city
and of each county, (income − expenditure) / income, warned below 5% or above 25%; the months of
expenditure the accumulated balance covers, warned below 6 (not from the sources). The
thresholds are parameters. Plain values in, plain values out."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

BASIS_POINT = Decimal("0.0001")
CENT = Decimal("0.01")

SURPLUS_LOW, SURPLUS_HIGH, MONTHS_LOW = "surplus_low", "surplus_high", "months_low"


@dataclass(frozen=True)
class Thresholds:
    surplus_low: Decimal  # 0.05
    surplus_high: Decimal  # 0.25
    months_low: Decimal  # 6


def surplus_rate(income: Decimal, expenditure: Decimal) -> Decimal | None:
    """(income − expenditure) / income to the basis point (4.99% is 0.0499); None without income."""
    if income <= 0:
        return None
    return ((income - expenditure) / income).quantize(BASIS_POINT, ROUND_HALF_UP)


def months_covered(balance: Decimal, monthly_expenditure: Decimal) -> Decimal | None:
    """How many months of expenditure the accumulated balance pays, to the hundredth; None
    when nothing was spent."""
    if monthly_expenditure <= 0:
        return None
    return (balance / monthly_expenditure).quantize(CENT, ROUND_HALF_UP)


def warnings(rate: Decimal | None, months: Decimal | None, limits: Thresholds) -> dict[str, tuple[Decimal, Decimal]]:
    """The warnings the figures raise: kind -> (the figure, the threshold it crossed). A rate
    exactly at 5% or 25%, or exactly 6 months, raises none."""
    raised = {}
    if rate is not None and rate < limits.surplus_low:
        raised[SURPLUS_LOW] = (rate, limits.surplus_low)
    if rate is not None and rate > limits.surplus_high:
        raised[SURPLUS_HIGH] = (rate, limits.surplus_high)
    if months is not None and months < limits.months_low:
        raised[MONTHS_LOW] = (months, limits.months_low)
    return raised

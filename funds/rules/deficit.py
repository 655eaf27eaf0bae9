"""Sharing a city's deficit (S001 市级统筹 §三(三)5; RULES.md 7): a deficit is first covered by
the accumulated balance; the rest is shared city : county = 2 : 8, the counties' part split
among them by their collection and their cost growth (the weighting is a parameter, not in the
sources). Plain values in, plain values out; shares are in cents and add up exactly."""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CountyFigures:
    code: str
    collection: Decimal  # what the county's people paid this year
    cost_growth: Decimal  # this year's expenditure less last year's (a fall counts as none)


@dataclass(frozen=True)
class Sharing:
    deficit: Decimal  # expenditure beyond income, or zero
    from_balance: Decimal  # covered by the accumulated balance
    city: Decimal
    counties: dict  # code -> share


def _split(amount: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """`amount` in cents by weight, the cents left by rounding down given to the largest
    remainders (then in code order): the parts add up to `amount` exactly."""
    total = sum(weights.values(), Decimal(0))
    if total <= 0:
        weights = {code: Decimal(1) for code in weights}
        total = Decimal(len(weights))
    exact = {code: amount * weight / total for code, weight in weights.items()}
    parts = {code: value.quantize(CENT, ROUND_DOWN) for code, value in exact.items()}
    left = int((amount - sum(parts.values(), ZERO)) / CENT)
    for code in sorted(exact, key=lambda c: (-(exact[c] - parts[c]), c))[:left]:
        parts[code] += CENT
    return parts


def share_deficit(*, income: Decimal, expenditure: Decimal, balance: Decimal, counties: list[CountyFigures], city_share: Decimal,
                  collection_weight: Decimal) -> Sharing:
    """The city's deficit of the year shared out. `balance`: the accumulated balance before the
    year; `city_share`: the city's part of what the balance leaves (0.2); `collection_weight`:
    the weight of collection against cost growth in the counties' split (0.5)."""
    deficit = max(expenditure - income, ZERO)
    from_balance = min(deficit, max(balance, ZERO))
    rest = deficit - from_balance
    city = (rest * city_share).quantize(CENT)
    county_part = rest - city
    if not counties or county_part == 0:
        return Sharing(deficit, from_balance, city if counties else rest, {c.code: ZERO for c in counties})
    collected = sum((max(c.collection, ZERO) for c in counties), ZERO)
    grown = sum((max(c.cost_growth, ZERO) for c in counties), ZERO)
    weights = {}
    for c in counties:
        by_collection = max(c.collection, ZERO) / collected if collected > 0 else Decimal(0)
        by_growth = max(c.cost_growth, ZERO) / grown if grown > 0 else Decimal(0)
        weights[c.code] = collection_weight * by_collection + (1 - collection_weight) * by_growth
    return Sharing(deficit, from_balance, city, _split(county_part, weights))


def collection_shortfall(*, target: Decimal | None, collected: Decimal) -> Decimal | None:
    """What a county makes up from its own budget for missing its collection target (征缴任务,
    S001 市级统筹 §三(三)5): the target less what was collected, none when met; None when the
    county has no target."""
    if target is None:
        return None
    return max(target - collected, ZERO)

"""Fiscal subsidies per head (N004 §一, RULES.md 2.1 and 7): a benefit year's subsidy per insured
resident, split by fiscal level. The central part per head is a parameter; what is left is the
local share, borne by the province and the county 6 : 4 in a poverty-alleviation county
(脱贫县) and 5 : 5 elsewhere (the province's share a parameter). Plain values in, values out."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Shares:
    """Per head, by level; the three add up to the subsidy per head."""

    central: Decimal
    province: Decimal
    county: Decimal


def per_head_shares(per_head: Decimal, central: Decimal, province_share: Decimal) -> Shares:
    """The subsidy per head split by level: the central part (never more than the whole, never
    less than nothing), then the local rest: the province's share of it, rounded to the cent
    half up, and the county the remainder, so the three add up exactly."""
    if per_head < 0:
        raise ValueError("人均财政补助不能为负数")
    if not (0 <= province_share <= 1):
        raise ValueError("省级负担比例须在0至1之间")
    central = min(max(central, ZERO), per_head)
    local = per_head - central
    province = (local * province_share).quantize(CENT, rounding=ROUND_HALF_UP)
    return Shares(central=central, province=province, county=local - province)


def by_level(heads: int, shares: Shares) -> dict[str, Decimal]:
    """What `heads` insured residents bring from each level ("central", "province", "county")."""
    if heads < 0:
        raise ValueError("参保人数不能为负数")
    return {"central": shares.central * heads, "province": shares.province * heads, "county": shares.county * heads}

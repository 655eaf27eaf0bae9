"""Turning parameter values (name -> value) into the SettlementPolicy the engine reads."""

from decimal import Decimal

from benefits.rules.settlement import FIRST_PAY_LINES, LOCATIONS, Band, SettlementPolicy


def _codes(value) -> frozenset:
    return frozenset(c.strip() for c in str(value or "").split(",") if c.strip())


def build_policy(values: dict, *, ma_class_of: dict, sources: dict | None = None, versions: dict | None = None) -> SettlementPolicy:
    """`values` maps parameter names (see benefits.presets) to Decimals or code lists."""
    def group(prefix, cast=str):
        return {cast(name.split(".", 1)[1]): Decimal(v) for name, v in values.items() if name.startswith(prefix + ".")}

    band_rates = sorted(group("ci_band", int).items())
    bands = tuple(Band(Decimal(lower), Decimal(band_rates[i + 1][0]) if i + 1 < len(band_rates) else None, rate)
                  for i, (lower, rate) in enumerate(band_rates))
    fees, fund_shares = group("general_fee"), group("general_fee_fund")
    src = dict(sources or {})
    # One source per rule family, for the explanation.
    families = {}
    for name, text in src.items():
        families.setdefault(name.split(".", 1)[0], text)
    families.setdefault("first_pay_rates", families.get("first_pay_rate", ""))
    families.setdefault("location_rates", families.get("location_rate", ""))
    families.setdefault("catalogue", "X000 art. 25")
    families.setdefault("waiting_period", "X000 art. 11")
    families.setdefault("unreferred", "S001 §六(十一)")
    families.setdefault("application", "S001 §四(六)")
    return SettlementPolicy(
        first_pay_rates={line: group("first_pay_rate").get(line, Decimal(0)) for line in FIRST_PAY_LINES},
        location_rates={loc: group("location_rate")[loc] for loc in LOCATIONS},
        inpatient_deductible=group("inpatient_deductible", int),
        inpatient_rate=group("inpatient_rate", int),
        annual_cap=Decimal(values["annual_cap"]),
        outpatient_rate=Decimal(values["outpatient_rate"]),
        outpatient_daily_cap=group("outpatient_daily_cap"),
        outpatient_annual_cap=Decimal(values["outpatient_annual_cap"]),
        two_diseases_extra_cap=Decimal(values["two_diseases_extra_cap"]),
        general_fee={tier: (fees[tier], fund_shares[tier]) for tier in fees},
        chronic_rate=Decimal(values["chronic_rate"]),
        chronic_annual_cap=Decimal(values["chronic_annual_cap"]),
        special_diseases=_codes(values.get("special_diseases")),
        ci_deductible=Decimal(values["ci_deductible"]),
        ci_bands=bands,
        ci_cap=Decimal(values["ci_cap"]),
        ci_special_codes=_codes(values.get("ci_special_codes")),
        ci_special_deductible_factor=Decimal(values["ci_special_deductible_factor"]),
        ci_special_rate_bonus=Decimal(values["ci_special_rate_bonus"]),
        ma_class_of=dict(ma_class_of),
        ma_deductible=group("ma_deductible", int),
        ma_inpatient_rate=group("ma_inpatient_rate", int),
        ma_chronic_rate=Decimal(values["ma_chronic_rate"]),
        ma_cap=Decimal(values["ma_cap"]),
        tilted_threshold=Decimal(values["tilted_threshold"]),
        tilted_rate=Decimal(values["tilted_rate"]),
        tilted_cap=Decimal(values["tilted_cap"]),
        backstop_codes=_codes(values.get("backstop_codes")),
        backstop_threshold=Decimal(values["backstop_threshold"]),
        backstop_personal_rate=Decimal(values["backstop_personal_rate"]),
        sources=families,
        versions=dict(versions or {}),
    )


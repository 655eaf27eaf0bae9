"""Turning parameter values (name -> value) into the SettlementPolicy the engine reads."""

from decimal import Decimal

from benefits.rules.settlement import FIRST_PAY_LINES, LOCATIONS, Band, SettlementPolicy


def _codes(value) -> frozenset:
    return frozenset(c.strip() for c in str(value or "").split(",") if c.strip())


def _optional(values: dict, name: str) -> Decimal | None:
    """A parameter only some regions have (the maternity cap, 吉林's referral rules)."""
    value = values.get(name)
    return None if value in (None, "") else Decimal(value)


def _required(mapping: dict, prefix: str, key: str) -> Decimal:
    try:
        return mapping[key]
    except KeyError:
        raise KeyError(f"{prefix}.{key}") from None  # the caller names the missing parameter


def build_policy(values: dict, *, ma_class_of: dict, sources: dict | None = None, versions: dict | None = None) -> SettlementPolicy:
    """`values` maps parameter names (see benefits.presets) to Decimals or code lists;
    `sources` the parameters' sources and those of the rules no parameter carries."""
    def group(prefix, cast=str):
        return {cast(name.split(".", 1)[1]): Decimal(v) for name, v in values.items() if name.startswith(prefix + ".")}

    band_rates = sorted(group("ci_band", int).items())
    bands = tuple(Band(Decimal(lower), Decimal(band_rates[i + 1][0]) if i + 1 < len(band_rates) else None, rate)
                  for i, (lower, rate) in enumerate(band_rates))
    fees, fund_shares = group("general_fee"), group("general_fee_fund")
    src = dict(sources or {})
    # The explanation cites a parameter's own source (inpatient_rate.2) or, for a rule that
    # reads several, the first of its family (inpatient_rate).
    families = dict(src)
    for name, text in src.items():
        families.setdefault(name.split(".", 1)[0], text)
    referral_cut = group("referral_rate_cut")
    unreferred_rate = _optional(values, "unreferred_rate")
    # RULES.md 3.7: a region with referral rules (吉林) has no location first self-pay; its
    # location rates, if any are stored, are not read. Elsewhere every location needs its rate.
    referral_rules = bool(referral_cut) or unreferred_rate is not None
    location_rates = {} if referral_rules else {loc: _required(group("location_rate"), "location_rate", loc) for loc in LOCATIONS}
    families.setdefault("first_pay_rates", families.get("first_pay_rate", ""))
    families.setdefault("location_rates", families.get("location_rate", ""))
    # The steps no parameter carries (catalogue, waiting_period, unreferred, application) are
    # cited by the caller for its region (benefits.services.policy.citations).
    return SettlementPolicy(
        first_pay_rates={line: group("first_pay_rate").get(line, Decimal(0)) for line in FIRST_PAY_LINES},
        location_rates=location_rates,
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
        maternity_cap=_optional(values, "maternity_cap"),
        outpatient_tier_rates=group("outpatient_rate"),
        referral_rate_cut=referral_cut,
        unreferred_rate=unreferred_rate,
        referral_deductible_credit=_optional(values, "referral_deductible_credit"),
        downward_referral_deductible=_optional(values, "downward_referral_deductible"),
    )


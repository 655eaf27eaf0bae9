"""The trial calculation (待遇试算): one JSON object in, one out; the same service behind the
staff page, `POST /api/trial-settlement/` and `manage.py trial_settlement`. The contract is in
README ("Trial calculation")."""

from datetime import date
from decimal import Decimal, InvalidOperation

from benefits.rules.settlement import COST_LINES, Eligibility, SettlementError, Split, Visit, YearToDate, settle
from benefits.services.policy import settlement_policy
from benefits.services.settlements import explanation_json
from core.identity_codes import CODES
from core.models import Region
from core.money import fmt_money

YTD_KEYS = ("basic_fund", "outpatient_fund", "outpatient_fund_today", "chronic_fund", "ci_base", "ci_paid", "ma_base", "ma_paid", "extra_paid")
PERSON_FLAGS = ("two_diseases_registered", "assistance_approved", "tilted_approved")


def _amount(value, field: str) -> Decimal:
    if isinstance(value, bool):
        raise SettlementError("amount", f"{field} 应为金额", field)
    try:
        amount = Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except (InvalidOperation, ValueError):
        raise SettlementError("amount", f"{field} 不是有效金额：{value}", field) from None
    if not amount.is_finite() or amount < 0:
        raise SettlementError("amount", f"{field} 应为非负金额", field)
    return amount


def _object(data, key) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise SettlementError("input", f"{key} 应为对象", key)
    return value


def parse(data) -> tuple[Region, date, Visit, Eligibility, YearToDate]:
    if not isinstance(data, dict):
        raise SettlementError("input", "输入应为一个 JSON 对象", "input")
    slug = data.get("region")
    region = Region.objects.filter(slug=slug).first() if isinstance(slug, str) and slug else None
    if region is None:
        raise SettlementError("region", f"未知的统筹区代码：{slug}", "region")
    try:
        day = date.fromisoformat(str(data.get("date", "")))
    except ValueError:
        raise SettlementError("date", f"date 不是有效日期（应为 YYYY-MM-DD）：{data.get('date')}", "date") from None
    costs = _object(data, "costs")
    unknown = [k for k in costs if k not in COST_LINES]
    if unknown:
        raise SettlementError("costs", f"未知的费用项目：{'、'.join(unknown)}", "costs")
    try:
        level = int(data.get("facility_level", 1))
    except (TypeError, ValueError):
        raise SettlementError("facility_level", "facility_level 应为 1、2 或 3", "facility_level") from None
    visit = Visit(
        kind=str(data.get("visit", "")), facility_level=level, facility_tier=str(data.get("facility_tier", "secondary_plus")),
        location=str(data.get("location", "local")), disease=str(data.get("disease", "") or ""),
        costs={k: _amount(v, f"costs.{k}") for k, v in costs.items()},
    )
    person = _object(data, "person")
    identities = person.get("identities") or []
    if not isinstance(identities, list) or any(c not in CODES for c in identities):
        bad = [c for c in identities if c not in CODES] if isinstance(identities, list) else identities
        raise SettlementError("identities", f"未知的身份类别代码：{bad}", "identities")
    eligibility = Eligibility(identities=tuple(identities), **{flag: bool(person.get(flag, False)) for flag in PERSON_FLAGS})
    ytd = _object(data, "year_to_date")
    year_to_date = YearToDate(**{k: _amount(ytd.get(k), f"year_to_date.{k}") for k in YTD_KEYS})
    return region, day, visit, eligibility, year_to_date


def trial(data) -> dict:
    region, day, visit, eligibility, ytd = parse(data)
    return split_to_json(settle(settlement_policy(region, day), visit, eligibility, ytd))


def split_to_json(split: Split) -> dict:
    return {
        "total": fmt_money(split.total), "out_of_catalogue": fmt_money(split.out_of_catalogue),
        "class_b_first_pay": fmt_money(split.class_b_first_pay), "policy_range": fmt_money(split.policy_range),
        "location_first_pay": fmt_money(split.location_first_pay), "deductible": fmt_money(split.deductible),
        "basic_fund": fmt_money(split.basic_fund), "critical_illness": fmt_money(split.critical_illness),
        "assistance": fmt_money(split.assistance), "extra_assistance": fmt_money(split.extra_assistance),
        "personal": fmt_money(split.personal),
        "explanation": explanation_json(split),
    }

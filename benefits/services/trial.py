"""The trial calculation (待遇试算): one JSON object in, one out; the same service behind the
staff page, `POST /api/trial-settlement/` and `manage.py trial_settlement`. The contract is in
README ("Trial calculation")."""

import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal


from benefits.rules.settlement import COST_LINES, Eligibility, SettlementError, Split, Visit, YearToDate, settle
from benefits.services.policy import settlement_policy
from benefits.services.settlements import AMOUNT_MAX, explanation_json, payment_rule
from core.identity_codes import CODES
from core.models import Region
from core.money import AmountError, fmt_money, parse_amount
from core.validation import date_problem

YTD_KEYS = ("basic_fund", "outpatient_fund", "outpatient_fund_today", "chronic_fund", "ci_base", "ci_paid", "ma_base", "ma_paid", "extra_paid",
            "ma_base_chronic", "maternity_fund", "disease_chronic_fund")
# Year-to-date figures that are not a PersonYear total: what a day, or one disease, already used.
NOT_YEAR_TOTALS = ("outpatient_fund_today", "disease_chronic_fund")
PERSON_FLAGS = ("two_diseases_registered", "assistance_approved", "tilted_approved")
# With their defaults. referral, referred_from_deductible and downward_referral are read where
# the region has referral rules (吉林, RULES.md 3.7); in_province decides tilted assistance.
TEXT_KEYS = {"visit": "", "facility_tier": "secondary_plus", "location": "local", "disease": "", "referral": "referred"}
VISIT_FLAGS = {"in_province": True, "downward_referral": False}
KEYS = ("region", "date", "facility_level", *TEXT_KEYS, *VISIT_FLAGS, "referred_from_deductible", "costs", "person", "year_to_date")
FACILITY_LEVELS = (1, 2, 3)
# A request is a few hundred bytes, three levels deep (the object, person, identities); far
# larger or deeper input is refused before it is parsed (deep nesting exhausts the parser's stack).
MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 10
_STRUCTURE = re.compile(r'\\.|["\[\]{}]', re.DOTALL)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _error(field: str, message: str) -> SettlementError:
    return SettlementError("input", message, field)


def _depth(text: str) -> int:
    """How deep arrays and objects nest, outside strings: one pass over the characters that
    matter (an escape and its character count as one, so \\" does not end a string)."""
    depth = deepest = 0
    in_string = False
    for match in _STRUCTURE.finditer(text):
        c = match.group()
        if c == '"':
            in_string = not in_string
        elif in_string or len(c) == 2:
            continue
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: not JSON numbers, not amounts


def load(raw: bytes | str):
    """The request's JSON value, numbers with a fraction as Decimal. Refused (SettlementError,
    field "input"): over MAX_BODY_BYTES, nested deeper than MAX_DEPTH, not UTF-8, not JSON
    (NaN and Infinity included, and integers too long for Python to read)."""
    if len(raw) > MAX_BODY_BYTES:
        raise _error("input", f"输入超过 {MAX_BODY_BYTES // 1024} KB")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise _error("input", "输入不是 UTF-8 编码的 JSON") from None
    if _depth(text) > MAX_DEPTH:
        raise _error("input", f"输入嵌套超过 {MAX_DEPTH} 层")
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except ValueError:  # JSONDecodeError, NaN/Infinity, an integer of thousands of digits
        raise _error("input", "输入不是有效的 JSON") from None


def _amount(value, field: str) -> Decimal:
    try:
        return parse_amount(value, maximum=AMOUNT_MAX)
    except AmountError as error:
        raise SettlementError("amount", f"{field}：{error}", field) from None


def _object(data: dict, key: str, allowed) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _error(key, f"{key} 应为对象")
    unknown = [str(k) for k in value if k not in allowed]
    if unknown:
        raise _error(key, f"{key} 中有未知的项目：{'、'.join(unknown)}")
    return value


def _text(data: dict, key: str, default: str) -> str:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _error(key, f"{key} 应为字符串")
    return value


def _date(value) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise _error("date", f"date 应为 YYYY-MM-DD 形式的字符串：{value!r}"[:120])
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _error("date", f"date 不是有效日期（应为 YYYY-MM-DD）：{value}") from None
    problem = date_problem(day, label="date ")  # the range every date of the system keeps (1900-2099)
    if problem:
        raise _error("date", problem)
    return day


def _flag(data: dict, key: str, default: bool) -> bool:
    # Absent: the default. Present: true or false only — null is refused as the person's flags
    # refuse it (README: "the flags true/false"), as are 0 and "false".
    if key not in data:
        return default
    value = data[key]
    if not isinstance(value, bool):
        raise _error(key, f"{key} 应为 true 或 false")
    return value


def _level(value) -> int:
    # bool is an int in Python and 2.5 would read as 2: only the integers 1, 2, 3.
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value not in FACILITY_LEVELS:
        raise _error("facility_level", "facility_level 应为整数 1、2 或 3")
    return value


def parse(data) -> tuple[Region, date, Visit, Eligibility, YearToDate]:
    """The request as the engine's values; every key optional but region, date and visit, and
    every value of the type README names, or SettlementError with the field."""
    if not isinstance(data, dict):
        raise _error("input", "输入应为一个 JSON 对象")
    unknown = [str(k) for k in data if k not in KEYS]
    if unknown:
        raise _error("input", f"未知的输入项：{'、'.join(unknown)}")
    slug = data.get("region")
    region = Region.objects.filter(slug=slug).first() if isinstance(slug, str) and slug else None
    if region is None:
        raise SettlementError("region", f"未知的统筹区代码：{slug}"[:120], "region")
    day = _date(data.get("date"))
    costs = _object(data, "costs", COST_LINES)
    amounts = {k: _amount(v, f"costs.{k}") for k, v in costs.items()}
    if sum(amounts.values()) > AMOUNT_MAX:
        raise SettlementError("amount", f"costs：费用合计超出范围（最大 {AMOUNT_MAX:,}）", "costs")
    texts = {key: _text(data, key, default) for key, default in TEXT_KEYS.items()}
    visit_flags = {key: _flag(data, key, default) for key, default in VISIT_FLAGS.items()}
    visit = Visit(kind=texts["visit"], facility_level=_level(data.get("facility_level")), facility_tier=texts["facility_tier"],
                  location=texts["location"], disease=texts["disease"], costs=amounts, referral=texts["referral"],
                  referred_from_deductible=_amount(data.get("referred_from_deductible"), "referred_from_deductible"), **visit_flags)
    person = _object(data, "person", ("identities", *PERSON_FLAGS, "chronic_approved"))
    identities = person.get("identities")
    if identities is None:
        identities = []
    if not isinstance(identities, list) or not all(isinstance(c, str) for c in identities):
        raise _error("identities", "identities 应为身份类别代码（字符串）的列表")
    bad = [c for c in identities if c not in CODES]
    if bad:
        raise SettlementError("identities", f"未知的身份类别代码：{'、'.join(bad)}"[:200], "identities")
    flags = {}
    for flag in PERSON_FLAGS:
        value = person.get(flag, False)
        if not isinstance(value, bool):
            raise _error(f"person.{flag}", f"person.{flag} 应为 true 或 false")
        flags[flag] = value
    # Whether the caller holds a 门诊慢特病 approval for the visit's disease (RULES.md 3.5): true
    # unless said otherwise (the interface's callers before approvals existed sent none).
    approved = person.get("chronic_approved", True)
    if not isinstance(approved, bool):
        raise _error("person.chronic_approved", "person.chronic_approved 应为 true 或 false")
    eligibility = Eligibility(identities=tuple(identities), chronic_approved=approved, **flags)
    ytd = _object(data, "year_to_date", YTD_KEYS)
    year_to_date = YearToDate(**{k: _amount(ytd.get(k), f"year_to_date.{k}") for k in YTD_KEYS})
    return region, day, visit, eligibility, year_to_date


def trial(data) -> dict:
    region, day, visit, eligibility, ytd = parse(data)
    if visit.kind == "chronic" and visit.disease.strip():
        visit = with_chronic_rule(region, visit)
    return split_to_json(settle(settlement_policy(region, day), visit, eligibility, ytd))


def with_chronic_rule(region: Region, visit: Visit) -> Visit:
    """A chronic visit with the payment rule of the disease it names (code or name) in the
    region's catalogue (RULES.md 3.5), as a real settlement reads it; a disease outside the
    catalogue, or a 两病, is refused as a settlement refuses it."""
    from benefits.models import DiseaseKind
    from benefits.services.chronic import catalogue_disease

    said = visit.disease.strip()
    disease = catalogue_disease(region, said, active_only=False)  # as the settlement loader reads the catalogue
    if disease is None:
        raise SettlementError("disease", f"病种「{said}」不在{region.name}的门诊慢特病目录中"[:200], "disease")
    if disease.kind == DiseaseKind.TWO_DISEASES:
        raise SettlementError("disease", f"{disease.name}属于两病，请按“两病用药”试算", "disease")
    rule = payment_rule(disease.name, disease.kind, disease.rate, disease.annual_cap, disease.source)
    return replace(visit, disease=disease.code, chronic_rule=rule)


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


def trial_prefill(person, day: date, region_slugs) -> dict:
    """The trial form's values from the records for a person and a visit date: the pooling
    region (the nearest of the person's regions among `region_slugs`), the identities valid
    that day and the approvals in force (benefits.services.settlements.eligibility_for, as a
    real settlement reads them), and the year's totals as a settlement recorded now would use
    them (PersonYear, and the general-outpatient payments of that day)."""
    from benefits.models import PersonYear
    from benefits.services.settlements import _outpatient_today, chronic_in_force, eligibility_for  # the settlement door's own reads

    eligibility = eligibility_for(person, day)
    slug = next((r.slug for r in person.village.ancestors() if r.slug in region_slugs), None)
    totals = PersonYear.objects.filter(person=person, year=day.year).first()
    ytd = {key: getattr(totals, key) if totals is not None else Decimal("0.00") for key in YTD_KEYS if key not in NOT_YEAR_TOTALS}
    ytd["outpatient_fund_today"] = _outpatient_today(person.pk, day).quantize(Decimal("0.01"))
    # A 门诊慢特病 approval in force: its disease and what that disease already used of its own cap.
    chronic, disease, note = chronic_in_force(person, day), "", ""
    if len(chronic) == 1:
        disease, paid = chronic[0]
        ytd["disease_chronic_fund"] = paid.quantize(Decimal("0.01"))
    elif chronic:
        note = "该人员有多个有效的门诊慢特病认定（" + "；".join(f"{name}本年已支付 {paid:,.2f} 元" for name, paid in chronic) + \
            "），试算门诊慢特病时请填写病种及该病种本年已支付金额"
    return {
        "region": slug, "date": day, "identities": list(eligibility.identities),
        "two_diseases_registered": eligibility.two_diseases_registered, "assistance_approved": eligibility.assistance_approved,
        "tilted_approved": eligibility.tilted_approved, "disease": disease, "year_to_date": ytd, "note": note,
    }

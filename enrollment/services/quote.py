"""The stable JSON calculation interface behind `manage.py enrollment_quote`.

Input and output are documented in README ("Calculation interface"); money is a string with
two decimals, dates are ISO. Errors raise TermsError with the field at fault."""

from datetime import date

from core.money import fmt_money
from core.models import Region
from enrollment.rules.terms import PriorCoverage, Terms, TermsError
from enrollment.services.terms import enrollment_terms

QUOTE_CATEGORIES = ("regular", "college_student", "school_pupil", "newborn")


def _date(data: dict, key: str, *, required: bool) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise TermsError("missing", f"缺少 {key}", key)
        return None
    if not isinstance(value, str):
        raise TermsError("date", f"{key} 应为 YYYY-MM-DD 格式的日期", key)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TermsError("date", f"{key} 不是有效日期（应为 YYYY-MM-DD）：{value}", key) from None


def _prior(value) -> PriorCoverage | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TermsError("prior", "prior_coverage 应为对象或 null", "prior_coverage")
    ended = _date(value, "ended_on", required=True)
    years = value.get("continuous_years")
    if years is not None and (not isinstance(years, int) or isinstance(years, bool) or years < 0):
        raise TermsError("prior", "continuous_years 应为非负整数", "prior_coverage")
    return PriorCoverage(kind=str(value.get("kind", "")), ended_on=ended, continuous_years=years)


def quote(data) -> dict:
    if not isinstance(data, dict):
        raise TermsError("input", "输入应为一个 JSON 对象", "input")
    slug = data.get("region")
    region = Region.objects.filter(slug=slug).first() if isinstance(slug, str) and slug else None
    if region is None:
        raise TermsError("region", f"未知的统筹区代码：{slug}", "region")
    category = data.get("category")
    if category not in QUOTE_CATEGORIES:
        raise TermsError("category", f"未知的参保类别：{category}", "category")
    payment_date = _date(data, "payment_date", required=True)
    birth_date = _date(data, "birth_date", required=False) if category == "newborn" else None
    identities = data.get("identities") or []
    if not isinstance(identities, list) or not all(isinstance(c, str) for c in identities):
        raise TermsError("identity", "identities 应为身份类别代码的列表", "identities")
    terms = enrollment_terms(
        region=region,
        category=category,
        payment_date=payment_date,
        birth_date=birth_date,
        identities=identities,
        prior_coverage=_prior(data.get("prior_coverage")),
    )
    return terms_to_json(terms)


def terms_to_json(terms: Terms) -> dict:
    return {
        "benefit_year": terms.benefit_year,
        "standard": fmt_money(terms.standard),
        "subsidy": fmt_money(terms.subsidy),
        "subsidy_identity": terms.subsidy_identity,
        "amount_due": fmt_money(terms.amount_due),
        "mid_year": terms.mid_year,
        "waiting_days": terms.waiting_days,
        "benefit_start": terms.benefit_start.isoformat(),
        "benefit_end": terms.benefit_end.isoformat(),
        "sources": list(terms.sources),
    }

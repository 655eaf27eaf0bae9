"""The one door to the enrollment rules for pages, imports and `enrollment_quote`: validates
codes, finds the region's policy and computes the terms (enrollment.rules.terms)."""

from datetime import date

from core.identity_codes import CODES
from core.models import Region
from core.validation import date_problem
from enrollment.models import Category
from enrollment.rules.terms import PRIOR_KINDS, PriorCoverage, ResidentPolicy, Terms, TermsError, compute_terms
from enrollment.services.policy import policy_for_region


def enrollment_terms(
    *,
    region: Region,
    category: str,
    payment_date: date,
    birth_date: date | None = None,
    identities=(),
    prior_coverage: PriorCoverage | None = None,
    policy: ResidentPolicy | None = None,
) -> Terms:
    if category not in Category.values:
        raise TermsError("category", f"未知的参保类别：{category}", "category")
    unknown = [code for code in identities if code not in CODES]
    if unknown:
        raise TermsError("identity", f"未知的身份类别代码：{'、'.join(unknown)}", "identities")
    if prior_coverage is not None and prior_coverage.kind not in PRIOR_KINDS:
        raise TermsError("prior_kind", f"未知的接续事由：{prior_coverage.kind}", "prior_coverage")
    # core.validation's plausible range, before the rules add days and months to these dates.
    for value, label, field in ((payment_date, "缴费日期", "payment_date"), (birth_date, "出生日期", "birth_date"),
                                (prior_coverage.ended_on if prior_coverage else None, "原保障终止日期", "prior_coverage")):
        problem = date_problem(value, label=label) if value is not None else None
        if problem:
            raise TermsError("date_range", problem, field)
    policy = policy or policy_for_region(region)
    return compute_terms(
        policy,
        category=category,
        payment_date=payment_date,
        birth_date=birth_date,
        identities=tuple(identities),
        prior_coverage=prior_coverage,
    )

"""Enrollment terms (RULES.md 2.2-2.3): for a payment, which benefit year it buys, the
individual standard, the hardship subsidy, the amount due, the benefit period and the waiting
period. Pure: parameters in (ResidentPolicy), values out; no ORM. Every door (pages, imports,
`enrollment_quote`) comes here through enrollment.services.terms.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from core.money import ZERO, add_months, money, percent_of

REGULAR = "regular"
COLLEGE_STUDENT = "college_student"
SCHOOL_PUPIL = "school_pupil"
NEWBORN = "newborn"
STUDENT_CATEGORIES = (COLLEGE_STUDENT, SCHOOL_PUPIL)

WINDOW_RESIDENT = "resident"
WINDOW_COLLEGE = "college_student"

EMPLOYEE = "employee"
TRANSFER_IN = "transfer_in"
UNEMPLOYMENT = "unemployment"
DISCHARGE = "discharge"
PRIOR_KINDS = (EMPLOYEE, TRANSFER_IN, UNEMPLOYMENT, DISCHARGE)

# Keys of SchemeRules.articles: the article each rule comes from, cited in the result.
ARTICLE_KEYS = ("window", "college_window", "newborn", "mid_year", "students_no_wait", "employee_long", "transfer_in", "employee_end", "unemployment", "discharge")


class TermsError(ValueError):
    """Input the rules cannot price: a code, a Chinese message and the input field at fault."""

    def __init__(self, code: str, message: str, field: str):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class SchemeRules:
    code: str
    waiting_unit: str  # "days" or "months"
    waiting_length: int
    students_wait: bool
    newborn_birth_year_free: bool
    newborn_registration_years: int
    transfer_grace_months: int
    employee_continuous_years: int
    college_own_period: bool
    # Default collection windows as ((month, day), (month, day)): residents pay in the year
    # before the benefit year, college students in the benefit year itself. Per-year
    # CollectionWindow rows override them (e.g. an extension).
    resident_window: tuple = ((9, 1), (12, 31))
    college_window: tuple = ((9, 1), (11, 30))
    articles: Mapping[str, str] = field(default_factory=dict)

    def article(self, key: str) -> str:
        return self.articles.get(key, "")


@dataclass(frozen=True)
class Window:
    benefit_year: int
    kind: str
    opens_on: date
    closes_on: date
    source: str

    def contains(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on


@dataclass(frozen=True)
class Standard:
    benefit_year: int
    individual: Decimal
    fiscal_subsidy: Decimal
    source: str


@dataclass(frozen=True)
class SubsidyRule:
    identity_code: str
    from_year: int
    to_year: int | None
    percent: Decimal | None
    fixed_amount: Decimal | None
    source: str

    def applies(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)

    def amount(self, standard: Decimal) -> Decimal:
        amount = money(self.fixed_amount) if self.fixed_amount is not None else percent_of(standard, self.percent)
        return min(amount, standard)


@dataclass(frozen=True)
class ResidentPolicy:
    rules: SchemeRules
    windows: tuple[Window, ...]
    standards: Mapping[int, Standard]
    subsidies: tuple[SubsidyRule, ...]

    def __post_init__(self):
        object.__setattr__(self, "_window_cache", {})
        object.__setattr__(self, "_override_years", {kind: {w.benefit_year for w in self.windows if w.kind == kind}
                                                     for kind in (WINDOW_RESIDENT, WINDOW_COLLEGE)})

    def window_for(self, kind: str, year: int) -> Window:
        """The collection window of a benefit year: the year's own row, or the default."""
        key = (kind, year)
        if key not in self._window_cache:
            self._window_cache[key] = self._window_for(kind, year)
        return self._window_cache[key]

    def _window_for(self, kind: str, year: int) -> Window:
        for window in self.windows:
            if window.kind == kind and window.benefit_year == year:
                return window
        if kind == WINDOW_COLLEGE:
            (m1, d1), (m2, d2) = self.rules.college_window
            return Window(year, kind, date(year, m1, d1), date(year, m2, d2), self.rules.article("college_window"))
        (m1, d1), (m2, d2) = self.rules.resident_window
        return Window(year, kind, date(year - 1, m1, d1), date(year - 1, m2, d2), self.rules.article("window"))

    def window_containing(self, kind: str, day: date) -> Window | None:
        key = (kind, day)
        if key not in self._window_cache:
            self._window_cache[key] = self._window_containing(kind, day)
        return self._window_cache[key]

    def _window_containing(self, kind: str, day: date) -> Window | None:
        years = {day.year - 1, day.year, day.year + 1} | self._override_years.get(kind, set())
        matches = [w for w in (self.window_for(kind, y) for y in years) if w.contains(day)]
        # Overlapping windows (an extension reaching into the next year's window) resolve to
        # the earlier benefit year: the payment completes the year it was extended for.
        return min(matches, key=lambda w: w.benefit_year) if matches else None

    def standard_for(self, year: int) -> Standard:
        try:
            return self.standards[year]
        except KeyError:
            raise TermsError("no_standard", f"{year}年度个人缴费标准尚未设置，请先由市局维护缴费标准", "payment_date") from None

    def subsidy_rules(self, code: str, year: int) -> list[SubsidyRule]:
        return [r for r in self.subsidies if r.identity_code == code and r.applies(year)]


@dataclass(frozen=True)
class PriorCoverage:
    kind: str
    ended_on: date
    continuous_years: int | None = None


@dataclass(frozen=True)
class Terms:
    benefit_year: int
    standard: Decimal
    subsidy: Decimal
    subsidy_identity: str | None
    amount_due: Decimal
    mid_year: bool
    waiting_days: int
    benefit_start: date
    benefit_end: date
    sources: tuple[str, ...]


@dataclass(frozen=True)
class _Period:
    benefit_year: int
    start: date
    end: date
    mid_year: bool
    sources: tuple[str, ...]
    free: bool = False


def compute_terms(
    policy: ResidentPolicy,
    *,
    category: str,
    payment_date: date,
    birth_date: date | None = None,
    identities: Iterable[str] = (),
    prior_coverage: PriorCoverage | None = None,
) -> Terms:
    """The terms of one enrollment paid (or assessed) on `payment_date`. `identities` are the
    hardship codes valid on that date; the most favourable single one subsidises
    (X000 art. 9: 就高不就低，不得重复资助)."""
    if category == NEWBORN:
        period = _newborn_period(policy.rules, payment_date, birth_date)
    else:
        period = _prior_coverage_period(policy, payment_date, prior_coverage) or _regular_period(policy, category, payment_date)

    standard = policy.standard_for(period.benefit_year)
    individual = ZERO if period.free else money(standard.individual)
    subsidy, identity, subsidy_source = (ZERO, None, None) if period.free else best_subsidy(policy, period.benefit_year, individual, identities)
    sources = period.sources + ((subsidy_source,) if subsidy_source else ())
    return Terms(
        benefit_year=period.benefit_year,
        standard=individual,
        subsidy=subsidy,
        subsidy_identity=identity,
        amount_due=individual - subsidy,
        mid_year=period.mid_year,
        waiting_days=(period.start - payment_date).days if period.mid_year else 0,
        benefit_start=period.start,
        benefit_end=period.end,
        sources=tuple(s for s in sources if s),
    )


def _year_end(year: int) -> date:
    return date(year, 12, 31)


def _newborn_period(rules: SchemeRules, payment_date: date, birth_date: date | None) -> _Period:
    # X000 art. 7: a newborn is enrolled under its own name; the birth year is free; from the
    # next year it contributes as a resident.
    if birth_date is None:
        raise TermsError("birth_date_required", "新生儿参保须填写出生日期", "birth_date")
    if birth_date > payment_date:
        raise TermsError("birth_after_payment", "出生日期不能晚于缴费（登记）日期", "birth_date")
    if payment_date.year > birth_date.year + rules.newborn_registration_years:
        raise TermsError(
            "newborn_too_late",
            f"{birth_date.year}年出生的新生儿，出生当年参保登记期限已过；请按城乡居民类别参保",
            "category",
        )
    year = birth_date.year
    return _Period(year, birth_date, _year_end(year), False, (rules.article("newborn"),), free=rules.newborn_birth_year_free)


def _prior_coverage_period(policy: ResidentPolicy, payment_date: date, prior: PriorCoverage | None) -> _Period | None:
    """X000 arts. 12-15: benefits from the payment date for a qualifying change of cover; None
    when the change does not qualify (paid more than 3 months after the event), in which case
    the ordinary window or mid-year rules apply."""
    if prior is None:
        return None
    rules = policy.rules
    if prior.kind not in PRIOR_KINDS:
        raise TermsError("prior_kind", f"未知的接续事由：{prior.kind}", "prior_coverage")
    if prior.kind == EMPLOYEE and (prior.continuous_years or 0) >= rules.employee_continuous_years:
        article = rules.article("employee_long")  # art. 12: any day
    elif payment_date <= add_months(prior.ended_on, rules.transfer_grace_months):
        article = rules.article({EMPLOYEE: "employee_end"}.get(prior.kind, prior.kind))
    else:
        return None
    # Never overlap the cover that ended: benefits start the day after it at the earliest.
    start = max(payment_date, prior.ended_on + timedelta(days=1))
    return _Period(start.year, start, _year_end(start.year), False, (article,))


def _regular_period(policy: ResidentPolicy, category: str, payment_date: date) -> _Period:
    rules = policy.rules
    if category == COLLEGE_STUDENT and rules.college_own_period:
        window = policy.window_containing(WINDOW_COLLEGE, payment_date)
        if window is not None:
            # X000 art. 7: paid Sep 1 - Nov 30 of Y, benefits Sep 1 of Y - Dec 31 of Y+1.
            year = window.benefit_year
            return _Period(year, date(year, 9, 1), _year_end(year + 1), False, (window.source,))
        # Outside the students' window a student is enrolled under the resident rules.
    window = policy.window_containing(WINDOW_RESIDENT, payment_date)
    if window is not None:
        year = window.benefit_year
        return _Period(year, date(year, 1, 1), _year_end(year), False, (window.source,))

    # Mid-year enrollment (X000 art. 11 / J003): the waiting period counts the payment day as
    # its first day; the benefit year is the one in which benefits start.
    if category in STUDENT_CATEGORIES and not rules.students_wait:
        start = payment_date
        sources = (rules.article("students_no_wait"),)
    else:
        if rules.waiting_unit == "months":
            start = add_months(payment_date, rules.waiting_length)
        else:
            start = payment_date + timedelta(days=rules.waiting_length)
        sources = (rules.article("mid_year"),)
    return _Period(start.year, start, _year_end(start.year), True, sources)


def best_subsidy(policy: ResidentPolicy, year: int, standard: Decimal, identities: Iterable[str]):
    """(amount, identity code, source) of the most favourable single identity for a benefit
    year's individual standard; subsidies never stack (X000 art. 9)."""
    best = (ZERO, None, None)
    for code in identities:
        for rule in policy.subsidy_rules(code, year):
            amount = rule.amount(standard)
            if amount > best[0]:
                best = (amount, code, rule.source)
    return best

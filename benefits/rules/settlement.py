"""One-stop settlement of the three tiers (一站式结算, RULES.md 3-5): how a medical bill is split
between basic resident insurance, critical-illness insurance (大病保险), medical assistance
(医疗救助), tilted or backstop assistance, and the person. Pure: the policy (SettlementPolicy),
the visit, the person's eligibility and year-to-date totals in; the split and its explanation
out. Money is Decimal rounded half-up to the cent after every step.

Cumulative-year rules are applied incrementally (RULES.md 5): this visit's amount =
f(year-to-date + this visit) − f(year-to-date).

Regions differ by data, not by code: a policy that holds referral parameters (吉林, RULES.md
3.7) settles admissions by referral instead of by location; a policy with outpatient rates per
tier uses them instead of the one outpatient rate.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from core.money import ZERO, money

COST_LINES = ("class_a", "class_b_drug", "blood", "class_b_treatment", "material_general", "material_other_domestic",
              "material_other_imported", "out_of_catalogue")
FIRST_PAY_LINES = COST_LINES[1:7]  # class-B lines with a first self-pay (X000 art. 26)
VISIT_KINDS = ("inpatient", "outpatient", "two_diseases_drug", "chronic", "general_fee", "maternity")
ADMISSIONS = ("inpatient", "maternity")  # maternity follows the inpatient rules (X000 art. 21)
LOCATIONS = ("local", "county_at_city", "remote_filed", "remote_unfiled", "remote_emergency_nondesignated", "remote_long_term")
TIERS = ("village", "community_station", "clinic", "township", "secondary_plus")
REFERRALS = ("referred", "referred_outside_list", "unreferred")  # 吉林 (RULES.md 3.7)
UNREFERRED = "remote_unfiled"  # outside the city without a filing (X000 arts. 20(二)1, 23)
COUNTY_AT_CITY_MIN_LEVEL = 2  # X000 art. 20(一)3: "市级二级及以上"


class SettlementError(ValueError):
    def __init__(self, code: str, message: str, field: str):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass(frozen=True)
class Band:
    lower: Decimal
    upper: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class SettlementPolicy:
    """Every number of RULES.md 3-5 for one pooling region on one day, with its source."""

    first_pay_rates: Mapping[str, Decimal]
    location_rates: Mapping[str, Decimal]
    inpatient_deductible: Mapping[int, Decimal]
    inpatient_rate: Mapping[int, Decimal]
    annual_cap: Decimal
    outpatient_rate: Decimal
    outpatient_daily_cap: Mapping[str, Decimal]
    outpatient_annual_cap: Decimal
    two_diseases_extra_cap: Decimal
    general_fee: Mapping[str, tuple]  # tier -> (fee, fund share)
    chronic_rate: Decimal
    chronic_annual_cap: Decimal
    ci_deductible: Decimal
    ci_bands: tuple  # of Band, lower bounds from the deductible up
    ci_cap: Decimal
    ci_special_codes: frozenset
    ci_special_deductible_factor: Decimal
    ci_special_rate_bonus: Decimal
    ma_class_of: Mapping[str, int]
    ma_deductible: Mapping[int, Decimal]
    ma_inpatient_rate: Mapping[int, Decimal]
    ma_chronic_rate: Decimal
    ma_cap: Decimal
    tilted_threshold: Decimal
    tilted_rate: Decimal
    tilted_cap: Decimal
    backstop_codes: frozenset
    backstop_threshold: Decimal
    backstop_personal_rate: Decimal
    sources: Mapping[str, str] = field(default_factory=dict)
    versions: Mapping[str, int] = field(default_factory=dict)  # parameter name -> version id used
    # RULES.md 3.2.6: the basic fund's yearly maximum for maternity (None: not set for the region).
    maternity_cap: Decimal | None = None
    # RULES.md 3.3: a rate per outpatient tier where the region has one (吉林), else outpatient_rate.
    outpatient_tier_rates: Mapping[str, Decimal] = field(default_factory=dict)
    # RULES.md 3.7 (吉林): referral rules, present only where the region has them.
    referral_rate_cut: Mapping[str, Decimal] = field(default_factory=dict)  # referral code -> points off the level's rate
    unreferred_rate: Decimal | None = None  # the flat rate of an admission without referral
    referral_deductible_credit: Decimal | None = None  # share of the referring admission's deductible that counts
    downward_referral_deductible: Decimal | None = None  # share of the deductible a downward referral pays

    def source(self, name: str) -> str:
        """The source of a parameter (inpatient_rate.2) or of a rule family (inpatient_rate):
        benefits.rules.policy.build_policy holds both."""
        return self.sources.get(name, "")

    @property
    def has_referral_rules(self) -> bool:
        return self.unreferred_rate is not None or bool(self.referral_rate_cut)


@dataclass(frozen=True)
class ChronicRule:
    """A catalogue disease's payment rule (RULES.md 3.5, parameters per region and disease): a
    special disease at the inpatient rates of the facility's level; a chronic one at its own rate
    (or the region's chronic rate) up to its own annual cap (if it has one) and the region's
    chronic annual cap. `source` is the catalogue entry's."""

    name: str = ""
    special: bool = False
    rate: Decimal | None = None
    annual_cap: Decimal | None = None
    source: str = ""


@dataclass(frozen=True)
class Visit:
    kind: str
    facility_level: int = 1
    facility_tier: str = "secondary_plus"
    location: str = "local"
    disease: str = ""
    costs: Mapping[str, Decimal] = field(default_factory=dict)
    zero_markup: bool = True
    in_province: bool = True  # care inside the province (tilted assistance, RULES.md 5)
    referral: str = "referred"  # 吉林 (RULES.md 3.7); ignored where the policy has no referral rules
    referred_from_deductible: Decimal = ZERO  # 吉林: deductible the referring admission already paid
    downward_referral: bool = False  # 吉林: continued treatment after a referral down, no deductible
    chronic_rule: ChronicRule = ChronicRule()  # a chronic visit's disease, from the region's catalogue


@dataclass(frozen=True)
class Eligibility:
    insured: bool = True  # an enrollment covering the day, out of its waiting period
    identities: tuple = ()
    two_diseases_registered: bool = False
    assistance_approved: bool = False  # classes 3-4: an approved application (S001 §四(六))
    tilted_approved: bool = False
    chronic_approved: bool = True
    uninsured_reason: str = ""


@dataclass(frozen=True)
class YearToDate:
    basic_fund: Decimal = ZERO
    outpatient_fund: Decimal = ZERO
    outpatient_fund_today: Decimal = ZERO
    chronic_fund: Decimal = ZERO
    disease_chronic_fund: Decimal = ZERO  # of chronic_fund, paid this year for the visit's disease (its own cap)
    ci_base: Decimal = ZERO
    ci_paid: Decimal = ZERO
    ma_base: Decimal = ZERO  # inpatient assistance base M_in
    ma_paid: Decimal = ZERO
    extra_paid: Decimal = ZERO
    ma_base_chronic: Decimal = ZERO  # chronic outpatient assistance base M_ch
    maternity_fund: Decimal = ZERO  # basic fund paid for maternity this year


@dataclass(frozen=True)
class Step:
    step: str
    amount: Decimal
    source: str = ""


@dataclass(frozen=True)
class Split:
    total: Decimal
    out_of_catalogue: Decimal
    class_b_first_pay: Decimal
    policy_range: Decimal
    location_first_pay: Decimal
    deductible: Decimal
    basic_fund: Decimal
    critical_illness: Decimal
    assistance: Decimal
    extra_assistance: Decimal
    personal: Decimal
    explanation: tuple
    # What this visit adds to the person's year (RULES.md 4-5 bases and the outpatient pools).
    ci_base: Decimal = ZERO
    ma_base: Decimal = ZERO  # to the inpatient assistance base (admissions)
    outpatient_fund: Decimal = ZERO
    chronic_fund: Decimal = ZERO
    ma_base_chronic: Decimal = ZERO  # to the chronic assistance base (chronic visits)
    maternity_fund: Decimal = ZERO  # the basic fund of a maternity visit

    def added_to(self, ytd: YearToDate, *, same_day: bool = True) -> YearToDate:
        """The year-to-date totals after this visit (for a following visit of the same disease)."""
        return replace(
            ytd,
            basic_fund=ytd.basic_fund + self.basic_fund,
            outpatient_fund=ytd.outpatient_fund + self.outpatient_fund,
            outpatient_fund_today=(ytd.outpatient_fund_today if same_day else ZERO) + self.outpatient_fund,
            chronic_fund=ytd.chronic_fund + self.chronic_fund, disease_chronic_fund=ytd.disease_chronic_fund + self.chronic_fund,
            ci_base=ytd.ci_base + self.ci_base, ci_paid=ytd.ci_paid + self.critical_illness,
            ma_base=ytd.ma_base + self.ma_base, ma_paid=ytd.ma_paid + self.assistance,
            extra_paid=ytd.extra_paid + self.extra_assistance,
            ma_base_chronic=ytd.ma_base_chronic + self.ma_base_chronic, maternity_fund=ytd.maternity_fund + self.maternity_fund,
        )


def _nonneg(value: Decimal) -> Decimal:
    return max(value, ZERO)


def validate(visit: Visit) -> None:
    if visit.kind not in VISIT_KINDS:
        raise SettlementError("visit", f"未知的就医类型：{visit.kind}", "visit")
    if visit.location not in LOCATIONS:
        raise SettlementError("location", f"未知的就医地类型：{visit.location}", "location")
    if visit.facility_tier not in TIERS:
        raise SettlementError("facility_tier", f"未知的机构类别：{visit.facility_tier}", "facility_tier")
    if visit.facility_level not in (1, 2, 3):
        raise SettlementError("facility_level", "医疗机构级别应为 1、2 或 3", "facility_level")
    if visit.referral not in REFERRALS:
        raise SettlementError("referral", f"未知的转诊情况：{visit.referral}", "referral")
    if visit.referred_from_deductible < ZERO:
        raise SettlementError("referred_from_deductible", "转出医院已付起付线不能为负数", "referred_from_deductible")
    for line, amount in visit.costs.items():
        if line not in COST_LINES:
            raise SettlementError("costs", f"未知的费用项目：{line}", "costs")
        if amount < ZERO:
            raise SettlementError("costs", f"费用不能为负数：{line}", "costs")


def settle(policy: SettlementPolicy, visit: Visit, person: Eligibility, ytd: YearToDate) -> Split:
    validate(visit)
    if visit.kind == "general_fee":
        return _general_fee(policy, visit, person, ytd)
    costs = {line: money(visit.costs.get(line, ZERO)) for line in COST_LINES}
    total = sum(costs.values(), ZERO)
    ooc = costs["out_of_catalogue"]
    first_pay = sum((money(costs[line] * policy.first_pay_rates[line]) for line in FIRST_PAY_LINES), ZERO)
    policy_range = total - ooc - first_pay
    steps = [Step("费用合计", total), Step("全自费（目录外）", ooc, policy.source("catalogue")),
             Step("乙类先行自付", first_pay, policy.source("first_pay_rates")), Step("政策范围内费用", policy_range, policy.source("first_pay_rates"))]

    location_fp = deductible = basic = ZERO
    outpatient_add = chronic_add = maternity_add = ZERO
    # CI and MA follow admissions and approved chronic visits, never general outpatient care
    # (RULES.md 3.5: the pools never mix).
    tiers_apply = visit.kind in ADMISSIONS or (visit.kind == "chronic" and _chronic_pool_open(visit, person))
    if not person.insured:
        steps.append(Step(person.uninsured_reason or "未参保或处于等待期，基本医保不支付", ZERO, policy.source("waiting_period")))
    elif visit.kind in ADMISSIONS:
        location_fp, deductible, basic = _inpatient(policy, visit, policy_range, ytd, steps)
        if visit.kind == "maternity":
            maternity_add = basic
    elif visit.kind in ("outpatient", "two_diseases_drug"):
        basic = _outpatient(policy, visit, person, policy_range, ytd, steps)
        outpatient_add = basic
    else:
        basic, chronic_add = _chronic(policy, visit, person, policy_range, ytd, steps)

    ci = ci_add = ma = ma_add = extra = ZERO
    if tiers_apply and person.insured:
        ci, ci_add = _critical_illness(policy, visit, person, policy_range - basic, location_fp, ytd, steps)
    if tiers_apply:
        ma, ma_add, extra = _assistance(policy, visit, person, policy_range - basic - ci, ytd, steps)
    personal = total - basic - ci - ma - extra
    steps.append(Step("个人负担", personal))
    chronic_visit = visit.kind == "chronic"
    return Split(total, ooc, first_pay, policy_range, location_fp, deductible, basic, ci, ma, extra, personal, tuple(steps),
                 ci_base=ci_add, ma_base=ZERO if chronic_visit else ma_add, ma_base_chronic=ma_add if chronic_visit else ZERO,
                 outpatient_fund=outpatient_add, chronic_fund=chronic_add, maternity_fund=maternity_add)


def _annual_cap(policy, amount, ytd, steps) -> Decimal:
    room = _nonneg(policy.annual_cap - ytd.basic_fund)
    if amount > room:
        steps.append(Step("基本医保年度最高支付限额", policy.annual_cap, policy.source("annual_cap")))
        return room
    return amount


# --- 3.2 and 3.7: admissions ----------------------------------------------------------------


def _location_rate(policy, visit) -> Decimal:
    # X000 art. 20(一)3: 5% only at city-level facilities of level 2 or 3 ("与本地就医一致"
    # otherwise); a region with referral rules has no location first self-pay (J003 §二(三)9).
    if policy.has_referral_rules:
        return ZERO
    if visit.location == "county_at_city" and visit.facility_level < COUNTY_AT_CITY_MIN_LEVEL:
        return ZERO
    return policy.location_rates[visit.location]


def _deductible(policy, visit, steps) -> Decimal:
    """The admission's deductible before it is limited to what is left (X000 art. 20(一)1);
    吉林 counts it continuously over a referral and drops it after a downward referral
    (J003 §二(三)9(1))."""
    level = policy.inpatient_deductible[visit.facility_level]
    if visit.downward_referral and policy.downward_referral_deductible is not None:
        due = money(level * policy.downward_referral_deductible)
        steps.append(Step("上级医院下转接续治疗，取消当次起付标准", due, policy.source("downward_referral_deductible")))
        return due
    if visit.referred_from_deductible and policy.referral_deductible_credit is not None:
        credit = money(visit.referred_from_deductible * policy.referral_deductible_credit)
        due = _nonneg(level - credit)
        steps.append(Step("转诊连续计算起付标准（扣除转出医院已付起付标准）", due, policy.source("referral_deductible_credit")))
        return due
    return level


def _inpatient_rate(policy, visit, steps) -> Decimal:
    # J003 §二(三)9(2): referred at the level's local rate; outside the referral list 20 points
    # less; without referral a flat 20%.
    rate = policy.inpatient_rate[visit.facility_level]
    referral = visit.referral
    if referral == "unreferred" and policy.unreferred_rate is not None:
        steps.append(Step(f"未按规定办理转诊或急诊手续，统筹基金按{_points(policy.unreferred_rate)}%支付", ZERO,
                          policy.source("unreferred_rate")))
        return policy.unreferred_rate
    cut = policy.referral_rate_cut.get(referral)
    if cut is not None:
        reduced = _nonneg(rate - cut)
        steps.append(Step(f"转诊病种范围外，支付比例降低{_points(cut)}个百分点（按{_points(reduced)}%支付）", ZERO,
                          policy.source(f"referral_rate_cut.{referral}")))
        return reduced
    return rate


def _points(rate: Decimal) -> str:
    """A rate as the percentage points users read in a step: 0.20 → 20, 0.525 → 52.5."""
    return f"{(rate * 100).normalize():f}"


def _inpatient(policy, visit, policy_range, ytd, steps):
    # X000 art. 20: location first self-pay, deductible per admission, rate by level.
    location_fp = money(policy_range * _location_rate(policy, visit))
    if location_fp:
        steps.append(Step("异地就医个人先行自付", location_fp, policy.source(f"location_rate.{visit.location}")))
    deductible = min(_deductible(policy, visit, steps), _nonneg(policy_range - location_fp))
    steps.append(Step("起付标准", deductible, policy.source(f"inpatient_deductible.{visit.facility_level}")))
    rate = _inpatient_rate(policy, visit, steps)
    basic = money(rate * _nonneg(policy_range - location_fp - deductible))
    if visit.kind == "maternity":
        basic = _maternity_cap(policy, basic, ytd, steps)
    basic = _annual_cap(policy, basic, ytd, steps)
    steps.append(Step("基本医保统筹支付", basic, policy.source(f"inpatient_rate.{visit.facility_level}")))
    return location_fp, deductible, basic


def _maternity_cap(policy, basic, ytd, steps) -> Decimal:
    # X000 art. 21 and N004 §二: maternity at the inpatient rules, the fund at most the year's cap.
    if policy.maternity_cap is None:
        raise SettlementError("incomplete_policy", "该统筹区未设置生育医疗费用年度基金最高支付限额，暂不能结算住院分娩，请联系市医保局", "region")
    room = _nonneg(policy.maternity_cap - ytd.maternity_fund)
    if basic > room:
        steps.append(Step("生育医疗费用年度基金最高支付限额", policy.maternity_cap, policy.source("maternity_cap")))
        return room
    return basic


# --- 3.3 general outpatient and 两病 ----------------------------------------------------------


def _outpatient(policy, visit, person, policy_range, ytd, steps):
    # X000 art. 17: 50% of the policy range, daily cap by facility tier, annual cap 350;
    # 两病 patients +200 shared with their drug visits, which have no daily cap.
    # J003 §二(三)10(1): 吉林's rate depends on the tier.
    if visit.kind == "two_diseases_drug" and not person.two_diseases_registered:
        steps.append(Step("未登记“两病”，不享受两病门诊用药保障", ZERO, policy.source("two_diseases_extra_cap")))
        return ZERO
    tier_rate = policy.outpatient_tier_rates.get(visit.facility_tier)
    rate = policy.outpatient_rate if tier_rate is None else tier_rate
    basic = money(policy_range * rate)
    if visit.kind == "outpatient":
        daily_room = _nonneg(policy.outpatient_daily_cap[visit.facility_tier] - ytd.outpatient_fund_today)
        if basic > daily_room:
            steps.append(Step("门诊统筹日支付限额", policy.outpatient_daily_cap[visit.facility_tier],
                              policy.source(f"outpatient_daily_cap.{visit.facility_tier}")))
            basic = daily_room
    annual = policy.outpatient_annual_cap + (policy.two_diseases_extra_cap if person.two_diseases_registered else ZERO)
    annual_room = _nonneg(annual - ytd.outpatient_fund)
    if basic > annual_room:
        steps.append(Step("门诊统筹年度支付限额", annual, policy.source("outpatient_annual_cap")))
        basic = annual_room
    basic = _annual_cap(policy, basic, ytd, steps)
    rate_source = policy.source("outpatient_rate" if tier_rate is None else f"outpatient_rate.{visit.facility_tier}")
    steps.append(Step("基本医保门诊统筹支付", basic, rate_source))
    return basic


# --- 3.5 chronic and special outpatient diseases ----------------------------------------------


def _chronic_pool_open(visit, person) -> bool:
    """The chronic pool pays only for a named disease under a valid approval (RULES.md 3.5)."""
    return bool(visit.disease.strip()) and person.chronic_approved


def _chronic(policy, visit, person, policy_range, ytd, steps):
    # RULES.md 3.5: a chronic disease at its rate up to its annual cap and the region's; a
    # special disease at the inpatient rates. Needs a named disease and a valid approval for it.
    if not visit.disease.strip():
        # The disease is named on application (X000 art. 17; J003 §二(三)10): the rule's source, not the rate's
        steps.append(Step("未填写慢特病病种，门诊慢特病统筹不支付", ZERO, policy.source("chronic_application")))
        return ZERO, ZERO
    if not person.chronic_approved:
        steps.append(Step("无有效的门诊慢特病待遇认定，门诊慢特病统筹不支付", ZERO, policy.source("chronic_application")))
        return ZERO, ZERO
    rule = visit.chronic_rule
    if rule.special:
        basic = money(policy.inpatient_rate[visit.facility_level] * policy_range)
        basic = _annual_cap(policy, basic, ytd, steps)
        steps.append(Step("门诊特殊疾病按住院比例支付", basic, rule.source or policy.source("inpatient_rate")))
        return basic, ZERO
    if rule.rate is None:
        basic, paid, rate_source = money(policy_range * policy.chronic_rate), "基本医保门诊慢性病支付", policy.source("chronic_rate")
    else:  # the disease's own rate: named in the step, cited by its catalogue entry (not the region's parameter)
        basic, paid, rate_source = money(policy_range * rule.rate), f"基本医保门诊慢性病支付（{rule.name or '该病种'}支付比例）", rule.source
    if rule.annual_cap is not None:
        room = _nonneg(rule.annual_cap - ytd.disease_chronic_fund)
        if basic > room:
            steps.append(Step(f"{rule.name or '该病种'}年度支付限额", rule.annual_cap, rule.source))
            basic = room
    room = _nonneg(policy.chronic_annual_cap - ytd.chronic_fund)
    if basic > room:
        steps.append(Step("门诊慢性病年度支付限额", policy.chronic_annual_cap, policy.source("chronic_annual_cap")))
        basic = room
    basic = _annual_cap(policy, basic, ytd, steps)
    steps.append(Step(paid, basic, rate_source))
    return basic, basic


# --- 4 critical illness -------------------------------------------------------------------------


def ci_paid_for(policy: SettlementPolicy, base: Decimal, special: bool) -> Decimal:
    """Critical illness for a year's base (RULES.md 4): banded rates above the deductible, up
    to the cap; the poverty groups have a halved deductible, +5 points and no cap."""
    deductible = money(policy.ci_deductible * policy.ci_special_deductible_factor) if special else policy.ci_deductible
    bonus = policy.ci_special_rate_bonus if special else ZERO
    paid = ZERO
    for i, band in enumerate(policy.ci_bands):
        lower = deductible if i == 0 else band.lower
        top = base if band.upper is None else min(base, band.upper)
        paid += money(_nonneg(top - lower) * (band.rate + bonus))
    return paid if special else min(paid, policy.ci_cap)


def _critical_illness(policy, visit, person, self_pay_after_basic, location_fp, ytd, steps):
    # X000 art. 23: the part of the self-pay caused by care without filing stays out of CI.
    excluded = location_fp if visit.location == UNREFERRED else ZERO
    add = _nonneg(self_pay_after_basic - excluded)
    special = bool(policy.ci_special_codes & set(person.identities))
    ci = _nonneg(ci_paid_for(policy, ytd.ci_base + add, special) - ci_paid_for(policy, ytd.ci_base, special))
    label = "大病保险（困难群众起付线减半、比例提高）" if special else "大病保险"
    steps.append(Step(label, ci, policy.source("ci_deductible")))
    return ci, add


# --- 5 medical assistance ---------------------------------------------------------------------


def assistance_class(policy: SettlementPolicy, identities) -> int | None:
    classes = [policy.ma_class_of[c] for c in identities if policy.ma_class_of.get(c)]
    return min(classes) if classes else None


def assistance_for(policy: SettlementPolicy, visit: Visit, person: Eligibility, base_add: Decimal, ytd: YearToDate):
    """Medical assistance (and tilted or backstop assistance) on a base already left after
    basic insurance and CI: (assistance, base added, extra, explanation). The base added
    belongs to the chronic base (ytd.ma_base_chronic) for a chronic visit, else to the
    inpatient base (ytd.ma_base)."""
    steps: list[Step] = []
    ma, add, extra = _assistance(policy, visit, person, base_add, ytd, steps)
    return ma, add, extra, tuple(steps)


def _unreferred(policy, visit) -> bool:
    # S001 §六(十一): care without the required referral is outside MA: outside the city
    # without a filing, or, where the region settles admissions by referral (吉林), an
    # admission without one.
    if visit.location == UNREFERRED:
        return True
    return policy.has_referral_rules and visit.kind in ADMISSIONS and visit.referral == "unreferred"


def _assistance(policy, visit, person, base_add, ytd, steps):
    """Medical assistance, then tilted or backstop assistance (RULES.md 5). Two bases: the
    inpatient base M_in, where the class 3-4 deductibles apply, and the chronic base M_ch at
    the chronic rate with no deductible; one cap; tilted and backstop on M = M_in + M_ch."""
    klass = assistance_class(policy, person.identities)
    if klass is None:
        return ZERO, ZERO, ZERO
    if _unreferred(policy, visit):
        steps.append(Step("未按规定转诊备案，不纳入医疗救助", ZERO, policy.source("unreferred")))
        return ZERO, ZERO, ZERO
    if klass >= 3 and not person.assistance_approved:
        steps.append(Step(f"{klass}类救助对象须经申请批准后救助", ZERO, policy.source("application")))
        return ZERO, ZERO, ZERO
    add = _nonneg(base_add)
    if visit.kind == "chronic":
        # S001 §三(四)1: 50% of the chronic policy-range self-pay, no deductible.
        ma = money(add * policy.ma_chronic_rate)
        label, source = f"门诊慢特病医疗救助（{klass}类）", policy.source("ma_chronic_rate")
    else:
        # S001 §三(四)2: the class's rate above its annual deductible on the inpatient base.
        def regular(m):
            return money(policy.ma_inpatient_rate[klass] * _nonneg(m - policy.ma_deductible[klass]))
        ma = _nonneg(regular(ytd.ma_base + add) - regular(ytd.ma_base))
        label, source = f"医疗救助（{klass}类）", policy.source(f"ma_inpatient_rate.{klass}")
    room = _nonneg(policy.ma_cap - ytd.ma_paid)
    if ma > room:  # S001 §三(四)3: one cap for chronic and inpatient assistance
        steps.append(Step("医疗救助年度限额", policy.ma_cap, policy.source("ma_cap")))
        ma = room
    steps.append(Step(label, ma, source))
    return ma, add, _extra_assistance(policy, visit, person, add, ma, ytd, steps)


def _extra_assistance(policy, visit, person, add, ma, ytd, steps) -> Decimal:
    # S001 §三(四)4, on the year's M = M_in + M_ch and what is left of it after the three tiers.
    before = ytd.ma_base + ytd.ma_base_chronic
    after = before + add
    left_before = _nonneg(before - ytd.ma_paid)
    left_after = _nonneg(after - ytd.ma_paid - ma)
    if policy.backstop_codes & set(person.identities):
        # What is left above what the person keeps (5,000 + 5% of M above 5,000; nothing while M
        # is at most 5,000), less what the backstop already paid this year: it tops up and
        # never pays twice (paying the change since the last visit overpaid when a visit that
        # assistance paid in full lowered the need and a later one raised it again).
        kept = money(policy.backstop_threshold + policy.backstop_personal_rate * _nonneg(after - policy.backstop_threshold))
        # The visit's backstop comes out of what the visit itself leaves (add - ma).
        extra = min(_nonneg(_nonneg(left_after - kept) - ytd.extra_paid), _nonneg(add - ma))
        steps.append(Step("托底保障", extra, policy.source("backstop_threshold")))
        return extra
    if not person.tilted_approved:
        return ZERO
    if not visit.in_province:
        steps.append(Step("省外就医，不享受倾斜救助", ZERO, policy.source("tilted_threshold")))
        return ZERO

    def tilted(left):
        return min(policy.tilted_cap, money(policy.tilted_rate * _nonneg(left - policy.tilted_threshold)))
    extra = _nonneg(tilted(left_after) - tilted(left_before))
    room = _nonneg(policy.tilted_cap - ytd.extra_paid)
    if extra > room:
        steps.append(Step("倾斜救助年度限额", policy.tilted_cap, policy.source("tilted_cap")))
        extra = room
    steps.append(Step("倾斜救助", extra, policy.source("tilted_threshold")))
    return extra


# --- 3.4 general consultation fee ----------------------------------------------------------------


def _general_fee(policy, visit, person, ytd):
    # X000 art. 18: at zero-markup township/community centres and stations and village clinics,
    # a fixed fee of which the fund pays a fixed share (within the annual cap); the uninsured,
    # a facility without zero-markup, or a tier without a fee: the person pays the whole fee.
    if visit.facility_tier not in policy.general_fee:
        # A tier without a fee (clinics, hospitals): what the bill charges is the person's.
        charged = sum((money(visit.costs.get(line, ZERO)) for line in COST_LINES), ZERO)
        steps = (Step("费用合计", charged), Step("该类医疗机构不设一般诊疗费，基金不支付", ZERO, policy.source("general_fee")),
                 Step("个人负担", charged))
        return Split(charged, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, charged, steps)
    fee, share = policy.general_fee[visit.facility_tier]
    steps = [Step("一般诊疗费", fee, policy.source(f"general_fee.{visit.facility_tier}"))]
    if not person.insured:
        steps.append(Step(person.uninsured_reason or "未参保或处于等待期，一般诊疗费由个人支付", ZERO, policy.source("waiting_period")))
        fund = ZERO
    elif not visit.zero_markup:
        steps.append(Step("该机构未实行药品零差率，一般诊疗费由个人支付", ZERO, policy.source("general_fee")))
        fund = ZERO
    else:
        fund = _annual_cap(policy, share, ytd, steps)
    steps += [Step("基本医保支付", fund, policy.source(f"general_fee_fund.{visit.facility_tier}")), Step("个人负担", fee - fund)]
    return Split(fee, ZERO, ZERO, fee, ZERO, ZERO, fund, ZERO, ZERO, ZERO, fee - fund, tuple(steps))

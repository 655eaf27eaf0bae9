"""One-stop settlement of the three tiers (一站式结算, RULES.md 3-5): how a medical bill is split
between basic resident insurance, critical-illness insurance (大病保险), medical assistance
(医疗救助), tilted or backstop assistance, and the person. Pure: the policy (SettlementPolicy),
the visit, the person's eligibility and year-to-date totals in; the split and its explanation
out. Money is Decimal rounded half-up to the cent after every step.

Cumulative-year rules are applied incrementally (RULES.md 5): this visit's amount =
f(year-to-date + this visit) − f(year-to-date).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from core.money import ZERO, money

COST_LINES = ("class_a", "class_b_drug", "blood", "class_b_treatment", "material_general", "material_other_domestic",
              "material_other_imported", "out_of_catalogue")
FIRST_PAY_LINES = COST_LINES[1:7]  # class-B lines with a first self-pay (X000 art. 26)
VISIT_KINDS = ("inpatient", "outpatient", "two_diseases_drug", "chronic", "general_fee", "maternity")
LOCATIONS = ("local", "county_at_city", "remote_filed", "remote_unfiled", "remote_emergency_nondesignated", "remote_long_term")
TIERS = ("village", "community_station", "clinic", "township", "secondary_plus")
REFERRALS = ("referred", "referred_outside_list", "unreferred")  # 吉林 (RULES.md 3.7)
UNREFERRED = "remote_unfiled"


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
    special_diseases: frozenset  # settled at inpatient rates
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

    def source(self, name: str) -> str:
        return self.sources.get(name, "")


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


@dataclass(frozen=True)
class Eligibility:
    insured: bool = True  # an enrollment covering the day, out of its waiting period
    identities: tuple = ()
    two_diseases_registered: bool = False
    assistance_approved: bool = False  # classes 3-4: an approved application (S001 §四(六))
    tilted_approved: bool = False
    chronic_approved: bool = True
    in_province: bool = True
    uninsured_reason: str = ""


@dataclass(frozen=True)
class YearToDate:
    basic_fund: Decimal = ZERO
    outpatient_fund: Decimal = ZERO
    outpatient_fund_today: Decimal = ZERO
    chronic_fund: Decimal = ZERO
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
    ma_base: Decimal = ZERO
    outpatient_fund: Decimal = ZERO
    chronic_fund: Decimal = ZERO
    ma_base_chronic: Decimal = ZERO
    maternity_fund: Decimal = ZERO

    def added_to(self, ytd: YearToDate, *, same_day: bool = True) -> YearToDate:
        """The year-to-date totals after this visit."""
        return replace(
            ytd,
            basic_fund=ytd.basic_fund + self.basic_fund,
            outpatient_fund=ytd.outpatient_fund + self.outpatient_fund,
            outpatient_fund_today=(ytd.outpatient_fund_today if same_day else ZERO) + self.outpatient_fund,
            chronic_fund=ytd.chronic_fund + self.chronic_fund,
            ci_base=ytd.ci_base + self.ci_base, ci_paid=ytd.ci_paid + self.critical_illness,
            ma_base=ytd.ma_base + self.ma_base, ma_paid=ytd.ma_paid + self.assistance,
            extra_paid=ytd.extra_paid + self.extra_assistance,
            ma_base_chronic=ytd.ma_base_chronic + self.ma_base_chronic, maternity_fund=ytd.maternity_fund + self.maternity_fund,
        )


def _nonneg(value: Decimal) -> Decimal:
    return value if value > ZERO else ZERO


def validate(visit: Visit) -> None:
    if visit.kind not in VISIT_KINDS:
        raise SettlementError("visit", f"未知的就医类型：{visit.kind}", "visit")
    if visit.location not in LOCATIONS:
        raise SettlementError("location", f"未知的就医地类型：{visit.location}", "location")
    if visit.facility_tier not in TIERS:
        raise SettlementError("facility_tier", f"未知的机构类别：{visit.facility_tier}", "facility_tier")
    if visit.facility_level not in (1, 2, 3):
        raise SettlementError("facility_level", "医疗机构级别应为 1、2 或 3", "facility_level")
    for line, amount in visit.costs.items():
        if line not in COST_LINES:
            raise SettlementError("costs", f"未知的费用项目：{line}", "costs")
        if amount < ZERO:
            raise SettlementError("costs", f"费用不能为负数：{line}", "costs")


def settle(policy: SettlementPolicy, visit: Visit, person: Eligibility, ytd: YearToDate) -> Split:
    validate(visit)
    if visit.kind == "general_fee":
        return _general_fee(policy, visit, person, ytd)
    steps: list[Step] = []
    costs = {line: money(visit.costs.get(line, ZERO)) for line in COST_LINES}
    total = sum(costs.values(), ZERO)
    ooc = costs["out_of_catalogue"]
    first_pay = sum((money(costs[line] * policy.first_pay_rates[line]) for line in FIRST_PAY_LINES), ZERO)
    policy_range = total - ooc - first_pay
    steps += [Step("费用合计", total), Step("全自费（目录外）", ooc, policy.source("catalogue")),
              Step("乙类先行自付", first_pay, policy.source("first_pay_rates")), Step("政策范围内费用", policy_range, policy.source("first_pay_rates"))]

    location_fp = deductible = basic = ZERO
    outpatient_add = chronic_add = ZERO
    tiers_apply = visit.kind in ("inpatient", "chronic")
    if not person.insured:
        steps.append(Step(person.uninsured_reason or "未参保或处于等待期，基本医保不支付", ZERO, policy.source("waiting_period")))
    elif visit.kind == "inpatient":
        location_fp, deductible, basic = _inpatient(policy, visit, policy_range, ytd, steps)
    elif visit.kind in ("outpatient", "two_diseases_drug"):
        basic = _outpatient(policy, visit, person, policy_range, ytd, steps)
        outpatient_add = basic
    else:
        basic, chronic_add = _chronic(policy, visit, person, policy_range, ytd, steps)
        tiers_apply = person.chronic_approved

    ci = ci_add = ma = ma_add = extra = ZERO
    if tiers_apply and person.insured:
        ci, ci_add = _critical_illness(policy, visit, person, policy_range - basic, location_fp, ytd, steps)
    if tiers_apply:
        ma, ma_add, extra = _assistance(policy, visit, person, policy_range - basic - ci, ytd, steps)
    personal = total - basic - ci - ma - extra
    steps.append(Step("个人负担", personal))
    return Split(total, ooc, first_pay, policy_range, location_fp, deductible, basic, ci, ma, extra, personal, tuple(steps),
                 ci_base=ci_add, ma_base=ma_add, outpatient_fund=outpatient_add, chronic_fund=chronic_add)


def _annual_cap(policy, amount, ytd, steps) -> Decimal:
    room = _nonneg(policy.annual_cap - ytd.basic_fund)
    if amount > room:
        steps.append(Step("基本医保年度最高支付限额", policy.annual_cap, policy.source("annual_cap")))
        return room
    return amount


def _inpatient(policy, visit, policy_range, ytd, steps):
    # X000 art. 20: location first self-pay, deductible per admission, rate by level.
    location_fp = money(policy_range * policy.location_rates[visit.location])
    if location_fp:
        steps.append(Step("异地就医个人先行自付", location_fp, policy.source("location_rates")))
    deductible = min(policy.inpatient_deductible[visit.facility_level], _nonneg(policy_range - location_fp))
    steps.append(Step("起付标准", deductible, policy.source("inpatient_deductible")))
    basic = money(policy.inpatient_rate[visit.facility_level] * _nonneg(policy_range - location_fp - deductible))
    basic = _annual_cap(policy, basic, ytd, steps)
    steps.append(Step("基本医保统筹支付", basic, policy.source("inpatient_rate")))
    return location_fp, deductible, basic


def _outpatient(policy, visit, person, policy_range, ytd, steps):
    # X000 art. 17: 50% of the policy range, daily cap by facility tier, annual cap 350;
    # 两病 patients +200 shared with their drug visits, which have no daily cap.
    if visit.kind == "two_diseases_drug" and not person.two_diseases_registered:
        steps.append(Step("未登记“两病”，不享受两病门诊用药保障", ZERO, policy.source("two_diseases_extra_cap")))
        return ZERO
    basic = money(policy_range * policy.outpatient_rate)
    if visit.kind == "outpatient":
        daily_room = _nonneg(policy.outpatient_daily_cap[visit.facility_tier] - ytd.outpatient_fund_today)
        if basic > daily_room:
            steps.append(Step("门诊统筹日支付限额", policy.outpatient_daily_cap[visit.facility_tier], policy.source("outpatient_daily_cap")))
            basic = daily_room
    annual = policy.outpatient_annual_cap + (policy.two_diseases_extra_cap if person.two_diseases_registered else ZERO)
    annual_room = _nonneg(annual - ytd.outpatient_fund)
    if basic > annual_room:
        steps.append(Step("门诊统筹年度支付限额", annual, policy.source("outpatient_annual_cap")))
        basic = annual_room
    basic = _annual_cap(policy, basic, ytd, steps)
    steps.append(Step("基本医保门诊统筹支付", basic, policy.source("outpatient_rate")))
    return basic


def _chronic(policy, visit, person, policy_range, ytd, steps):
    # RULES.md 3.5: chronic diseases at their rate up to an annual cap; special diseases at
    # inpatient rates. Needs a valid approval for the disease.
    if not person.chronic_approved:
        steps.append(Step("无有效的门诊慢特病待遇认定，按普通门诊以外费用由个人负担", ZERO, policy.source("chronic_rate")))
        return ZERO, ZERO
    if visit.disease in policy.special_diseases:
        basic = money(policy.inpatient_rate[visit.facility_level] * policy_range)
        basic = _annual_cap(policy, basic, ytd, steps)
        steps.append(Step("门诊特殊疾病按住院比例支付", basic, policy.source("special_diseases")))
        return basic, ZERO
    basic = money(policy_range * policy.chronic_rate)
    room = _nonneg(policy.chronic_annual_cap - ytd.chronic_fund)
    if basic > room:
        steps.append(Step("门诊慢性病年度支付限额", policy.chronic_annual_cap, policy.source("chronic_annual_cap")))
        basic = room
    basic = _annual_cap(policy, basic, ytd, steps)
    steps.append(Step("基本医保门诊慢性病支付", basic, policy.source("chronic_rate")))
    return basic, basic


def ci_paid_for(policy: SettlementPolicy, base: Decimal, special: bool) -> Decimal:
    """Critical illness for a year's base (RULES.md 4): banded rates above the deductible, up
    to the cap; the poverty groups have a halved deductible, +5 points and no cap."""
    deductible = money(policy.ci_deductible * policy.ci_special_deductible_factor) if special else policy.ci_deductible
    bonus = policy.ci_special_rate_bonus if special else ZERO
    paid = ZERO
    for i, band in enumerate(policy.ci_bands):
        lower = deductible if i == 0 else band.lower
        upper = band.upper
        if base <= lower:
            break
        portion = (min(base, upper) if upper is not None else base) - lower
        paid += money(portion * (band.rate + bonus))
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


def assistance_class(policy: SettlementPolicy, identities) -> int | None:
    classes = [policy.ma_class_of[c] for c in identities if policy.ma_class_of.get(c)]
    return min(classes) if classes else None


def assistance_for(policy: SettlementPolicy, visit: Visit, person: Eligibility, base_add: Decimal, ytd: YearToDate):
    """Medical assistance (and tilted or backstop assistance) on a base already left after
    basic insurance and CI: (assistance, base added, extra, explanation)."""
    steps: list[Step] = []
    ma, add, extra = _assistance(policy, visit, person, base_add, ytd, steps)
    return ma, add, extra, tuple(steps)


def _assistance(policy, visit, person, base_add, ytd, steps):
    """Medical assistance, then tilted or backstop assistance (RULES.md 5)."""
    klass = assistance_class(policy, person.identities)
    if klass is None:
        return ZERO, ZERO, ZERO
    if visit.location == UNREFERRED:
        steps.append(Step("未按规定转诊备案，不纳入医疗救助", ZERO, policy.source("unreferred")))
        return ZERO, ZERO, ZERO
    if klass >= 3 and not person.assistance_approved:
        steps.append(Step(f"{klass}类救助对象须经申请批准后救助", ZERO, policy.source("application")))
        return ZERO, ZERO, ZERO
    add = _nonneg(base_add)
    before, after = ytd.ma_base, ytd.ma_base + add
    if visit.kind == "chronic":
        ma = money(add * policy.ma_chronic_rate)
    else:
        def regular(m):
            return money(policy.ma_inpatient_rate[klass] * _nonneg(m - policy.ma_deductible[klass]))
        ma = _nonneg(regular(after) - regular(before))
    room = _nonneg(policy.ma_cap - ytd.ma_paid)
    if ma > room:
        steps.append(Step("医疗救助年度限额", policy.ma_cap, policy.source("ma_cap")))
        ma = room
    steps.append(Step(f"医疗救助（{klass}类）", ma, policy.source("ma_inpatient_rate")))

    extra = ZERO
    left_before = _nonneg(before - ytd.ma_paid)  # policy-range self-pay left after all three tiers
    left_after = _nonneg(after - ytd.ma_paid - ma)
    if policy.backstop_codes & set(person.identities):
        def backstop(m, left):
            if m <= policy.backstop_threshold:
                return ZERO
            return _nonneg(left - money(policy.backstop_threshold + policy.backstop_personal_rate * (m - policy.backstop_threshold)))
        extra = _nonneg(backstop(after, left_after) - backstop(before, left_before))
        steps.append(Step("托底保障", extra, policy.source("backstop_threshold")))
    elif person.tilted_approved and person.in_province:
        def tilted(left):
            return min(policy.tilted_cap, money(policy.tilted_rate * _nonneg(left - policy.tilted_threshold)))
        extra = _nonneg(tilted(left_after) - tilted(left_before))
        extra = min(extra, _nonneg(policy.tilted_cap - ytd.extra_paid))
        steps.append(Step("倾斜救助", extra, policy.source("tilted_threshold")))
    return ma, add, extra


def _general_fee(policy, visit, person, ytd):
    # X000 art. 18: at zero-markup township/community centres and village clinics, a fixed fee
    # of which the fund pays a fixed share (within the annual cap); the uninsured pay all.
    if visit.facility_tier not in policy.general_fee:
        raise SettlementError("facility_tier", "一般诊疗费只在乡镇卫生院、社区卫生服务中心（站）和村卫生室收取", "facility_tier")
    fee, share = policy.general_fee[visit.facility_tier]
    steps = [Step("一般诊疗费", fee, policy.source("general_fee"))]
    fund = _annual_cap(policy, share, ytd, steps) if person.insured and visit.zero_markup else ZERO
    steps += [Step("基本医保支付", fund, policy.source("general_fee")), Step("个人负担", fee - fund)]
    return Split(fee, ZERO, ZERO, fee, ZERO, ZERO, fund, ZERO, ZERO, ZERO, fee - fund, tuple(steps))

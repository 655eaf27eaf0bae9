"""Monthly payment plans (月度拨付计划, RULES.md 7: 统支, 按月拨付，按年结算; S001 市级统筹 §三(三)).

A county bureau compiles its month's plan from the ledger: what each of the county's facilities
is owed for the month's settlements (the city agency settles and pays facility bills) and what
the county office paid out in manual claims (replenished to its expenditure account). It may
lower a line (a deduction, with its reason) and submits; the city bureau reviews; the city
finance bureau re-checks; finance pays the plan into the city bureau's expenditure account
(市医保局基金支出户); the city bureau pays the facilities and the county's expenditure account.
The two payment steps post the ledger entries. Each step is done by a different user with the
step's permission; a rejection, with its reason, sends the plan back one step. This module is
the plan's one writer."""

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from core.display import yuan
from core.errors import ServiceError
from core.models import Region, RegionLevel
from core.money import AmountError, column_max, parse_typed_amount
from core.restrict import path_allowed
from core.services.notify import notify
from core.validation import check_date
from funds.models import Account, AccountKind, Fund, JobRun, JournalLine, PaymentPlan, PaymentPlanEvent, PaymentPlanLine, SourceKind
from funds.services import ledger
from funds.services.parameters import in_force

Status = PaymentPlan.Status
Action = PaymentPlanEvent.Action
Kind = PaymentPlanLine.Kind
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Step:
    action: str
    permission: str
    field: str  # the plan's field naming who did the step (its date: the same name, _on for _by)
    label: str
    at_city: bool  # done by the city's users (the county bureau compiles and submits)
    reject_to: str | None  # the status a rejection goes back to (None: not rejected here)
    reject_clears: str | None  # the earlier step undone by the rejection


# The steps in order, by the status they start from.
STEPS = {
    Status.DRAFT: Step(Action.SUBMIT, "funds.submit_paymentplan", "submitted_by", "县医保局提交", False, None, None),
    Status.SUBMITTED: Step(Action.REVIEW, "funds.review_paymentplan", "reviewed_by", "市医保局审核", True, Status.DRAFT, "submitted_by"),
    Status.REVIEWED: Step(Action.RECHECK, "funds.recheck_paymentplan", "rechecked_by", "市财政局复核", True, Status.SUBMITTED, "reviewed_by"),
    Status.RECHECKED: Step(Action.FUND, "funds.fund_paymentplan", "funded_by", "财政拨付", True, Status.REVIEWED, "rechecked_by"),
    Status.FUNDED: Step(Action.PAY, "funds.pay_paymentplan", "paid_by", "市医保局拨付", True, None, None),
}
NEXT_STATUS = {Status.DRAFT: Status.SUBMITTED, Status.SUBMITTED: Status.REVIEWED, Status.REVIEWED: Status.RECHECKED,
               Status.RECHECKED: Status.FUNDED, Status.FUNDED: Status.PAID}
STEP_LABELS = {step.field: step.label for step in STEPS.values()}
PREVIOUS_DAY = {"reviewed_by": ("submitted_on", "提交日期"), "rechecked_by": ("reviewed_on", "审核日期"),
                "funded_by": ("rechecked_on", "复核日期"), "paid_by": ("funded_on", "财政拨付日期")}
STEP_DAY_LABELS = {"submitted_by": "提交日期", "reviewed_by": "审核日期", "rechecked_by": "复核日期", "funded_by": "财政拨付日期",
                   "paid_by": "拨付日期"}


@dataclass(frozen=True)
class Due:
    kind: str
    fund: str
    facility_id: int | None
    due: Decimal


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def _check_month(year, month, today: date) -> tuple[int, int]:
    try:
        year, month = int(year), int(month)
    except (TypeError, ValueError):
        raise ServiceError("month", "请选择计划月份", "month") from None
    if not (1 <= month <= 12) or not (2000 <= year <= today.year + 1):
        raise ServiceError("month", f"计划月份须为2000年1月以后、已经结束的月份", "month")
    if month_bounds(year, month)[1] >= today:
        raise ServiceError("month", f"{year}年{month}月尚未结束：月度拨付计划在次月编制（按月拨付，按年结算）", "month")
    return year, month


def _city_of(county: Region) -> Region:
    from benefits.services.policy import pooling_region

    city = pooling_region(county)
    if city is None:
        raise ServiceError("city", f"{county.name}不属于任何统筹区")
    return city


def month_due(city: Region, county: Region, year: int, month: int) -> list[Due]:
    """What the ledger says the county's plan for the month covers: per facility located in the
    county and fund, the payable the month's settlement entries (net of reversals) credited; per
    fund, the manual claims the county office paid. Payments of earlier plans do not count (they
    are the plans' own entries). A line that nets to nothing or less is left out."""
    first, last = month_bounds(year, month)
    lines = (JournalLine.objects.filter(entry__city=city, posted_on__gte=first, posted_on__lte=last)
             .exclude(entry__source_kind=SourceKind.PAYMENT_PLAN).exclude(entry__reverses__source_kind=SourceKind.PAYMENT_PLAN))
    facility_rows = (lines.filter(account__kind=AccountKind.FACILITY_PAYABLE, account__facility__region_path__startswith=county.path)
                     .values("account__facility", "fund").annotate(total=Sum("amount")).order_by())
    manual_rows = (lines.filter(account__kind=AccountKind.PERSON_PAYABLE, account__region=county)
                   .values("fund").annotate(total=Sum("amount")).order_by())
    due = [Due(Kind.FACILITY, row["fund"], row["account__facility"], -row["total"]) for row in facility_rows]
    due += [Due(Kind.MANUAL, row["fund"], None, -row["total"]) for row in manual_rows]
    return sorted((d for d in due if d.due > 0), key=lambda d: (d.kind, d.facility_id or 0, d.fund))


def year_end_due(city: Region, county: Region, year: int) -> tuple[list[Due], list[Due]]:
    """The year-end settlement (年度清算, RULES.md 7: 按月拨付，按年结算): per facility located in
    the county and fund, and per fund for the county office's manual claims, what the year's
    settlement entries (net of reversals) made payable less what the year's paid monthly plans
    paid. (What is still to pay, what was paid beyond it): the first become the plan's lines,
    the second are to be recovered from the facility (shown on the plan)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    lines = (JournalLine.objects.filter(entry__city=city, posted_on__gte=first, posted_on__lte=last)
             .exclude(entry__source_kind=SourceKind.PAYMENT_PLAN).exclude(entry__reverses__source_kind=SourceKind.PAYMENT_PLAN))
    settled = defaultdict(lambda: ZERO)
    for row in (lines.filter(account__kind=AccountKind.FACILITY_PAYABLE, account__facility__region_path__startswith=county.path)
                .values("account__facility", "fund").annotate(total=Sum("amount")).order_by()):
        settled[(Kind.FACILITY, row["account__facility"], row["fund"])] -= row["total"]
    for row in (lines.filter(account__kind=AccountKind.PERSON_PAYABLE, account__region=county)
                .values("fund").annotate(total=Sum("amount")).order_by()):
        settled[(Kind.MANUAL, None, row["fund"])] -= row["total"]
    paid = (PaymentPlanLine.objects.filter(plan__county=county, plan__year=year, plan__plan_kind=PaymentPlan.PlanKind.MONTHLY,
                                           plan__status=Status.PAID)
            .values("kind", "facility", "fund").annotate(total=Sum("amount")).order_by())
    for row in paid:
        settled[(row["kind"], row["facility"], row["fund"])] -= row["total"]
    rest = [Due(kind, fund, facility, amount) for (kind, facility, fund), amount in settled.items() if amount]
    order = lambda d: (d.kind, d.facility_id or 0, d.fund)  # noqa: E731
    return sorted((d for d in rest if d.due > 0), key=order), sorted((d for d in rest if d.due < 0), key=order)


# RULES.md 7 (S001 市级统筹 §三(三)): the year-end settlement within two months after the year
DEADLINE_PARAMETERS = {"months": ("fund_year_end_settlement_months", Decimal("2"), "S001 §三(三)（十堰市级统筹实施方案）")}


def year_end_deadline(plan: PaymentPlan) -> date | None:
    """The last day a year-end settlement is due: the end of the parameter's month after the
    year (2: the last day of February); None for a monthly plan."""
    if not plan.year_end:
        return None
    months = int(in_force(plan.city, date(plan.year, 12, 31), DEADLINE_PARAMETERS)["months"][0])
    year, month = plan.year + 1 + (months - 1) // 12, (months - 1) % 12 + 1
    return date(year, month, monthrange(year, month)[1])


def plan_due(plan: PaymentPlan) -> list[Due]:
    """What a plan covers as the ledger stands: its month's, or its year's remainder."""
    if plan.year_end:
        return year_end_due(plan.city, plan.county, plan.year)[0]
    return month_due(plan.city, plan.county, plan.year, plan.month)


def _check_posted(city: Region, year: int, month: int) -> None:
    """The month's settlements must all be in the ledger (the daily job posted its last day)."""
    from benefits.models import Settlement
    from funds.services.jobs import SETTLEMENT_JOB
    from funds.services.postings import day_bounds

    last = month_bounds(year, month)[1]
    if not Settlement.objects.filter(region_path__startswith=city.path, created_at__lt=day_bounds(last)[1]).exists():
        return
    if JobRun.objects.filter(job=f"{SETTLEMENT_JOB}:{city.code}", period=last.isoformat(), status=JobRun.Status.DONE).exists():
        return
    raise ServiceError("not_posted", f"{year}年{month}月末（{last.month}月{last.day}日）的结算尚未记入基金账，"
                                     "请待每日记账任务完成后再编制")


def _event(plan: PaymentPlan, user, action: str, from_status: str, reason: str = "", detail: dict | None = None) -> None:
    PaymentPlanEvent.objects.create(plan=plan, action=action, from_status=from_status, to_status=plan.status, user=user,
                                    reason=reason[:500], detail=detail or {})


def _lines_of(due: list[Due]) -> list[PaymentPlanLine]:
    return [PaymentPlanLine(fund=d.fund, kind=d.kind, facility_id=d.facility_id, due=d.due, amount=d.due) for d in due]


def _check_compiler(user, county: Region) -> None:
    if not user.has_perm("funds.submit_paymentplan"):
        raise ServiceError("denied", "您没有编制月度拨付计划的权限")
    if county.level != RegionLevel.COUNTY:
        raise ServiceError("county", "月度拨付计划由县（市、区）医保局编制", "county")
    if not path_allowed(user, county.path):
        raise ServiceError("region_denied", "该县不在您的管辖区划内", "county")


@transaction.atomic
def plan_create(*, user, county: Region, year, month, note: str = "", today: date | None = None,
                kind: str = PaymentPlan.PlanKind.MONTHLY) -> PaymentPlan:
    """A county's plan for a month that is over, its lines prefilled from the ledger; or its
    year-end settlement (kind year_end, month ignored) once the year is over and its monthly
    plans are all paid."""
    _check_compiler(user, county)
    today = today or timezone.localdate()
    year_end = kind == PaymentPlan.PlanKind.YEAR_END
    if kind not in PaymentPlan.PlanKind.values:
        raise ServiceError("kind", "请选择计划类别", "kind")
    if year_end and str(year).isdigit() and date(int(year), 12, 31) >= today:
        months = int(in_force(_city_of(county), date(int(year), 12, 31), DEADLINE_PARAMETERS)["months"][0])
        raise ServiceError("year", f"{year}年尚未结束：年度清算在次年1月至{months}月编制（年度结束后{months}个月内完成）", "year")
    year, month = _check_month(year, 12 if year_end else month, today)
    city = _city_of(county)
    label = f"{year}年度清算" if year_end else f"{year}年{month}月的拨付计划"
    if PaymentPlan.objects.filter(county=county, year=year, month=month, plan_kind=kind).exists():
        raise ServiceError("exists", f"{county.name}{label}已编制，请在列表中打开", "year" if year_end else "month")
    _check_posted(city, year, month)
    if year_end:
        open_plans = [f"{p.month}月" for p in PaymentPlan.objects.filter(county=county, year=year, plan_kind=PaymentPlan.PlanKind.MONTHLY)
                      .exclude(status=Status.PAID).order_by("month")]
        if open_plans:
            raise ServiceError("open_plans", f"{county.name}{year}年尚有未拨付完成的月度拨付计划（{'、'.join(open_plans)}），"
                                             "请先办结后再编制年度清算", "year")
        due = year_end_due(city, county, year)[0]
    else:
        due = month_due(city, county, year, month)
    if not due:
        raise ServiceError("empty", f"{county.name}{year}年度没有尚未拨付的定点机构结算和手工报销" if year_end
                           else f"{county.name}{year}年{month}月没有应拨付的定点机构结算和手工报销", "year" if year_end else "month")
    plan = PaymentPlan.objects.create(city=city, county=county, year=year, month=month, note=(note or "").strip()[:500],
                                      created_by=user, region_path=county.path, plan_kind=kind)
    lines = _lines_of(due)
    for line in lines:
        line.plan = plan
    PaymentPlanLine.objects.bulk_create(lines)
    _event(plan, user, Action.CREATE, "", detail={"lines": len(lines), "total": str(sum((d.due for d in due), ZERO))})
    return plan


def _locked(plan: PaymentPlan) -> PaymentPlan:
    return PaymentPlan.objects.select_for_update().select_related("city", "county").get(pk=plan.pk)


def _check_draft(user, plan: PaymentPlan) -> PaymentPlan:
    plan = _locked(plan)
    _check_compiler(user, plan.county)
    if plan.status != Status.DRAFT:
        raise ServiceError("state", f"拨付计划为“{plan.get_status_display()}”，县医保局不能再修改")
    return plan


def _line_label(line: PaymentPlanLine, labels: dict) -> str:
    holder = labels.get(line.facility_id, "") if line.kind == Kind.FACILITY else "手工报销"
    return f"{holder} {Fund(line.fund).label}"


def _labels(lines) -> dict:
    from benefits.models import Facility
    from funds.services.postings import facility_labels

    return facility_labels(Facility.objects.filter(pk__in={line.facility_id for line in lines if line.facility_id}))


@transaction.atomic
def plan_refresh(*, user, plan: PaymentPlan) -> PaymentPlan:
    """Read the month's amounts from the ledger again (a draft only; deductions are undone)."""
    plan = _check_draft(user, plan)
    due = plan_due(plan)
    if not due:
        raise ServiceError("empty", "已没有应拨付的定点机构结算和手工报销")
    # Lines are kept (their ids stay, a page open elsewhere still names them), updated, added or removed.
    existing = {(line.kind, line.facility_id, line.fund): line for line in plan.lines.all()}
    labels = _labels([*existing.values(), *_lines_of(due)])
    changes, wanted = {}, set()
    for d in due:
        key = (d.kind, d.facility_id, d.fund)
        wanted.add(key)
        line = existing.get(key)
        if line is None:
            line = PaymentPlanLine.objects.create(plan=plan, fund=d.fund, kind=d.kind, facility_id=d.facility_id, due=d.due, amount=d.due)
            changes[_line_label(line, labels)] = ["0.00", str(d.due)]
        elif (line.due, line.amount, line.note) != (d.due, d.due, ""):
            changes[_line_label(line, labels)] = [str(line.amount), str(d.due)]
            line.due, line.amount, line.note = d.due, d.due, ""
            line.save(update_fields=["due", "amount", "note"])
    for key, line in existing.items():
        if key not in wanted:
            changes[_line_label(line, labels)] = [str(line.amount), "0.00"]
            line.delete()
    _event(plan, user, Action.REFRESH, plan.status, detail={"changes": changes})
    return plan


def _amount(value, label: str, field: str) -> Decimal:
    """An amount as staff type it (core.money.parse_typed_amount: 10,000.00; no sign, no exponent, to
    the cent); blank is refused here (不拨付填 0)."""
    if value is None or not str(value).strip():
        raise ServiceError("amount", f"请填写{label}的本次拨付（不拨付填 0）", field)
    try:
        return parse_typed_amount(str(value), maximum=column_max(PaymentPlanLine._meta.get_field("amount")))
    except AmountError as error:
        raise ServiceError("amount", f"{label}的本次拨付：{error}", field) from None


@transaction.atomic
def plan_adjust(*, user, plan: PaymentPlan, amounts: dict, notes: dict) -> PaymentPlan:
    """Lower lines of a draft: {line pk: amount}, {line pk: reason}. An amount may not exceed
    what is due; a lowered one needs its reason (e.g. 违规扣款, 质量保证金)."""
    plan = _check_draft(user, plan)
    lines = {line.pk: line for line in plan.lines.all()}
    labels = _labels(lines.values())
    changes = {}
    for pk, value in amounts.items():
        line = lines.get(int(pk)) if str(pk).isascii() and str(pk).isdigit() else None
        if line is None:
            raise ServiceError("line", "拨付计划明细不存在")
        label = _line_label(line, labels)
        amount = _amount(value, label, f"amount_{line.pk}")
        note = (notes.get(pk) or notes.get(str(pk)) or "").strip()
        if amount > line.due:
            raise ServiceError("amount", f"{label}的本次拨付 {yuan(amount)} 元超过本月应付 {yuan(line.due)} 元", f"amount_{line.pk}")
        if amount < line.due and not note:
            raise ServiceError("note", f"{label}的本次拨付少于本月应付，请填写扣减原因", f"note_{line.pk}")
        if amount == line.due:
            note = ""
        if (amount, note[:200]) != (line.amount, line.note):
            changes[label] = [str(line.amount), str(amount), note[:200]]
            line.amount, line.note = amount, note[:200]
            line.save(update_fields=["amount", "note"])
    if changes:
        _event(plan, user, Action.ADJUST, plan.status, detail={"changes": changes})
    return plan


def _did_other_step(user, plan: PaymentPlan, step: Step) -> str | None:
    for field, label in STEP_LABELS.items():
        if field != step.field and getattr(plan, f"{field}_id") == user.pk:
            return label
    return None


def _check_step(user, plan: PaymentPlan, expected: str | None = None) -> Step:
    """The plan's next step if the user may do it. `expected`: the state the user's page showed;
    a plan moved on since (another user's step) is refused rather than stepped again."""
    if expected is not None and expected != plan.status:
        raise ServiceError("stale", f"拨付计划已变为“{plan.get_status_display()}”，请刷新页面后再办理")
    step = STEPS.get(plan.status)
    if step is None:
        raise ServiceError("state", f"拨付计划为“{plan.get_status_display()}”，没有待办的环节")
    if not user.has_perm(step.permission):
        raise ServiceError("denied", f"您没有办理“{step.label}”的权限")
    if step.at_city:
        if user.region_id != plan.city_id and not user.is_superuser:
            raise ServiceError("region_denied", f"“{step.label}”由{plan.city.name}办理")
    elif not path_allowed(user, plan.region_path):
        raise ServiceError("region_denied", "该计划不在您的管辖区划内")
    done = _did_other_step(user, plan, step)
    if done:
        raise ServiceError("same_user", f"同一拨付计划的各环节须由不同人员办理：您已办理本计划的“{done}”")
    return step


def _recipients(plan: PaymentPlan, status: str):
    """Who may do the plan's next step: the holders of its permission in the city (the county for a
    plan sent back to the county), less those who did another step of it."""
    step = STEPS.get(status)
    if step is None:
        return []
    app_label, codename = step.permission.split(".")
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    users = get_user_model().objects.filter(is_active=True).filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
    users = users.filter(region=plan.city) if step.at_city else users.filter(region=plan.county)
    others = [getattr(plan, f"{field}_id") for field in STEP_LABELS if field != step.field]
    return users.exclude(pk__in=[pk for pk in others if pk]).distinct()


def awaiting(user) -> Q:
    """The plans whose next step the user may do (待我办理): by permission, region, and not
    having done another step of the plan."""
    condition = Q(pk__in=[])
    for status, step in STEPS.items():
        if user.has_perm(step.permission):
            condition |= Q(status=status, city_id=user.region_id) if step.at_city else Q(status=status)
    for field in STEP_LABELS:
        condition &= ~Q(**{f"{field}_id": user.pk})
    return condition


def _tell(plan: PaymentPlan, title: str, body: str) -> None:
    notify(_recipients(plan, plan.status), title=f"{plan}：{title}", body=body, url=reverse("funds:plan", args=[plan.pk]))


def _step_day(value: date | None, plan: PaymentPlan, step: Step) -> date:
    """A step's date: not in the future, not before the step before it (the first: not before the
    month after the plan's)."""
    label = STEP_DAY_LABELS[step.field]
    value = value or timezone.localdate()
    check_date(value, field="on", label=label, not_after_today=True)
    if step.field in PREVIOUS_DAY:
        field, after_label = PREVIOUS_DAY[step.field]
        after = getattr(plan, field)
    else:
        after, after_label = month_bounds(plan.year, plan.month)[1] + timedelta(days=1), "计划月份的次月1日"
    if after is not None and value < after:
        raise ServiceError("on", f"{label}不能早于{after_label} {after:%Y-%m-%d}", "on")
    return value


def plan_totals(plan: PaymentPlan) -> dict[str, Decimal]:
    """Fund -> the amount to pay (the lines' 本次拨付)."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in plan.lines.all():
        totals[line.fund] += line.amount
    return {fund: total for fund, total in totals.items() if total}


def _said(text: str) -> str:
    return text.strip().rstrip("。；;.!！")


@transaction.atomic
def plan_advance(*, user, plan: PaymentPlan, on: date | None = None, reason: str = "", expected: str | None = None) -> PaymentPlan:
    """Do the plan's next step on a day (today by default): submit, review, re-check, or pay (the
    last two post the ledger)."""
    plan = _locked(plan)
    step = _check_step(user, plan, expected)
    before = plan.status
    day = _step_day(on, plan, step)
    setattr(plan, step.field.replace("_by", "_on"), day)
    if step.action == Action.SUBMIT:
        _check_current(plan)
    elif step.action == Action.FUND:
        plan.funded_entry = _post_funding(plan, user)
    elif step.action == Action.PAY:
        plan.paid_entry = _post_payment(plan, user)
    setattr(plan, step.field, user)
    plan.status = NEXT_STATUS[before]
    plan.save()
    _event(plan, user, step.action, before, reason=(reason or "").strip())
    total = sum(plan_totals(plan).values(), ZERO)
    if plan.status == Status.PAID:
        notify(_compilers(plan), title=f"{plan}：已拨付", body=f"{plan}已于{plan.paid_on:%Y-%m-%d}拨付，合计 {yuan(total)} 元。",
               url=reverse("funds:plan", args=[plan.pk]))
    else:
        _tell(plan, f"待{STEPS[plan.status].label}", f"{plan}（合计 {yuan(total)} 元）已{step.label}，请办理“{STEPS[plan.status].label}”。")
    return plan


def _compilers(plan: PaymentPlan):
    return _recipients(plan, Status.DRAFT)


@transaction.atomic
def plan_reject(*, user, plan: PaymentPlan, reason: str, expected: str | None = None) -> PaymentPlan:
    """Send the plan back one step, with the reason; the step before is to be done again."""
    plan = _locked(plan)
    step = _check_step(user, plan, expected)
    if step.reject_to is None:
        raise ServiceError("state", f"“{step.label}”环节不能退回")
    if not (reason or "").strip():
        raise ServiceError("reason", "请填写退回原因", "reason")
    before = plan.status
    plan.status = step.reject_to
    setattr(plan, step.reject_clears, None)
    setattr(plan, step.reject_clears.replace("_by", "_on"), None)
    plan.save()
    _event(plan, user, Action.REJECT, before, reason=reason.strip())
    _tell(plan, "被退回", f"{plan}在“{step.label}”环节被退回：{_said(reason)}。请重新办理“{STEPS[plan.status].label}”。")
    return plan


def _check_current(plan: PaymentPlan) -> None:
    """A plan is submitted as the ledger stands: no line may pay more than is still due (a
    settlement reversed since the plan was compiled), nor the plan nothing."""
    due = {(d.kind, d.facility_id, d.fund): d.due for d in plan_due(plan)}
    lines = list(plan.lines.all())
    labels = _labels(lines)
    for line in lines:
        if line.amount > due.get((line.kind, line.facility_id, line.fund), ZERO):
            raise ServiceError("due_changed", f"{_line_label(line, labels)}的应付已变动（结算冲销等），请先“重新取数”")
    if not any(line.amount for line in lines):
        raise ServiceError("empty", "本次拨付合计为零，不能提交")


def _post_funding(plan: PaymentPlan, user):
    """财政拨付: the fiscal special account pays the plan into the city bureau's expenditure account."""
    lines = []
    for fund, total in sorted(plan_totals(plan).items()):
        lines += [ledger.Line(ledger.account(fund, AccountKind.CITY_EXPENDITURE, plan.city), total, plan.county),
                  ledger.Line(ledger.account(fund, AccountKind.FISCAL_SPECIAL, plan.city), -total, plan.county)]
    entry, _created = ledger.post(city=plan.city, posted_on=plan.funded_on, source_kind=SourceKind.PAYMENT_PLAN,
                                  key=f"payment_plan:{plan.pk}:fund", memo=f"{plan} 财政拨付至市医保局基金支出户", lines=lines,
                                  source_ref=str(plan.pk), user=user)
    return entry


def _post_payment(plan: PaymentPlan, user):
    """市医保局拨付: the facilities are paid from the city bureau's expenditure account (the city
    agency pays facility bills); the manual claims the county office paid from its account are
    replenished into it, and the persons' payable cleared."""
    lines = []
    for fund, total in sorted(plan_totals(plan).items()):
        lines.append(ledger.Line(ledger.account(fund, AccountKind.CITY_EXPENDITURE, plan.city), -total, plan.county))
        for line in plan.lines.filter(fund=fund, amount__gt=0).select_related("facility").order_by("kind", "facility__code"):
            if line.kind == Kind.FACILITY:
                lines.append(ledger.Line(ledger.account(fund, AccountKind.FACILITY_PAYABLE, plan.city, line.facility), line.amount, plan.county))
            else:
                county_account = ledger.account(fund, AccountKind.COUNTY_EXPENDITURE, plan.county)
                lines += [ledger.Line(county_account, line.amount, plan.county),
                          ledger.Line(ledger.account(fund, AccountKind.PERSON_PAYABLE, plan.county), line.amount, plan.county),
                          ledger.Line(county_account, -line.amount, plan.county)]
    entry, _created = ledger.post(city=plan.city, posted_on=plan.paid_on, source_kind=SourceKind.PAYMENT_PLAN,
                                  key=f"payment_plan:{plan.pk}:pay", memo=f"{plan} 拨付定点机构结算款和县医保局手工报销款", lines=lines,
                                  source_ref=str(plan.pk), user=user)
    return entry


def next_step(plan: PaymentPlan) -> Step | None:
    return STEPS.get(plan.status)


def special_account_after(plan: PaymentPlan) -> list[dict]:
    """财政拨付: for each fund of the plan, the city fiscal special account's balance today and
    after this plan is paid from it (a credit balance: more paid out than the ledger has seen
    come in)."""
    rows = []
    for fund, total in sorted(plan_totals(plan).items()):
        account = Account.objects.filter(fund=fund, kind=AccountKind.FISCAL_SPECIAL, region=plan.city, facility=None).first()
        now = ledger.balance(account, timezone.localdate()) if account is not None else ZERO
        rows.append({"fund": Fund(fund).label, "balance": now, "amount": total, "after": now - total})
    return rows


def step_refusal(user, plan: PaymentPlan) -> str | None:
    """Why the user may not do the plan's next step (None: the page offers its form)."""
    try:
        _check_step(user, plan)
    except ServiceError as error:
        return error.message
    return None

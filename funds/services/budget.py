"""Fund budgets (基金预算, RULES.md 7): a city's annual budget of a fund, with an amount per item
(each income and the expenditure) and county; compiled by the bureau (with 财政 and 税务),
reviewed by the city government, approved by the city people's congress, each step recorded
with its document and date. An adjustment is a new version, copied from the one in force and
taken through the same procedure; only an approved version is in force. Execution compares the
ledger's year with the budget in force, month by month; the year's final account (决算) is the
same comparison once the year is over. This module is the budget's one writer."""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from core.audit import stamp
from core.errors import ServiceError
from core.models import Region, RegionLevel
from core.money import AmountError, column_max, parse_typed_amount
from core.validation import check_date
from funds.models import BUDGET_ITEMS, EXPENSE_KINDS, INCOME_KINDS, AccountKind, Budget, BudgetLine, Fund, JournalLine

Status = Budget.Status
PERMISSION = "funds.compile_budget"
ZERO = Decimal("0.00")
ITEM_LABELS = {kind: AccountKind(kind).label for kind in BUDGET_ITEMS}


def check_city_user(user, city: Region | None = None) -> Region:
    """The city (pooling region) a budget user works for: budgets are city-wide (S001 §三(三)3)."""
    from funds.services.scope import city_user_region

    own = city_user_region(user)
    if own is None or (city is not None and city.pk != own.pk):
        raise ServiceError("region_denied", "基金预算由统筹区（市）医保局编制，请由市医保局用户办理")
    return own


def _check(user, city: Region | None = None) -> Region:
    if not user.has_perm(PERMISSION):
        raise ServiceError("denied", "您没有编制和登记基金预算的权限")
    return check_city_user(user, city)


def _check_year(year, today: date) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError("year", "请填写预算年度", "year") from None
    if not 2000 <= year <= today.year + 1:
        raise ServiceError("year", f"预算年度须在2000年至{today.year + 1}年之间", "year")
    return year


def in_force(city: Region, fund: str, year: int) -> Budget | None:
    """The latest approved version of the year's budget, or None."""
    return (Budget.objects.filter(city=city, fund=fund, year=year, status=Status.APPROVED).order_by("-version")
            .select_related("city").first())


@transaction.atomic
def budget_create(*, user, fund: str, year, reason: str = "", compiled_on: date | None = None, today: date | None = None) -> Budget:
    """The year's budget (version 1), or an adjustment of the one in force (a new version with
    its lines, and the reason), compiled on a day (today by default; an adjustment not before the
    approval of the version it adjusts). Refused while a version is still going through the
    procedure."""
    city = _check(user)
    if fund not in Fund.values:
        raise ServiceError("fund", "请选择基金", "fund")
    today = today or timezone.localdate()
    year = _check_year(year, today)
    compiled_on = compiled_on or today
    check_date(compiled_on, field="compiled_on", label="编制日期", not_after_today=True, today=today)
    if compiled_on < date(year - 1, 1, 1):
        raise ServiceError("compiled_on", f"编制日期不能早于预算年度上一年的1月1日 {date(year - 1, 1, 1):%Y-%m-%d}", "compiled_on")
    reason = (reason or "").strip()
    latest = Budget.objects.select_for_update().filter(city=city, fund=fund, year=year).order_by("-version").first()
    if latest is not None and latest.status != Status.APPROVED:
        raise ServiceError("pending", f"{latest}尚在审批中（{latest.get_status_display()}），批准后才能再调整", "year")
    if latest is not None and not reason:
        raise ServiceError("reason", "调整预算须写明调整原因", "reason")
    if latest is not None and compiled_on < latest.approved_on:
        raise ServiceError("compiled_on", f"调整预算的编制日期不能早于现行预算的批准日期 {latest.approved_on:%Y-%m-%d}", "compiled_on")
    budget = stamp(Budget(city=city, fund=fund, year=year, version=(latest.version + 1) if latest else 1, reason=reason[:500],
                          compiled_on=compiled_on,
                          created_by=user, recorded_by=user, region_path=city.path), user, "编制预算" if latest is None else "调整预算")
    budget.save()
    if latest is not None:
        for line in latest.lines.all():
            stamp(BudgetLine(budget=budget, county_id=line.county_id, item=line.item, amount=line.amount), user, "沿用原预算").save()
    return budget


def budget_regions(city: Region) -> list[Region]:
    """Where budget lines may lie: the city itself (city-wide items) and its counties."""
    return [city, *Region.objects.filter(parent=city, level=RegionLevel.COUNTY).order_by("code")]


def lines_digest(budget: Budget) -> str:
    """The draft's amounts as they stand, for the grid to send back: a save over amounts someone
    else changed since the page was opened is refused, never lost."""
    import hashlib

    text = ";".join(f"{c}:{i}:{a}" for c, i, a in budget.lines.order_by("county_id", "item").values_list("county_id", "item", "amount"))
    return hashlib.sha256(f"{budget.status}|{text}".encode()).hexdigest()[:16]


@transaction.atomic
def budget_set_lines(*, user, budget: Budget, amounts: dict[tuple[int, str], object], expected: str | None = None) -> Budget:
    """Set a draft's amounts: {(region pk, item): amount as typed}; blank or zero removes a line.
    `expected`: lines_digest of the page the amounts were typed on."""
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    _check(user, budget.city)
    if budget.status != Status.DRAFT:
        raise ServiceError("state", f"{budget}为“{budget.get_status_display()}”，不能再修改；调整请新建调整预算")
    if expected is not None and expected != lines_digest(budget):
        raise ServiceError("stale", "预算金额已被他人修改，请刷新页面后重新填写")
    regions = {r.pk: r for r in budget_regions(budget.city)}
    maximum = column_max(BudgetLine._meta.get_field("amount"))
    existing = {(line.county_id, line.item): line for line in budget.lines.all()}
    changed = False
    for (region_pk, item), value in amounts.items():
        region = regions.get(region_pk)
        if region is None or item not in ITEM_LABELS:
            raise ServiceError("line", "预算科目或区划不属于本预算")
        where = f"{region.name}{ITEM_LABELS[item]}"
        try:
            amount = parse_typed_amount(value, maximum=maximum)
        except AmountError as error:
            raise ServiceError("amount", f"{where}：{error}", f"amount_{region_pk}_{item}") from None
        line = existing.get((region_pk, item))
        if line is not None and not amount:
            stamp(line, user, "删除预算明细").delete()
        elif line is not None and line.amount != amount:
            line.amount = amount
            stamp(line, user, "修改预算金额").save()
        elif line is None and amount:
            stamp(BudgetLine(budget=budget, county=region, item=item, amount=amount), user, "新增预算明细").save()
        else:
            continue
        changed = True
    if changed:
        budget.recorded_by = user
        stamp(budget, user, "修改预算金额").save(update_fields=["recorded_by"])
    return budget


def line_changes(budget: Budget) -> list[dict]:
    """The budget's 修改记录 line by line: when, who, region and item, the amount before and after."""
    rows = []
    history = BudgetLine.history.filter(budget_id=budget.pk).select_related("history_user").order_by("history_date", "history_id")
    before: dict[int, Decimal] = {}
    regions = {r.pk: r.name for r in budget_regions(budget.city)}
    for record in history:
        old = before.get(record.id)
        new = None if record.history_type == "-" else record.amount
        before[record.id] = new
        rows.append({"at": record.history_date, "user": record.history_user, "what": record.history_change_reason or "修改",
                     "where": f"{regions.get(record.county_id, '')}{ITEM_LABELS.get(record.item, record.item)}", "old": old, "new": new})
    return rows[::-1]


@transaction.atomic
def budget_withdraw(*, user, budget: Budget, reason: str) -> Budget:
    """Take a version the government has reviewed but the congress not yet approved back to a
    draft (a wrong amount or document number), with the reason; the review is to be recorded again."""
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    _check(user, budget.city)
    if budget.status != Status.REVIEWED:
        raise ServiceError("state", "只有“市政府已审核”、尚未批准的预算可以撤回修改")
    if not (reason or "").strip():
        raise ServiceError("reason", "请填写撤回原因", "reason")
    budget.status, budget.reviewed_document, budget.reviewed_on, budget.recorded_by = Status.DRAFT, "", None, user
    stamp(budget, user, f"撤回修改：{reason.strip()[:100]}").save()
    return budget


def _record_day(value: date | None, *, label: str, after: date, after_label: str) -> date:
    if value is None:
        raise ServiceError("on", f"请填写{label}", "on")
    check_date(value, field="on", label=label, not_after_today=True)
    if value < after:
        raise ServiceError("on", f"{label}不能早于{after_label} {after:%Y-%m-%d}", "on")
    return value


@transaction.atomic
def budget_review(*, user, budget: Budget, document: str, on: date | None) -> Budget:
    """Record the city government's review (document and date) of a draft with lines."""
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    _check(user, budget.city)
    if budget.status != Status.DRAFT:
        raise ServiceError("state", f"{budget}为“{budget.get_status_display()}”，不能再登记市政府审核")
    if not budget.lines.exists():
        raise ServiceError("empty", "预算没有任何金额，请先编制预算明细")
    if not (document or "").strip():
        raise ServiceError("document", "请填写市政府审核文号", "document")
    budget.reviewed_on = _record_day(on, label="市政府审核日期", after=budget.compiled_on or timezone.localdate(budget.created_at),
                                     after_label="编制日期")
    budget.reviewed_document, budget.status, budget.recorded_by = document.strip()[:100], Status.REVIEWED, user
    stamp(budget, user, "登记市政府审核").save()
    return budget


@transaction.atomic
def budget_approve(*, user, budget: Budget, document: str, on: date | None) -> Budget:
    """Record the people's congress's approval: the version comes into force."""
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    _check(user, budget.city)
    if budget.status != Status.REVIEWED:
        raise ServiceError("state", "须先登记市政府审核，再登记市人大批准" if budget.status == Status.DRAFT else f"{budget}已批准")
    if not (document or "").strip():
        raise ServiceError("document", "请填写市人大批准文号", "document")
    budget.approved_on = _record_day(on, label="市人大批准日期", after=budget.reviewed_on, after_label="市政府审核日期")
    budget.approved_document, budget.status, budget.recorded_by = document.strip()[:100], Status.APPROVED, user
    stamp(budget, user, "登记市人大批准").save()
    return budget


# ------------------------------------------------------------------------------ execution and 决算


@dataclass
class Execution:
    """A fund's year against its budget in force: per item and per county (budget, actual, rate),
    and per month the cumulative income and expenditure against the year's budget."""

    city: Region
    fund: str
    year: int
    through: date
    budget: Budget | None
    final: bool  # the year is over: the final account (决算)
    started: bool = True  # the year has begun (a budget of next year has no actual yet)
    items: list = field(default_factory=list)
    counties: list = field(default_factory=list)
    months: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)


def _elapsed(year: int, day: date) -> Decimal:
    """The share of the year gone by the end of a day (时间进度)."""
    days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    return (Decimal((day - date(year, 1, 1)).days + 1) / days).quantize(Decimal("0.0001"))


def _rate(actual: Decimal, planned: Decimal) -> Decimal | None:
    return (actual / planned).quantize(Decimal("0.0001")) if planned else None


def execution(city: Region, fund: str, year: int, *, county: Region | None = None, today: date | None = None) -> Execution:
    """The ledger's year (to yesterday, or the year's end) against the budget in force, for the
    city or one county of it."""
    today = today or timezone.localdate()
    through = min(date(year, 12, 31), today - timedelta(days=1))
    budget = in_force(city, fund, year)
    lines = JournalLine.objects.filter(entry__city=city, fund=fund, posted_on__year=year, posted_on__lte=through,
                                       account__kind__in=BUDGET_ITEMS)
    if county is not None:
        lines = lines.filter(region_path__startswith=county.path)
    actual: dict[tuple[str, str], Decimal] = {}
    for row in lines.values("county__code", "account__kind").annotate(total=Sum("amount")).order_by():
        sign = -1 if row["account__kind"] in INCOME_KINDS else 1  # income is credited
        actual[(row["county__code"], row["account__kind"])] = sign * row["total"]
    planned: dict[tuple[str, str], Decimal] = {}
    if budget is not None:
        for line in budget.lines.select_related("county"):
            if county is None or line.county.path.startswith(county.path):
                planned[(line.county.code, line.item)] = line.amount
    result = Execution(city=city, fund=fund, year=year, through=through, budget=budget, final=through == date(year, 12, 31),
                       started=through >= date(year, 1, 1))
    for item in BUDGET_ITEMS:
        p = sum((v for (c, i), v in planned.items() if i == item), ZERO)
        a = sum((v for (c, i), v in actual.items() if i == item), ZERO)
        if p or a:
            result.items.append({"item": ITEM_LABELS[item], "income": item in INCOME_KINDS, "budget": p, "actual": a,
                                 "difference": a - p, "rate": _rate(a, p)})
    regions = {r.code: r for r in budget_regions(city)}
    for code in sorted({c for c, _ in planned} | {c for c, _ in actual}):
        row = {"region": regions.get(code) or Region.objects.filter(code=code).first()}
        for side, kinds in (("income", INCOME_KINDS), ("expenditure", EXPENSE_KINDS)):
            p = sum((v for (c, i), v in planned.items() if c == code and i in kinds), ZERO)
            a = sum((v for (c, i), v in actual.items() if c == code and i in kinds), ZERO)
            row[side] = {"budget": p, "actual": a, "rate": _rate(a, p)}
        result.counties.append(row)
    budget_income = sum((v for (c, i), v in planned.items() if i in INCOME_KINDS), ZERO)
    budget_expenditure = sum((v for (c, i), v in planned.items() if i in EXPENSE_KINDS), ZERO)
    monthly = {m: {"income": ZERO, "expenditure": ZERO} for m in range(1, 13)}
    for row in lines.annotate(month=ExtractMonth("posted_on")).values("month", "account__kind").annotate(total=Sum("amount")).order_by():
        if row["account__kind"] in INCOME_KINDS:
            monthly[row["month"]]["income"] -= row["total"]
        else:
            monthly[row["month"]]["expenditure"] += row["total"]
    income = expenditure = ZERO
    for month in range(1, 13):
        if date(year, month, 1) > through:
            break
        income += monthly[month]["income"]
        expenditure += monthly[month]["expenditure"]
        result.months.append({"month": month, "income": monthly[month]["income"], "expenditure": monthly[month]["expenditure"],
                              "income_to_date": income, "expenditure_to_date": expenditure,
                              "income_rate": _rate(income, budget_income), "expenditure_rate": _rate(expenditure, budget_expenditure),
                              "time_rate": _elapsed(year, min(date(year, month, monthrange(year, month)[1]), through))})
    result.totals = {"budget_income": budget_income, "budget_expenditure": budget_expenditure, "income": income,
                     "expenditure": expenditure, "income_rate": _rate(income, budget_income),
                     "expenditure_rate": _rate(expenditure, budget_expenditure),
                     "budget_surplus": budget_income - budget_expenditure, "surplus": income - expenditure}
    return result

"""The fund's bank accounts over the year (RULES.md 7): bank interest as the bank credits it to an
account (recorded by the city's fund cashier), and the year-end sweep: by 28 December each county
expenditure account sends the interest it earned this year to the city fiscal special account and
the rest of its balance to the city bureau's expenditure account. The sweep is an idempotent
scheduled job (funds.services.jobs): one entry per city, fund and year."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum

from core.errors import ServiceError
from core.models import Region, RegionLevel
from core.money import AmountError, column_max, parse_typed_amount
from core.validation import check_date
from funds.models import Account, AccountKind, Fund, JournalLine, SourceKind
from funds.services import ledger

ZERO = Decimal("0.00")
PERMISSION = "funds.record_interest"
# The policy values of this module, read per city and year (benefits' 待遇政策参数; defaults as
# RULES.md 7 gives them): the sweep's month and day, the revolving fund's months of expenditure.
PARAMETERS = {
    "sweep_month": ("fund_sweep_month", Decimal("12"), "S001 §三(三)（十堰市级统筹实施方案）"),
    "sweep_day": ("fund_sweep_day", Decimal("28"), "S001 §三(三)（十堰市级统筹实施方案）"),
    "revolving_months": ("fund_revolving_months", Decimal("1"), "S001 §三(三)（十堰市级统筹实施方案）"),
}


def _parameters(city: Region, year: int) -> dict[str, Decimal]:
    from funds.services.parameters import in_force

    return {key: value for key, (value, _source) in in_force(city, date(year, 1, 1), PARAMETERS).items()}
# The bank accounts interest is credited to, and who holds them.
BANK_KINDS = (AccountKind.FISCAL_SPECIAL, AccountKind.CITY_EXPENDITURE, AccountKind.COUNTY_EXPENDITURE)


def _amount(value, label: str) -> Decimal:
    """A typed amount above zero (core.money.parse_typed_amount), refused in the label's words."""
    try:
        amount = parse_typed_amount(value, maximum=column_max(JournalLine._meta.get_field("amount")))
    except AmountError as error:
        raise ServiceError("amount", f"{label}：{error}", "amount") from None
    if not amount:
        raise ServiceError("amount", f"请填写{label}", "amount")
    return amount


def _city_of(user) -> Region:
    from funds.services.budget import check_city_user

    return check_city_user(user)


@transaction.atomic
def record_interest(*, user, fund: str, kind: str, holder: Region, amount, on: date | None, memo: str = ""):
    """Bank interest credited to one of the fund's bank accounts on a day: the account debited,
    利息收入 credited (the county's line for a county account). One per account and day (a
    second is refused: correct one by reversing it)."""
    if not user.has_perm(PERMISSION):
        raise ServiceError("denied", "您没有登记银行存款利息的权限")
    city = _city_of(user)
    if fund not in Fund.values:
        raise ServiceError("fund", "请选择基金", "fund")
    if kind not in BANK_KINDS:
        raise ServiceError("kind", "请选择银行账户", "kind")
    if kind == AccountKind.COUNTY_EXPENDITURE:
        if holder is None or holder.level != RegionLevel.COUNTY or holder.parent_id != city.pk:
            raise ServiceError("holder", f"请选择{city.name}的县（市、区）", "holder")
    else:
        holder = city
    if on is None:
        raise ServiceError("on", "请填写结息日期", "on")
    check_date(on, field="on", label="结息日期", not_after_today=True)
    from django.utils import timezone

    from funds.models import JobRun
    from funds.services.jobs import SWEEP_JOB

    this_year = timezone.localdate().year
    if on.year < this_year - 1:
        raise ServiceError("on", f"结息日期须在{this_year - 1}年1月1日以后", "on")
    if on <= sweep_day(city, on.year) and JobRun.objects.filter(job=f"{SWEEP_JOB}:{city.code}", period=str(on.year),
                                                          status=JobRun.Status.DONE).exists():
        raise ServiceError("on", f"{on.year}年已年末归集（12月28日），该日的利息不能再登记", "on")
    amount = _amount(amount, "利息金额")
    account = ledger.account(fund, kind, holder)
    base = f"interest:{account.pk}:{on}"
    key = ledger.fresh_key(base)  # entered again after its reversal: base:2, …
    if key is None:
        raise ServiceError("exists", f"{holder.name}{AccountKind(kind).label}{on:%Y-%m-%d}的{Fund(fund).label}利息已登记；"
                                     "如有错误，请市局冲销原凭证后重新登记", "on")
    lines = [ledger.Line(account, amount, holder), ledger.Line(ledger.account(fund, AccountKind.INTEREST_INCOME, city), -amount, holder)]
    memo = (memo or "").strip()
    entry, _created = ledger.post(city=city, posted_on=on, source_kind=SourceKind.INTEREST, key=key, user=user, source_ref=holder.code,
                                  memo=f"{holder.name}{AccountKind(kind).label}利息（{Fund(fund).label}）" + (f"：{memo[:100]}" if memo else ""),
                                  lines=lines)
    return entry


def sweep_day(city: Region, year: int) -> date:
    """The day of the year-end sweep (RULES.md 7: by 28 December), a parameter of the city."""
    found = _parameters(city, year)
    return date(year, int(found["sweep_month"]), int(found["sweep_day"]))


@transaction.atomic
def sweep_year(city: Region, year: int) -> dict:
    """The year-end sweep (年末归集) as of the end of 28 December: for each fund and county
    expenditure account with money left, its interest of the year (up to that balance) to the
    city fiscal special account, the rest to the city bureau's expenditure account. One entry
    per fund; posting the year again posts nothing."""
    day = sweep_day(city, year)
    accounts = Account.objects.filter(kind=AccountKind.COUNTY_EXPENDITURE, region__parent=city).select_related("region")
    posted = skipped = 0
    swept = ZERO
    for fund in Fund.values:
        lines = []
        for account in sorted((a for a in accounts if a.fund == fund), key=lambda a: a.region.code):
            balance = ledger.balance(account, day)
            if balance <= 0:
                continue
            interest = (JournalLine.objects.filter(account=account, entry__source_kind=SourceKind.INTEREST, posted_on__year=year,
                                                   posted_on__lte=day).aggregate(total=Sum("amount"))["total"] or ZERO)
            interest = min(max(interest, ZERO), balance)
            county = account.region
            if interest:
                lines.append(ledger.Line(ledger.account(fund, AccountKind.FISCAL_SPECIAL, city), interest, county))
            if balance - interest:
                lines.append(ledger.Line(ledger.account(fund, AccountKind.CITY_EXPENDITURE, city), balance - interest, county))
            lines.append(ledger.Line(account, -balance, county))
            swept += balance
        if not lines:
            continue
        _entry, created = ledger.post(city=city, posted_on=day, source_kind=SourceKind.SWEEP, key=f"sweep:{city.code}:{fund}:{year}",
                                      memo=f"{year}年末归集：各县医保局基金支出户利息缴入市级财政专户、余额划入市医保局基金支出户（{Fund(fund).label}）",
                                      lines=lines, source_ref=str(year))
        posted += created
        skipped += not created
    return {"entries": posted, "already_posted": skipped, "amount": str(swept)}


# ------------------------------------------------------------------------------ advances at the start of the year

REVOLVING_PERMISSION = "funds.fund_paymentplan"  # city finance (市财政局)
ADVANCE_PERMISSION = "funds.pay_paymentplan"  # the city bureau's fund cashier (基金财务)


def _check_advance(user, permission: str, label: str, fund: str, year, on: date | None) -> tuple[Region, int, date]:
    if not user.has_perm(permission):
        raise ServiceError("denied", f"您没有办理{label}的权限")
    city = _city_of(user)
    if fund not in Fund.values:
        raise ServiceError("fund", "请选择基金", "fund")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError("year", "请填写年度", "year") from None
    if on is None:
        raise ServiceError("on", "请填写拨付日期", "on")
    check_date(on, field="on", label="拨付日期", not_after_today=True)
    first, last = advance_window(city, label, year)
    if not first <= on <= last:
        raise ServiceError("on", f"{year}年的{label}在{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月{last.day}日之间拨付",
                           "on")
    return city, year, on


def advance_window(city: Region, label: str, year: int) -> tuple[date, date]:
    """周转金: within the year (last year's expenditure is then complete); 手工报销预拨: after last
    year's sweep (28 December) and before this year's, so the sweep never takes it straight back."""
    if label == "周转金":
        return date(year, 1, 1), date(year, 12, 31)
    return sweep_day(city, year - 1) + timedelta(days=1), sweep_day(city, year)


def revolving_amount(city: Region, fund: str, year: int) -> Decimal:
    """One month (周转金可支付月数, a parameter) of last year's average monthly expenditure (RULES.md
    7): the fund's 待遇支出 of the year before ÷ 12 × the months, to the cent (half up)."""
    total = (JournalLine.objects.filter(entry__city=city, fund=fund, account__kind=AccountKind.BENEFIT_EXPENSE, posted_on__year=year - 1)
             .aggregate(total=Sum("amount"))["total"] or ZERO)
    months = _parameters(city, year)["revolving_months"]
    return (total / 12 * months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if total > 0 else ZERO


def manual_advance_suggestion(last_year_claims: Decimal) -> Decimal:
    """What the page suggests advancing a county office: a quarter of last year's manual claims
    (they are summarised to the city each quarter, RULES.md 7)."""
    return (last_year_claims / 4).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if last_year_claims > 0 else ZERO


@transaction.atomic
def revolving_advance(*, user, fund: str, year, on: date | None):
    """周转金: city finance advances the city bureau's expenditure account one month of last year's
    average monthly expenditure (owed back to it, 周转金 credited). Once per fund and year."""
    city, year, on = _check_advance(user, REVOLVING_PERMISSION, "周转金", fund, year, on)
    amount = revolving_amount(city, fund, year)
    if not amount:
        raise ServiceError("empty", f"{Fund(fund).label}{year - 1}年没有待遇支出，无法按上年月均支出核定周转金")
    key = f"revolving:{city.code}:{fund}:{year}"
    if ledger.JournalEntry.objects.filter(key=key).exists():
        raise ServiceError("exists", f"{year}年{Fund(fund).label}周转金已拨付")
    lines = [ledger.Line(ledger.account(fund, AccountKind.CITY_EXPENDITURE, city), amount, city),
             ledger.Line(ledger.account(fund, AccountKind.REVOLVING, city), -amount, city)]
    entry, _created = ledger.post(city=city, posted_on=on, source_kind=SourceKind.REVOLVING, key=key, user=user, source_ref=str(year),
                                  memo=f"{year}年{Fund(fund).label}周转金（上年月均支出）", lines=lines)
    return entry


def manual_claims_of_year(city: Region, county: Region, fund: str, year: int) -> Decimal:
    """The county office's manual claims of a year, as the ledger holds them (应付参保人 credited)."""
    total = (JournalLine.objects.filter(entry__city=city, fund=fund, account__kind=AccountKind.PERSON_PAYABLE, account__region=county,
                                        entry__source_kind=SourceKind.MANUAL_CLAIMS, posted_on__year=year)
             .aggregate(total=Sum("amount"))["total"] or ZERO)
    return -total


@transaction.atomic
def manual_advance(*, user, fund: str, county: Region, year, amount, on: date | None):
    """手工报销预拨: at the start of the year the city bureau advances a county office the money it
    pays manual claims from (summarised to the city each quarter, replenished by the monthly plans).
    The amount is typed (the page suggests a quarter of last year's claims). Once per county, fund
    and year."""
    city, year, on = _check_advance(user, ADVANCE_PERMISSION, "手工报销预拨", fund, year, on)
    if county is None or county.level != RegionLevel.COUNTY or county.parent_id != city.pk:
        raise ServiceError("county", f"请选择{city.name}的县（市、区）", "county")
    amount = _amount(amount, "预拨金额")
    key = f"manual_advance:{county.code}:{fund}:{year}"
    if ledger.JournalEntry.objects.filter(key=key).exists():
        raise ServiceError("exists", f"{county.name}{year}年{Fund(fund).label}手工报销资金已预拨", "county")
    lines = [ledger.Line(ledger.account(fund, AccountKind.COUNTY_EXPENDITURE, county), amount, county),
             ledger.Line(ledger.account(fund, AccountKind.CITY_EXPENDITURE, city), -amount, county)]
    entry, _created = ledger.post(city=city, posted_on=on, source_kind=SourceKind.ADVANCE, key=key, user=user, source_ref=county.code,
                                  memo=f"{year}年{county.name}手工报销资金预拨（{Fund(fund).label}）", lines=lines)
    return entry

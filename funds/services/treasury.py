"""The fund's bank accounts over the year (RULES.md 7): bank interest as the bank credits it to an
account (recorded by the city's fund cashier), and the year-end sweep: by 28 December each county
expenditure account sends the interest it earned this year to the city fiscal special account and
the rest of its balance to the city bureau's expenditure account. The sweep is an idempotent
scheduled job (funds.services.jobs): one entry per city, fund and year."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from core.errors import ServiceError
from core.models import Region, RegionLevel
from core.money import AmountError, column_max, parse_amount
from core.validation import check_date
from funds.models import Account, AccountKind, Fund, JournalLine, SourceKind
from funds.services import ledger

ZERO = Decimal("0.00")
PERMISSION = "funds.record_interest"
SWEEP_DAY = (12, 28)
# The bank accounts interest is credited to, and who holds them.
BANK_KINDS = (AccountKind.FISCAL_SPECIAL, AccountKind.CITY_EXPENDITURE, AccountKind.COUNTY_EXPENDITURE)


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
    try:
        amount = parse_amount(amount, maximum=column_max(JournalLine._meta.get_field("amount")))
    except AmountError as error:
        raise ServiceError("amount", f"利息金额：{error}", "amount") from None
    if not amount:
        raise ServiceError("amount", "请填写利息金额", "amount")
    account = ledger.account(fund, kind, holder)
    key = f"interest:{account.pk}:{on}"
    if ledger.JournalEntry.objects.filter(key=key).exists():
        raise ServiceError("exists", f"{holder.name}{AccountKind(kind).label}{on:%Y-%m-%d}的利息已登记；如有错误请冲销后重新登记", "on")
    lines = [ledger.Line(account, amount, holder), ledger.Line(ledger.account(fund, AccountKind.INTEREST_INCOME, city), -amount, holder)]
    memo = (memo or "").strip()
    entry, _created = ledger.post(city=city, posted_on=on, source_kind=SourceKind.INTEREST, key=key, user=user, source_ref=holder.code,
                                  memo=f"{on:%Y-%m-%d} {holder.name}{AccountKind(kind).label}利息" + (f"（{memo[:100]}）" if memo else ""),
                                  lines=lines)
    return entry


def sweep_day(year: int) -> date:
    return date(year, *SWEEP_DAY)


@transaction.atomic
def sweep_year(city: Region, year: int) -> dict:
    """The year-end sweep (年末归集) as of the end of 28 December: for each fund and county
    expenditure account with money left, its interest of the year (up to that balance) to the
    city fiscal special account, the rest to the city bureau's expenditure account. One entry
    per fund; posting the year again posts nothing."""
    day = sweep_day(year)
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

"""Money coming into the city fiscal special account (市级财政专户, RULES.md 7 统收): contributions
collected by tax into the treasury (国库) and transferred on; the central, provincial and city
subsidies going in directly; each county's subsidies (its own share and what its departments owe
for subsidised enrollment) paid up on time.

The daily postings record what each of them owes the fund (国库 debited for contributions, each
fiscal level for its subsidies); the city finance bureau records each transfer as it arrives: the
special account debited, the counterparty credited, for the county the money concerns. What is
still to come is each counterparty's balance."""

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import ServiceError
from core.models import Region, RegionLevel
from core.money import AmountError, column_max, parse_typed_amount
from core.validation import check_date
from funds.models import AccountKind, Fund, JournalEntry, JournalLine, SourceKind
from funds.services import ledger
from funds.services.scope import city_of_user

PERMISSION = "funds.record_receipt"
ZERO = Decimal("0.00")
# Who pays into the special account, and the account the postings record them on.
SOURCES = (AccountKind.TREASURY, AccountKind.FISCAL_CENTRAL, AccountKind.FISCAL_PROVINCE, AccountKind.FISCAL_CITY,
           AccountKind.FISCAL_COUNTY)


def city_of(user) -> Region:
    return city_of_user(user, "资金缴入市级财政专户由市财政局登记，请由市级用户办理")


def _holder(city: Region, source: str, county: Region) -> Region:
    return county if source == AccountKind.FISCAL_COUNTY else city


@dataclass(frozen=True)
class Owed:
    county: Region
    source: str
    owed: Decimal  # what the counterparty still owes the fund for the county (a credit balance: paid ahead)

    @property
    def source_label(self) -> str:
        return AccountKind(self.source).label


def owed(city: Region, fund: str, as_of: date) -> list[Owed]:
    """Each county's and counterparty's balance still to come into the special account, as of
    the end of a day; counterparties owing nothing left out."""
    rows = (JournalLine.objects.filter(entry__city=city, fund=fund, account__kind__in=SOURCES, posted_on__lte=as_of)
            .values("county", "account__kind").annotate(total=Sum("amount")).order_by())
    counties = {r.pk: r for r in Region.objects.filter(pk__in={row["county"] for row in rows})}
    order = {kind: i for i, kind in enumerate(SOURCES)}
    found = [Owed(counties[row["county"]], row["account__kind"], row["total"]) for row in rows if row["total"]]
    return sorted(found, key=lambda o: (order[o.source], o.county.path))


def _least_owed_from(account, county: Region, on: date) -> Decimal:
    """The least the counterparty owes for the county on `on` or any later day: an arrival
    dated `on` may not take any later day's balance below zero (arrivals recorded later with a
    later date already count)."""
    running = JournalLine.objects.filter(account=account, county=county, posted_on__lte=on).aggregate(t=Sum("amount"))["t"] or ZERO
    least = running
    later = (JournalLine.objects.filter(account=account, county=county, posted_on__gt=on).values("posted_on")
             .annotate(t=Sum("amount")).order_by("posted_on"))
    for row in later:
        running += row["t"]
        least = min(least, running)
    return least


@transaction.atomic
def record_receipt(*, user, fund: str, source: str, county: Region | None, amount, on: date | None, document: str,
                   today: date | None = None) -> JournalEntry:
    """A transfer into the special account as its arrival notice (到账通知) gives it: once per
    fund, counterparty, county and document; not more than the counterparty owes for the county."""
    if not user.has_perm(PERMISSION):
        raise ServiceError("denied", "您没有登记资金缴入市级财政专户的权限")
    city = city_of(user)
    today = today or timezone.localdate()
    if fund not in Fund.values:
        raise ServiceError("fund", "请选择基金", "fund")
    if source not in SOURCES:
        raise ServiceError("source", "请选择资金来源", "source")
    if county is None or county.level != RegionLevel.COUNTY or county.parent_id != city.pk:
        raise ServiceError("county", f"请选择{city.name}的县（市、区）", "county")
    if on is None:
        raise ServiceError("on", "请填写到账日期", "on")
    check_date(on, field="on", label="到账日期", not_after_today=True, today=today)
    if on.year < today.year - 1:
        raise ServiceError("on", f"到账日期须在{today.year - 1}年1月1日以后", "on")
    try:
        amount = parse_typed_amount(amount, maximum=column_max(JournalLine._meta.get_field("amount")))
    except AmountError as error:
        raise ServiceError("amount", f"到账金额：{error}", "amount") from None
    if not amount:
        raise ServiceError("amount", "请填写到账金额", "amount")
    document = " ".join(unicodedata.normalize("NFKC", str(document or "")).split())  # fullwidth ００１ is 001
    if not document:
        raise ServiceError("document", "请填写到账通知或缴款书号", "document")
    if len(document) > 60:
        raise ServiceError("document", "到账通知或缴款书号不能超过60个字", "document")
    counterparty = ledger.account(fund, source, _holder(city, source, county))
    JournalLine.objects.select_for_update().filter(account=counterparty).exists()  # one transfer of a counterparty at a time
    due = _least_owed_from(counterparty, county, on)
    label = f"{county.name}{AccountKind(source).label}"
    base = f"receipt:{city.code}:{fund}:{source}:{county.code}:{document}"
    key = ledger.fresh_key(base)
    if key is None:
        raise ServiceError("document", f"{label}的{document}已登记；如有错误，请市医保局冲销原凭证后重新登记", "document")
    if amount > due:
        raise ServiceError("amount", f"到账金额 {amount:,.2f} 超过截至{on:%Y-%m-%d}{label}应缴未缴的 {max(due, ZERO):,.2f} 元"
                                     "（已扣除其后日期已登记的到账）", "amount")
    lines = [ledger.Line(ledger.account(fund, AccountKind.FISCAL_SPECIAL, city), amount, county, source),
             ledger.Line(counterparty, -amount, county, source)]
    entry, _created = ledger.post(city=city, posted_on=on, source_kind=SourceKind.RECEIPT, key=key, user=user, source_ref=document,
                                  memo=f"{label}资金缴入市级财政专户（{Fund(fund).label}，{document}）", lines=lines)
    return entry

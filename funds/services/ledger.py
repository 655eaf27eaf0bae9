"""The one writer of the fund ledger (RULES.md 7): posts balanced entries once per source
(idempotency key), reverses an entry by a new one, and reads balances. Nothing here updates or
deletes a posted entry; the database refuses it too (funds migration 0002)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from core.errors import ServiceError
from core.models import Region
from funds.models import Account, Fund, JournalEntry, JournalLine, SourceKind
from funds.rules.ledger import LineIn, entry_refusal

FUND_LABELS = dict(Fund.choices)


@dataclass(frozen=True)
class Line:
    account: Account
    amount: Decimal
    county: Region  # the county the line concerns (the city for a city-wide line)
    party: str = ""  # 辅助核算: e.g. the department paying a subsidised enrollment


def account(fund: str, kind: str, region: Region, facility=None) -> Account:
    """The account of a fund, kind and holder, created on first use."""
    found = Account.objects.filter(fund=fund, kind=kind, region=region, facility=facility).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(fund=fund, kind=kind, region=region, facility=facility, region_path=region.path)
    except IntegrityError:  # created at the same moment by another posting
        return Account.objects.get(fund=fund, kind=kind, region=region, facility=facility)


@transaction.atomic
def post(*, city: Region, posted_on: date, source_kind: str, key: str, memo: str, lines: list[Line], source_ref: str = "",
         user=None, reverses: JournalEntry | None = None) -> tuple[JournalEntry, bool]:
    """Post an entry; (entry, True). A key already posted posts nothing: (that entry, False).
    Refused (ServiceError) when the lines do not balance within each fund, when a line's
    account is not of the city, or when a line is zero."""
    refusal = entry_refusal([LineIn(line.account.fund, line.amount) for line in lines], FUND_LABELS)
    if refusal:
        raise ServiceError("unbalanced", refusal)
    if source_kind not in SourceKind.values:
        raise ServiceError("source", "凭证来源不是可选的值")
    for line in lines:
        if not (line.account.region_path.startswith(city.path) and line.county.path.startswith(city.path)):
            raise ServiceError("city", f"分录的账户或所属县不属于{city.name}")
    existing = JournalEntry.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    entry = JournalEntry(city=city, posted_on=posted_on, source_kind=source_kind, source_ref=source_ref[:100], key=key,
                         memo=memo[:300], reverses=reverses, posted_by=user, region_path=city.path)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # the same key posted at the same moment
        existing = JournalEntry.objects.filter(key=key).first()
        if existing is None:
            raise
        return existing, False
    JournalLine.objects.bulk_create([
        JournalLine(entry=entry, account=line.account, fund=line.account.fund, county=line.county, amount=line.amount,
                    party=line.party, posted_on=posted_on, region_path=line.county.path)
        for line in lines
    ])
    return entry, True


def reverse(*, entry: JournalEntry, posted_on: date, reason: str, user=None) -> tuple[JournalEntry, bool]:
    """A reversing entry (冲销): the entry's lines negated, on a day not before the entry's.
    An entry is reversed once; a reversal is not itself reversed (post the entry again)."""
    if not (reason or "").strip():
        raise ServiceError("reason", "请填写冲销原因", "reason")
    if entry.source_kind == SourceKind.REVERSAL:
        raise ServiceError("reversal", "冲销凭证不能再冲销")
    if posted_on < entry.posted_on:
        raise ServiceError("posted_on", f"冲销日期不能早于原凭证的记账日期 {entry.posted_on:%Y-%m-%d}", "posted_on")
    lines = [Line(line.account, -line.amount, line.county, line.party) for line in entry.lines.select_related("account", "county")]
    return post(city=entry.city, posted_on=posted_on, source_kind=SourceKind.REVERSAL, key=f"reversal:{entry.pk}",
                memo=f"冲销凭证 {entry.pk}：{reason.strip()}", lines=lines, source_ref=str(entry.pk), user=user, reverses=entry)


def fresh_key(base: str) -> str | None:
    """The key for an entry typed by hand that may be entered again after its reversal: `base`,
    or `base:2`, `base:3`… once the earlier ones are reversed; None while one stands."""
    import re

    earlier = list(JournalEntry.objects.filter(key__startswith=base).filter(key__regex=rf"^{re.escape(base)}(:\d+)?$")
                   .values_list("pk", "reversed_by"))
    if any(reversal is None for _pk, reversal in earlier):
        return None
    return base if not earlier else f"{base}:{len(earlier) + 1}"


def balance(account: Account, as_of: date) -> Decimal:
    """The account's balance at the end of a day (debits positive)."""
    total = JournalLine.objects.filter(account=account, posted_on__lte=as_of).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def balances(user, as_of: date, *, fund: str = "", county: Region | None = None) -> list[dict]:
    """Each account's balance at the end of a day, over the lines the user may see (a county's
    user: its own county's lines), by fund and account; accounts with no line left out."""
    lines = JournalLine.objects.restrict(user).filter(posted_on__lte=as_of)
    if fund:
        lines = lines.filter(fund=fund)
    if county is not None:
        lines = lines.filter(region_path__startswith=county.path)
    rows = lines.values("account").annotate(total=Sum("amount")).order_by()
    totals = {row["account"]: row["total"] for row in rows}
    accounts = Account.objects.filter(pk__in=totals).select_related("region", "facility").order_by("fund", "kind", "region_path", "facility__code")
    return [{"account": a, "balance": totals[a.pk]} for a in accounts]

"""Reads of the fund pages: entries and their lines as far as the user may see them (a county's
user: the lines of its county; an entry is listed when one of its lines is visible)."""

from decimal import Decimal

from django.db.models import Exists, OuterRef, Subquery, Sum

from funds.models import JournalEntry, JournalLine


def visible_lines(user, *, fund: str = "", county=None):
    lines = JournalLine.objects.restrict(user)
    if fund:
        lines = lines.filter(fund=fund)
    if county is not None:
        lines = lines.filter(region_path__startswith=county.path)
    return lines


def entries_for(user, *, date_from=None, date_to=None, fund: str = "", source: str = "", county=None):
    """The entries with a line the user may see, with the debit total of those lines."""
    lines = visible_lines(user, fund=fund, county=county)
    entries = JournalEntry.objects.filter(Exists(lines.filter(entry=OuterRef("pk"))))
    if date_from:
        entries = entries.filter(posted_on__gte=date_from)
    if date_to:
        entries = entries.filter(posted_on__lte=date_to)
    if source:
        entries = entries.filter(source_kind=source)
    visible = lines.filter(entry=OuterRef("pk"), amount__gt=0).values("entry").annotate(total=Sum("amount")).values("total")
    return entries.annotate(debit=Subquery(visible)).select_related("posted_by")


def entry_lines(user, entry: JournalEntry):
    """The entry's lines the user may see, with their accounts."""
    return (visible_lines(user).filter(entry=entry).select_related("account", "account__region", "account__facility", "county")
            .order_by("fund", "county__path", "party", "-amount", "pk"))



def monthly_statement(user, year: int, *, fund: str, county=None) -> list[dict]:
    """收支月报: each month of the year, the fund's income and expenditure over the lines the
    user may see (a county's user: its county), and the balance of the year so far."""
    from django.db.models.functions import ExtractMonth

    from funds.models import EXPENSE_KINDS, INCOME_KINDS

    lines = visible_lines(user, fund=fund, county=county).filter(posted_on__year=year)
    rows = (lines.filter(account__kind__in=(*INCOME_KINDS, *EXPENSE_KINDS)).annotate(month=ExtractMonth("posted_on"))
            .values("month", "account__kind").annotate(total=Sum("amount")).order_by())
    zero = Decimal("0.00")
    months = {m: {"month": m, "income": zero, "expenditure": zero} for m in range(1, 13)}
    for row in rows:
        if row["account__kind"] in INCOME_KINDS:
            months[row["month"]]["income"] -= row["total"]  # credited
        else:
            months[row["month"]]["expenditure"] += row["total"]
    running = zero
    for month in months.values():
        month["surplus"] = month["income"] - month["expenditure"]
        running += month["surplus"]
        month["year_to_date"] = running
    return list(months.values())

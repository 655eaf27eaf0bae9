"""What makes a journal entry postable (RULES.md 7: money moves only by balanced, immutable
entries; funds kept apart). Plain values in, plain values out: the ledger service and the
settlement postings call these before anything is written."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

CENT = Decimal("0.01")
# The largest amount one line may carry: the column is 16 digits with 2 decimals.
MAX_LINE = Decimal("99999999999999.99")


@dataclass(frozen=True)
class LineIn:
    """A line to post: the fund of its account, a signed amount (debit positive)."""

    fund: str
    amount: Decimal


def entry_refusal(lines: list[LineIn], labels: dict | None = None) -> str:
    """Why these lines cannot be posted as one entry ("" when they can): at least two lines;
    each amount a Decimal in whole cents, not zero, within the column; within each fund the
    debits equal the credits (a transfer between funds is two balanced halves, never one fund
    paying another's line). `labels`: fund code -> the name a message shows."""
    if len(lines) < 2:
        return "一张凭证至少要有两条分录"
    for line in lines:
        if not isinstance(line.amount, Decimal) or not line.amount.is_finite():
            return "分录金额应为数值"
        if line.amount != line.amount.quantize(CENT):
            return f"分录金额 {line.amount} 应精确到分"
        if line.amount == 0:
            return "分录金额不能为零"
        if abs(line.amount) > MAX_LINE:
            return f"分录金额 {line.amount} 超出可记录的范围"
    for fund, total in fund_totals(lines).items():
        if total != 0:
            return f"凭证借贷不平衡：{(labels or {}).get(fund, fund)}差额 {total}"
    return ""


def fund_totals(lines: list[LineIn]) -> dict[str, Decimal]:
    """The sum of each fund's lines (zero for every fund of a balanced entry)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.fund] += line.amount
    return dict(totals)


def reversed_lines(lines: list[LineIn]) -> list[LineIn]:
    """The lines of a reversing entry: each amount negated."""
    return [LineIn(line.fund, -line.amount) for line in lines]

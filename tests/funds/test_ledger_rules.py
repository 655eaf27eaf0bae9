"""The entry rule of funds.rules.ledger (RULES.md 7: balanced, funds kept apart), case by case."""

from decimal import Decimal as D

import pytest

from funds.rules.ledger import MAX_LINE, LineIn, entry_refusal, fund_totals, reversed_lines

B, CI = "resident_basic", "resident_ci"


@pytest.mark.parametrize("lines, refusal", [
    ([LineIn(B, D("100.00")), LineIn(B, D("-100.00"))], ""),
    ([LineIn(B, D("100.00")), LineIn(B, D("-60.00")), LineIn(B, D("-40.00"))], ""),
    ([LineIn(B, D("100.00")), LineIn(B, D("-100.00")), LineIn(CI, D("5.00")), LineIn(CI, D("-5.00"))], ""),
    ([LineIn(B, D("-0.01")), LineIn(B, D("0.01"))], ""),
    ([LineIn(B, MAX_LINE), LineIn(B, -MAX_LINE)], ""),
    ([], "一张凭证至少要有两条分录"),
    ([LineIn(B, D("0.00"))], "一张凭证至少要有两条分录"),
    ([LineIn(B, D("100.00")), LineIn(B, D("-99.99"))], "凭证借贷不平衡：居民医保差额 0.01"),
    # balanced overall, not within each fund: one fund may not pay another's line
    ([LineIn(B, D("100.00")), LineIn(CI, D("-100.00"))], "凭证借贷不平衡：居民医保差额 100.00"),
    ([LineIn(B, D("100.00")), LineIn(B, D("-100.00")), LineIn(B, D("0.00"))], "分录金额不能为零"),
    ([LineIn(B, D("100.001")), LineIn(B, D("-100.001"))], "分录金额 100.001 应精确到分"),
    ([LineIn(B, MAX_LINE + D("0.01")), LineIn(B, -MAX_LINE - D("0.01"))], "分录金额 100000000000000.00 超出可记录的范围"),
    ([LineIn(B, 100.0), LineIn(B, D("-100.00"))], "分录金额应为数值"),
    ([LineIn(B, D("NaN")), LineIn(B, D("-100.00"))], "分录金额应为数值"),
    ([LineIn(B, D("Infinity")), LineIn(B, D("-100.00"))], "分录金额应为数值"),
])
def test_entry_refusal(lines, refusal):
    assert entry_refusal(lines, {B: "居民医保"}) == refusal


def test_an_unlabelled_fund_is_named_by_its_code():
    assert entry_refusal([LineIn(B, D("1.00")), LineIn(B, D("1.00"))]) == f"凭证借贷不平衡：{B}差额 2.00"


def test_the_first_unbalanced_fund_is_named():
    lines = [LineIn(B, D("1.00")), LineIn(B, D("-1.00")), LineIn(CI, D("3.00")), LineIn(CI, D("-1.00"))]
    assert entry_refusal(lines) == f"凭证借贷不平衡：{CI}差额 2.00"


def test_fund_totals_and_reversed_lines():
    lines = [LineIn(B, D("100.00")), LineIn(B, D("-30.00")), LineIn(CI, D("-70.00"))]
    assert fund_totals(lines) == {B: D("70.00"), CI: D("-70.00")}
    assert reversed_lines(lines) == [LineIn(B, D("-100.00")), LineIn(B, D("30.00")), LineIn(CI, D("70.00"))]
    assert fund_totals(lines + reversed_lines(lines)) == {B: D("0.00"), CI: D("0.00")}


def test_a_checked_line_cannot_be_changed_afterwards():
    import dataclasses

    line = LineIn(B, D("1.00"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.amount = D("2.00")

"""The fund ledger (issue 12, RULES.md 7): balanced entries posted once per source, reversed by a
new entry, never changed; on PostgreSQL the database refuses an UPDATE, a DELETE and an
unbalanced entry by itself."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ServiceError
from core.models import Region
from funds.models import AccountKind, Fund, JournalEntry, JournalLine, SourceKind
from funds.services import ledger

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers of PostgreSQL")


@pytest.fixture
def city(presets):
    return Region.objects.get(code="421200")


@pytest.fixture
def accounts(city, xianan):
    basic, ci = Fund.RESIDENT_BASIC, Fund.RESIDENT_CI
    return {
        "special": ledger.account(basic, AccountKind.FISCAL_SPECIAL, city),
        "treasury": ledger.account(basic, AccountKind.TREASURY, city),
        "county": ledger.account(basic, AccountKind.COUNTY_EXPENDITURE, xianan),
        "ci_special": ledger.account(ci, AccountKind.FISCAL_SPECIAL, city),
        "ci_treasury": ledger.account(ci, AccountKind.TREASURY, city),
    }


def _post(city, lines, key="k1", **extra):
    return ledger.post(city=city, posted_on=extra.pop("posted_on", DAY), source_kind=SourceKind.MANUAL, key=key, memo="测试", lines=lines,
                       **extra)


def test_a_balanced_entry_posts_once_and_moves_the_balances(city, xianan, accounts):
    lines = [ledger.Line(accounts["special"], D("1000.00"), xianan), ledger.Line(accounts["treasury"], D("-1000.00"), xianan)]
    entry, created = _post(city, lines)
    assert created and entry.lines.count() == 2
    assert ledger.balance(accounts["special"], DAY) == D("1000.00")
    assert ledger.balance(accounts["special"], date(2026, 3, 1)) == 0  # as of the day before
    again, created_again = _post(city, lines)
    assert (again.pk, created_again) == (entry.pk, False)
    assert JournalLine.objects.count() == 2  # the same source posts nothing the second time


def test_an_unbalanced_entry_is_refused_and_nothing_is_written(city, xianan, accounts):
    with pytest.raises(ServiceError) as refused:
        _post(city, [ledger.Line(accounts["special"], D("1000.00"), xianan), ledger.Line(accounts["treasury"], D("-999.99"), xianan)])
    assert "借贷不平衡" in refused.value.message and "居民基本医疗保险基金" in refused.value.message
    # balanced overall but across two funds: refused too
    with pytest.raises(ServiceError):
        _post(city, [ledger.Line(accounts["special"], D("5.00"), xianan), ledger.Line(accounts["ci_treasury"], D("-5.00"), xianan)])
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()


def test_an_account_of_another_city_is_refused(city, xianan, accounts):
    shiyan = Region.objects.get(code="420300")
    other = ledger.account(Fund.RESIDENT_BASIC, AccountKind.TREASURY, shiyan)
    with pytest.raises(ServiceError) as refused:
        _post(city, [ledger.Line(accounts["special"], D("1.00"), xianan), ledger.Line(other, D("-1.00"), xianan)])
    assert refused.value.code == "city"


def test_a_reversal_restores_every_balance_once(city, xianan, accounts):
    entry, _ = _post(city, [ledger.Line(accounts["special"], D("300.00"), xianan), ledger.Line(accounts["county"], D("-300.00"), xianan)])
    reversal, created = ledger.reverse(entry=entry, posted_on=date(2026, 3, 5), reason="金额有误")
    assert created and reversal.reverses == entry and reversal.source_kind == SourceKind.REVERSAL
    assert ledger.balance(accounts["special"], date(2026, 3, 5)) == 0 and ledger.balance(accounts["county"], date(2026, 3, 5)) == 0
    assert ledger.balance(accounts["special"], date(2026, 3, 4)) == D("300.00")  # the history stays
    assert ledger.reverse(entry=entry, posted_on=date(2026, 3, 6), reason="再次")[1] is False
    with pytest.raises(ServiceError):
        ledger.reverse(entry=reversal, posted_on=date(2026, 3, 6), reason="冲销冲销凭证")
    with pytest.raises(ServiceError) as early:
        ledger.reverse(entry=_post(city, [ledger.Line(accounts["special"], D("1.00"), xianan),
                                          ledger.Line(accounts["county"], D("-1.00"), xianan)], key="k2")[0],
                       posted_on=date(2026, 3, 1), reason="早于原凭证")
    assert early.value.field == "posted_on"
    with pytest.raises(ServiceError) as no_reason:
        ledger.reverse(entry=entry, posted_on=DAY, reason=" ")
    assert no_reason.value.field == "reason"


def test_balances_by_account_for_a_county_user_show_only_its_county(city, xianan, jiayu, accounts, clerk, officer):
    _post(city, [ledger.Line(accounts["special"], D("100.00"), xianan), ledger.Line(accounts["treasury"], D("-100.00"), xianan)])
    _post(city, [ledger.Line(accounts["special"], D("40.00"), jiayu), ledger.Line(accounts["treasury"], D("-40.00"), jiayu)], key="k2")
    city_wide = {row["account"].kind: row["balance"] for row in ledger.balances(officer, DAY)}
    assert city_wide == {AccountKind.FISCAL_SPECIAL: D("140.00"), AccountKind.TREASURY: D("-140.00")}
    county = {row["account"].kind: row["balance"] for row in ledger.balances(clerk, DAY)}
    assert county == {AccountKind.FISCAL_SPECIAL: D("100.00"), AccountKind.TREASURY: D("-100.00")}
    assert ledger.balances(officer, DAY, county=jiayu)[0]["balance"] in (D("40.00"), D("-40.00"))


# ------------------------------------------------------------------------------ the database itself


@postgres_only
def test_postgresql_refuses_a_raw_update_or_delete_of_posted_lines_and_entries(city, xianan, accounts):
    entry, _ = _post(city, [ledger.Line(accounts["special"], D("10.00"), xianan), ledger.Line(accounts["treasury"], D("-10.00"), xianan)])
    for sql in ("UPDATE funds_journalline SET amount = amount * 2", "DELETE FROM funds_journalline",
                "UPDATE funds_journalentry SET memo = 'x'", "DELETE FROM funds_journalentry"):
        with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        assert "不能修改或删除" in str(refused.value), sql
    assert JournalLine.objects.filter(entry=entry).count() == 2


@postgres_only
def test_postgresql_refuses_an_unbalanced_raw_insert_at_commit(city, xianan, accounts):
    entry, _ = _post(city, [ledger.Line(accounts["special"], D("10.00"), xianan), ledger.Line(accounts["treasury"], D("-10.00"), xianan)])
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO funds_journalline (entry_id, account_id, fund, county_id, amount, posted_on, region_path) "
                       "VALUES (%s, %s, 'resident_basic', %s, 5.00, %s, %s)", [entry.pk, accounts["special"].pk, xianan.pk, DAY, xianan.path])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own transaction never commits: check now
    assert "借贷不平衡" in str(refused.value)
    with pytest.raises(DatabaseError) as lonely, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO funds_journalentry (city_id, posted_on, source_kind, source_ref, key, memo, posted_at, region_path) "
                       "VALUES (%s, %s, 'manual', '', 'lonely', '无分录', now(), %s)", [city.pk, DAY, city.path])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert "少于两条分录" in str(lonely.value)


@postgres_only
def test_the_service_s_own_entries_pass_the_deferred_checks(city, xianan, accounts):
    _post(city, [ledger.Line(accounts["special"], D("10.00"), xianan), ledger.Line(accounts["county"], D("-4.00"), xianan),
                 ledger.Line(accounts["treasury"], D("-6.00"), xianan)])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # raises if a posted entry broke a check


# ------------------------------------------------------------------------------ properties

AMOUNTS = st.decimals(min_value=D("-100000"), max_value=D("100000"), places=2).filter(lambda d: d != 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(st.lists(st.tuples(st.sampled_from(["special", "treasury", "county", "ci_special", "ci_treasury"]), AMOUNTS),
                                 min_size=1, max_size=4), min_size=1, max_size=6))
def test_every_posted_entry_balances_and_reversals_restore_everything(city, xianan, accounts, entries):
    JournalEntry.objects.all()  # each example starts from the ledger as the previous left it
    start = {name: ledger.balance(account, DAY) for name, account in accounts.items()}
    posted = []
    for number, items in enumerate(entries):
        # each item is balanced by a counter-line on the fund's other account
        lines = []
        for name, amount in items:
            other = {"special": "treasury", "treasury": "county", "county": "special", "ci_special": "ci_treasury",
                     "ci_treasury": "ci_special"}[name]
            lines += [ledger.Line(accounts[name], amount, xianan), ledger.Line(accounts[other], -amount, xianan)]
        key = f"p{JournalEntry.objects.count()}-{number}"
        posted.append(_post(city, lines, key=key)[0])
    for fund in (Fund.RESIDENT_BASIC, Fund.RESIDENT_CI):
        assert sum((ledger.balance(a, DAY) for a in accounts.values() if a.fund == fund), D("0")) == 0
    for entry in posted:
        ledger.reverse(entry=entry, posted_on=DAY, reason="性质测试")
    assert {name: ledger.balance(account, DAY) for name, account in accounts.items()} == start

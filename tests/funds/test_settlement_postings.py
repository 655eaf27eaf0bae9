"""Settlements reach the fund ledger (issue 12, RULES.md 7): per facility and settlement day, per
fund, the benefit expense against the facility payable, by county; manual claims per county
against the persons payable; reversals net out on their own day; the daily job catches up
missed days, and running it twice changes nothing."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db.models import Sum
from django.utils import timezone

from benefits.models import Settlement
from benefits.services.settlements import settlement_reverse
from funds.models import AccountKind, Fund, JobRun, JournalEntry, JournalLine, SourceKind
from funds.services import jobs, postings
from funds.tasks import post_daily_ledger
from tests.funds.conftest import settle as _settle, settled_on as _settled_on

pytestmark = pytest.mark.django_db


def _fund_lines(fund, kind, **filters):
    return JournalLine.objects.filter(fund=fund, account__kind=kind, **filters).aggregate(total=Sum("amount"))["total"] or D("0")


def test_a_day_posts_one_entry_per_facility_with_each_fund_by_county(city, world, clerk, officer, xianan, jiayu):
    day = date(2026, 3, 2)
    a = _settle(officer, world["xianan_person"], world["hospital"], "B1", day)
    b = _settle(officer, world["jiayu_person"], world["hospital"], "B2", day)
    c = _settle(officer, world["xianan_person"], world["centre"], "B3", day)
    _settle(officer, world["jiayu_person"], world["centre"], "B4", date(2026, 3, 3))  # the next day: not in this posting

    result = postings.post_settlement_day(city, day)

    assert result == {"entries": 2, "already_posted": 0}
    entries = JournalEntry.objects.filter(source_kind=SourceKind.SETTLEMENTS, posted_on=day)
    assert sorted(e.memo for e in entries) == ["2026-03-02 咸宁市中心医院（H002） 结算待遇", "2026-03-02 咸安区人民医院（H001） 结算待遇"]
    # The hospital's entry: its two bills' basic fund by county, against what is payable to it
    hospital_entry = entries.get(source_ref="H001")
    by_county = {(line.county.code, line.account.kind): line.amount
                 for line in hospital_entry.lines.select_related("account", "county").filter(fund=Fund.RESIDENT_BASIC)}
    assert by_county == {("421202", AccountKind.BENEFIT_EXPENSE): a.basic_fund, ("421202", AccountKind.FACILITY_PAYABLE): -a.basic_fund,
                         ("421221", AccountKind.BENEFIT_EXPENSE): b.basic_fund, ("421221", AccountKind.FACILITY_PAYABLE): -b.basic_fund}
    assert a.basic_fund == D("6440.00")
    # Every fund of the day's bills is in the ledger exactly once
    for column, fund in postings.FUND_COLUMNS:
        paid = sum((getattr(s, column) for s in (a, b, c) if fund != Fund.ASSISTANCE), D("0"))
        if fund != Fund.ASSISTANCE:
            assert _fund_lines(fund, AccountKind.BENEFIT_EXPENSE) == paid, column
    assert _fund_lines(Fund.RESIDENT_BASIC, AccountKind.FACILITY_PAYABLE, account__facility=world["centre"]) == -c.basic_fund
    # Posting the day again posts nothing
    assert postings.post_settlement_day(city, day) == {"entries": 0, "already_posted": 2}
    assert JournalEntry.objects.filter(posted_on=day).count() == 2


def test_a_reversal_nets_out_on_the_day_it_was_made(city, world, officer):
    first = _settle(officer, world["xianan_person"], world["hospital"], "R1", date(2026, 3, 2))
    postings.post_settlement_day(city, date(2026, 3, 2))
    reversal = settlement_reverse(user=officer, settlement=first, reason="重复结算")
    _settled_on(reversal, date(2026, 3, 4))
    postings.post_settlement_day(city, date(2026, 3, 4))
    assert _fund_lines(Fund.RESIDENT_BASIC, AccountKind.BENEFIT_EXPENSE) == 0
    day4 = JournalEntry.objects.get(posted_on=date(2026, 3, 4))
    assert day4.lines.get(fund=Fund.RESIDENT_BASIC, account__kind=AccountKind.BENEFIT_EXPENSE).amount == -first.basic_fund


def test_a_day_whose_bills_are_settled_and_reversed_posts_nothing(city, world, officer):
    first = _settle(officer, world["xianan_person"], world["hospital"], "R2", date(2026, 3, 2))
    _settled_on(settlement_reverse(user=officer, settlement=first, reason="当日冲正"), date(2026, 3, 2))
    assert postings.post_settlement_day(city, date(2026, 3, 2)) == {"entries": 0, "already_posted": 0}


def test_manual_claims_post_per_county_against_the_persons_payable(city, world, officer, xianan):
    # A paper bill the county office took (手工报销, its own tests: tests/benefits/test_manual_claims.py)
    claim = _settle(officer, world["xianan_person"], world["hospital"], "SG1", date(2026, 3, 2))
    Settlement.objects.filter(pk=claim.pk).update(channel=Settlement.Channel.MANUAL)
    postings.post_settlement_day(city, date(2026, 3, 2))
    entry = JournalEntry.objects.get(source_kind=SourceKind.MANUAL_CLAIMS)
    assert entry.memo == "2026-03-02 咸安区 手工报销" and entry.source_ref == "421202"
    payable = entry.lines.get(fund=Fund.RESIDENT_BASIC, account__kind=AccountKind.PERSON_PAYABLE)
    assert payable.amount == -claim.basic_fund and payable.account.region == xianan
    assert not JournalEntry.objects.filter(source_kind=SourceKind.SETTLEMENTS).exists()


def test_the_daily_job_catches_up_missed_days_and_running_it_twice_changes_nothing(city, world, officer):
    _settle(officer, world["xianan_person"], world["hospital"], "J1", date(2026, 3, 2))
    _settle(officer, world["jiayu_person"], world["hospital"], "J2", date(2026, 3, 4))
    done = jobs.post_settlements_until(date(2026, 3, 5))
    assert done["421200"] == 4  # 2, 3, 4 and 5 March
    assert JobRun.objects.filter(job="post_settlements:421200", status="done").count() == 4
    assert JournalEntry.objects.count() == 2
    assert jobs.post_settlements_until(date(2026, 3, 5))["421200"] == 0
    # A day later the job goes on from the day after the last it did
    _settle(officer, world["xianan_person"], world["hospital"], "J3", date(2026, 3, 6))
    assert jobs.post_settlements_until(date(2026, 3, 6))["421200"] == 1 and JournalEntry.objects.count() == 3


def test_the_beat_task_posts_up_to_yesterday_only(city, world, officer):
    today = timezone.localdate()
    _settle(officer, world["xianan_person"], world["hospital"], "T1", today)
    post_daily_ledger()
    assert not JournalEntry.objects.filter(source_kind=SourceKind.SETTLEMENTS).exists()  # today is not over
    assert JobRun.objects.filter(period=today.isoformat()).count() == 0
    assert JobRun.objects.filter(job="post_contributions:421200").count() == 1  # the people's contributions, up to yesterday


def test_the_demo_year_is_posted_day_by_day_and_every_fund_amount_once(xianan, city):
    from benefits.services.demo import generate_settlement_demo
    from enrollment.services.demo import generate_demo

    today = date(2026, 11, 20)
    generate_demo(county=xianan, households=60, seed=5, today=today)
    generate_settlement_demo(county=xianan, share=0.5, seed=5, today=today)
    settled_days = {timezone.localdate(s.created_at) for s in Settlement.objects.all()}
    assert len(settled_days) > 30 and max(settled_days) <= today  # each bill on its discharge (or visit) day
    jobs.post_settlements_until(date(2026, 11, 19))
    before_today = Settlement.objects.filter(created_at__lt=postings.day_bounds(today)[0])
    for column, fund in (("basic_fund", Fund.RESIDENT_BASIC), ("critical_illness", Fund.RESIDENT_CI)):
        assert _fund_lines(fund, AccountKind.BENEFIT_EXPENSE) == before_today.aggregate(t=Sum(column))["t"], column
    ma = before_today.aggregate(a=Sum("assistance"), e=Sum("extra_assistance"))
    assert _fund_lines(Fund.ASSISTANCE, AccountKind.BENEFIT_EXPENSE) == ma["a"] + ma["e"]
    for fund in (Fund.RESIDENT_BASIC, Fund.RESIDENT_CI, Fund.ASSISTANCE):
        assert JournalLine.objects.filter(fund=fund).aggregate(t=Sum("amount"))["t"] in (0, None)


def test_a_run_that_fails_half_way_leaves_the_failed_day_undone_and_the_next_run_does_it(city, world, officer):
    _settle(officer, world["xianan_person"], world["hospital"], "K1", date(2026, 3, 2))
    _settle(officer, world["xianan_person"], world["hospital"], "K2", date(2026, 3, 3))
    real = postings.post_settlement_day

    def dies_on_the_third(city, day):
        result = real(city, day)  # the day's entries are written, then the worker dies
        if day == date(2026, 3, 3):
            raise SystemExit("worker killed")
        return result

    with pytest.raises(SystemExit):
        jobs.post_days_until(date(2026, 3, 4), ((jobs.SETTLEMENT_JOB, dies_on_the_third, jobs._first_settlement_day),))
    assert set(JobRun.objects.values_list("period", flat=True)) == {"2026-03-02"}
    assert JournalEntry.objects.filter(posted_on=date(2026, 3, 3)).count() == 0  # rolled back with its run record
    assert jobs.post_days_until(date(2026, 3, 4))["post_settlements:421200"] == 2
    assert JournalEntry.objects.filter(posted_on=date(2026, 3, 3)).count() == 1

"""The daily fund-ledger beat job killed in a real Celery worker (issue 12): the worker is killed
with SIGKILL inside a day's posting; that day leaves nothing (its entry and its run record roll
back together), the days before it stay posted once, and the job run again in a new real worker
posts the rest: every settlement's fund amounts are in the ledger exactly once."""

import time
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from benefits.models import Settlement
from core.models import Region
from funds.models import AccountKind, JobRun, JournalEntry, JournalLine, SourceKind
from funds.services.reconcile import reconcile_settlements
from funds.tasks import post_daily_ledger
from tests.funds.conftest import settle
from tests.workers import Child, child_env, forget_unacked_task, send_over_broker

pytestmark = pytest.mark.services
TASK = "funds.tasks.post_daily_ledger"


def _wait(condition, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_the_daily_job_killed_mid_day_posts_that_day_once_when_run_again(redis_broker, transactional_db, world, officer, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a second process sees the test data only in PostgreSQL")
    city = Region.objects.get(code="421200")
    yesterday = timezone.localdate() - timedelta(days=1)
    days = [yesterday - timedelta(days=n) for n in (6, 5, 4, 3)]  # a bill on each of four days
    for n, day in enumerate(days):
        settle(officer, world["xianan_person"] if n % 2 else world["jiayu_person"], world["hospital"], f"K{n}", day)
    job = f"post_settlements:{city.code}"

    # The worker posts the first two days, and is killed inside the third day's transaction.
    worker = Child("worker", env=child_env(PAUSE_LEDGER_POST=3, PAUSE_MARKER=tmp_path / "paused"), log=tmp_path / "worker.log")
    try:
        send_over_broker(post_daily_ledger.delay)
        worker.wait_paused(seconds=90)
    finally:
        worker.kill()
        forget_unacked_task(TASK)
    done = set(JobRun.objects.filter(job=job, status=JobRun.Status.DONE).values_list("period", flat=True))
    assert done == {days[0].isoformat(), days[1].isoformat()}
    assert not JobRun.objects.filter(job=job, period=days[2].isoformat()).exists()  # rolled back with its entry
    assert set(JournalEntry.objects.filter(source_kind=SourceKind.SETTLEMENTS).values_list("posted_on", flat=True)) == set(days[:2])

    # Run again in a new real worker: the rest is posted, the first two days are not posted again.
    second = Child("worker", env=child_env(PAUSE_MARKER=tmp_path / "unused"), log=tmp_path / "worker2.log")
    try:
        send_over_broker(post_daily_ledger.delay)
        finished = _wait(lambda: JobRun.objects.filter(job=f"fund_alerts:{city.code}", period=yesterday.isoformat(),
                                                       status=JobRun.Status.DONE).exists())
    finally:
        second.kill()
        forget_unacked_task(TASK)
    assert finished, (tmp_path / "worker2.log").read_text(errors="replace")[-3000:]
    entries = JournalEntry.objects.filter(source_kind=SourceKind.SETTLEMENTS)
    assert sorted(entries.values_list("posted_on", flat=True)) == days  # one entry a day: one facility a day
    assert JobRun.objects.filter(job=job, period__in=[d.isoformat() for d in days]).count() == 4
    settled = Settlement.objects.aggregate(t=Sum("basic_fund"))["t"]
    expense = JournalLine.objects.filter(account__kind=AccountKind.BENEFIT_EXPENSE, fund="resident_basic",
                                         entry__source_kind=SourceKind.SETTLEMENTS).aggregate(t=Sum("amount"))["t"]
    assert expense == settled and settled > D("0")
    result = reconcile_settlements(city, days[0], yesterday)
    assert result.balanced and not result.unposted_days
    assert sum(line.amount for line in JournalLine.objects.all()) == 0
    # and a third run (in process) changes nothing
    lines = JournalLine.objects.count()
    post_daily_ledger()
    assert JournalLine.objects.count() == lines

"""Scheduled postings with a run ledger (funds.models.JobRun): each job does each period once.
A period's work and its run record commit together, so a run killed half-way leaves nothing
and the next run does the period again; two runs at once do it once (the second waits on the
first's row lock, then finds it done). Missed days are caught up in order."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from benefits.models import Settlement
from benefits.services.policy import pooling_codes
from core.models import Region
from funds.models import JobRun
from funds.services.postings import post_settlement_day

SETTLEMENT_JOB = "post_settlements"


def run_period(job: str, period: str, work) -> tuple[JobRun, bool]:
    """Do `work()` for the job's period unless it is done: (the run, whether it ran now)."""
    with transaction.atomic():
        run, _ = JobRun.objects.get_or_create(job=job, period=period)
        run = JobRun.objects.select_for_update().get(pk=run.pk)
        if run.status == JobRun.Status.DONE:
            return run, False
        run.result = work()
        run.status, run.finished_at = JobRun.Status.DONE, timezone.now()
        run.save()
    return run, True


def _first_pending_day(job: str, city: Region) -> date | None:
    last = JobRun.objects.filter(job=job, status=JobRun.Status.DONE).order_by("-period").values_list("period", flat=True).first()
    if last:
        return date.fromisoformat(last) + timedelta(days=1)
    first = Settlement.objects.filter(region_path__startswith=city.path).aggregate(first=Min("created_at"))["first"]
    return timezone.localdate(first) if first else None


def post_settlements_until(until: date | None = None) -> dict:
    """Post every pooling region's settlement days from the first not yet posted to `until`
    (yesterday by default: a day is posted once it is over). Returns days posted per city."""
    until = until or timezone.localdate() - timedelta(days=1)
    done = {}
    for city in Region.objects.filter(code__in=pooling_codes()).order_by("code"):
        job = f"{SETTLEMENT_JOB}:{city.code}"
        day, count = _first_pending_day(job, city), 0
        while day is not None and day <= until:
            _run, ran = run_period(job, day.isoformat(), lambda day=day: post_settlement_day(city, day))
            count += ran
            day += timedelta(days=1)
        done[city.code] = count
    return done

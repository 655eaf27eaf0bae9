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
from funds.services.postings import post_contribution_day, post_fiscal_subsidy_day, post_settlement_day, post_subsidy_day

SETTLEMENT_JOB = "post_settlements"
CONTRIBUTION_JOB = "post_contributions"
SUBSIDY_JOB = "post_subsidies"
FISCAL_JOB = "post_fiscal_subsidies"
ALERT_JOB = "fund_alerts"


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


def _first_pending_day(job: str, city: Region, first_day, until: date) -> date | None:
    last = JobRun.objects.filter(job=job, status=JobRun.Status.DONE).order_by("-period").values_list("period", flat=True).first()
    if last:
        return date.fromisoformat(last) + timedelta(days=1)
    return first_day(city, until)


def _first_payment_day(city: Region, until: date) -> date | None:
    """Contributions are posted as they stand at the end of a day (cumulative, post_contribution_day):
    the first run posts everything paid until then in one entry, not day by day since the first payment."""
    from enrollment.models import Enrollment

    return until if Enrollment.objects.filter(region_path__startswith=city.path, payment_date__isnull=False).exists() else None


def _first_settlement_day(city: Region, until: date) -> date | None:
    first = Settlement.objects.filter(region_path__startswith=city.path).aggregate(first=Min("created_at"))["first"]
    return timezone.localdate(first) if first else None


def _from_now_on(city: Region, until: date) -> date:
    return until


def _check_alerts(city: Region, day: date) -> dict:
    from funds.services.alerts import check_alerts

    return check_alerts(city, day)


# The daily jobs, in order: (job name, the work of one city's day, the first day the city has
# anything). The warnings read the day's postings, so they come last.
DAILY_JOBS = (
    (SETTLEMENT_JOB, post_settlement_day, _first_settlement_day),
    (CONTRIBUTION_JOB, post_contribution_day, _first_payment_day),
    (SUBSIDY_JOB, post_subsidy_day, _first_payment_day),
    (FISCAL_JOB, post_fiscal_subsidy_day, _first_payment_day),
    (ALERT_JOB, _check_alerts, _from_now_on),
)


def post_days_until(until: date | None = None, jobs=DAILY_JOBS) -> dict:
    """Post every pooling region's days of each daily job from the first not yet posted to
    `until` (yesterday by default: a day is posted once it is over). Returns the days posted
    per job and city ("post_settlements:421200": 3)."""
    until = until or timezone.localdate() - timedelta(days=1)
    done = {}
    for city in Region.objects.filter(code__in=pooling_codes()).order_by("code"):
        for name, work, first_day in jobs:
            job = f"{name}:{city.code}"
            day, count = _first_pending_day(job, city, first_day, until), 0
            while day is not None and day <= until:
                _run, ran = run_period(job, day.isoformat(), lambda day=day, work=work: work(city, day))
                count += ran
                day += timedelta(days=1)
            done[job] = count
    return done


SWEEP_JOB = "year_end_sweep"


def sweep_until(until: date | None = None) -> dict:
    """The year-end sweep of every pooling region for each year whose 28 December is over by
    `until` (yesterday by default) and not yet swept: run once per city and year (run ledger),
    so a missed 28 December is swept by the next run. The years before the first posting have
    nothing to sweep and are not run."""
    from funds.services.treasury import sweep_day, sweep_year

    until = until or timezone.localdate() - timedelta(days=1)
    done = {}
    for city in Region.objects.filter(code__in=pooling_codes()).order_by("code"):
        first = JobRun.objects.filter(job__endswith=f":{city.code}", status=JobRun.Status.DONE).order_by("period").values_list(
            "period", flat=True).first()
        if first is None:
            continue
        count = 0
        for year in range(int(first[:4]), until.year + 1):
            if sweep_day(city, year) <= until:
                _run, ran = run_period(f"{SWEEP_JOB}:{city.code}", str(year), lambda year=year: sweep_year(city, year))
                count += ran
        done[f"{SWEEP_JOB}:{city.code}"] = count
    return done


def post_settlements_until(until: date | None = None) -> dict:
    """The settlement days only: days posted per city code."""
    return {job.split(":")[1]: count for job, count in post_days_until(until, DAILY_JOBS[:1]).items()}

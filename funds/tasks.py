from celery import shared_task

from funds.services.jobs import post_days_until


@shared_task(name="funds.tasks.post_daily_ledger")
def post_daily_ledger() -> dict:
    """Daily: the days not yet in the fund ledger, up to yesterday, then the year-end sweep once
    28 December is over (RULES.md 7)."""
    from funds.services.jobs import sweep_until

    return {**post_days_until(), **sweep_until()}

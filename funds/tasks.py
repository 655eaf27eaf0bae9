from celery import shared_task

from funds.services.jobs import post_days_until


@shared_task(name="funds.tasks.post_daily_ledger")
def post_daily_ledger() -> dict:
    """Daily: the settlement and contribution days not yet in the fund ledger, up to yesterday (RULES.md 7)."""
    return post_days_until()

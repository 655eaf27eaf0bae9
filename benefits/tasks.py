from celery import shared_task

from benefits.services.chronic import approvals_expire


@shared_task(name="benefits.tasks.expire_chronic_approvals")
def expire_chronic_approvals_task() -> int:
    """Daily: 门诊慢特病 approvals whose period ended are marked expired (RULES.md 3.5)."""
    return approvals_expire()

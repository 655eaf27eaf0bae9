from celery import shared_task

from assistance.services.identities import expire_identities


@shared_task(name="assistance.tasks.expire_identities")
def expire_identities_task() -> int:
    """Daily: identities whose period ended are marked expired (illness_poverty after 12 months)."""
    return expire_identities()

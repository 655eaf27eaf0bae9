from celery import shared_task

from enrollment.services.enrollments import advance_statuses


@shared_task(name="enrollment.tasks.advance_enrollment_statuses")
def advance_enrollment_statuses() -> dict:
    """Daily: paid enrollments enter their benefit period, finished ones end."""
    return advance_statuses()

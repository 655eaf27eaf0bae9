"""The Celery app. Without CELERY_BROKER_URL tasks run eagerly in-process (the embedded
default); with Redis they run in workers. Periodic schedules are declared here, in one place."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from core.logs import connect_celery_signals  # noqa: E402

# Logging as settings.LOGGING sets it, with task ids and the id of the request that queued a task.
connect_celery_signals()

app = Celery("yibao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Identities whose period ended are marked expired (illness_poverty: 12 months, S001 §二).
    "expire-identities": {
        "task": "assistance.tasks.expire_identities",
        "schedule": crontab(hour=0, minute=5),
    },
    # 门诊慢特病 approvals whose period ended are marked expired (RULES.md 3.5).
    "expire-chronic-approvals": {
        "task": "benefits.tasks.expire_chronic_approvals",
        "schedule": crontab(hour=0, minute=15),
    },
    # The fund ledger: yesterday's settlements (and any day missed) per facility and fund (RULES.md 7).
    "post-daily-ledger": {
        "task": "funds.tasks.post_daily_ledger",
        "schedule": crontab(hour=1, minute=30),
    },
    # Paid enrollments enter and leave their benefit period with the calendar.
    "advance-enrollment-statuses": {
        "task": "enrollment.tasks.advance_enrollment_statuses",
        "schedule": crontab(hour=0, minute=10),
    },
}

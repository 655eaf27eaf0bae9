"""Running Celery tasks in a real worker over the Redis broker (not eager) from a test."""

import time

from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app


def run_in_real_worker(send, job, *, until, seconds: float = 60):
    """Start a solo worker, call `send()` (which sends tasks), and poll the job until its status
    is one of `until` or the time is up; the job is refreshed in place."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            send()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.status in until:
                    break
                time.sleep(0.2)
    finally:
        celery_app.conf.task_always_eager = previous
    return job

"""A large import validated by a real Celery worker over the Redis broker (not eager): the
task only gets the job id and finds the file in shared storage."""

import time

import pytest
from django.conf import settings

from config.celery import app as celery_app
from core.models import ImportJob
from core.xlsx import write_xlsx
from tests import factories


@pytest.fixture
def redis_broker():
    import redis

    url = settings.CELERY_BROKER_URL
    try:
        if not url:
            raise redis.ConnectionError("CELERY_BROKER_URL is not set")
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError as error:
        if settings.REQUIRE_SERVICES:
            raise
        pytest.skip(f"no Redis broker: {error}")
    return url


@pytest.mark.services
def test_background_preview_runs_in_a_real_worker(redis_broker, transactional_db, clerk, village, current_standards, settings):
    from celery.contrib.testing.worker import start_worker
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.services import imports
    from core.tasks import preview_import

    settings.IMPORT_BACKGROUND_ROWS = 2
    rows = [[f"工{i}", factories.id_number(), village.code] for i in range(5)]
    job = imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=SimpleUploadedFile("big.xlsx", write_xlsx(["姓名", "身份证号", "村/社区"], rows)))
    assert imports.runs_in_background(job)

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            preview_import.delay(job.pk)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.status in (ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED):
                    break
                time.sleep(0.2)
    finally:
        celery_app.conf.task_always_eager = previous
    assert job.status == ImportJob.Status.PREVIEWED, job.failure
    assert job.counts == {"new": 5, "changed": 0, "unchanged": 0, "error": 0}
    assert imports.get_progress(job)["percent"] == 100

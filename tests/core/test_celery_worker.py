"""A large import validated by a real Celery worker over the Redis broker (not eager): the
task only gets the job id and finds the file in shared storage."""

import pytest

from core.models import ImportJob
from core.xlsx import write_xlsx
from tests import factories
from tests.workers import run_in_real_worker


@pytest.mark.services
def test_background_preview_runs_in_a_real_worker(redis_broker, transactional_db, clerk, village, current_standards, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.services import imports
    from core.tasks import preview_import

    settings.IMPORT_BACKGROUND_ROWS = 2
    rows = [[f"工{i}", factories.id_number(), village.code] for i in range(5)]
    job = imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=SimpleUploadedFile("big.xlsx", write_xlsx(["姓名", "身份证号", "村/社区"], rows)))
    assert imports.runs_in_background(job)

    run_in_real_worker(lambda: preview_import.delay(job.pk), job, until=(ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED))
    assert job.status == ImportJob.Status.PREVIEWED, job.failure
    assert job.counts == {"new": 5, "changed": 0, "unchanged": 0, "error": 0}
    assert imports.get_progress(job)["percent"] == 100

"""A job left "checking" or "importing" by a worker that died (no heartbeat for longer than the
stale period) is taken up again by the redelivered task; a job another worker is working on
right now is left alone."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import ImportJob
from core.services import imports
from core.xlsx import write_xlsx
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(clerk, village, current_standards):
    data = write_xlsx(["姓名", "身份证号", "村/社区"], [["甲", factories.id_number(), village.code]])
    return imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=SimpleUploadedFile("a.xlsx", data))


def test_a_job_being_checked_now_is_left_to_its_worker(job):
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PREVIEWING, updated_at=timezone.now(), heartbeat_at=timezone.now())
    assert imports.import_job_preview(job.pk).status == ImportJob.Status.PREVIEWING


def test_an_abandoned_check_is_taken_up_again(job, settings):
    long_ago = timezone.now() - timedelta(seconds=imports.heartbeat_stale_seconds() + 60)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PREVIEWING, updated_at=long_ago, heartbeat_at=long_ago)
    job = imports.import_job_preview(job.pk)
    assert job.status == ImportJob.Status.PREVIEWED and job.counts["new"] == 1


def test_an_abandoned_commit_is_taken_up_again_and_writes_once(job, settings):
    job = imports.import_job_preview(job.pk)
    long_ago = timezone.now() - timedelta(seconds=imports.heartbeat_stale_seconds() + 60)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTING, updated_at=long_ago, heartbeat_at=long_ago)
    assert imports.import_job_commit(job.pk).status == ImportJob.Status.COMMITTED
    from enrollment.models import Person

    assert Person.objects.count() == 1
    assert imports.import_job_commit(job.pk).status == ImportJob.Status.COMMITTED
    assert Person.objects.count() == 1

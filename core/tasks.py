"""Celery doors to the import steps: they take a job id, the service locks the row and
returns early when the step is already done or running, so a task may safely run twice."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from core.services import imports


@shared_task(name="core.tasks.preview_import", acks_late=True)
def preview_import(job_id: int) -> str:
    return imports.import_job_preview(job_id).status


@shared_task(name="core.tasks.commit_import", acks_late=True)
def commit_import(job_id: int) -> str:
    job = imports.import_job_commit(job_id)
    if job.status == job.Status.COMMITTING and imports.commits_in_chunks(job):
        number = imports.next_chunk(job_id)
        if number is not None:
            commit_import_chunk.delay(job_id, number)
    return job.status


# One piece of a large commit: bounded (IMPORT_CHUNK_ROWS rows, about 10 s), acknowledged after
# it ran and requeued when its worker process is lost, so a piece whose worker died is delivered
# again and written once. Each piece sends the next: the pieces of a file run in order, as the
# people's running year totals require.
@shared_task(name="core.tasks.commit_import_chunk", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.IMPORT_CHUNK_TIME_LIMIT, time_limit=settings.IMPORT_CHUNK_TIME_LIMIT + 60)
def commit_import_chunk(job_id: int, number: int) -> int | None:
    try:
        following = imports.import_job_commit_chunk(job_id, number)
    except SoftTimeLimitExceeded:
        imports.import_job_chunk_interrupted(job_id, number, "超过时限")
        return None
    except Exception:
        # The chunk's transaction was rolled back; the job waits for the uploader instead of
        # staying "导入中" with no task left to run it. The error goes to the worker's log.
        imports.import_job_chunk_interrupted(job_id, number, "出错")
        raise
    if following is not None:
        commit_import_chunk.delay(job_id, following)
    return following

"""Celery doors to the import steps: they take a job id, the service locks the row and
returns early when the step is already done or running, so a task may safely run twice."""

from celery import shared_task

from core.services import imports


@shared_task(name="core.tasks.preview_import", acks_late=True)
def preview_import(job_id: int) -> str:
    return imports.import_job_preview(job_id).status


@shared_task(name="core.tasks.commit_import", acks_late=True)
def commit_import(job_id: int) -> str:
    return imports.import_job_commit(job_id).status

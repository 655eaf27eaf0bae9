"""Import pages: upload, preview with row statuses and errors, confirm, progress, error rows
and templates. Thin: every step is a core.services.imports function."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import imports as engine
from core.errors import ServiceError
from core.forms import ImportUploadForm
from core.models import ImportJob
from core.services import imports
from core.tasks import commit_import, preview_import
from core.validation import choice_param, page_param, refuses_bad_query
from core.views_base import get_restricted_object_or_404
from core.xlsx import XLSX_MIME


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")  # RFC 5987: a "/" in a title (村/社区) is escaped too


def _importer_or_403(request, kind):
    try:
        importer = imports.importer_class(kind)
    except ServiceError as error:
        raise Http404(error.message) from None
    refused = importer.refusal(request.user)  # the permission, and the importer's own rule
    if refused:
        raise PermissionDenied(refused)
    return importer


def _visible_jobs(user, queryset=None):
    """Import jobs the user may open: a job, its pages and files belong to its uploader's region
    (restrict) and to the import permission of its kind, so a department user does not read a
    clerk's rows."""
    kinds = [kind for kind in imports.IMPORTERS if imports.can_import(user, kind)]
    return (queryset if queryset is not None else ImportJob.objects.all()).filter(kind__in=kinds)


def _job_or_404(request, pk, queryset=None) -> ImportJob:
    """The job if visible to the user; otherwise 404, recorded as a security event if it exists."""
    return get_restricted_object_or_404(request, _visible_jobs(request.user, queryset), pk=pk,
                                        denied_detail="导入记录不在用户所属区划内，或用户没有该类名单的导入权限")


@permission_required("core.view_importjob", raise_exception=True)
@refuses_bad_query
def import_list(request):
    jobs = _visible_jobs(request.user).restrict(request.user).select_related("user").defer("errors", "preview_rows")
    page = Paginator(jobs, 30).get_page(page_param(request))
    return render(request, "imports/list.html", {"page": page, "kinds": {k: imports.importer_class(k).title for k in imports.IMPORTERS},
                                                 "interrupted": imports.interrupted_ids(page)})


def import_new(request, kind):
    importer = _importer_or_403(request, kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None, upload_options=importer.upload_options,
                          accepts_csv=importer.accepts_csv)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_job_create(
                user=request.user, kind=kind, uploaded=form.cleaned_data["file"], request=request,
                skip_bad_rows=form.cleaned_data["skip_bad_rows"],
                options={key: form.cleaned_data.get(key) for key in form.upload_option_keys},
            )
        except ServiceError as error:
            form.add_error("file", error.message)
        else:
            _start_check(request, job)
            return redirect("imports:detail", pk=job.pk)
    return render(request, "imports/new.html", {"form": form, "importer": importer, "kind": kind})


def _start_check(request, job: ImportJob) -> None:
    if imports.runs_in_background(job):
        transaction.on_commit(lambda: preview_import.delay(job.pk))
        messages.info(request, f"文件共 {job.total_rows} 行，已转入后台校验，请稍候")
    else:
        imports.import_job_preview(job.pk)


def import_template(request, kind):
    importer = _importer_or_403(request, kind)
    return xlsx_response(imports.template_workbook(kind, request.user), f"{importer.title}模板.xlsx")


@permission_required("core.view_importjob", raise_exception=True)
@refuses_bad_query
def import_detail(request, pk):
    job = _job_or_404(request, pk, ImportJob.objects.select_related("user"))
    status_filter = choice_param(request, "status", list(engine.STATUS_LABELS), label="状态")
    rows = job.preview_rows
    if status_filter in engine.STATUS_LABELS:
        rows = [r for r in rows if r[1] == status_filter]
    page = Paginator(rows, 100).get_page(page_param(request))
    progress = imports.get_progress(job)
    return render(request, "imports/detail.html", {
        "job": job, "page": page, "status_filter": status_filter, "labels": engine.STATUS_LABELS,
        "title": imports.importer_class(job.kind).title, "progress": progress,
        "can_act": request.user.has_perm(imports.importer_class(job.kind).permission) and job.user_id == request.user.pk,
        "working": job.status in imports.WORKING and not progress["interrupted"],
        "stale_seconds": imports.heartbeat_stale_seconds(),
    })


@permission_required("core.view_importjob", raise_exception=True)
def import_progress(request, pk):
    job = _job_or_404(request, pk, ImportJob.objects.only("pk", "kind", "status", "total_rows", "region_path", "heartbeat_at", "updated_at"))
    return JsonResponse(imports.get_progress(job))


def _own_job(request, pk) -> ImportJob:
    job = _job_or_404(request, pk)
    if job.user_id != request.user.pk:
        raise PermissionDenied("只有上传人可以确认或取消该导入")
    return job


@require_POST
def import_commit(request, pk):
    job = _own_job(request, pk)
    try:
        job = imports.import_job_confirm(user=request.user, job=job, skip_bad_rows=request.POST.get("skip_bad_rows") == "on")
        _start_commit(request, job)
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("imports:detail", pk=pk)


def _start_commit(request, job: ImportJob) -> None:
    if imports.runs_in_background(job):
        transaction.on_commit(lambda: commit_import.delay(job.pk))
        messages.info(request, "已转入后台导入，请稍候")
    else:
        job = imports.import_job_commit(job.pk)
        if job.status == ImportJob.Status.COMMITTED:
            messages.success(request, f"导入完成：新增 {job.counts.get('new', 0)} 行，变更 {job.counts.get('changed', 0)} 行")
        elif job.failure:
            messages.error(request, job.failure)


@require_POST
def import_resume(request, pk):
    """继续 an interrupted job: the service puts it back where its step starts; the step is then
    started as after an upload (a check) or a confirmation (a commit)."""
    job = _own_job(request, pk)
    try:
        job = imports.import_job_resume(user=request.user, job=job)
        if job.status == ImportJob.Status.UPLOADED:
            _start_check(request, job)
        else:
            _start_commit(request, job)
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("imports:detail", pk=pk)


@require_POST
def import_choose(request, pk):
    """The uploader confirms one of the candidates offered for a row."""
    job = _own_job(request, pk)
    try:
        imports.import_job_choose(user=request.user, job=job, row=int(request.POST.get("row", 0)), value=int(request.POST.get("value", 0)))
        messages.success(request, f"已确认第{request.POST.get('row')}行，文件已重新校验")
    except (ServiceError, ValueError) as error:
        messages.error(request, getattr(error, "message", "无效的选择"))
    return redirect("imports:detail", pk=pk)


@require_POST
def import_cancel(request, pk):
    job = _own_job(request, pk)
    try:
        job = imports.import_job_cancel(user=request.user, job=job)
        kept = imports.rows_written(job)
        messages.info(request, f"已取消该导入；此前各段已导入的 {kept} 行保留，其余各段不再导入" if kept else "已取消该导入，未写入任何数据")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("imports:detail", pk=pk)


@permission_required("core.view_importjob", raise_exception=True)
def import_error_rows(request, pk):
    job = _job_or_404(request, pk)
    name = job.original_name.rsplit(".", 1)[0]
    full_ids = request.user.has_perm("core.view_full_id_number")
    return xlsx_response(imports.error_rows_workbook(job, full_ids=full_ids), f"{name}-错误行.xlsx")

"""django-import-export as the officers' import/export layer in the admin, over the project's
own engine: the file format checks uploads before parsing and escapes exports, and the
resource's import runs the same Importer (batch validation, bulk writes, atomic commit) as the
staff pages. Large files are handed to the background import pages."""

import tablib
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from import_export import resources
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import XLSX
from import_export.results import Result, RowResult

from core import imports as engine
from core.admin import invalid_lookup_response
from core.errors import ServiceError
from core.models import SecurityEvent
from core.security import record_event
from core.services.imports import import_job_create, importer_class
from core.validation import refuses_bad_query
from core.xlsx import Sheet, UnsafeFileError, check_xlsx, read_first_sheet, size_text, write_xlsx

IMPORT_TYPES = {engine.NEW: RowResult.IMPORT_TYPE_NEW, engine.CHANGED: RowResult.IMPORT_TYPE_UPDATE, engine.UNCHANGED: RowResult.IMPORT_TYPE_SKIP}


class SafeXLSX(XLSX):
    """.xlsx read only after core.xlsx.check_xlsx, with python-calamine; written with escaped
    cells (import-export's own option only strips a leading '=')."""

    def get_title(self):
        return "xlsx"

    def create_dataset(self, in_stream):
        check_xlsx(in_stream)
        sheet = read_first_sheet(in_stream)
        width = len(sheet.headers)
        dataset = tablib.Dataset(headers=sheet.headers)
        for _number, cells in sheet.rows:
            dataset.append((list(cells) + [None] * width)[:width])
        dataset.sheet_row_numbers = [number for number, _ in sheet.rows]
        return dataset

    def export_data(self, dataset, **kwargs):
        return write_xlsx(list(dataset.headers or []), dataset, title="导出")


class EngineResource(resources.Resource):
    """A Resource whose import_data runs core.imports with the importer of `kind`."""

    kind = ""

    def __init__(self, **kwargs):
        super().__init__()

    def get_user_visible_fields(self):
        return []

    @classmethod
    def get_display_name(cls):
        return importer_class(cls.kind).title

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, collect_failed_rows=False,
                    rollback_on_validation_errors=False, **kwargs):
        importer = importer_class(self.kind)(user=kwargs["user"])
        numbers = getattr(dataset, "sheet_row_numbers", None) or list(range(2, len(dataset) + 2))
        sheet = Sheet(headers=[str(h) for h in dataset.headers], rows=list(zip(numbers, (list(r) for r in dataset))))
        rows, header_errors = engine.rows_from_sheet(importer, sheet)
        result = Result()
        result.diff_headers = ["行号", "结果", "内容"]
        if header_errors:
            result.append_invalid_row(0, {}, ValidationError("；".join(header_errors)))
            return result
        try:
            outcome = engine.run(importer, rows, commit=not dry_run)
        except engine.CommitAborted as aborted:
            outcome = aborted.result
        for row in outcome.outcomes:
            if row.status == engine.ERROR:
                errors = {}
                for header, message in row.errors:
                    errors.setdefault(header or "行", []).append(message)
                result.append_invalid_row(row.number, {"行号": row.number, "结果": "错误", "内容": row.summary}, ValidationError(errors))
                continue
            row_result = RowResult()
            row_result.import_type = IMPORT_TYPES[row.status]
            row_result.diff = [row.number, engine.STATUS_LABELS[row.status], row.summary]
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
        result.total_rows = len(rows)
        return result


class EngineImportExportMixin(ImportExportMixin):
    """Admin import through the engine resource; files above the background threshold go to
    the import pages, where a Celery task validates them with a progress bar."""

    formats = [SafeXLSX]
    import_error_display = ("message",)

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnsafeFileError):
            record_event(kind=SecurityEvent.Kind.FILE_REFUSED, detail=str(e), object_type="file")
            form.add_error("import_file", str(e))
            return
        super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        upload = request.FILES.get("import_file") if request.method == "POST" else None
        if upload is not None and self.has_import_permission(request):
            if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
                messages.error(request, f"文件大小超过上限 {size_text(settings.IMPORT_MAX_UPLOAD_BYTES)}")
                return HttpResponseRedirect(request.path)
            large = self._row_count(upload) > settings.IMPORT_BACKGROUND_ROWS
            upload.seek(0)
            if large:
                return self._to_background(request, upload)
        return super().import_action(request, **kwargs)

    @staticmethod
    def _row_count(upload) -> int:
        try:
            data = upload.read()
            check_xlsx(data)
            return len(read_first_sheet(data).rows)
        except UnsafeFileError:
            return 0  # the normal flow reports it with the same message

    def _to_background(self, request, upload):
        kind = self.resource_classes[0].kind
        try:
            job = import_job_create(user=request.user, kind=kind, uploaded=upload, request=request)
        except ServiceError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.path)
        from core.tasks import preview_import

        transaction.on_commit(lambda: preview_import.delay(job.pk))
        messages.info(request, f"文件共 {job.total_rows} 行，已转入后台校验，请在导入记录中确认")
        return HttpResponseRedirect(reverse("imports:detail", args=[job.pk]))


class MaskedExportMixin(ExportMixin):
    """Admin export: restricted to the officer's region by get_queryset, escaped by SafeXLSX,
    recorded as a security event; ID numbers masked without the right to see them."""

    formats = [SafeXLSX]

    # The export applies the changelist's filters and search (get_export_queryset): a NUL in
    # them is a 400 page; filters it cannot apply, or the database refuses when the file is
    # written (?name__regex=(), are dropped as the changelist drops them (core.admin).
    @method_decorator(refuses_bad_query)
    def export_action(self, request):
        try:
            with transaction.atomic():
                return super().export_action(request)
        except (IncorrectLookupParameters, DataError):
            return invalid_lookup_response(request)

    def get_export_resource_kwargs(self, request, **kwargs):
        kwargs = super().get_export_resource_kwargs(request, **kwargs)
        kwargs["user"] = request.user
        return kwargs

    def get_export_data(self, file_format, request, queryset, **kwargs):
        record_event(kind=SecurityEvent.Kind.EXPORT, request=request, object_type=self.model._meta.label,
                     detail=f"后台导出 {queryset.count()} 条")
        return super().get_export_data(file_format, request, queryset, **kwargs)


__all__ = ["EngineImportExportMixin", "EngineResource", "MaskedExportMixin", "SafeXLSX"]

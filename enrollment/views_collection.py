"""The collection worklist (参保征缴清单): the list with its per-village totals, its export and
its print view. Reads through enrollment.worklists (restricted to the user); the filters are
one GET form, a bad parameter is a 400 page (core.validation)."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils import timezone

from core.models import SecurityEvent
from core.security import record_event
from core.validation import keyset_params, refuses_bad_query, search_form
from core.views import xlsx_response
from core.xlsx import write_xlsx
from enrollment import worklists
from enrollment.exports import EXPORT_HEADERS, export_row, with_total_row
from enrollment.forms_collection import CollectionFilterForm

# As people_export: an export holds every row, up to this many.
EXPORT_ROW_LIMIT = 200_000
# The print view lists every row without pages up to this many (about 50 A4 pages); beyond it,
# the page says so and asks for a narrower scope (a village).
PRINT_ROW_LIMIT = 2_000


def _filters(request):
    """The form and the scope it gives; BadQuery (400) for a bad parameter."""
    default_year = worklists.collecting_year(request.user, timezone.localdate())
    form = CollectionFilterForm(request.GET or None, user=request.user, initial={"year": default_year})
    search_form(form)
    return form, form.scope(default_year)


def _query_without_paging(request) -> str:
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return query.urlencode()


def _title(scope: worklists.Scope, user) -> str:
    where = (scope.school.name if scope.school else None) or (scope.region.name if scope.region else None) or (
        user.region.name if user.region_id else "")
    return f"{where} {scope.year}年度参保征缴清单（{scope.status_label}）".strip()


@permission_required("enrollment.view_enrollment", raise_exception=True)
@refuses_bad_query
def collection(request):
    form, scope = _filters(request)
    today = timezone.localdate()
    page = worklists.worklist_page(request.user, scope, today=today, **keyset_params(request))
    return render(request, "enrollment/collection.html", {
        "form": form, "scope": scope, "page": page, "summary": worklists.cached_village_totals(request.user, scope),
        "query": _query_without_paging(request), "title": _title(scope, request.user), "today": today,
    })


@permission_required("enrollment.view_enrollment", raise_exception=True)
@refuses_bad_query
def collection_print(request):
    form, scope = _filters(request)
    today = timezone.localdate()
    rows = list(worklists.worklist_rows(request.user, scope, limit=PRINT_ROW_LIMIT + 1, today=today))
    return render(request, "enrollment/collection_print.html", {
        "scope": scope, "rows": rows[:PRINT_ROW_LIMIT], "truncated": len(rows) > PRINT_ROW_LIMIT, "limit": PRINT_ROW_LIMIT,
        "summary": worklists.cached_village_totals(request.user, scope), "title": _title(scope, request.user), "today": today,
        "query": _query_without_paging(request),
    })


@permission_required("enrollment.export_enrollment", raise_exception=True)
@refuses_bad_query
def collection_export(request):
    _form, scope = _filters(request)
    full_id = request.user.has_perm("core.view_full_id_number")
    rows = with_total_row(export_row(r, full_id=full_id) for r in worklists.worklist_rows(request.user, scope, limit=EXPORT_ROW_LIMIT))
    record_event(kind=SecurityEvent.Kind.EXPORT, request=request, object_type="enrollment.Enrollment",
                 detail="导出参保征缴清单")
    title = _title(scope, request.user)
    return xlsx_response(write_xlsx(EXPORT_HEADERS, rows, title="参保征缴清单", text_columns=(4, 5)),
                         f"{title}-{timezone.localdate():%Y%m%d}.xlsx")

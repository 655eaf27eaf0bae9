"""Pages of remote-care filings (异地就医备案, X000 arts. 19-20): the region's list with its
filters and export, filing for a person (from the person page), ending and revoking a filing.
Thin doors into benefits.services.filings; the person page shows a person's filings through
benefits.templatetags.filing_tags."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from benefits.forms_filings import FilingEndForm, FilingFilterForm, FilingForm, FilingRevokeForm
from benefits.models import RemoteCareFiling
from benefits.places import MUNICIPALITIES, place_text
from benefits.selectors_filings import filing_search
from benefits.services import filings as filing_services
from core.errors import ServiceError
from core.models import SecurityEvent
from core.paging import keyset_page
from core.security import record_event
from core.validation import keyset_params, refuses_bad_query, search_form
from core.views import xlsx_response
from core.views_base import get_restricted_object_or_404
from core.xlsx import write_xlsx
from enrollment.forms import apply_service_error
from enrollment.models import Person

EXPORT_ROW_LIMIT = 200_000
EXPORT_HEADERS = ["姓名", "身份证号", "村/社区", "备案类型", "就医省份", "就医城市", "备案开始日期", "备案结束日期", "转入医院", "备注",
                  "状态", "撤销原因", "经办人", "登记时间"]


def _person_trail(person, last):
    return [("人员查询", reverse("enrollment:people")), (person.name, reverse("enrollment:person", args=[person.pk])), (last, "")]


def _filters(request):
    form = FilingFilterForm(request.GET or None, user=request.user)
    data = search_form(form)
    rows = filing_search(request.user, query=data.get("q", ""), kind=data.get("kind", ""), status=data.get("status", ""),
                         valid_on=data.get("valid_on"), region=form.region() if data else None)
    return form, rows


@permission_required("benefits.view_remotecarefiling", raise_exception=True)
@refuses_bad_query
def filing_list(request):
    """The filings of the user's region, filtered by name or ID number, kind, status, a day on
    which they hold, and a county, township or village."""
    form, rows = _filters(request)
    page = keyset_page(rows, **keyset_params(request))
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "benefits/filing_list.html", {"form": form, "page": page, "query": query.urlencode(),
                                                         "trail": [("异地就医备案", "")]})


@permission_required("benefits.view_remotecarefiling", raise_exception=True)
@refuses_bad_query
def filing_export(request):
    """The list as .xlsx with the same filters; ID numbers in full only for who may see them."""
    if not request.user.has_perm("enrollment.export_person"):
        raise PermissionDenied("您没有导出人员名单的权限")
    _form, rows = _filters(request)
    full = request.user.has_perm("core.view_full_id_number")
    lines = (
        [f.person.name, f.person.id_number if full else f.person.masked_id_number, f.person.village.name, f.get_kind_display(),
         f.destination_province, f.destination_city or ("全市" if f.destination_province in MUNICIPALITIES else "全省"), f.valid_from, f.valid_to or "长期", f.hospital, f.note,
         f.get_status_display(), f.revoked_reason, str(f.created_by or "系统"), timezone.localtime(f.created_at).strftime("%Y-%m-%d %H:%M")]
        for n, f in enumerate(rows.order_by("pk").iterator(chunk_size=2000)) if n < EXPORT_ROW_LIMIT
    )
    record_event(kind=SecurityEvent.Kind.EXPORT, request=request, object_type="benefits.RemoteCareFiling",
                 detail=f"导出异地就医备案名单：{request.GET.urlencode() or '全部'}")
    return xlsx_response(write_xlsx(EXPORT_HEADERS, lines, title="异地就医备案", text_columns=(2,)),
                         f"异地就医备案-{timezone.localdate():%Y%m%d}.xlsx")


@permission_required("benefits.add_remotecarefiling", raise_exception=True)
def filing_new(request, pk):
    """办理异地就医备案 for a person of the user's region (the person page's button)."""
    person = get_restricted_object_or_404(request, Person.objects.select_related("village"), pk=pk)
    if not filing_services.may_add_filings(request.user):
        return _read_only_notice(request, person, "办理异地就医备案")
    form = FilingForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            filing = filing_services.filing_create(user=request.user, person=person, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"已为 {person.name} 办理{filing_services.filing_text(filing)}")
            return redirect("enrollment:person", pk=person.pk)
    return render(request, "benefits/filing_form.html", {
        "form": form, "title": f"办理异地就医备案：{person.name}", "person": person, "submit_label": "办理备案",
        "trail": _person_trail(person, "办理异地就医备案")})


def _filing(request, pk) -> RemoteCareFiling:
    return get_restricted_object_or_404(request, RemoteCareFiling.objects.select_related("person"), pk=pk)


def _read_only_notice(request, person, title: str, filing: RemoteCareFiling | None = None):
    """A user above every pooling region (湖北省) reads filings only: the page says so, without a
    form, GET and POST alike, and nothing is written (the services refuse the same:
    benefits.services.filings.check_does_casework)."""
    return render(request, "benefits/filing_form.html", {
        "form": None, "title": f"{title}：{person.name}", "person": person, "filing": filing,
        "notice": filing_services.READ_ONLY_ABOVE_POOLING, "trail": _person_trail(person, title)}, status=403)


def _revoked_notice(request, filing: RemoteCareFiling, title: str):
    """A revoked filing is read, not changed: the page says so, without a form (GET and POST)."""
    return render(request, "benefits/filing_form.html", {
        "form": None, "title": f"{title}：{filing.person.name}", "person": filing.person, "filing": filing,
        "notice": filing_services.revoked_text(filing) + "，不能再撤销或修改；如需备案请重新办理",
        "trail": _person_trail(filing.person, title)})


@permission_required("benefits.change_remotecarefiling", raise_exception=True)
def filing_end(request, pk):
    """结束或延长 a valid filing: its new last day (blank: open-ended) and a reason."""
    filing = _filing(request, pk)
    if not filing_services.may_change_filings(request.user):
        return _read_only_notice(request, filing.person, "修改备案结束日期", filing)
    if filing.status == RemoteCareFiling.Status.REVOKED:
        return _revoked_notice(request, filing, "修改备案结束日期")
    form = FilingEndForm(request.POST or None, initial={"valid_to": filing.valid_to or timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            filing_services.filing_end(user=request.user, filing=filing, valid_to=form.cleaned_data["valid_to"],
                                       reason=form.cleaned_data["reason"])
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            end = form.cleaned_data["valid_to"]
            messages.success(request, f"{filing.person.name} 的{filing.get_kind_display()}结束日期已改为{end.isoformat() if end else '长期'}")
            return redirect("enrollment:person", pk=filing.person_id)
    return render(request, "benefits/filing_form.html", {
        "form": form, "title": f"修改备案结束日期：{filing.person.name}", "person": filing.person, "filing": filing,
        "submit_label": "保存", "trail": _person_trail(filing.person, "修改备案结束日期")})


@permission_required("benefits.change_remotecarefiling", raise_exception=True)
def filing_revoke(request, pk):
    """撤销 a filing entered in error: the page shows the filing and asks for a reason and a
    confirmation; the POST revokes it."""
    filing = _filing(request, pk)
    if not filing_services.may_change_filings(request.user):
        return _read_only_notice(request, filing.person, "撤销异地就医备案", filing)
    if filing.status == RemoteCareFiling.Status.REVOKED:
        return _revoked_notice(request, filing, "撤销异地就医备案")
    form = FilingRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            filing_services.filing_revoke(user=request.user, filing=filing, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"已撤销 {filing.person.name} 的{filing.get_kind_display()}"
                                      f"（{place_text(filing.destination_province, filing.destination_city)}）")
            return redirect("enrollment:person", pk=filing.person_id)
    return render(request, "benefits/filing_form.html", {
        "form": form, "title": f"撤销异地就医备案：{filing.person.name}", "person": filing.person, "filing": filing,
        "submit_label": "确认撤销", "danger": True, "trail": _person_trail(filing.person, "撤销异地就医备案")})

"""Pages of hardship identities: list with filters and export, certify, revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from decimal import Decimal

from django.core.exceptions import PermissionDenied

from assistance import forms, selectors
from assistance.models import Application, Evidence, HardshipIdentity, Payer, SubsidyRun
from assistance.services import applications as application_services
from assistance.services import identities as identity_services
from assistance.services import subsidies as subsidy_services
from core.display import source_text
from core.errors import ServiceError
from core.identity_codes import IdentityCode
from core.models import Region, RegionLevel, SecurityEvent
from core.paging import keyset_page
from core.security import record_event
from core.validation import choice_param, keyset_params, pk_param, refuses_bad_query, search_form, text_param
from core.views import xlsx_response
from core.views_base import get_restricted_object_or_404
from core.xlsx import write_xlsx
from enrollment.models import Person

EXPORT_ROW_LIMIT = 200_000


def _search(request):
    form = forms.IdentitySearchForm(request.GET or None)
    data = search_form(form)
    qs = selectors.identity_search(request.user, code=data.get("code", ""), status=data.get("status", ""),
                                   department=data.get("department", ""), query=data.get("q", ""))
    return form, qs


@permission_required("assistance.view_hardshipidentity", raise_exception=True)
@refuses_bad_query
def identity_list(request):
    form, qs = _search(request)
    page = keyset_page(qs, **keyset_params(request))
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "assistance/identity_list.html", {"form": form, "page": page, "query": query.urlencode()})


@permission_required("assistance.export_hardshipidentity", raise_exception=True)
@refuses_bad_query
def identity_export(request):
    _form, qs = _search(request)
    full = request.user.has_perm("core.view_full_id_number")
    headers = ["姓名", "身份证号", "村/社区", "身份类别", "认定部门", "认定文号", "认定日期", "有效期至", "退出日期", "状态"]
    rows = (
        [i.person.name, i.person.id_number if full else i.person.masked_id_number, i.person.village.name, i.get_code_display(),
         i.get_department_display(), i.document_number, i.valid_from, i.valid_to, i.revoked_on, i.get_status_display()]
        for n, i in enumerate(qs.order_by("pk").iterator(chunk_size=2000)) if n < EXPORT_ROW_LIMIT
    )
    record_event(kind=SecurityEvent.Kind.EXPORT, request=request, object_type="assistance.HardshipIdentity", detail=request.GET.urlencode())
    return xlsx_response(write_xlsx(headers, rows, title="困难群众名单"), f"困难群众名单-{timezone.localdate():%Y%m%d}.xlsx")


@permission_required("assistance.certify_identity", raise_exception=True)
@refuses_bad_query
def identity_certify(request):
    initial = {}
    person_pk = pk_param(request, "person", label="人员")
    if person_pk:
        person = get_restricted_object_or_404(request, Person.objects.all(), pk=person_pk)
        initial["id_number"] = person.id_number
    form = forms.IdentityCertifyForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = Person.objects.restrict(request.user).filter(id_number=data["id_number"]).first()
        if person is None:
            form.add_error("id_number", "您的辖区内没有登记该身份证号的人员；请先登记人员")
        else:
            try:
                record = identity_services.identity_certify(
                    user=request.user, person=person, code=data["code"], valid_from=data["valid_from"],
                    valid_to=data.get("valid_to"), document_number=data.get("document_number", ""),
                )
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"已认定 {person.name}：{record}")
                return redirect("enrollment:person", pk=person.pk)
    return render(request, "assistance/form.html", {"form": form, "title": "认定困难群众身份"})


@permission_required("assistance.certify_identity", raise_exception=True)
def identity_revoke(request, pk):
    identity = get_restricted_object_or_404(request, HardshipIdentity.objects.select_related("person"), pk=pk)
    form = forms.IdentityRevokeForm(request.POST or None, initial={"exit_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            identity_services.identity_revoke(user=request.user, identity=identity, exit_date=form.cleaned_data["exit_date"],
                                              reason=form.cleaned_data["reason"])
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"{identity.person.name} 的「{identity.get_code_display()}」身份已退出")
            return redirect("enrollment:person", pk=identity.person_id)
    return render(request, "assistance/form.html", {"form": form, "title": f"退出身份：{identity.person.name} {identity}"})


@permission_required("assistance.view_subsidyrun", raise_exception=True)
def subsidy_runs(request):
    today = timezone.localdate()
    form = forms.SubsidyRunForm(request.POST or None, user=request.user,
                                initial={"benefit_year": today.year + 1, "assessed_on": today, "region": request.user.region_id})
    if request.method == "POST":
        if not request.user.has_perm("assistance.add_subsidyrun"):
            raise PermissionDenied
        if form.is_valid():
            try:
                run = subsidy_services.subsidy_run_create(user=request.user, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("assistance:subsidy_run", pk=run.pk)
    runs = SubsidyRun.objects.restrict(request.user).select_related("region", "created_by")[:50]
    return render(request, "assistance/subsidy_runs.html", {"form": form, "runs": runs})


@permission_required("assistance.view_subsidyrun", raise_exception=True)
def subsidy_run(request, pk):
    run = get_restricted_object_or_404(request, SubsidyRun.objects.select_related("region"), pk=pk)
    return render(request, "assistance/subsidy_run.html", {
        "run": run, "by_payer": subsidy_services.subsidy_totals(run, "payer"), "by_county": subsidy_services.subsidy_totals(run, "county"),
        "trail": [("资助参保名单", reverse("assistance:subsidy_runs")), (str(run), "")],
    })


@permission_required("assistance.view_subsidyrun", raise_exception=True)
@refuses_bad_query
def subsidy_run_print(request, pk):
    """The list per payer for paper (资助参保名单): every payer, or one with ?payer=, each with
    its people and total; ID numbers masked as on every list page."""
    run = get_restricted_object_or_404(request, SubsidyRun.objects.select_related("region"), pk=pk)
    payer = choice_param(request, "payer", Payer.choices, label="资金来源")
    groups = selectors.subsidy_run_by_payer(run, payer=payer)
    record_event(kind=SecurityEvent.Kind.EXPORT, request=request, obj=run, detail="打印资助参保名单")
    return render(request, "assistance/subsidy_run_print.html", {
        "run": run, "groups": groups, "payer_label": dict(Payer.choices).get(payer, ""),
        "people": sum(len(g.lines) for g in groups), "total": sum((g.total for g in groups), Decimal("0")),
        "trail": [("资助参保名单", reverse("assistance:subsidy_runs")), (str(run), reverse("assistance:subsidy_run", args=[run.pk])), ("打印名单", "")],
    })


@permission_required("assistance.view_subsidyrun", raise_exception=True)
@refuses_bad_query
def subsidy_run_export(request, pk):
    """The list for one payer (?payer=) or one county (?county=), with its total."""
    run = get_restricted_object_or_404(request, SubsidyRun.objects.select_related("region"), pk=pk)
    lines = run.lines.select_related("person", "person__village", "county").order_by("county__code", "person__region_path", "person_id")
    title = run.region.name
    payer = choice_param(request, "payer", Payer.choices, label="资金来源")
    # The counties of the run's region: any other value is refused, not exported as an empty list.
    counties = dict(Region.objects.filter(level=RegionLevel.COUNTY, path__startswith=run.region.path).values_list("code", "name"))
    county = choice_param(request, "county", counties, label="县（市、区）代码")
    if payer:
        lines = lines.filter(payer=payer)
        title = dict(Payer.choices)[payer]
    elif county:
        lines = lines.filter(county__code=county)
        title = counties[county]
    full = request.user.has_perm("core.view_full_id_number")
    rows = [[l.person.name, l.person.id_number if full else l.person.masked_id_number, l.county.name if l.county else "",
             l.person.village.name, l.get_code_display(), l.get_payer_display(), l.standard, l.subsidy, source_text(l.source)] for l in lines.iterator(chunk_size=2000)]
    total = sum((r[7] for r in rows), Decimal("0"))
    rows.append(["合计", f"{len(rows)}人", "", "", "", "", "", total, ""])
    record_event(kind=SecurityEvent.Kind.EXPORT, request=request, obj=run, detail=request.GET.urlencode())
    headers = ["姓名", "身份证号", "县（市、区）", "村/社区", "资助身份", "资金来源", "个人缴费标准", "资助金额", "依据"]
    return xlsx_response(write_xlsx(headers, rows, title="资助参保名单"), f"{run.benefit_year}年度资助参保名单-{title}.xlsx")


GAP_HEADERS = ["乡镇（街道）", "村/社区", "姓名", "身份证号", "有效身份", "联系电话", "个人缴费标准（元）", "资助金额（元）", "应缴金额（元）", "说明"]


@permission_required("assistance.view_hardshipidentity", raise_exception=True)
@refuses_bad_query
def coverage_gap(request):
    """应保尽保: hardship people of the user's region not enrolled for the benefit year, with
    their identities and what enrolling today costs; one table grouped by village, printable,
    exported with the same columns."""
    today = timezone.localdate()
    form = forms.CoverageGapForm(request.GET or None, initial={"benefit_year": today.year + 1})
    year = search_form(form).get("benefit_year") or today.year + 1
    region = request.user.region
    people = subsidy_services.coverage_gap(request.user, region, year, today) if region else Person.objects.none()
    if text_param(request, "export") and request.user.has_perm("assistance.export_hardshipidentity"):
        full = request.user.has_perm("core.view_full_id_number")
        rows = []
        for row in selectors.coverage_gap_rows(people, today=today, benefit_year=year):
            p, q = row.person, row.quote
            rows.append([p.village.parent.name if p.village.parent_id else "", p.village.name, p.name, p.id_number if full else p.masked_id_number,
                         "、".join(IdentityCode(c).label for c in row.identities), p.phone, q.standard, q.subsidy,
                         None if q.note else q.amount_due, q.note])
        record_event(kind=SecurityEvent.Kind.EXPORT, request=request, object_type="assistance.HardshipIdentity", detail=f"导出应保尽保名单（{year}年度）")
        return xlsx_response(write_xlsx(GAP_HEADERS, rows, title="应保尽保", text_columns=(GAP_HEADERS.index("身份证号") + 1,)),
                             f"{year}年度应保尽保未参保名单.xlsx")
    by_village = selectors.coverage_gap_by_village(people, today=today, benefit_year=year)
    return render(request, "assistance/coverage_gap.html", {
        "form": form, "year": year, "today": today, "by_village": by_village, "region": region,
        "subtitle": f"{region.name if region else ''} {year}年度 · 按{today:%Y-%m-%d}有效身份",
        "total": sum(v.count for v in by_village), "amount_due": sum((v.amount_due for v in by_village), Decimal("0"))})


@permission_required("assistance.view_application", raise_exception=True)
def application_queue(request):
    items = application_services.review_queue(request.user)
    recent = Application.objects.restrict(request.user).exclude(status=Application.Status.ACCEPTED).select_related("person").order_by("-decided_on")[:30]
    return render(request, "assistance/application_queue.html", {"items": items, "recent": recent,
                                                                 "overdue_days": application_services.OVERDUE_DAYS})


def _new_application_trail():
    return [("救助申请", reverse("assistance:applications")), ("受理救助申请", "")]


@permission_required("assistance.add_application", raise_exception=True)
@refuses_bad_query
def application_new(request):
    """乡镇受理: the applicant's identities and class are shown before accepting (「查看身份」, or
    ?person= from the person's page); a class 3-4 application without a class 3-4 identity is
    refused, a warning (application_warnings) needs a tick to go on."""
    today = timezone.localdate()
    applicant = standing = None
    initial = {}
    person_pk = pk_param(request, "person", label="人员")
    if person_pk and request.method != "POST":
        applicant = get_restricted_object_or_404(request, Person.objects.select_related("village"), pk=person_pk)
        initial["id_number"] = applicant.id_number
    warnings, refusal = [], ""
    if "check" in request.POST:  # 「查看身份」: only the applicant's standing is shown, nothing accepted
        form = forms.ApplicationForm(initial={k: request.POST.get(k, "") for k in ("id_number", "kind", "reason", "amount_claimed")})
        lookup, lookup_errors = forms.ApplicantLookupForm(request.POST), []
        if not lookup.is_valid():
            lookup_errors = lookup.errors["id_number"]
        else:
            applicant = Person.objects.restrict(request.user).select_related("village").filter(id_number=lookup.cleaned_data["id_number"]).first()
            if applicant is None:
                lookup_errors = ["您的辖区内没有登记该身份证号的人员"]
            else:
                standing = application_services.applicant_standing(applicant, today)
                kind = request.POST.get("kind", "")
                warnings = application_services.application_warnings(standing, kind)
                refusal = application_services.application_refusal(standing, kind)
        return render(request, "assistance/application_new.html", {
            "form": form, "applicant": applicant, "standing": standing, "warnings": warnings, "refusal": refusal, "today": today,
            "lookup_errors": lookup_errors, "trail": _new_application_trail()})
    form = forms.ApplicationForm(request.POST or None, request.FILES or None, initial=initial, ask_confirmation=request.method == "POST")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        applicant = Person.objects.restrict(request.user).select_related("village").filter(id_number=data["id_number"]).first()
        if applicant is None:
            form.add_error("id_number", "您的辖区内没有登记该身份证号的人员")
        else:
            standing = application_services.applicant_standing(applicant, today)
            warnings = application_services.application_warnings(standing, data["kind"])
            refusal = application_services.application_refusal(standing, data["kind"])
            if warnings and not data.get("confirmed") and not refusal:
                form.add_error("confirmed", "请确认上述提示后再提交（证明材料须重新选择）")
            else:
                try:
                    application = application_services.application_accept(
                        user=request.user, person=applicant, kind=data["kind"], reason=data["reason"],
                        amount_claimed=data.get("amount_claimed"), files=data.get("evidence") or [])
                except ServiceError as error:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                    refusal = ""  # shown at its field
                else:
                    messages.success(request, f"已受理 {applicant.name} 的{application.get_kind_display()}申请")
                    return redirect("assistance:application", pk=application.pk)
    elif applicant is not None:
        standing = application_services.applicant_standing(applicant, today)
    if not warnings and "confirmed" in form.fields:
        del form.fields["confirmed"]
    return render(request, "assistance/application_new.html", {
        "form": form, "applicant": applicant, "standing": standing, "warnings": warnings, "refusal": refusal, "today": today,
        "trail": _new_application_trail()})


@permission_required("assistance.view_application", raise_exception=True)
def application_detail(request, pk):
    application = get_restricted_object_or_404(request, Application.objects.select_related("person", "accepted_by", "decided_by"), pk=pk)
    form = forms.DecisionForm(request.POST or None, initial={"version": application.version})
    if request.method == "POST":
        if form.is_valid():
            application.version = form.cleaned_data["version"]
            try:
                application_services.application_decide(user=request.user, application=application,
                                                        approve=form.cleaned_data["decision"] == "approve", reason=form.cleaned_data["reason"])
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "审核结论已保存")
            return redirect("assistance:application", pk=pk)
    overdue = application.status == Application.Status.ACCEPTED and (timezone.now() - application.accepted_at).days > application_services.OVERDUE_DAYS
    can_decide = (request.user.has_perm("assistance.review_application") and application.status == Application.Status.ACCEPTED
                  and application.accepted_by_id != request.user.pk)
    standing = application_services.applicant_standing(application.person, timezone.localdate()) if can_decide else None
    return render(request, "assistance/application_detail.html", {
        "application": application, "form": form, "overdue": overdue, "steps": application.steps.select_related("user"),
        "evidence": application.evidence.all(), "can_decide": can_decide, "standing": standing,
        "cannot_approve": bool(standing) and application.kind == Application.Kind.CLASS_3_4 and not standing.applied_classes,
        "trail": [("救助申请", reverse("assistance:applications")), (application.person.name, reverse("enrollment:person", args=[application.person_id])),
                  (application.get_kind_display(), "")],
    })


@permission_required("assistance.view_application", raise_exception=True)
def evidence_file(request, pk):
    """Evidence is private: streamed only to users who may see the application."""
    evidence = get_restricted_object_or_404(request, Evidence.objects.select_related("application"), pk=pk)
    from django.http import FileResponse

    return FileResponse(evidence.file.open("rb"), content_type=evidence.content_type, filename=evidence.original_name)

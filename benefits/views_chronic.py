"""Pages of 门诊慢特病 (RULES.md 3.5): submitting an application from the person page, the review
queue (overdue items highlighted), an approval's page (timeline, evidence, decision, facility
change, revocation), the renewal queue, the list by disease, facility, county and status, 两病
registration. Thin doors into benefits.services.chronic."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from benefits.forms_chronic import (ApprovalFilterForm, ApprovalForm, DecisionForm, FacilityChangeForm, RegistrationEndForm,
                                     RegistrationForm, RevokeForm)
from benefits.models import ChronicApproval, ChronicEvidence, TwoDiseasesRegistration
from benefits.services import chronic as services
from benefits.services.casework import above_pooling_regions
from core.errors import ServiceError
from core.models import SecurityEvent
from core.security import record_event
from core.views import xlsx_response
from core.xlsx import write_xlsx
from core.paging import keyset_page
from core.validation import keyset_params, refuses_bad_query, search_form
from core.views_base import get_restricted_object_or_404
from enrollment.forms import apply_service_error
from enrollment.models import Person

READ_ONLY = "省级用户只能查看门诊慢特病认定，由市、县经办机构申报、登记和审核"
EXPORT_ROW_LIMIT = 200_000
EXPORT_HEADERS = ["姓名", "身份证号", "村/社区", "病种", "类别", "定点机构", "确诊医院", "确诊日期", "有效期起", "有效期止", "状态",
                  "审核或撤销意见", "申报人", "申报时间"]


def _person_trail(person, last):
    return [("人员查询", reverse("enrollment:people")), (person.name, reverse("enrollment:person", args=[person.pk])), (last, "")]


def _trail(last, *middle):
    return [("门诊慢特病认定", reverse("benefits:chronic_list")), *middle, (last, "")]


def _read_only(request, person, title):
    return render(request, "benefits/chronic_form.html", {"form": None, "title": f"{title}：{person.name}", "person": person,
                                                          "notice": READ_ONLY, "trail": _person_trail(person, title)}, status=403)


@permission_required("benefits.add_chronicapproval", raise_exception=True)
def approval_new(request, pk):
    """申报门诊慢特病认定 for a person of the user's region; ?renews=<id> renews an approval."""
    person = get_restricted_object_or_404(request, Person.objects.select_related("village"), pk=pk)
    if above_pooling_regions(request.user):
        return _read_only(request, person, "申报门诊慢特病认定")
    renews = None
    if request.GET.get("renews", "").isdigit():
        renews = ChronicApproval.objects.restrict(request.user).filter(pk=int(request.GET["renews"]), person=person).first()
    initial = {"diagnosed_on": timezone.localdate()}
    if renews is not None:
        initial.update(disease=renews.disease_id, facility=renews.facility_id, diagnosing_hospital=renews.diagnosing_hospital,
                       diagnosed_on=renews.diagnosed_on)
    form = ApprovalForm(request.POST or None, request.FILES or None, user=request.user, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            approval = services.approval_submit(user=request.user, person=person, disease=data["disease"], facility=data["facility"],
                                                diagnosing_hospital=data["diagnosing_hospital"], diagnosed_on=data["diagnosed_on"],
                                                files=data["evidence"], renews=renews)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"已为 {person.name} 申报{approval.disease.name}门诊慢特病认定，待审核")
            return redirect("benefits:chronic_detail", pk=approval.pk)
    title = "续期申报门诊慢特病认定" if renews else "申报门诊慢特病认定"
    return render(request, "benefits/chronic_form.html", {
        "form": form, "title": f"{title}：{person.name}", "person": person, "submit_label": "提交申报", "multipart": True,
        "renews": renews, "trail": _person_trail(person, title)})


@permission_required("benefits.add_twodiseasesregistration", raise_exception=True)
def registration_new(request, pk):
    """两病登记 (高血压、糖尿病) for a person of the user's region."""
    person = get_restricted_object_or_404(request, Person.objects.select_related("village"), pk=pk)
    if above_pooling_regions(request.user):
        return _read_only(request, person, "两病登记")
    form = RegistrationForm(request.POST or None, user=request.user, person=person, initial={"registered_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_create(user=request.user, person=person, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"已为 {person.name} 登记{registration.disease.name}（自{registration.registered_on:%Y-%m-%d}起）")
            return redirect("enrollment:person", pk=person.pk)
    return render(request, "benefits/chronic_form.html", {
        "form": form, "title": f"两病登记：{person.name}", "person": person, "submit_label": "登记",
        "trail": _person_trail(person, "两病登记")})


@permission_required("benefits.change_twodiseasesregistration", raise_exception=True)
def registration_end(request, pk):
    """终止两病登记 of a person of the user's region."""
    registration = get_restricted_object_or_404(request, TwoDiseasesRegistration.objects.select_related("person", "person__village", "disease"),
                                                pk=pk)
    person = registration.person
    if above_pooling_regions(request.user):
        return _read_only(request, person, "终止两病登记")
    label = registration.disease.name if registration.disease else "两病"
    if registration.ended_on is not None:
        messages.info(request, f"{person.name} 的{label}登记已于 {registration.ended_on:%Y-%m-%d} 终止")
        return redirect("enrollment:person", pk=person.pk)
    form = RegistrationEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_end(user=request.user, registration=registration, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"已终止 {person.name} 的{label}登记（自{form.cleaned_data['ended_on']:%Y-%m-%d}起）")
            return redirect("enrollment:person", pk=person.pk)
    return render(request, "benefits/chronic_form.html", {
        "form": form, "title": f"终止两病登记：{person.name} {label}（{registration.registered_on:%Y-%m-%d}登记）", "person": person,
        "submit_label": "终止登记", "trail": _person_trail(person, "终止两病登记")})


def _approval(request, pk) -> ChronicApproval:
    return get_restricted_object_or_404(
        request, ChronicApproval.objects.select_related("person", "person__village", "disease", "facility", "submitted_by", "decided_by",
                                                        "renews"), pk=pk)


@permission_required("benefits.view_chronicapproval", raise_exception=True)
def approval_detail(request, pk):
    """An approval: what was submitted, its evidence and timeline; for a reviewer who did not
    submit it, the decision; while in force, facility change and revocation."""
    approval = _approval(request, pk)
    user = request.user
    may_decide = (approval.status == ChronicApproval.Status.SUBMITTED and user.has_perm("benefits.review_chronicapproval")
                  and approval.submitted_by_id != user.pk and not above_pooling_regions(user))
    may_change = (approval.status in services.OPEN and user.has_perm("benefits.change_chronicapproval") and not above_pooling_regions(user))
    # An application not yet decided is rejected, not revoked (the service also withdraws one when the person dies).
    may_revoke = (approval.status == ChronicApproval.Status.APPROVED and user.has_perm("benefits.review_chronicapproval")
                  and not above_pooling_regions(user))
    decision = DecisionForm(initial={"decision": "approve", "version": approval.version}, prefix="d") if may_decide else None
    facility_form = FacilityChangeForm(user=user, person=approval.person, prefix="f") if may_change else None
    revoke_form = RevokeForm(prefix="r") if may_revoke else None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "decide" and may_decide:
                decision = DecisionForm(request.POST, prefix="d")
                if decision.is_valid():
                    data = decision.cleaned_data
                    approval.version = data["version"]  # the version the reviewer read: a decision made meanwhile wins
                    services.approval_decide(user=user, approval=approval, approve=data["decision"] == "approve",
                                             valid_from=data["valid_from"], valid_to=data["valid_to"], reason=data["reason"])
                    messages.success(request, "审核结论已保存")
                    return redirect("benefits:chronic_detail", pk=approval.pk)
            elif action == "facility" and may_change:
                facility_form = FacilityChangeForm(request.POST, user=user, person=approval.person, prefix="f")
                if facility_form.is_valid():
                    services.approval_change_facility(user=user, approval=approval, **facility_form.cleaned_data)
                    messages.success(request, "定点机构已变更")
                    return redirect("benefits:chronic_detail", pk=approval.pk)
            elif action == "revoke" and may_revoke:
                revoke_form = RevokeForm(request.POST, prefix="r")
                if revoke_form.is_valid():
                    services.approval_revoke(user=user, approval=approval, reason=revoke_form.cleaned_data["reason"],
                                             on=revoke_form.cleaned_data["ended_on"])
                    messages.success(request, "认定已撤销")
                    return redirect("benefits:chronic_detail", pk=approval.pk)
            else:
                messages.error(request, "该操作不可用（认定状态已变更或您没有权限）")
                return redirect("benefits:chronic_detail", pk=approval.pk)
        except ServiceError as error:
            form = {"decide": decision, "facility": facility_form, "revoke": revoke_form}[action]
            apply_service_error(form, error)
    return render(request, "benefits/chronic_detail.html", {
        "approval": approval, "steps": approval.steps.select_related("user"), "evidence": approval.evidence.all(),
        "decision": decision, "facility_form": facility_form, "revoke_form": revoke_form,
        "renewal_due": services.renewal_due(approval, user) and user.has_perm("benefits.add_chronicapproval")
        and not above_pooling_regions(user),
        "trail": _trail(f"{approval.person.name} {approval.disease.name}")})


@permission_required("benefits.view_chronicapproval", raise_exception=True)
def evidence_file(request, pk):
    """Evidence is private: streamed only to users of the person's region."""
    evidence = get_restricted_object_or_404(request, ChronicEvidence.objects.select_related("approval"), pk=pk)
    return FileResponse(evidence.file.open("rb"), content_type=evidence.content_type, filename=evidence.original_name)


@permission_required("benefits.view_chronicapproval", raise_exception=True)
def review_queue(request):
    """待审核: applications oldest first, those over the deadline highlighted."""
    items = services.review_queue(request.user)
    return render(request, "benefits/chronic_queue.html", {"items": items, "trail": _trail("待审核")})


@permission_required("benefits.view_chronicapproval", raise_exception=True)
def renewal_queue(request):
    """续期: approvals in force that end within the renewal window, soonest first."""
    return render(request, "benefits/chronic_renewals.html", {"items": list(services.renewal_queue(request.user)[:500]),
                                                              "trail": _trail("即将到期（续期）")})


def _filtered(request):
    form = ApprovalFilterForm(request.GET or None, user=request.user)
    data = search_form(form)
    rows = services.approvals_filter(request.user, disease=data.get("disease"), facility=data.get("facility"), status=data.get("status", ""),
                                     county=form.region() if data else None, expiring=bool(data.get("expiring")))
    return form, rows


def _submitter(approval) -> str:
    if approval.submitted_by_id is None:
        return "原系统转入"
    return f"{approval.submitted_by}{'（机构上传）' if approval.submitted_by.facility_id else ''}"


@permission_required("benefits.view_chronicapproval", raise_exception=True)
@refuses_bad_query
def approval_export(request):
    """The list as .xlsx with the same filters; ID numbers in full only for who may see them."""
    if not request.user.has_perm("enrollment.export_person"):
        raise PermissionDenied("您没有导出人员名单的权限")
    _form, rows = _filtered(request)
    full = request.user.has_perm("core.view_full_id_number")
    lines = (
        [a.person.name, a.person.id_number if full else a.person.masked_id_number, a.person.village.name, a.disease.name,
         a.disease.get_kind_display(), a.facility.name if a.facility_id else "未选定", a.diagnosing_hospital, a.diagnosed_on,
         a.valid_from or "", a.valid_to or "", a.get_status_display(), a.ended_reason or a.decision_reason, _submitter(a),
         timezone.localtime(a.submitted_at).strftime("%Y-%m-%d %H:%M")]
        for n, a in enumerate(rows.order_by("pk").iterator(chunk_size=2000)) if n < EXPORT_ROW_LIMIT
    )
    record_event(kind=SecurityEvent.Kind.EXPORT, request=request, object_type="benefits.ChronicApproval",
                 detail=f"导出门诊慢特病认定名单：{request.GET.urlencode() or '全部'}")
    return xlsx_response(write_xlsx(EXPORT_HEADERS, lines, title="门诊慢特病认定"), f"门诊慢特病认定-{timezone.localdate():%Y%m%d}.xlsx")


@permission_required("benefits.view_chronicapproval", raise_exception=True)
@refuses_bad_query
def approval_list(request):
    """Approvals of the user's region by disease, facility, county, status; expiring soon."""
    form, rows = _filtered(request)
    page = keyset_page(rows, **keyset_params(request))
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    counts = services.status_counts(request.user)
    return render(request, "benefits/chronic_list.html", {"form": form, "page": page, "query": query.urlencode(), "counts": counts,
                                                         "trail": [("门诊慢特病认定", "")]})

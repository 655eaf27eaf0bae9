"""The monthly payment plans' pages (月度拨付计划): the list (with what awaits the user), a new
plan, a plan with its next step's form, its print view and export. Thin doors into
funds.services.plans; a plan outside the user's region is a 404 (and a recorded attempt)."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from core.validation import page_param, refuses_bad_query, search_form
from core.views import xlsx_response
from core.views_base import get_restricted_object_or_404
from core.xlsx import write_xlsx
from funds.forms import PlanAdvanceForm, PlanCreateForm, PlanFilterForm, PlanRejectForm
from funds.models import Fund, PaymentPlan
from funds.services import plans

VIEW = "funds.view_paymentplan"
ZERO = Decimal("0.00")
Status = PaymentPlan.Status


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def plan_list(request):
    form = PlanFilterForm(request.GET or None, user=request.user)
    data = search_form(form)
    rows = PaymentPlan.objects.restrict(request.user).select_related("county")
    if data.get("year"):
        rows = rows.filter(year=data["year"])
    if data.get("county"):
        rows = rows.filter(county=data["county"])
    if data.get("status") == "mine":
        rows = rows.filter(plans.awaiting(request.user))
    elif data.get("status"):
        rows = rows.filter(status=data["status"])
    rows = rows.annotate(due=Sum("lines__due"), total=Sum("lines__amount")).order_by("-year", "-month", "region_path")
    if request.GET.get("export") == "xlsx":
        data = [(str(p), p.county.name, p.period_label, p.due or ZERO, p.total or ZERO, p.get_status_display(), p.paid_on)
                for p in rows.iterator(chunk_size=500)]
        sheet = write_xlsx(["计划", "县（市、区）", "期间", "应付", "本次拨付", "状态", "拨付日期"], data, title="拨付计划", widths={1: 36})
        return xlsx_response(sheet, "拨付计划.xlsx")
    page = Paginator(rows, 50).get_page(page_param(request))
    awaiting = PaymentPlan.objects.restrict(request.user).filter(plans.awaiting(request.user)).count()
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "funds/plans.html", {
        "form": form, "page": page, "awaiting": awaiting, "extra": f"&{query.urlencode()}" if query else "",
        "may_create": request.user.has_perm("funds.submit_paymentplan"), "trail": [("月度拨付计划", "")]})


@permission_required("funds.submit_paymentplan", raise_exception=True)
def plan_new(request):
    form = PlanCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = plans.plan_create(user=request.user, county=data["county"], year=data["year"], month=data["month"], note=data["note"],
                                     kind=data["plan_kind"] or "monthly")
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"已编制{plan}，请核对后提交")
            return redirect("funds:plan", pk=plan.pk)
    return render(request, "funds/plan_new.html", {"form": form, "trail": [("月度拨付计划", reverse("funds:plans")), ("编制拨付计划", "")]})


def _lines(plan):
    from funds.services.postings import facility_labels

    order = {fund: i for i, fund in enumerate(Fund.values)}
    lines = sorted(plan.lines.select_related("facility"), key=lambda x: (x.kind, x.facility.code if x.facility_id else "", order[x.fund]))
    labels = facility_labels({line.facility for line in lines if line.facility_id})
    for line in lines:
        line.holder = labels[line.facility_id] if line.facility_id else f"{plan.county.name}医保局（手工报销）"
    totals = []
    for fund, label in Fund.choices:
        fund_lines = [line for line in lines if line.fund == fund]
        if fund_lines:
            totals.append({"fund": label, "due": sum((x.due for x in fund_lines), ZERO), "amount": sum((x.amount for x in fund_lines), ZERO)})
    total = {"due": sum((x.due for x in lines), ZERO), "amount": sum((x.amount for x in lines), ZERO)}
    return lines, totals, total


def _plan(request, pk):
    return get_restricted_object_or_404(request, PaymentPlan.objects.select_related(
        "city", "county", "created_by", "submitted_by", "reviewed_by", "rechecked_by", "funded_by", "paid_by"), pk=pk)


def _amounts(post) -> tuple[dict, dict]:
    ids = [key.removeprefix("amount_") for key in post if key.startswith("amount_")]
    ids = [pk for pk in ids if pk.isascii() and pk.isdigit()]
    return {pk: post[f"amount_{pk}"] for pk in ids}, {pk: post.get(f"note_{pk}", "") for pk in ids}


@permission_required(VIEW, raise_exception=True)
def plan_detail(request, pk):
    """A plan, and the form of its next step for who may do it. Every form names the state the
    page showed (`step`): a plan moved on since is refused, never stepped again. In a draft the
    amounts and the submission are one form: what is typed is saved before it is submitted."""
    plan = _plan(request, pk)
    step = plans.next_step(plan)
    refusal = plans.step_refusal(request.user, plan)
    may_act = step is not None and refusal is None
    action = request.POST.get("action") if request.method == "POST" else None
    dated = step is not None and step.action != plans.Action.SUBMIT
    advance = PlanAdvanceForm(request.POST if action == "advance" else None, dated=dated) if may_act else None
    reject = PlanRejectForm(request.POST if action == "reject" else None) if may_act and step.reject_to else None
    editable = plan.status == Status.DRAFT and may_act
    adjust_error = adjust_field = ""
    if request.method == "POST":
        expected = request.POST.get("step", "")
        if expected != plan.status:  # the page was of another state (or the form names none)
            messages.error(request, f"拨付计划已变为“{plan.get_status_display()}”，请刷新页面后再办理")
            return redirect("funds:plan", pk=plan.pk)
        if not may_act or action not in ("advance", "reject", "refresh", "adjust") or (action == "reject" and reject is None) \
                or (action in ("refresh", "adjust") and not editable):
            messages.error(request, refusal or "该操作不适用于拨付计划的当前状态，请刷新页面后再办理")
            return redirect("funds:plan", pk=plan.pk)
        try:
            with transaction.atomic():
                if action in ("adjust", "advance") and editable:
                    amounts, notes = _amounts(request.POST)
                    if amounts:
                        plans.plan_adjust(user=request.user, plan=plan, amounts=amounts, notes=notes)
                if action == "adjust":
                    messages.success(request, "已保存本次拨付金额")
                    return redirect("funds:plan", pk=plan.pk)
                if action == "refresh":
                    plans.plan_refresh(user=request.user, plan=plan)
                    messages.success(request, "已按基金账重新取数（扣减已撤销）")
                    return redirect("funds:plan", pk=plan.pk)
                if action == "advance" and advance.is_valid():
                    plans.plan_advance(user=request.user, plan=plan, on=advance.cleaned_data.get("on"),
                                       reason=advance.cleaned_data["reason"], expected=expected)
                    messages.success(request, f"已办理“{step.label}”")
                    return redirect("funds:plan", pk=plan.pk)
                if action == "reject" and reject.is_valid():
                    plans.plan_reject(user=request.user, plan=plan, reason=reject.cleaned_data["reason"], expected=expected)
                    messages.success(request, "已退回")
                    return redirect("funds:plan", pk=plan.pk)
        except ServiceError as error:
            if error.code == "stale":
                messages.error(request, error.message)
                return redirect("funds:plan", pk=plan.pk)
            if editable and action in ("adjust", "advance") and error.field not in (advance.fields if advance else ()):
                adjust_error, adjust_field = error.message, error.field or ""
            elif action == "reject":
                reject.add_error(error.field if error.field in reject.fields else None, error.message)
            else:
                advance.add_error(error.field if error.field in advance.fields else None, error.message)
    lines, totals, total = _lines(plan)
    if adjust_error:
        for line in lines:
            line.amount_input = request.POST.get(f"amount_{line.pk}", line.amount)
            line.note_input = request.POST.get(f"note_{line.pk}", line.note)
            line.invalid = adjust_field in (f"amount_{line.pk}", f"note_{line.pk}")
    else:
        from core.display import yuan

        for line in lines:
            line.amount_input, line.note_input = yuan(line.amount), line.note
    events = list(plan.events.select_related("user"))
    returned = events[-1] if events and events[-1].action == plans.Action.REJECT else None
    template = "funds/plan_print.html" if request.GET.get("print") == "1" else "funds/plan_detail.html"
    deadline = plans.year_end_deadline(plan)
    return render(request, template, {
        "plan": plan, "lines": lines, "totals": totals, "total": total, "step": step, "may_act": may_act, "editable": editable,
        "advance": advance, "reject": reject, "adjust_error": adjust_error, "refusal": refusal, "returned": returned,
        "special": plans.special_account_after(plan) if may_act and step.action == plans.Action.FUND else None,
        "events": events, "steps": _procedure(plan), "overpaid": _overpaid(plan),
        "deadline": deadline, "overdue": deadline is not None and plan.status != Status.PAID and timezone.localdate() > deadline,
        "trail": [("月度拨付计划", reverse("funds:plans")), (str(plan), "")]})


def _overpaid(plan) -> list:
    """A year-end settlement's facilities paid beyond their year's settlements (to recover)."""
    if not plan.year_end:
        return []
    from funds.services.postings import facility_labels

    over = plans.year_end_due(plan.city, plan.county, plan.year)[1]
    from benefits.models import Facility

    labels = facility_labels(Facility.objects.filter(pk__in={d.facility_id for d in over if d.facility_id}))
    return [{"holder": labels[d.facility_id] if d.facility_id else f"{plan.county.name}医保局（手工报销）", "fund": Fund(d.fund).label,
             "amount": -d.due} for d in over]


def _procedure(plan):
    """The five steps, each with who did it (the current round), for the page and the print view."""
    rows = []
    for status, step in plans.STEPS.items():
        user = getattr(plan, step.field)
        day = getattr(plan, step.field.replace("_by", "_on"))
        rows.append({"label": step.label, "user": user, "day": day, "current": plan.status == status})
    return rows


@permission_required(VIEW, raise_exception=True)
def plan_export(request, pk):
    plan = _plan(request, pk)
    lines, totals, total = _lines(plan)
    rows = [(line.get_kind_display(), line.holder, line.get_fund_display(), line.due, line.amount, line.note) for line in lines]
    rows += [(f"{t['fund']}小计", "", "", t["due"], t["amount"], "") for t in totals]
    rows.append(("合计", "", "", total["due"], total["amount"], ""))
    sheet = write_xlsx(["类别", "收款单位", "基金", "本月应付（元）", "本次拨付（元）", "扣减原因"], rows, title=str(plan)[:31],
                       widths={2: 44, 3: 30, 6: 30})
    return xlsx_response(sheet, f"{plan}.xlsx")


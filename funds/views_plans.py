"""The monthly payment plans' pages (月度拨付计划): the list (with what awaits the user), a new
plan, a plan with its next step's form, its print view and export. Thin doors into
funds.services.plans; a plan outside the user's region is a 404 (and a recorded attempt)."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.shortcuts import redirect, render
from django.urls import reverse

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


def _awaiting(user):
    """The plans whose next step the user's permissions (and region) allow."""
    condition = Q(pk__in=[])
    for status, step in plans.STEPS.items():
        if not user.has_perm(step.permission):
            continue
        if step.at_city:
            condition |= Q(status=status, city_id=user.region_id)
        else:
            condition |= Q(status=status)
    return condition


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
        rows = rows.filter(_awaiting(request.user))
    elif data.get("status"):
        rows = rows.filter(status=data["status"])
    rows = rows.annotate(due=Sum("lines__due"), total=Sum("lines__amount")).order_by("-year", "-month", "region_path")
    page = Paginator(rows, 50).get_page(page_param(request))
    awaiting = PaymentPlan.objects.restrict(request.user).filter(_awaiting(request.user)).count()
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
            plan = plans.plan_create(user=request.user, county=data["county"], year=data["year"], month=data["month"], note=data["note"])
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"已编制{plan}，请核对后提交")
            return redirect("funds:plan", pk=plan.pk)
    return render(request, "funds/plan_new.html", {"form": form, "trail": [("月度拨付计划", reverse("funds:plans")), ("编制拨付计划", "")]})


def _lines(plan):
    from funds.services.postings import facility_labels

    lines = list(plan.lines.select_related("facility").order_by("kind", "facility__code", "fund"))
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


@permission_required(VIEW, raise_exception=True)
def plan_detail(request, pk):
    plan = _plan(request, pk)
    step = plans.next_step(plan)
    may_act = plans.step_refusal(request.user, plan) is None and step is not None
    dated = step is not None and step.action in (plans.Action.FUND, plans.Action.PAY)
    advance = PlanAdvanceForm(request.POST if request.POST.get("action") == "advance" else None, dated=dated) if may_act else None
    reject = (PlanRejectForm(request.POST if request.POST.get("action") == "reject" else None)
              if may_act and step.reject_to else None)
    editable = plan.status == Status.DRAFT and may_act
    adjust_error = ""
    if request.method == "POST":
        if not may_act:
            messages.error(request, plans.step_refusal(request.user, plan))
            return redirect("funds:plan", pk=plan.pk)
        action = request.POST.get("action")
        try:
            if action == "advance" and advance.is_valid():
                plans.plan_advance(user=request.user, plan=plan, on=advance.cleaned_data.get("on"), reason=advance.cleaned_data["reason"])
                messages.success(request, f"已办理“{step.label}”")
                return redirect("funds:plan", pk=plan.pk)
            if action == "reject" and reject is not None and reject.is_valid():
                plans.plan_reject(user=request.user, plan=plan, reason=reject.cleaned_data["reason"])
                messages.success(request, "已退回")
                return redirect("funds:plan", pk=plan.pk)
            if action == "refresh" and editable:
                plans.plan_refresh(user=request.user, plan=plan)
                messages.success(request, "已按基金账重新取数（扣减已撤销）")
                return redirect("funds:plan", pk=plan.pk)
            if action == "adjust" and editable:
                ids = [key.removeprefix("amount_") for key in request.POST if key.startswith("amount_")]
                plans.plan_adjust(user=request.user, plan=plan,
                                  amounts={pk: request.POST[f"amount_{pk}"] for pk in ids if pk.isdigit()},
                                  notes={pk: request.POST.get(f"note_{pk}", "") for pk in ids if pk.isdigit()})
                messages.success(request, "已保存本次拨付金额")
                return redirect("funds:plan", pk=plan.pk)
        except ServiceError as error:
            if action == "adjust":
                adjust_error = error.message
            elif action == "reject" and reject is not None:
                reject.add_error(error.field if error.field in reject.fields else None, error.message)
            else:
                advance.add_error(error.field if error.field in advance.fields else None, error.message)
    lines, totals, total = _lines(plan)
    if adjust_error:
        for line in lines:
            line.amount_input = request.POST.get(f"amount_{line.pk}", line.amount)
            line.note_input = request.POST.get(f"note_{line.pk}", line.note)
    template = "funds/plan_print.html" if request.GET.get("print") == "1" else "funds/plan_detail.html"
    return render(request, template, {
        "plan": plan, "lines": lines, "totals": totals, "total": total, "step": step, "may_act": may_act, "editable": editable,
        "advance": advance, "reject": reject, "adjust_error": adjust_error, "refusal": None if may_act else plans.step_refusal(request.user, plan),
        "events": plan.events.select_related("user"), "steps": _procedure(plan),
        "trail": [("月度拨付计划", reverse("funds:plans")), (str(plan), "")]})


def _procedure(plan):
    """The five steps, each with who did it (the current round), for the page and the print view."""
    rows = []
    for status, step in plans.STEPS.items():
        user = getattr(plan, step.field)
        day = {"funded_by": plan.funded_on, "paid_by": plan.paid_on}.get(step.field)
        rows.append({"label": step.label, "user": user, "day": day, "current": plan.status == status})
    return rows


@permission_required(VIEW, raise_exception=True)
def plan_export(request, pk):
    plan = _plan(request, pk)
    lines, totals, total = _lines(plan)
    rows = [(line.get_kind_display(), line.holder, line.get_fund_display(), line.due, line.amount, line.note) for line in lines]
    rows += [(f"{t['fund']}小计", "", "", t["due"], t["amount"], "") for t in totals]
    rows.append(("合计", "", "", total["due"], total["amount"], ""))
    sheet = write_xlsx(["类别", "收款单位", "基金", "本月应付（元）", "本次拨付（元）", "扣减原因"], rows, title=str(plan)[:31])
    return xlsx_response(sheet, f"{plan}.xlsx")


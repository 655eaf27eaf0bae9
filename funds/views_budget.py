"""The budget pages (基金预算): the city's budgets and their versions, a budget's amounts by county
and item with the procedure's steps, and the execution against the budget in force (预算执行;
决算 once the year is over) with its print view and export. Thin doors into funds.services.budget."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse

from core.display import yuan
from core.errors import ServiceError
from core.validation import refuses_bad_query, search_form
from core.views import xlsx_response
from core.views_base import get_restricted_object_or_404
from core.xlsx import write_xlsx
from funds.forms import BudgetCreateForm, BudgetRecordForm, BudgetWithdrawForm, ExecutionForm
from funds.models import BUDGET_ITEMS, Budget, Fund
from funds.services import budget as budgets

VIEW = "funds.view_budget"
Status = Budget.Status


@permission_required(VIEW, raise_exception=True)
def budget_list(request):
    """The city's budgets, each year's versions, and (for who compiles) a new budget or adjustment."""
    try:
        city = budgets.check_city_user(request.user)
    except ServiceError as error:
        raise PermissionDenied(error.message) from None
    may_compile = request.user.has_perm(budgets.PERMISSION)
    form = BudgetCreateForm(request.POST or None) if may_compile else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("您没有编制和登记基金预算的权限")
        if form.is_valid():
            data = form.cleaned_data
            try:
                budget = budgets.budget_create(user=request.user, fund=data["fund"], year=data["year"], reason=data["reason"],
                                               compiled_on=data["compiled_on"])
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"已新建{budget}，请填写预算金额")
                return redirect("funds:budget", pk=budget.pk)
    rows = Budget.objects.restrict(request.user).filter(city=city).select_related("created_by")
    in_force = {(b.fund, b.year): b.pk for b in (budgets.in_force(city, f, y) for f, y in {(r.fund, r.year) for r in rows}) if b}
    return render(request, "funds/budgets.html", {"rows": rows, "in_force": set(in_force.values()), "form": form, "city": city,
                                                  "trail": [("基金预算", "")]})


def _grid(budget, post=None):
    """Rows per region (the city, then its counties), a cell per item: the amount (or what was typed)."""
    amounts = {(line.county_id, line.item): line.amount for line in budget.lines.all()}
    rows = []
    for region in budgets.budget_regions(budget.city):
        cells = []
        for item in BUDGET_ITEMS:
            name = f"amount_{region.pk}_{item}"
            value = post.get(name, "") if post is not None else (yuan(amounts[(region.pk, item)]) if (region.pk, item) in amounts else "")
            cells.append({"name": name, "value": value, "amount": amounts.get((region.pk, item)), "label": budgets.ITEM_LABELS[item]})
        rows.append({"region": region, "label": f"{region.name}（市本级）" if region.pk == budget.city_id else region.name, "cells": cells})
    totals = [sum((amounts.get((r["region"].pk, item)) or 0 for r in rows), 0) for item in BUDGET_ITEMS]
    return rows, totals


@permission_required(VIEW, raise_exception=True)
def budget_detail(request, pk):
    budget = get_restricted_object_or_404(request, Budget.objects.select_related("city", "created_by", "recorded_by"), pk=pk)
    may_compile = request.user.has_perm(budgets.PERMISSION)
    action = request.POST.get("action") if request.method == "POST" else None
    record = BudgetRecordForm(request.POST if action in ("review", "approve") else None) if may_compile else None
    withdraw = BudgetWithdrawForm(request.POST if action == "withdraw" else None) if may_compile else None
    error = ""
    if request.method == "POST":
        if not may_compile:
            raise PermissionDenied("您没有编制和登记基金预算的权限")
        if action not in ("lines", "review", "approve", "withdraw"):
            messages.error(request, "该操作不存在，请刷新页面")
            return redirect("funds:budget", pk=budget.pk)
        try:
            if action == "lines":
                amounts = {}
                for region in budgets.budget_regions(budget.city):
                    for item in BUDGET_ITEMS:
                        name = f"amount_{region.pk}_{item}"
                        if name in request.POST:
                            amounts[(region.pk, item)] = request.POST[name]
                budgets.budget_set_lines(user=request.user, budget=budget, amounts=amounts, expected=request.POST.get("digest", ""))
                messages.success(request, "已保存预算金额")
                return redirect("funds:budget", pk=budget.pk)
            if action in ("review", "approve") and record.is_valid():
                step = budgets.budget_review if action == "review" else budgets.budget_approve
                step(user=request.user, budget=budget, document=record.cleaned_data["document"], on=record.cleaned_data["on"])
                messages.success(request, "已登记市政府审核" if action == "review" else "已登记市人大批准，该版本预算生效")
                return redirect("funds:budget", pk=budget.pk)
            if action == "withdraw" and withdraw.is_valid():
                budgets.budget_withdraw(user=request.user, budget=budget, reason=withdraw.cleaned_data["reason"])
                messages.success(request, "已撤回至编制中，修改后请重新登记市政府审核")
                return redirect("funds:budget", pk=budget.pk)
        except ServiceError as refusal:
            if refusal.code in ("stale", "state"):  # the page was of another state: say why, whatever form it shows now
                messages.error(request, refusal.message)
                return redirect("funds:budget", pk=budget.pk)
            if action in ("review", "approve") and refusal.field in record.fields:
                record.add_error(refusal.field, refusal.message)
            else:
                error = refusal.message
    rows, totals = _grid(budget, request.POST if error and action == "lines" else None)
    versions = Budget.objects.filter(city=budget.city, fund=budget.fund, year=budget.year).order_by("version")
    step = {Status.DRAFT: ("review", "登记市政府审核"), Status.REVIEWED: ("approve", "登记市人大批准")}.get(budget.status)
    template = "funds/budget_print.html" if request.GET.get("print") == "1" else "funds/budget_detail.html"
    return render(request, template, {
        "budget": budget, "rows": rows, "totals": totals, "items": [budgets.ITEM_LABELS[i] for i in BUDGET_ITEMS],
        "editable": may_compile and budget.status == Status.DRAFT, "step": step if may_compile else None, "record": record,
        "error": error, "versions": versions, "in_force": budgets.in_force(budget.city, budget.fund, budget.year),
        "history": budget.history.select_related("history_user").order_by("-history_date")[:50],
        "withdraw": withdraw if budget.status == Status.REVIEWED else None,
        "changes": budgets.line_changes(budget)[:200], "digest": budgets.lines_digest(budget),
        "trail": [("基金预算", reverse("funds:budgets")), (str(budget), "")]})


def _execution(request):
    from benefits.services.policy import pooling_region

    form = ExecutionForm(request.GET or None, user=request.user)
    data = search_form(form)
    year, fund = form.values()
    region = request.user.region
    city = pooling_region(region) if region is not None else None
    if city is None:
        raise PermissionDenied("预算执行按统筹区（市）查看，您的账号不属于任何统筹区")
    county = data.get("county") or (region if region.pk != city.pk else None)
    return form, budgets.execution(city, fund, year, county=county), county


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def execution(request):
    """预算执行 (决算 once the year is over): the fund's year against the budget in force, by item,
    by county and month by month; a county's user sees its county."""
    form, result, county = _execution(request)
    template = "funds/execution_print.html" if request.GET.get("print") == "1" else "funds/execution.html"
    query = request.GET.copy()
    query.pop("print", None)
    return render(request, template, {"form": form, "result": result, "county": county, "fund_label": Fund(result.fund).label,
                                      "query": query.urlencode(), "trail": [("预算执行", "")]})


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def execution_export(request):
    _form, result, county = _execution(request)
    from core.display import percent

    def shown(rate):
        return percent(rate) if rate is not None else "—"

    rows = [(i["item"], i["budget"], i["actual"], i["difference"], shown(i["rate"])) for i in result.items]
    rows += [(f"{m['month']}月累计收入", result.totals["budget_income"], m["income_to_date"], None, shown(m["income_rate"]))
             for m in result.months]
    rows += [(f"{m['month']}月累计支出", result.totals["budget_expenditure"], m["expenditure_to_date"], None, shown(m["expenditure_rate"]))
             for m in result.months]
    totals = result.totals
    rows += [("收入合计", totals["budget_income"], totals["income"], totals["income"] - totals["budget_income"], shown(totals["income_rate"])),
             ("支出合计", totals["budget_expenditure"], totals["expenditure"], totals["expenditure"] - totals["budget_expenditure"],
              shown(totals["expenditure_rate"])),
             ("收支结余", totals["budget_surplus"], totals["surplus"], totals["surplus"] - totals["budget_surplus"], "")]
    rows += [(f"{c['region'].name}{side_label}", c[side]["budget"], c[side]["actual"], c[side]["actual"] - c[side]["budget"],
              shown(c[side]["rate"])) for c in result.counties for side, side_label in (("income", "收入"), ("expenditure", "支出"))]
    kind = "决算" if result.final else "预算执行"
    where = county.name if county else result.city.name
    sheet = write_xlsx(["科目", "预算（元）", "实际（元）", "差额（元）", "执行率"], rows, title=f"{result.year}年{kind}", widths={1: 24})
    return xlsx_response(sheet, f"{where}{result.year}年{Fund(result.fund).label}{kind}.xlsx")

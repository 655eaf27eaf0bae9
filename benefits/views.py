"""Trial calculation doors: the staff page and the JSON endpoint, both over benefits.services.trial."""

from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import JsonResponse
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from benefits.forms import TrialForm
from benefits import selectors
from benefits.models import Facility, PolicyParameter, Settlement
from benefits.services import settlements as settlement_services
from core.errors import ServiceError
from core.services.tokens import request_user
from core.validation import BadQuery, month_param, pk_param, refuses_bad_query, year_param
from core.views_base import get_restricted_object_or_404
from enrollment.models import Person
from benefits.rules.settlement import SettlementError
from benefits.services.trial import load, trial


@login_not_required  # answers 401 in JSON rather than redirecting to the login page
@csrf_exempt  # a computation: it writes nothing
@require_POST
def trial_api(request):
    if request_user(request) is None:  # a session, or another system's bearer token
        return JsonResponse({"error": "需要登录或有效的接口令牌", "field": "auth"}, status=401)
    try:
        return JsonResponse(trial(load(request.body)), json_dumps_params={"ensure_ascii": False})
    except SettlementError as error:
        return JsonResponse({"error": error.message, "field": error.field}, status=400, json_dumps_params={"ensure_ascii": False})


def trial_page(request):
    form = TrialForm(request.POST or None)
    result = error = None
    if request.method == "POST" and form.is_valid():
        try:
            result = trial(form.as_request())
        except SettlementError as exc:
            error = exc.message
    return render(request, "benefits/trial.html", {"form": form, "result": result, "error": error})


@permission_required("benefits.view_policyparameter", raise_exception=True)
def parameters(request):
    """The parameters of the user's regions, unconfirmed ones marked (RULES.md: values the
    sources leave open are shown as unconfirmed until an officer confirms them)."""
    rows = PolicyParameter.objects.restrict(request.user).select_related("region").order_by("region__path", "scheme", "name", "valid_from")
    return render(request, "benefits/parameters.html", {"rows": rows})


@permission_required("benefits.view_settlement", raise_exception=True)
@refuses_bad_query
def facility_settlements(request):
    """Settlements per facility and month."""
    from django.utils import timezone

    today = timezone.localdate()
    facilities = Facility.objects.restrict(request.user).order_by("code")
    facility_pk = pk_param(request, "facility", label="定点机构")
    facility = facilities.filter(pk=facility_pk).first() if facility_pk else facilities.first()
    if facility_pk and facility is None:
        raise BadQuery("facility", "所选定点机构不存在或不在您的管辖区划内")
    year, month = year_param(request, default=today.year), month_param(request, default=today.month)
    rows, totals = selectors.facility_month(request.user, facility, year, month) if facility else ([], {})
    return render(request, "benefits/facility_settlements.html", {
        "facilities": facilities, "facility": facility, "year": year, "month": month, "rows": rows[:500] if facility else [],
        "totals": totals, "months": range(1, 13)})


@permission_required("benefits.view_settlement", raise_exception=True)
@refuses_bad_query
def person_settlements(request, pk):
    """A person's yearly settlement history with running totals against every cap."""
    from django.utils import timezone

    person = get_restricted_object_or_404(request, Person.objects.select_related("village"), pk=pk)
    year = year_param(request, default=timezone.localdate().year)
    return render(request, "benefits/person_settlements.html", {"person": person, "year": year,
                                                                **selectors.person_year_history(person, year)})


@permission_required("benefits.view_settlement", raise_exception=True)
def settlement_detail(request, pk):
    """One settlement: cost lines, the split, each step with its amount and source, and the
    parameter values it used."""
    settlement = get_restricted_object_or_404(
        request, Settlement.objects.select_related("person", "facility", "reverses", "source_import", "created_by"), pk=pk)
    return render(request, "benefits/settlement_detail.html", {"s": settlement, **selectors.settlement_detail(settlement)})


@permission_required("benefits.reverse_settlement", raise_exception=True)
def settlement_reverse(request, pk):
    settlement = get_restricted_object_or_404(request, Settlement.objects.select_related("person"), pk=pk)
    if request.method == "POST":
        try:
            settlement_services.settlement_reverse(user=request.user, settlement=settlement, reason=request.POST.get("reason", ""))
            messages.success(request, f"结算单 {settlement.bill_number} 已冲正")
        except ServiceError as error:
            messages.error(request, error.message)
    return redirect("benefits:person_settlements", pk=settlement.person_id)


@permission_required("assistance.review_application", raise_exception=True)
def one_time_pay(request, pk):
    """Compute and record the one-time assistance of an approved application (S001 §四(六))."""
    from assistance.models import Application
    from benefits.services.one_time import one_time_assistance_pay

    application = get_restricted_object_or_404(request, Application.objects.all(), pk=pk)
    if request.method == "POST":
        try:
            payment = one_time_assistance_pay(user=request.user, application=application)
            messages.success(request, f"一次性医疗救助 {payment.amount} 元已记录（{len(payment.settlements)} 笔结算）")
        except ServiceError as error:
            messages.error(request, error.message)
    return redirect("assistance:application", pk=pk)

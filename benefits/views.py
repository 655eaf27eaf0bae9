"""Trial calculation doors: the staff page and the JSON endpoint, both over benefits.services.trial."""

import json
from decimal import Decimal

from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from benefits.forms import TrialForm
from benefits.models import PolicyParameter
from benefits.rules.settlement import SettlementError
from benefits.services.trial import trial


@login_not_required  # answers 401 in JSON rather than redirecting to the login page
@csrf_exempt  # a computation: it writes nothing
@require_POST
def trial_api(request):
    if not request.user.is_authenticated:
        return JsonResponse({"error": "需要登录", "field": "auth"}, status=401)
    try:
        data = json.loads(request.body, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JsonResponse({"error": "输入不是有效的 JSON", "field": "input"}, status=400)
    try:
        return JsonResponse(trial(data), json_dumps_params={"ensure_ascii": False})
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

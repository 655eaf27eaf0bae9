"""Trial calculation doors: the staff page and the JSON endpoint, both over benefits.services.trial."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from benefits.forms import TrialForm
from benefits.rules.settlement import SettlementError
from benefits.services.trial import load, trial
from core.services.tokens import request_user


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

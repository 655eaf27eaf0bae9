"""Trial calculation doors: the staff page and the JSON endpoint, both over benefits.services.trial."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from benefits.forms import TrialForm, TrialLookupForm
from benefits.rules.settlement import SettlementError
from benefits.services.trial import load, trial, trial_prefill
from core.services.tokens import request_user
from enrollment.models import Person


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


REGION_SLUGS = [slug for slug, _label in TrialForm.base_fields["region"].choices]


def _lookup(request, lookup: TrialLookupForm) -> tuple[dict, object, str]:
    """(the trial form's initial values, the person found, a message) for ?id_number=&date=:
    only people of the user's region are found; another county's number reads as not found,
    and is not echoed back."""
    if not lookup.is_valid() or not lookup.cleaned_data["id_number"]:
        return {}, None, ""
    day = lookup.cleaned_data["date"] or timezone.localdate()
    if not request.user.has_perm("enrollment.view_person"):
        return {"date": day}, None, "您没有查询人员信息的权限，请手工填写身份和本年已发生金额"
    person = Person.objects.restrict(request.user).select_related("village").filter(id_number=lookup.cleaned_data["id_number"]).first()
    if person is None:
        return {"date": day}, None, "未找到：您的辖区内没有登记该身份证号的人员"
    values = trial_prefill(person, day, REGION_SLUGS)
    initial = {key: value for key, value in values.items() if key not in ("year_to_date", "region", "note") and value is not None}
    initial.update({f"ytd_{key}": value for key, value in values["year_to_date"].items()})
    message = values["note"]
    if values["region"] is None:
        message = "该人员所在统筹区不在试算范围内，请选择统筹区"
    else:
        initial["region"] = values["region"]
    return initial, person, message


def trial_page(request):
    """待遇试算: a person looked up by ID number fills the form from the records (identities
    valid on the visit date, approvals, the year's totals); anything can then be changed."""
    lookup = TrialLookupForm(request.GET if "id_number" in request.GET else None)
    initial, person, message = _lookup(request, lookup) if request.method == "GET" else ({}, None, "")
    if lookup.is_bound and person is None and not lookup.errors:
        lookup = TrialLookupForm(initial={"date": initial.get("date")})  # a number not found is not shown again
    elif person is not None:
        lookup = TrialLookupForm(initial={"id_number": person.id_number, "date": initial["date"]})
    form = TrialForm(request.POST or None, initial=initial)
    result = error = None
    if request.method == "POST" and form.is_valid():
        try:
            result = trial(form.as_request())
        except SettlementError as exc:
            error = exc.message
    return render(request, "benefits/trial.html", {
        "form": form, "lookup": lookup, "person": person, "lookup_message": message, "result": result, "error": error,
        "standing": _standing(person, initial) if person is not None else None})


def _standing(person, initial) -> dict:
    from assistance.services.identities import assistance_class

    return {"identities": initial.get("identities", []), "assistance_class": assistance_class(initial.get("identities", [])),
            "date": initial.get("date")}

"""The designated facilities' interface (J003 §二(三)10): a facility's system uploads 门诊慢特病
applications with their evidence and reads back the decisions, with its account's bearer
token (a 定点医疗机构 account, core.services.users). The rules are benefits.services.chronic's;
this module reads the request and writes JSON."""

from datetime import date, datetime, time

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from benefits.models import ChronicApproval
from benefits.services import chronic
from core.errors import ServiceError
from core.idnumber import mask_id_number
from core.services.tokens import token_refusal, token_user

LIST_LIMIT = 100


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(message: str, field: str, status: int = 400):
    return _json({"error": message, "field": field}, status=status)


def _caller(request):
    """The facility account of the request's bearer token, or the error response. A session
    is not accepted: staff submit on the 申报 page, and no cookie can carry a cross-site upload."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip() if scheme.lower() == "bearer" else ""
    user = token_user(raw) if raw else None
    if user is None:
        return None, _error(token_refusal(raw), "auth", 401)
    if user.facility_id is None or not user.has_perm("benefits.upload_chronicapproval"):
        return None, _error("该接口只供定点医疗机构账号调用", "auth", 403)
    return user, None


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _moment(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def application_json(approval: ChronicApproval) -> dict:
    return {
        "id": approval.pk, "status": approval.status, "status_label": approval.get_status_display(),
        "person": {"name": approval.person.name, "id_number": mask_id_number(approval.person.id_number)},
        "disease": {"code": approval.disease.code, "name": approval.disease.name},
        "facility": {"code": approval.facility.code, "name": approval.facility.name} if approval.facility_id else None,
        "diagnosing_hospital": approval.diagnosing_hospital, "diagnosed_on": _day(approval.diagnosed_on),
        "submitted_at": _moment(approval.submitted_at), "renews": approval.renews_id,
        "decided_at": _moment(approval.decided_at), "decision_reason": approval.decision_reason,
        "valid_from": _day(approval.valid_from), "valid_to": _day(approval.valid_to),
        "ended_on": _day(approval.ended_on), "ended_reason": approval.ended_reason,
    }


def _uploads(user):
    return ChronicApproval.objects.filter(submitted_by=user).select_related("person", "disease", "facility")


def _date_param(raw: str, label: str, field: str):
    """(date, None) or (None, error response) for a YYYY-MM-DD value; blank is (None, None)."""
    raw = (raw or "").strip()
    if not raw:
        return None, None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return None, _error(f"{label}应为 YYYY-MM-DD 格式的日期", field)
    if not date(1900, 1, 1) <= value <= date(2100, 12, 31):
        return None, _error(f"{label}不在合理范围内", field)
    return value, None


UNREADABLE = "请求内容为空或无法读取：请以 multipart/form-data 提交字段和材料文件（须带 Content-Length，不支持分块传输）"


def _upload(request, user):
    if request.content_type != "multipart/form-data":
        return _error(UNREADABLE, "body")
    try:
        data, files = request.POST, request.FILES.getlist("evidence")
    except (MultiPartParserError, RequestDataTooBig, TooManyFilesSent, BadRequest):
        return _error(UNREADABLE, "body")
    if not data and not files:  # a body that could not be read (chunked, truncated) parses as nothing
        return _error(UNREADABLE, "body")
    diagnosed_on, bad = _date_param(data.get("diagnosed_on", ""), "确诊日期", "diagnosed_on")
    if bad:
        return bad
    try:
        approval = chronic.facility_upload(user=user, id_number=data.get("id_number", ""), name=data.get("name", ""),
                                           disease=data.get("disease", ""), diagnosing_hospital=data.get("diagnosing_hospital", ""),
                                           diagnosed_on=diagnosed_on, files=files)
    except ServiceError as error:
        return _error(error.message, error.field or error.code)
    return _json(application_json(_uploads(user).get(pk=approval.pk)), status=201)


STATUS_BY_LABEL = {label: value for value, label in ChronicApproval.Status.choices}


def _list(request, user):
    """The account's uploads, newest first, LIST_LIMIT at a time: `count` is how many match,
    `next_before` the cursor of the next page (?before=), null on the last."""
    since, bad = _date_param(request.GET.get("since", ""), "since ", "since")
    if bad:
        return bad
    status = request.GET.get("status", "").strip()
    status = STATUS_BY_LABEL.get(status, status)
    if status and status not in ChronicApproval.Status.values:
        shown = "、".join(f"{value}（{label}）" for value, label in ChronicApproval.Status.choices)
        return _error(f"status 应为 {shown} 之一", "status")
    before = request.GET.get("before", "").strip()
    if before and not (before.isascii() and before.isdigit() and len(before) < 12):
        return _error("before 应为上一页返回的 next_before（正整数）", "before")
    rows = _uploads(user)
    if status:
        rows = rows.filter(status=status)
    if since:  # submitted or decided since the day: what the facility has not yet seen
        start = timezone.make_aware(datetime.combine(since, time.min))
        rows = rows.filter(submitted_at__gte=start) | rows.filter(decided_at__gte=start)
    count = rows.count()
    if before:
        rows = rows.filter(pk__lt=int(before))
    page = list(rows.order_by("-pk")[: LIST_LIMIT + 1])
    more = len(page) > LIST_LIMIT
    page = page[:LIST_LIMIT]
    return _json({"count": count, "limit": LIST_LIMIT, "next_before": page[-1].pk if more else None,
                  "results": [application_json(a) for a in page]})


@login_not_required  # answers 401 in JSON rather than redirecting to the login page
@csrf_exempt  # bearer token only: no cookie is read (_caller)
def applications(request):
    """POST: upload an application (multipart: id_number, name, disease — code or name,
    diagnosing_hospital, diagnosed_on, evidence files). GET: the account's uploads, newest
    first (?status=, ?since=YYYY-MM-DD, ?before=<next_before>)."""
    user, refused = _caller(request)
    if refused:
        return refused
    if request.method == "POST":
        return _upload(request, user)
    if request.method == "GET":
        return _list(request, user)
    return _error("只支持 GET 和 POST", "method", 405)


@login_not_required
@csrf_exempt
def application(request, pk):
    """GET: one of the account's uploads, with its decision."""
    user, refused = _caller(request)
    if refused:
        return refused
    if request.method != "GET":
        return _error("只支持 GET", "method", 405)
    approval = _uploads(user).filter(pk=pk).first()
    if approval is None:
        return _error("没有找到该申请（只能查询本账号上传的申请）", "id", 404)
    return _json(application_json(approval))

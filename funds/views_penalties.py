"""定点机构违约金和违规费用: the list (a county's reviewers see their county's), the city bureau's
form for a decision, a record with its payment and cancellation forms, the list's print view and
export. Thin doors into funds.services.penalties; another county's record is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from core.validation import page_param, refuses_bad_query, search_form
from core.views import xlsx_response
from core.views_base import get_restricted_object_or_404
from core.xlsx import write_xlsx
from funds.forms import PenaltyCancelForm, PenaltyFilterForm, PenaltyForm, PenaltyPaidForm
from funds.models import FacilityPenalty
from funds.services import penalties
from funds.services.postings import facility_labels

VIEW = "funds.view_facilitypenalty"


def _filtered(request):
    form = PenaltyFilterForm(request.GET or None)
    data = search_form(form)
    rows = FacilityPenalty.objects.restrict(request.user).select_related("facility", "county")
    if data.get("status"):
        rows = rows.filter(status=data["status"])
    if data.get("year"):
        rows = rows.filter(decided_on__year=data["year"])
    if data.get("q"):
        q = penalties.normalise_text(data["q"])
        rows = rows.filter(Q(facility__name__contains=q) | Q(facility__code__iexact=q) | Q(document__contains=q))
    return form, rows


def _labelled(rows):
    rows = list(rows)
    labels = facility_labels({r.facility for r in rows})
    for r in rows:
        r.holder = labels[r.facility_id]
    return rows


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def penalty_list(request):
    today = timezone.localdate()
    may_decide = request.user.has_perm(penalties.DECIDE)
    decide = None
    if may_decide:
        try:
            penalties.city_of(request.user)
        except ServiceError:
            may_decide = False
    if may_decide:
        decide = PenaltyForm(request.POST or None)
        if request.method == "POST" and decide.is_valid():
            d = decide.cleaned_data
            try:
                penalty = penalties.penalty_decide(user=request.user, facility_code=d["facility"], fund=d["fund"], kind=d["kind"],
                                                   amount=d["amount"], document=d["document"], decided_on=d["decided_on"],
                                                   reason=d["reason"])
            except ServiceError as error:
                decide.add_error(error.field if error.field in decide.fields else None, error.message)
            else:
                messages.success(request, f"已登记：{penalty}，凭证 {penalty.decision_entry_id}")
                return redirect("funds:penalty", pk=penalty.pk)
    elif request.method == "POST":
        raise PermissionDenied("您没有登记定点机构违约金和违规费用的权限")
    form, rows = _filtered(request)
    total = penalties.outstanding(rows, today)
    if request.GET.get("export") == "xlsx":
        data = [(r.holder, r.county.name, r.get_fund_display(), r.get_kind_display(), r.document, r.decided_on, r.amount, r.due_on,
                 r.get_status_display(), r.paid_on, r.receipt, r.reason) for r in _labelled(rows.order_by("-decided_on", "-pk"))]
        sheet = write_xlsx(["定点医疗机构", "所属县（市、区）", "基金", "类别", "处理决定文号", "决定日期", "金额", "缴纳期限", "状态", "缴纳日期",
                            "缴款凭证号", "事由"], data, title="违约金和违规费用", widths={1: 36, 12: 40})
        return xlsx_response(sheet, f"定点机构违约金和违规费用{today:%Y%m%d}.xlsx")
    if request.GET.get("print") == "1":
        data = form.cleaned_data if form.is_bound else {}
        filters = "，".join(part for part in (
            f"状态 {FacilityPenalty.Status(data['status']).label}" if data.get("status") else "",
            f"{data['year']}年决定" if data.get("year") else "", f"含“{data['q']}”" if data.get("q") else "") if part)
        return render(request, "funds/penalties_print.html", {"rows": _labelled(rows.order_by("due_on", "pk")), "total": total,
                                                                "today": today, "filters": filters})
    page = Paginator(rows.order_by("-decided_on", "-pk"), 50).get_page(page_param(request))
    page.object_list = _labelled(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "funds/penalties.html", {
        "form": form, "decide": decide, "page": page, "total": total, "today": today, "query": query.urlencode(),
        "extra": f"&{query.urlencode()}" if query else "", "trail": [("定点机构违约金和违规费用", "")]})


@permission_required(VIEW, raise_exception=True)
def penalty_detail(request, pk):
    penalty = get_restricted_object_or_404(request, FacilityPenalty.objects.select_related(
        "facility", "county", "created_by", "paid_by", "decision_entry", "payment_entry"), pk=pk)
    owed = penalty.status == FacilityPenalty.Status.OWED
    city_user = True
    try:
        penalties.city_of(request.user)
    except ServiceError:
        city_user = False
    pay = PenaltyPaidForm(request.POST if request.POST.get("action") == "pay" else None) \
        if owed and city_user and request.user.has_perm(penalties.COLLECT) else None
    cancel = PenaltyCancelForm(request.POST if request.POST.get("action") == "cancel" else None) \
        if owed and city_user and request.user.has_perm(penalties.DECIDE) else None
    if request.method == "POST":
        action = request.POST.get("action")
        form = pay if action == "pay" else cancel if action == "cancel" else None
        if form is None:
            messages.error(request, f"该记录现为“{penalty.get_status_display()}”，或您没有办理该操作的权限；请刷新页面后再办理")
            return redirect("funds:penalty", pk=penalty.pk)
        if form.is_valid():
            d = form.cleaned_data
            expected = request.POST.get("step")
            try:
                if action == "pay":
                    penalties.penalty_collect(user=request.user, penalty=penalty, paid_on=d["paid_on"], receipt=d["receipt"],
                                              expected=expected)
                    messages.success(request, "已登记缴款，款项已缴入市级财政专户")
                else:
                    penalties.penalty_cancel(user=request.user, penalty=penalty, reason=d["reason"], expected=expected)
                    messages.success(request, "已撤销，应收凭证已冲销")
            except ServiceError as error:
                if error.code == "stale":
                    messages.error(request, error.message)
                    return redirect("funds:penalty", pk=penalty.pk)
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("funds:penalty", pk=penalty.pk)
    history = list(penalty.history.select_related("history_user").order_by("history_date"))
    return render(request, "funds/penalty_detail.html", {
        "penalty": penalty, "holder": facility_labels([penalty.facility])[penalty.facility_id], "pay": pay, "cancel": cancel,
        "history": history, "overdue": owed and penalty.due_on < timezone.localdate(),
        "trail": [("定点机构违约金和违规费用", reverse("funds:penalties")), (penalty.document, "")]})

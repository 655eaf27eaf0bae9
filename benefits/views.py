"""Pages of benefits: parameters, settlements per facility and person, a settlement and its
reversal, the one-time assistance. The trial calculation's doors are in benefits/views_trial.py."""

from decimal import Decimal, InvalidOperation
from itertools import chain
from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from benefits import selectors
from benefits.models import Facility, PolicyParameter, Settlement
from benefits.services import settlements as settlement_services
from core.display import yuan
from core.errors import ServiceError
from core.models import SecurityEvent
from core.security import record_event
from core.validation import BadQuery, month_param, pk_param, refuses_bad_query, year_param
from core.views import xlsx_response
from core.views_base import get_restricted_object_or_404
from core.xlsx import write_xlsx
from enrollment.models import Person

LIST_ROW_LIMIT = 500  # rows a month list shows; the export has them all


@permission_required("benefits.view_policyparameter", raise_exception=True)
def parameters(request):
    """The parameters of the user's regions by region and tier, each by its Chinese name with
    its value as users read it, unconfirmed ones marked (RULES.md: values the sources leave
    open are shown as unconfirmed until an officer confirms them)."""
    rows = PolicyParameter.objects.restrict(request.user).select_related("region").order_by("region__path", "scheme", "name", "valid_from")
    rows = sorted(rows, key=_parameter_order)  # stable: the query's order within one name
    groups = {}
    for row in rows:
        groups.setdefault(row.region, {}).setdefault(row.get_scheme_display(), []).append(row)
    return render(request, "benefits/parameters.html", {"groups": [(region, list(tiers.items())) for region, tiers in groups.items()]})


def _parameter_order(row) -> tuple:
    """Rows by region, tier and name, a name's numbered keys by number: ci_band.12000 before
    ci_band.50000 before ci_band.100000 (as text 100000 would come first)."""
    base, _, key = row.name.partition(".")
    try:
        number = (0, Decimal(key), "")
    except InvalidOperation:
        number = (1, Decimal(0), key)
    return (row.region.path, row.scheme, base, number, row.valid_from)


def _facility_filter(request):
    """The user's facilities and the chosen one (None: 全部机构); a facility outside the
    user's region is refused rather than silently replaced."""
    facilities = Facility.objects.restrict(request.user).order_by("code")
    facility_pk = pk_param(request, "facility", label="定点机构")
    facility = facilities.filter(pk=facility_pk).first() if facility_pk else None
    if facility_pk and facility is None:
        raise BadQuery("facility", "所选定点机构不存在或不在您的管辖区划内")
    return facilities, facility


def _list_month(request, facility):
    """The month asked for, or the latest month with data for the facility (or all): the list
    opens on data rather than on an empty current month."""
    today = timezone.localdate()
    year, month = year_param(request), month_param(request)
    if month is None:
        latest = selectors.latest_month(request.user, facility, year)
        if latest is not None:
            return latest
        return year or today.year, today.month
    if year is None:
        latest = selectors.latest_month(request.user, facility)
        year = latest[0] if latest else today.year
    return year, month


@permission_required("benefits.view_settlement", raise_exception=True)
@refuses_bad_query
def facility_settlements(request):
    """Settlements per facility (or all facilities) and month, with the month's totals."""
    facilities, facility = _facility_filter(request)
    year, month = _list_month(request, facility)
    rows, totals = selectors.facility_month(request.user, facility, year, month)
    shown = list(rows[:LIST_ROW_LIMIT])
    query = urlencode({"facility": facility.pk if facility else "", "year": year, "month": month})
    return render(request, "benefits/facility_settlements.html", {
        "facilities": facilities, "facility": facility, "year": year, "month": month, "rows": shown,
        "more": totals["n"] > len(shown), "row_limit": LIST_ROW_LIMIT, "totals": totals, "months": range(1, 13),
        "export_query": query, "scope_label": f"{year}年{month}月 {facility.name if facility else '全部机构'}"})


@permission_required("benefits.view_settlement", raise_exception=True)
@refuses_bad_query
def facility_settlements_export(request):
    """The facility month list as .xlsx, with the same filters and its totals row."""
    _facilities, facility = _facility_filter(request)
    year, month = _list_month(request, facility)
    rows, totals = selectors.facility_month(request.user, facility, year, month)
    full = request.user.has_perm("core.view_full_id_number")
    headers = ["就诊（入院）日期", "出院日期", "结算单号", "定点机构", "参保人", "身份证号", "就医类型", "就医地", "费用合计",
               "基本医保统筹", "大病保险", "医疗救助", "倾斜/托底救助", "个人负担", "状态"]
    lines = (
        [s.visit_date, s.discharge_date, s.bill_number, s.facility.name, s.person.name,
         s.person.id_number if full else s.person.masked_id_number, s.get_kind_display(), s.get_location_display(),
         *(getattr(s, name) for name in selectors.AMOUNTS), s.get_status_display()]
        for s in rows.iterator(chunk_size=2000)
    )
    total_row = ["合计", None, f"{totals['n']} 笔", None, None, None, None, None, *(totals[name] for name in selectors.AMOUNTS), None]
    scope = facility.name if facility else "全部机构"
    record_event(kind=SecurityEvent.Kind.EXPORT, request=request, object_type="benefits.Settlement",
                 detail=f"导出结算清单：{scope}，{year}年{month}月")
    return xlsx_response(write_xlsx(headers, chain(lines, [total_row]), title=f"{year}年{month}月结算清单"),
                         f"结算清单-{scope}-{year}年{month:02d}月.xlsx")


@permission_required("benefits.view_settlement", raise_exception=True)
@refuses_bad_query
def person_settlements(request, pk):
    """A person's yearly settlement history with running totals, and every cap with the
    amount used and left."""
    person = get_restricted_object_or_404(request, Person.objects.select_related("village"), pk=pk)
    year = year_param(request, default=timezone.localdate().year)
    trail = [(person.name, reverse("enrollment:person", args=[person.pk])), (f"{year}年度结算记录", "")]
    return render(request, "benefits/person_settlements.html", {"person": person, "year": year, "trail": trail,
                                                                **selectors.person_year_history(person, year)})


def _settlement(request, pk) -> Settlement:
    return get_restricted_object_or_404(
        request, Settlement.objects.select_related("person", "person__village", "facility", "reverses", "source_import", "created_by", "filing"),
        pk=pk)


def _settlement_trail(settlement, *last):
    person = settlement.person
    return [(person.name, reverse("enrollment:person", args=[person.pk])),
            ("结算记录", f"{reverse('benefits:person_settlements', args=[person.pk])}?year={settlement.year}"), *last]


@permission_required("benefits.view_settlement", raise_exception=True)
def settlement_detail(request, pk):
    """One settlement: cost lines, each tier's payment, each step with its amount and source,
    and the parameters its steps used, by tier."""
    settlement = _settlement(request, pk)
    return render(request, "benefits/settlement_detail.html", {
        "s": settlement, "trail": _settlement_trail(settlement, ("结算单", "")), **selectors.settlement_detail(settlement)})


@permission_required("benefits.view_settlement", raise_exception=True)
def settlement_bill(request, pk):
    """The one-stop settlement bill (一站式结算单) on A4, to print and hand to the person."""
    settlement = _settlement(request, pk)
    return render(request, "benefits/settlement_bill.html", {"s": settlement, **selectors.settlement_bill(settlement)})


REVERSE_RETURNS = ("person", "detail")


@permission_required("benefits.reverse_settlement", raise_exception=True)
def settlement_reverse(request, pk):
    """冲正, from the dialog of the settlement page or the person's year page: a reason and the
    confirmation box are required; the service refuses an empty reason too."""
    settlement = _settlement(request, pk)
    back = redirect("benefits:settlement_detail", pk=settlement.pk)
    if request.method != "POST":
        return back
    if request.POST.get("return_to") == "person":
        back = redirect(f"{reverse('benefits:person_settlements', args=[settlement.person_id])}?year={settlement.year}")
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, f"结算单 {settlement.bill_number} 未冲正：请填写冲正原因")
        return back
    if request.POST.get("confirm") != "1":
        messages.error(request, f"结算单 {settlement.bill_number} 未冲正：请勾选“确认冲正”")
        return back
    try:
        settlement_services.settlement_reverse(user=request.user, settlement=settlement, reason=reason)
        messages.success(request, f"结算单 {settlement.bill_number} 已冲正")
    except ServiceError as error:
        messages.error(request, error.message)
    return back


@permission_required("assistance.review_application", raise_exception=True)
def one_time_pay(request, pk):
    """Compute and record the one-time assistance of an approved application (S001 §四(六))."""
    from assistance.models import Application
    from benefits.services.one_time import one_time_assistance_pay

    application = get_restricted_object_or_404(request, Application.objects.all(), pk=pk)
    if request.method == "POST":
        try:
            payment = one_time_assistance_pay(user=request.user, application=application)
            messages.success(request, f"一次性医疗救助 {yuan(payment.amount)} 元已记录（{len(payment.settlements)} 笔结算）")
        except ServiceError as error:
            messages.error(request, error.message)
    return redirect("assistance:application", pk=pk)

"""Pages of manual claims (手工报销): the entry form with its preview and confirmation, and the
quarterly summary per county with its export and print. Thin doors: the rules are in
benefits.services.claims and benefits.selectors_claims."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from benefits.forms_claims import ManualClaimForm
from benefits.selectors_claims import AMOUNTS, QUARTERS, claim_counties, quarter_claims, quarter_of
from benefits.services.claims import manual_claim_preview, manual_claim_record, may_take_claims
from core.display import yuan
from core.errors import ServiceError
from core.models import SecurityEvent
from core.security import record_event
from core.validation import BadQuery, int_param, pk_param, refuses_bad_query, year_param
from core.views import xlsx_response
from core.xlsx import write_xlsx

SUMMARY_HEADERS = ["序号", "县（市、区）", "受理日期", "报销单号", "参保人", "身份证号", "医院", "就医类型", "入院（就诊）日期", "出院日期",
                   "费用合计", "基本医保统筹", "大病保险", "医疗救助", "倾斜/托底救助", "基金支付合计（经办机构支付）", "个人负担", "状态"]


@permission_required("benefits.add_settlement", raise_exception=True)
def claim_new(request):
    """手工报销录入: the form, then its preview (the split computed, nothing written), then the
    confirmation, which stores it and opens its bill."""
    if not may_take_claims(request.user):
        raise PermissionDenied  # the province's officers: 403 like any user without the permission
    form = ManualClaimForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        claim = form.claim()
        try:
            if request.POST.get("action") == "confirm":
                settlement = manual_claim_record(user=request.user, claim=claim)
                messages.success(request, f"手工报销 {settlement.bill_number} 已办理：基金支付合计 {_fund_total(settlement)} 元")
                return redirect("benefits:settlement_bill", pk=settlement.pk)
            if request.POST.get("action") != "edit":
                preview = manual_claim_preview(user=request.user, claim=claim)
                return render(request, "benefits/claim_preview.html", {
                    "form": form, "s": preview, "fund_total": _fund_total(preview), "trail": [("手工报销录入", ""), ("核对", "")]})
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return render(request, "benefits/claim_new.html", {"form": form, "trail": [("手工报销录入", "")]})


def _fund_total(settlement) -> str:
    return yuan(settlement.basic_fund + settlement.critical_illness + settlement.assistance + settlement.extra_assistance)


def _summary_scope(request) -> dict:
    """Year, quarter and county asked for (a county outside the user's region is refused, not
    replaced); the current quarter by default."""
    today = timezone.localdate()
    year = year_param(request, default=today.year)
    quarter = int_param(request, "quarter", min_value=1, max_value=4, default=quarter_of(today), label="季度")
    counties = claim_counties(request.user)
    county_pk = pk_param(request, "county", label="县（市、区）")
    county = counties.filter(pk=county_pk).first() if county_pk else None
    if county_pk and county is None:
        raise BadQuery("county", "所选县（市、区）不存在或不在您的管辖区划内")
    rows, totals = quarter_claims(request.user, year, quarter, county)
    scope_name = county.name if county else (request.user.region.name if request.user.region_id else "")
    return {"year": year, "quarter": quarter, "county": county, "counties": counties, "rows": rows, "totals": totals,
            "may_take_claims": may_take_claims(request.user),
            "many_counties": counties.count() > 1, "quarters": QUARTERS,
            "title": f"{scope_name}{year}年第{quarter}季度手工报销汇总表",
            "query": f"year={year}&quarter={quarter}&county={county.pk if county else ''}"}


@permission_required("benefits.view_settlement", raise_exception=True)
@refuses_bad_query
def claim_summary(request):
    """手工报销季度汇总: the quarter's manual claims of the county (the city's officer: of every
    county, with a county column), their totals, export and print."""
    return render(request, "benefits/claim_summary.html", {**_summary_scope(request), "trail": [("手工报销季度汇总", "")]})


@permission_required("benefits.view_settlement", raise_exception=True)
@refuses_bad_query
def claim_summary_print(request):
    return render(request, "benefits/claim_summary_print.html", _summary_scope(request))


@permission_required("benefits.view_settlement", raise_exception=True)
@refuses_bad_query
def claim_summary_export(request):
    """The summary as .xlsx with a 合计 row."""
    scope = _summary_scope(request)
    lines = [[i, row.county.name if row.county else "", row.quarter_day, row.settlement.bill_number, row.settlement.person.name,
              row.settlement.person.masked_id_number, row.settlement.facility.name, row.settlement.get_kind_display(),
              row.settlement.visit_date, row.settlement.discharge_date, *(row.amount(name) for name in AMOUNTS),
              row.settlement.get_status_display()] for i, row in enumerate(scope["rows"], start=1)]
    totals = scope["totals"]
    lines.append(["合计", None, None, f"{totals['n']} 笔", *([None] * 6), *(totals[name] for name in AMOUNTS), None])
    record_event(kind=SecurityEvent.Kind.EXPORT, request=request, object_type="benefits.Settlement", detail=f"导出{scope['title']}")
    return xlsx_response(write_xlsx(SUMMARY_HEADERS, lines, title="手工报销季度汇总"), f"{scope['title']}.xlsx")


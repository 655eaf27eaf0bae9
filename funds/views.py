"""The fund pages (基金): account balances as of a day (with export and print view), the
journal (记账凭证) and an entry's lines. A county's user sees its county's lines only; an entry
without a visible line is a 404 (and a recorded attempt). Thin doors into funds.services and
funds.selectors."""

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from core.paging import keyset_page
from core.security import record_denied
from core.validation import keyset_params, page_param, refuses_bad_query, search_form
from core.views import xlsx_response
from core.xlsx import write_xlsx
from funds.forms import BalanceForm, EntryFilterForm, OpinionApproveForm, OpinionCosignForm, OpinionDraftForm, ReconcileForm, StatementForm, YearForm
from funds.models import Fund, JournalEntry, SourceKind
from funds.selectors import entries_for, entry_lines, monthly_statement
from funds.services.ledger import balances

VIEW = "funds.view_journalentry"
ZERO = Decimal("0.00")


def _balance_groups(user, form):
    from funds.services.postings import facility_labels

    data = search_form(form)
    day = form.day()
    rows = balances(user, day, fund=data.get("fund", ""), county=data.get("county"))
    labels = facility_labels({r["account"].facility for r in rows if r["account"].facility_id})
    for row in rows:
        account = row["account"]
        row["holder"] = labels[account.facility_id] if account.facility_id else account.region.name
    groups = []
    for fund, label in Fund.choices:
        fund_rows = [r for r in rows if r["account"].fund == fund]
        if fund_rows:
            groups.append({"fund": label, "rows": fund_rows, "total": sum((r["balance"] for r in fund_rows), ZERO)})
    return day, data, groups


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def balance_list(request):
    """基金账户余额: each account's balance at the end of a day, by fund; a county's user sees
    what its county's lines add up to."""
    form = BalanceForm(request.GET or None, user=request.user)
    day, data, groups = _balance_groups(request.user, form)
    template = "funds/balances_print.html" if request.GET.get("print") == "1" else "funds/balances.html"
    return render(request, template, {"form": form, "day": day, "groups": groups, "county": data.get("county"),
                                      "query": request.GET.urlencode(), "trail": [("基金账户余额", "")]})


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def balance_export(request):
    form = BalanceForm(request.GET or None, user=request.user)
    day, data, groups = _balance_groups(request.user, form)
    rows = []
    for g in groups:
        rows += [(g["fund"], r["account"].get_kind_display(), r["holder"], r["balance"]) for r in g["rows"]]
        rows.append((f"{g['fund']}合计", "", "", g["total"]))
    where = data.get("county") or request.user.region
    fund = Fund(data["fund"]).label if data.get("fund") else ""
    sheet = write_xlsx(["基金", "账户类别", "账户所属", f"余额（截至{day:%Y-%m-%d}，借正贷负）"], rows, title="基金账户余额")
    return xlsx_response(sheet, f"{where.name if where else ''}{fund or '基金'}账户余额{day:%Y%m%d}.xlsx")


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def entry_list(request):
    """记账凭证: the entries with a line the user may see, in posting order."""
    form = EntryFilterForm(request.GET or None, user=request.user)
    data = search_form(form)
    rows = entries_for(request.user, date_from=data.get("date_from"), date_to=data.get("date_to"), fund=data.get("fund", ""),
                       source=data.get("source", ""), county=data.get("county"))
    page = keyset_page(rows, **keyset_params(request))
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "funds/entries.html", {"form": form, "page": page, "query": query.urlencode(),
                                                  "trail": [("记账凭证", "")]})


ENTRY_EXPORT_LIMIT = 200_000


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def entry_export(request):
    """The journal as .xlsx, a row per line the user may see, with the list's filters."""
    from funds.selectors import visible_lines
    from funds.services.postings import facility_labels

    form = EntryFilterForm(request.GET or None, user=request.user)
    data = search_form(form)
    lines = visible_lines(request.user, fund=data.get("fund", ""), county=data.get("county"))
    if data.get("date_from"):
        lines = lines.filter(posted_on__gte=data["date_from"])
    if data.get("date_to"):
        lines = lines.filter(posted_on__lte=data["date_to"])
    if data.get("source"):
        lines = lines.filter(entry__source_kind=data["source"])
    lines = list(lines.select_related("entry", "account__region", "account__facility", "county").order_by("entry_id", "pk")
                 [:ENTRY_EXPORT_LIMIT])
    labels = facility_labels({line.account.facility for line in lines if line.account.facility_id})
    payers = party_labels()
    rows = [(line.entry_id, line.posted_on, line.entry.get_source_kind_display(), line.entry.memo, line.get_fund_display(),
             line.account.get_kind_display(), labels[line.account.facility_id] if line.account.facility_id else line.account.region.name,
             line.county.name, payers.get(line.party, line.party), line.amount if line.amount > 0 else None,
             -line.amount if line.amount < 0 else None) for line in lines]
    sheet = write_xlsx(["凭证号", "记账日期", "来源", "摘要", "基金", "账户类别", "账户所属", "所属县（市、区）", "资金来源", "借方", "贷方"],
                       rows, title="记账凭证")
    return xlsx_response(sheet, f"记账凭证{timezone.localdate():%Y%m%d}.xlsx")


def _source_label(entry) -> str:
    """What an entry's source reference names, in words: a facility, a region, a year, or the
    entry it reverses; never the stored code alone."""
    from benefits.models import Facility
    from core.models import Region
    from funds.services.postings import facility_labels

    ref = entry.source_ref
    if not ref:
        return ""
    if entry.source_kind == SourceKind.SETTLEMENTS:
        facility = Facility.objects.filter(code=ref).first()
        return facility_labels([facility])[facility.pk] if facility else ""
    if entry.source_kind == SourceKind.REVERSAL and ref.isdigit():
        return f"凭证 {ref}"
    if entry.source_kind == SourceKind.PENALTY:
        return f"文号、缴款凭证号 {ref}"
    if entry.source_kind == SourceKind.RECEIPT:
        return f"到账通知或缴款书号 {ref}"
    if ref.isdigit() and len(ref) == 4:
        return f"{ref}年"
    region = Region.objects.filter(code=ref).first()
    return region.name if region else ""


def party_labels() -> dict[str, str]:
    """A line's 辅助核算 in words: a subsidy's payer, a fiscal level, or the counterparty of a
    transfer into the special account (国库（税务征收）…)."""
    from assistance.models import Payer
    from funds.models import AccountKind, FiscalLevel
    from funds.services.receipts import SOURCES

    return {**{kind: AccountKind(kind).label for kind in SOURCES}, **dict(Payer.choices), **dict(FiscalLevel.choices)}


@permission_required(VIEW, raise_exception=True)
def entry_detail(request, pk):
    entry = JournalEntry.objects.select_related("city", "posted_by", "reverses").filter(pk=pk).first()
    lines = list(entry_lines(request.user, entry)) if entry is not None else []
    if not lines:
        if entry is not None:
            record_denied(request, JournalEntry, pk)
        raise Http404("没有找到该凭证，或您无权查看")
    reversal = JournalEntry.objects.filter(reverses=entry).first()
    from funds.forms import ReverseForm
    from funds.services import corrections

    refusal = corrections.reversal_refusal(request.user, entry)
    form = ReverseForm(request.POST or None) if refusal is None else None
    if request.method == "POST":
        if form is None:
            messages.error(request, refusal)
            return redirect("funds:entry", pk=entry.pk)
        if form.is_valid():
            try:
                done = corrections.reverse_entry(user=request.user, entry=entry, reason=form.cleaned_data["reason"],
                                                 on=form.cleaned_data.get("on"))
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"已冲销，冲销凭证 {done.pk}；如需更正，请重新登记")
                return redirect("funds:entry", pk=done.pk)
    parties = party_labels()
    for line in lines:
        line.party_label = parties.get(line.party, line.party)
    plan = None
    if entry.source_kind == SourceKind.PAYMENT_PLAN and entry.source_ref.isdigit():
        from funds.models import PaymentPlan

        plan = PaymentPlan.objects.restrict(request.user).select_related("county").filter(pk=int(entry.source_ref)).first()
    penalty = None
    if entry.source_kind == SourceKind.PENALTY:
        from django.db.models import Q

        from funds.models import FacilityPenalty

        penalty = FacilityPenalty.objects.restrict(request.user).filter(Q(decision_entry=entry) | Q(payment_entry=entry)).first()
    return render(request, "funds/entry_detail.html", {
        "entry": entry, "reversal": reversal, "plan": plan, "source_label": _source_label(entry), "reverse_form": form,
        "penalty": penalty,
        "rows": [(line, line.amount if line.amount > 0 else None, -line.amount if line.amount < 0 else None) for line in lines],
        "debit": sum((line.amount for line in lines if line.amount > 0), ZERO),
        "credit": -sum((line.amount for line in lines if line.amount < 0), ZERO),
        "partial": len(lines) < entry.lines.count(),
        "trail": [("记账凭证", reverse("funds:entries")), (f"凭证 {entry.pk}", "")],
    })


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def reconciliation(request):
    """对账: the city's settlements of a range of days against the ledger, and the incomes the
    enrollments bring as of its last day (funds.services.reconcile); ?export=xlsx: every
    difference in one sheet. Accounting is city-wide (S001 §三(三)3): the city's officers reconcile."""
    from funds.services.reconcile import income_checks, reconcile_settlements

    city = _city_of(request, "对账按统筹区（市）进行，请由市医保局用户查看")
    form = ReconcileForm(request.GET or {})
    data = search_form(form)
    result = reconcile_settlements(city, data["date_from"], data["date_to"])
    incomes = income_checks(city, data["date_to"])
    if request.GET.get("export") == "xlsx":
        labels = dict(Fund.choices)
        rows = [("定点机构结算", f"{d.day:%Y-%m-%d}", d.holder, labels[d.fund], d.settled, d.posted, d.difference,
                 "已记账但金额不符" if d.day_posted else "尚未记账") for d in result.differences]
        rows += [(c.source, f"截至{data['date_to']:%Y-%m-%d}", f"{c.county}{'（' + c.party + '）' if c.party else ''}",
                  labels[Fund.RESIDENT_BASIC], c.due, c.posted, c.difference, c.note) for c in incomes if c.difference]
        if not rows:
            rows = [("核对一致", f"{data['date_from']:%Y-%m-%d}至{data['date_to']:%Y-%m-%d}", "无差异", "", None, None, None, "")]
        sheet = write_xlsx(["类别", "日期", "定点机构（县、资金来源）", "基金", "应记金额", "已记账金额", "差额", "说明"], rows,
                           title="对账差异", widths={3: 36, 8: 40})
        return xlsx_response(sheet, f"{city.name}对账差异{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.xlsx")
    return render(request, "funds/reconciliation.html", {"form": form, "city": city, "result": result, "incomes": incomes,
                                                         "incomes_differ": any(c.difference for c in incomes),
                                                         "funds": dict(Fund.choices), "trail": [("结算与基金账对账", "")]})


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def alert_list(request):
    """基金运行预警: the warnings of the user's region (a county's: its own), newest first, and
    the figures as of yesterday's postings."""
    from benefits.services.policy import pooling_region
    from funds.models import FundAlert
    from funds.services.alerts import figures, thresholds

    alerts = FundAlert.objects.restrict(request.user).select_related("region").order_by("-period", "cleared_at", "region__path", "kind")
    page = Paginator(alerts, 50).get_page(page_param(request))
    city = pooling_region(request.user.region) if request.user.region_id else None
    day = timezone.localdate() - timedelta(days=1)
    current, limits = [], None
    if city is not None:
        limits, _sources = thresholds(city, day)
        current = [f for f in figures(city, day) if f.region.path.startswith(request.user.region.path)]  # a county: its own
    chart = {"regions": [{"label": f.region.name, "rate": None if f.rate is None else str(f.rate)} for f in current],
             "low": str(limits.surplus_low), "high": str(limits.surplus_high)} if current else None
    return render(request, "funds/alerts.html", {"page": page, "current": current, "limits": limits, "day": day, "chart": chart,
                                                 "trail": [("基金运行预警", "")]})


def _statement(request):
    form = StatementForm(request.GET or None, user=request.user)
    data = search_form(form)
    year, fund = form.values()
    months = monthly_statement(request.user, year, fund=fund, county=data.get("county"))
    totals = {key: sum((m[key] for m in months), ZERO) for key in ("income", "expenditure", "surplus")}
    return form, year, fund, data.get("county"), months, totals


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def statement(request):
    """收支月报: a fund's income and expenditure by month of a year, for the user's region or a
    county of it, with its print view and export."""
    form, year, fund, county, months, totals = _statement(request)
    template = "funds/statement_print.html" if request.GET.get("print") == "1" else "funds/statement.html"
    query = request.GET.copy()
    query.pop("print", None)
    chart = {"year": year, "months": [{"label": f"{m['month']}月", "income": str(m["income"]), "expenditure": str(m["expenditure"])}
                                      for m in months]}
    return render(request, template, {"form": form, "year": year, "fund_label": Fund(fund).label, "county": county, "months": months,
                                      "totals": totals, "query": query.urlencode(), "chart": chart, "trail": [("基金收支月报", "")]})


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def statement_export(request):
    _form, year, fund, county, months, totals = _statement(request)
    rows = [(f"{m['month']}月", m["income"], m["expenditure"], m["surplus"], m["year_to_date"]) for m in months]
    rows.append(("合计", totals["income"], totals["expenditure"], totals["surplus"], totals["surplus"]))
    where = county.name if county else (request.user.region.name if request.user.region_id else "")
    data = write_xlsx(["月份", "收入", "支出", "当月结余", "本年累计结余"], rows, title=f"{year}年{Fund(fund).label}收支月报")
    return xlsx_response(data, f"{where}{year}年{Fund(fund).label}收支月报.xlsx")


@permission_required(VIEW, raise_exception=True)
def alert_detail(request, pk):
    """A warning and its warning opinion (预警意见): the next step's form for who records them,
    and the opinion's print view (?print=1) to hand out."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from core.errors import ServiceError
    from core.views_base import get_restricted_object_or_404
    from funds.models import FundAlert, WarningOpinion
    from funds.services import opinions

    alert = get_restricted_object_or_404(request, FundAlert.objects.select_related("region"), pk=pk)
    opinion = WarningOpinion.objects.filter(alert=alert).select_related("drafted_by", "recorded_by").first()
    step = None
    if request.user.has_perm(opinions.PERMISSION):
        step = ("draft", OpinionDraftForm) if opinion is None else {
            WarningOpinion.Status.DRAFTED: ("cosign", OpinionCosignForm),
            WarningOpinion.Status.COSIGNED: ("approve", OpinionApproveForm)}.get(opinion.status)
    form = step[1](request.POST or None) if step else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if step[0] == "draft":
                opinions.opinion_draft(user=request.user, alert=alert, text=data["text"], on=data["on"])
            elif step[0] == "cosign":
                opinions.opinion_cosign(user=request.user, opinion=opinion, signer=data["signer"], on=data["on"])
            else:
                opinions.opinion_approve(user=request.user, opinion=opinion, document=data["document"], on=data["on"])
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "已登记预警意见")
            return redirect("funds:alert", pk=alert.pk)
    template = "funds/opinion_print.html" if request.GET.get("print") == "1" and opinion else "funds/alert_detail.html"
    return render(request, template, {"alert": alert, "opinion": opinion, "form": form,
                                      "trail": [("基金运行预警", reverse("funds:alerts")), (str(alert), "")]})


def _city_of(request, refusal: str):
    """The pooling region (city) the user is bound to; a county's user, or one above the pooling
    regions, is refused: accounting is city-wide (S001 §三(三)3)."""
    from funds.services.scope import city_user_region

    city = city_user_region(request.user)
    if city is None:
        raise PermissionDenied(refusal)
    return city


@permission_required(VIEW, raise_exception=True)
@refuses_bad_query
def deficit(request):
    """基金缺口分担: the year's deficit of the city's resident basic fund and its shares (S001 §三(三)5)."""
    from funds.services.deficit import deficit_report

    city = _city_of(request, "基金缺口分担按统筹区（市）测算，请由市医保局用户查看")
    form = YearForm(request.GET or None)
    search_form(form)
    report = deficit_report(city, form.year_value())
    template = "funds/deficit_print.html" if request.GET.get("print") == "1" else "funds/deficit.html"
    return render(request, template, {"form": form, "city": city, "report": report, "trail": [("基金缺口分担", "")]})

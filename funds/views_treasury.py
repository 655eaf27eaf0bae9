"""银行存款利息: the city's fund cashier records the interest a bank credited to one of the fund's
bank accounts; the year's interest entries are listed. Thin door into funds.services.treasury."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import redirect, render

from core.errors import ServiceError
from core.validation import refuses_bad_query
from funds.forms import InterestForm
from funds.models import Fund, JournalEntry, SourceKind
from funds.services import treasury


@permission_required(treasury.PERMISSION, raise_exception=True)
def interest(request):
    from funds.services.budget import check_city_user

    try:
        city = check_city_user(request.user)
    except ServiceError as error:
        raise PermissionDenied(error.message) from None
    form = InterestForm(request.POST or None, city=city)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = treasury.record_interest(user=request.user, fund=data["fund"], kind=data["kind"], holder=data["holder"],
                                             amount=data["amount"], on=data["on"], memo=data["memo"])
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"已登记利息，凭证 {entry.pk}")
            return redirect("funds:interest")
    entries = (JournalEntry.objects.filter(city=city, source_kind=SourceKind.INTEREST).select_related("posted_by")
               .annotate(reversal_pk=F("reversed_by")).order_by("-posted_on", "-pk")[:100])
    rows = [(e, e.lines.filter(amount__gt=0).first()) for e in entries]  # the bank account's line names the fund
    return render(request, "funds/interest.html", {"form": form, "rows": rows, "city": city, "trail": [("银行存款利息", "")]})


@refuses_bad_query
def advances(request):
    """年初资金预拨: the revolving fund city finance advances (one month of last year's average
    expenditure) and each county office's manual-claims advance, for a year and fund."""
    from django.utils import timezone

    from core.validation import search_form
    from funds.forms import AdvanceYearForm, ManualAdvanceForm, RevolvingForm
    from funds.services.budget import check_city_user

    user = request.user
    if not (user.has_perm("funds.view_journalentry") and (user.has_perm(treasury.REVOLVING_PERMISSION)
                                                           or user.has_perm(treasury.ADVANCE_PERMISSION))):
        raise PermissionDenied("您没有办理年初资金预拨的权限")
    try:
        city = check_city_user(user)
    except ServiceError as error:
        raise PermissionDenied(error.message) from None
    query = AdvanceYearForm(request.GET or None)
    data = search_form(query)
    year, fund = data.get("year") or timezone.localdate().year, data.get("fund") or "resident_basic"
    action = request.POST.get("action") if request.method == "POST" else None
    revolving = RevolvingForm(request.POST if action == "revolving" else None) if user.has_perm(treasury.REVOLVING_PERMISSION) else None
    manual = (ManualAdvanceForm(request.POST if action == "manual" else None, city=city)
              if user.has_perm(treasury.ADVANCE_PERMISSION) else None)
    if request.method == "POST":
        form = revolving if action == "revolving" else manual if action == "manual" else None
        if form is None:
            raise PermissionDenied("您没有办理该项预拨的权限")
        if form.is_valid():
            d = form.cleaned_data
            try:
                if action == "revolving":
                    entry = treasury.revolving_advance(user=user, fund=fund, year=year, on=d["on"])
                else:
                    entry = treasury.manual_advance(user=user, fund=fund, county=d["county"], year=year, amount=d["amount"], on=d["on"])
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                messages.error(request, error.message)  # also when the page no longer shows the form (已拨付)
            else:
                messages.success(request, f"已预拨，凭证 {entry.pk}")
                return redirect(f"{request.path}?year={year}&fund={fund}")
    keys = [f"revolving:{city.code}:{fund}:{year}"]
    counties = list(ManualAdvanceForm(city=city).fields["county"].queryset)
    keys += [f"manual_advance:{c.code}:{fund}:{year}" for c in counties]
    posted = {e.key: e for e in JournalEntry.objects.filter(key__in=keys)}
    rows = [{"county": c, "last_year": treasury.manual_claims_of_year(city, c, fund, year - 1),
             "entry": posted.get(f"manual_advance:{c.code}:{fund}:{year}")} for c in counties]
    for row in rows:
        row["suggested"] = treasury.manual_advance_suggestion(row["last_year"])
    return render(request, "funds/advances.html", {
        "city": city, "year": year, "fund": fund, "query": query, "revolving": revolving, "manual": manual, "rows": rows,
        "revolving_amount": treasury.revolving_amount(city, fund, year), "revolving_entry": posted.get(keys[0]),
        "revolving_paid": (posted[keys[0]].lines.filter(amount__gt=0).first().amount if keys[0] in posted else None),
        "revolving_from": treasury.advance_window(city, "周转金", year)[0],
        "manual_window": treasury.advance_window(city, "手工报销预拨", year),
        "fund_label": Fund(fund).label, "trail": [("年初资金预拨", "")]})


@permission_required("funds.view_journalentry", raise_exception=True)
@refuses_bad_query
def receipts(request):
    """资金缴入市级财政专户: what the treasury and each fiscal level still owe the fund, by county,
    and the city finance bureau's form for a transfer as it arrives."""
    from django.utils import timezone

    from core.validation import search_form
    from funds.forms import FundChoiceForm, ReceiptForm
    from funds.services import receipts as service

    user = request.user
    try:
        city = service.city_of(user)
    except ServiceError as error:
        raise PermissionDenied(error.message) from None
    query = FundChoiceForm(request.GET or None)
    fund = search_form(query).get("fund") or Fund.RESIDENT_BASIC
    may_record = user.has_perm(service.PERMISSION)
    if request.method == "POST" and not may_record:
        raise PermissionDenied("您没有登记资金缴入市级财政专户的权限")
    form = ReceiptForm(request.POST or None, city=city) if may_record else None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            entry = service.record_receipt(user=user, fund=fund, source=d["source"], county=d["county"], amount=d["amount"], on=d["on"],
                                           document=d["document"])
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"已登记到账，凭证 {entry.pk}")
            return redirect(f"{request.path}?fund={fund}")
    today = timezone.localdate()
    entries = (JournalEntry.objects.filter(city=city, source_kind=SourceKind.RECEIPT, lines__fund=fund, lines__amount__gt=0)
               .select_related("posted_by").annotate(reversal_pk=F("reversed_by")).distinct().order_by("-posted_on", "-pk")[:100])
    rows = [(e, e.lines.filter(amount__gt=0).select_related("county").first()) for e in entries]
    owed = service.owed(city, fund, today)
    owed_total = sum((o.owed for o in owed if o.owed > 0), service.ZERO)
    return render(request, "funds/receipts.html", {
        "city": city, "fund": fund, "fund_label": Fund(fund).label, "query": query, "form": form, "owed": owed, "rows": rows,
        "today": today, "owed_total": owed_total, "trail": [("资金缴入市级财政专户", "")]})

"""Staff pages of enrollment. Each view restricts rows with the user's region (core.restrict
through get_restricted_object_or_404 / selectors) and calls one service."""

import re
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from core.history import history_entries
from core.models import RegionLevel, SecurityEvent, User
from core.restrict import region_allowed
from core.paging import keyset_page
from core.security import record_event
from core.idnumber import normalize as normalize_id_number
from core.display import yuan
from core.validation import (BadQuery, date_problem, keyset_params, pk_param, refuses_bad_query, search_form, text_param,
                             year_param)
from core.views import xlsx_response
from core.views_base import get_restricted_object_or_404
from core.xlsx import write_xlsx
from assistance import selectors as assistance_selectors
from assistance.services.identities import valid_identities
from enrollment import charts, forms, receipts, selectors
from enrollment import worklists
from enrollment.models import Category, EmployeeCoverage, Enrollment, Household, Payment, Person, ResidentScheme, SchemeAssignment
from enrollment.services import enrollments as enrollment_services
from enrollment.services import payments as payment_services
from enrollment.services import people as people_services
from enrollment.services.policy import resident_policy

EXPORT_ROW_LIMIT = 200_000


def dashboard(request):
    today = timezone.localdate()
    year = selectors.current_benefit_year(today)
    context = {"today": today}
    if request.user.has_perm("enrollment.view_enrollment"):
        context["figures"] = [selectors.enrollment_figures(request.user, y) for y in (year, year + 1)]
        context["windows"] = selectors.open_windows(request.user, today)
        context.update(charts.dashboard_charts(request.user, today))
        # 各村征缴进度: the year being collected (an open window's), else the current one.
        collecting = worklists.collecting_year(request.user, today)
        context["progress"] = next((f for f in context["figures"] if f["year"] == collecting), context["figures"][0])
        context["several_counties"] = len({v["county"] for v in context["progress"]["villages"]}) > 1
    if request.user.has_perm("benefits.view_chronicapproval"):
        from benefits.services.chronic import decided_for_submitter, status_counts

        context["chronic"] = status_counts(request.user, today)
        context["chronic_decided"] = decided_for_submitter(request.user, today)
    if request.user.has_perm("funds.view_paymentplan"):
        from funds.models import PaymentPlan
        from funds.services.plans import awaiting

        context["plans_awaiting"] = PaymentPlan.objects.restrict(request.user).filter(awaiting(request.user)).count()
    return render(request, "enrollment/dashboard.html", context)


@permission_required("enrollment.view_person", raise_exception=True)
@refuses_bad_query
def people_list(request):
    form = forms.PersonSearchForm(request.GET or None, user=request.user)
    data = search_form(form)
    qs = selectors.people_search(request.user, data.get("q", ""), data.get("village"))
    paging = keyset_params(request)
    page = keyset_page(qs, **paging)
    if len(page.items) == 1 and len(normalize_id_number(data.get("q"))) == 18 and paging["after"] is None:
        return redirect("enrollment:person", pk=page.items[0].pk)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "enrollment/people_list.html", {"form": form, "page": page, "query": query.urlencode()})


@permission_required("enrollment.export_person", raise_exception=True)
@refuses_bad_query
def people_export(request):
    form = forms.PersonSearchForm(request.GET or None, user=request.user)
    data = search_form(form)
    qs = selectors.people_search(request.user, data.get("q", ""), data.get("village")).order_by("pk")
    full = request.user.has_perm("core.view_full_id_number")
    headers = ["姓名", "身份证号", "性别", "出生日期", "联系电话", "村/社区", "与户主关系", "状态"]
    rows = (
        [p.name, p.id_number if full else p.masked_id_number, p.get_gender_display(), p.birth_date, p.phone,
         p.village.name, p.get_relation_to_head_display(), p.get_status_display()]
        for p in qs.iterator(chunk_size=2000)
    )
    record_event(kind=SecurityEvent.Kind.EXPORT, request=request, object_type="enrollment.Person", detail="导出人员名单")
    rows = (row for i, row in enumerate(rows) if i < EXPORT_ROW_LIMIT)
    return xlsx_response(write_xlsx(headers, rows, title="人员名单"), f"人员名单-{timezone.localdate():%Y%m%d}.xlsx")


def _person(request, pk) -> Person:
    return get_restricted_object_or_404(request, Person.objects.select_related("village", "village__parent", "household", "household__head"), pk=pk)


def _person_trail(person: Person) -> list:
    trail = [("人员查询", reverse("enrollment:people"))]
    if person.household_id:
        trail.append((str(person.household), reverse("enrollment:household", args=[person.household_id])))
    return trail + [(person.name, "")]


@permission_required("enrollment.view_person", raise_exception=True)
def person_detail(request, pk):
    person = _person(request, pk)
    today = timezone.localdate()
    enrollments = selectors.with_amounts_due(
        Enrollment.objects.restrict(request.user).filter(person=person).select_related("school").order_by("-benefit_year"), today=today)
    context = {"person": person, "enrollments": enrollments, "today": today, "trail": _person_trail(person)}
    if request.user.has_perm("assistance.view_hardshipidentity"):
        context["identities"] = assistance_selectors.identities_of(person)
        context["assistance"] = assistance_selectors.person_assistance(person, context["today"])
    if request.user.has_perm("enrollment.view_enrollment"):
        context["history"] = history_entries([person, *enrollments])
    return render(request, "enrollment/person_detail.html", context)


@permission_required("enrollment.change_person", raise_exception=True)
def person_edit(request, pk):
    person = _person(request, pk)
    initial = {f: getattr(person, f) for f in ("name", "phone", "relation_to_head", "status", "status_date", "village")}
    form = forms.PersonEditForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            people_services.person_update(user=request.user, person=person, **form.cleaned_data)
        except ServiceError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, "人员信息已保存")
            return redirect("enrollment:person", pk=person.pk)
    return render(request, "enrollment/form.html", {"form": form, "title": f"修改人员信息：{person.name}", "back": person})


# The registration pages record no payment: 登记并缴费 (name="pay") registers, then opens the
# payment page, which prices the day's amount and records it with its receipt (payment_record).
PAY_AFTER_REGISTERING = "pay"


@permission_required("enrollment.add_enrollment", raise_exception=True)
def person_enroll(request, pk):
    person = _person(request, pk)
    form = forms.EnrollmentTermsForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment = enrollment_services.enrollment_register(user=request.user, person=person, **form.service_kwargs())
        except ServiceError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _enrolled_message(enrollment))
            if PAY_AFTER_REGISTERING in request.POST:
                return redirect("enrollment:enrollment_pay", pk=enrollment.pk)
            return redirect("enrollment:person", pk=person.pk)
    trail = [("人员查询", reverse("enrollment:people")), (person.name, reverse("enrollment:person", args=[person.pk])), ("参保登记", "")]
    return render(request, "enrollment/form.html", {"form": form, "title": f"参保登记：{person.name}", "back": person, "trail": trail,
                                                    "submit_label": "登记", "pay_label": "登记并缴费"})


def _enrolled_message(e: Enrollment):
    return format_html(
        "{} {}年度参保登记成功（待缴费），应缴 {} 元，待遇期 {} 至 {}。<a href=\"{}\" class=\"alert-link\">登记缴费</a>",
        e.person.name, e.benefit_year, yuan(e.amount_due), f"{e.benefit_start:%Y-%m-%d}", f"{e.benefit_end:%Y-%m-%d}",
        reverse("enrollment:enrollment_pay", args=[e.pk]))


@permission_required("enrollment.add_household", raise_exception=True)
def household_new(request):
    form = forms.HouseholdForm(request.POST or None, user=request.user)
    members = forms.MemberFormSet(request.POST or None, prefix="members")
    if request.method == "POST" and form.is_valid() and members.is_valid():
        member_inputs = [people_services.MemberInput(**m) for m in members.cleaned_data if m and not m.get("DELETE")]
        try:
            household = people_services.household_register(
                user=request.user, village=form.cleaned_data["village"], address=form.cleaned_data["address"],
                number=form.cleaned_data["number"], members=member_inputs,
            )
        except ServiceError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, f"已登记{household}，共 {len(member_inputs)} 人")
            return redirect("enrollment:household", pk=household.pk)
    return render(request, "enrollment/household_form.html", {"form": form, "members": members})


def _household(request, pk) -> Household:
    return get_restricted_object_or_404(request, Household.objects.select_related("village", "village__parent", "head"), pk=pk)


@permission_required("enrollment.view_household", raise_exception=True)
def household_detail(request, pk):
    household = _household(request, pk)
    year = selectors.current_benefit_year(timezone.localdate())
    years = [year, year + 1]
    unpaid_years = sorted(set(Enrollment.objects.restrict(request.user).filter(person__household=household, status=Enrollment.Status.REGISTERED)
                              .values_list("benefit_year", flat=True)))
    return render(request, "enrollment/household_detail.html", {
        "household": household, "years": years, "members": selectors.household_members_with_status(household, years),
        "history": history_entries([household]) if request.user.has_perm("enrollment.view_enrollment") else [],
        "unpaid_years": unpaid_years, "trail": [("人员查询", reverse("enrollment:people")), (str(household), "")],
    })


@permission_required("enrollment.add_person", raise_exception=True)
def household_add_member(request, pk):
    household = _household(request, pk)
    form = forms.MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = people_services.household_add_member(user=request.user, household=household, member=people_services.MemberInput(**form.cleaned_data))
        except ServiceError as error:
            forms.apply_service_error(form, error)
        else:
            moved = f"（由原{person.moved_from}转入，原户户主不变）" if person.moved_from else ""
            messages.success(request, f"已将{person.name}登记为家庭成员{moved}")
            return redirect("enrollment:household", pk=household.pk)
    return render(request, "enrollment/form.html", {"form": form, "title": f"添加家庭成员：{household}", "back_url": household})


@permission_required("enrollment.add_enrollment", raise_exception=True)
def household_enroll(request, pk):
    """Enroll several members of a household in one form: common channel, category per member;
    subsidies from each member's certified identities. All or nothing. No payment is recorded
    here: 登记并缴费 opens 整户缴费 for the year registered."""
    household = _household(request, pk)
    members = list(household.members.filter(status=Person.Status.NORMAL).select_related("village").order_by("pk"))
    by_id = {m.pk: m for m in members}
    form = forms.HouseholdEnrollForm(request.POST or None)
    initial = [{"person_id": m.pk, "include": True, "category": selectors.default_category(m)} for m in members]
    formset = forms.MemberEnrollFormSet(request.POST or None, initial=initial, prefix="m")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        chosen = [f for f in formset.cleaned_data if f.get("include") and f.get("person_id") in by_id]
        try:
            created = enrollment_services.household_enroll(
                user=request.user,
                members=[(by_id[f["person_id"]], f["category"]) for f in chosen],
                channel=form.cleaned_data["channel"], benefit_year=form.cleaned_data.get("benefit_year"),
            )
        except ServiceError as error:
            forms.apply_service_error(form, error)
        else:
            years = sorted({e.benefit_year for e in created})
            pay_url = f"{reverse('enrollment:household_pay', args=[household.pk])}?year={years[0]}"
            messages.success(request, format_html(
                "已为 {} 名家庭成员办理参保登记（待缴费），应缴合计 {} 元。<a href=\"{}\" class=\"alert-link\">整户缴费</a>",
                len(created), yuan(sum((e.amount_due for e in created), Decimal("0.00"))), pay_url))
            if PAY_AFTER_REGISTERING in request.POST:
                return redirect(pay_url)
            return redirect("enrollment:household", pk=household.pk)
    identities = valid_identities([m.pk for m in members], timezone.localdate())
    quotes = selectors.quotes_today([(m, i["category"]) for m, i in zip(members, initial)])
    rows = [(m, f, identities.get(m.pk, []), quotes[m.pk]) for m, f in zip(members, formset.forms)]
    trail = [("人员查询", reverse("enrollment:people")), (str(household), reverse("enrollment:household", args=[household.pk])),
             ("全户参保登记", "")]
    return render(request, "enrollment/household_enroll.html", {"household": household, "form": form, "formset": formset, "rows": rows,
                                                                "trail": trail})


def _enrollment(request, pk) -> Enrollment:
    return get_restricted_object_or_404(request, Enrollment.objects.select_related("person", "person__village", "school"), pk=pk)


def _enrollment_action(request, pk, form_class, action, title, success):
    if not request.user.has_perm("enrollment.change_enrollment"):
        raise PermissionDenied
    enrollment = _enrollment(request, pk)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(enrollment, form.cleaned_data)
        except ServiceError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, success)
            return redirect("enrollment:person", pk=enrollment.person_id)
    selectors.with_amounts_due([enrollment])  # the header shows what paying today costs
    return render(request, "enrollment/form.html", {"form": form, "title": f"{title}：{enrollment}", "back": enrollment.person, "enrollment": enrollment})


def _priced_on(form) -> date:
    """The day the payment form's amounts are priced for: the date typed (once valid), else today."""
    if form.is_bound and not form.is_valid() and "payment_date" in form.errors:
        return timezone.localdate()
    return form.cleaned_data["payment_date"] if form.is_bound else timezone.localdate()


def _payment_page(request, *, form, enrollments, title, trail, household=None, year=None, years=()):
    """The payment form of one enrollment or a household's: each enrollment priced for the
    payment date (the one pricing path the payment takes), and the total due of those ticked."""
    priced_on = _priced_on(form)
    if "recalculate" in request.POST:
        # 按缴费日期重新核定 asks only for the amounts of the date typed: no errors yet on the rest.
        for name in [n for n in form.errors if n != "payment_date"]:
            del form.errors[name]
    rows = selectors.with_amounts_due(enrollments, today=priced_on)
    ticked = None
    if "enrollments" in form.fields and form.is_bound and "enrollments" not in form.errors:
        ticked = set(form.cleaned_data["enrollments"])
    due = [e for e in rows if ticked is None or e.pk in ticked]
    return render(request, "enrollment/payment_form.html", {
        "form": form, "title": title, "trail": trail, "rows": rows, "household": household, "year": year, "years": years,
        "ticked": ticked, "priced_on": priced_on, "total_due": sum((e.due.amount_due for e in due), Decimal("0.00")),
        "total_subsidy": sum((e.due.subsidy for e in due), Decimal("0.00")),
    })


def _record_payment(request, form, enrollments, household=None):
    """Record the payment; the receipt on success, None (errors on the form) on refusal."""
    try:
        payment = payment_services.payment_record(user=request.user, enrollments=enrollments, household=household,
                                                  **form.service_kwargs())
    except ServiceError as error:
        forms.apply_service_error(form, error)
        return None
    messages.success(request, f"缴费已登记：票据号 {payment.receipt_number}，实收 {yuan(payment.amount)} 元")
    return redirect("enrollment:payment_receipt", pk=payment.pk)


@permission_required("enrollment.change_enrollment", raise_exception=True)
def enrollment_pay(request, pk):
    """登记缴费 for one enrollment: receipt number, amount received, method and date."""
    enrollment = _enrollment(request, pk)
    form = forms.CounterPaymentForm(request.POST or None)
    if request.method == "POST" and "recalculate" not in request.POST and form.is_valid():
        done = _record_payment(request, form, [enrollment])
        if done is not None:
            return done
    person = enrollment.person
    trail = [("人员查询", reverse("enrollment:people")), (person.name, reverse("enrollment:person", args=[person.pk])), ("登记缴费", "")]
    return _payment_page(request, form=form, enrollments=[enrollment], title=f"登记缴费：{enrollment}", trail=trail)


@permission_required("enrollment.change_enrollment", raise_exception=True)
@refuses_bad_query
def household_pay(request, pk):
    """整户缴费: every unpaid enrollment of the household's members for a benefit year (?year=),
    all ticked, one receipt number and one amount for all, recorded as one payment."""
    household = _household(request, pk)
    unpaid = (Enrollment.objects.restrict(request.user).filter(person__household=household, status=Enrollment.Status.REGISTERED)
              .select_related("person", "person__village", "school"))
    years = sorted(set(unpaid.values_list("benefit_year", flat=True)))
    year = year_param(request, default=years[0] if years else selectors.current_benefit_year(timezone.localdate()))
    enrollments = list(unpaid.filter(benefit_year=year).order_by("person_id"))
    form = forms.HouseholdPaymentForm(request.POST or None, enrollments=enrollments)
    if request.method == "POST" and "recalculate" not in request.POST and form.is_valid():
        chosen = [e for e in enrollments if e.pk in set(form.cleaned_data["enrollments"])]
        done = _record_payment(request, form, chosen, household)
        if done is not None:
            return done
    trail = [("人员查询", reverse("enrollment:people")), (str(household), reverse("enrollment:household", args=[household.pk])),
             ("整户缴费", "")]
    return _payment_page(request, form=form, enrollments=enrollments, title=f"整户缴费：{household} {year}年度", trail=trail,
                         household=household, year=year, years=years)


@permission_required("enrollment.view_enrollment", raise_exception=True)
def payment_receipt(request, pk):
    """缴费凭证: what was paid, by whom, for whom; printable (half an A4 page)."""
    payment = get_restricted_object_or_404(
        request, Payment.objects.select_related("county", "village", "village__parent", "household", "household__head", "recorded_by"), pk=pk)
    lines = receipts.payment_for_receipt(payment)
    if payment.household_id:
        back = (str(payment.household), reverse("enrollment:household", args=[payment.household_id]))
    else:
        back = (lines[0].person.name, reverse("enrollment:person", args=[lines[0].person_id])) if lines else ("人员查询", reverse("enrollment:people"))
    return render(request, "enrollment/payment_receipt.html", {
        "payment": payment, "lines": lines, "in_words": receipts.amount_in_words(payment.amount),
        "trail": [("人员查询", reverse("enrollment:people")), back, ("缴费凭证", "")],
    })


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _date_param(request, name: str, *, label: str, default: date) -> date:
    raw = text_param(request, name, max_length=10, label=label)
    if not raw:
        return default
    if not _ISO_DATE.fullmatch(raw):
        raise BadQuery(name, f"{label}「{raw}」不是有效的日期（应为 2026-01-31 的格式）")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise BadQuery(name, f"{label}「{raw}」不是有效的日期") from None
    problem = date_problem(value, label=label)
    if problem:
        raise BadQuery(name, problem)
    return value


@permission_required("enrollment.view_enrollment", raise_exception=True)
@refuses_bad_query
def daily_summary(request):
    """日结单: a clerk's payments of a day (default: the user's, today), totals per method."""
    today = timezone.localdate()
    day = _date_param(request, "date", label="日期", default=today)
    clerks = User.objects.restrict(request.user).filter(is_active=True).order_by("username")
    clerk_pk = pk_param(request, "clerk", label="经办人")
    if clerk_pk is None:
        clerk = request.user
    else:
        clerk = clerks.filter(pk=clerk_pk).first()
        if clerk is None:
            raise BadQuery("clerk", "所选经办人不存在或不在您的管辖区划内")
    summary = receipts.daily_summary(request.user, clerk=clerk, day=day)
    return render(request, "enrollment/daily_summary.html", {"summary": summary, "clerks": clerks, "day": day, "today": today})


def enrollment_cancel(request, pk):
    return _enrollment_action(
        request, pk, forms.ReasonForm,
        lambda e, d: enrollment_services.enrollment_cancel(user=request.user, enrollment=e, reason=d["reason"]),
        "注销（退费）", "参保登记已注销",
    )


def enrollment_suspend(request, pk):
    return _enrollment_action(
        request, pk, forms.ReasonForm,
        lambda e, d: enrollment_services.enrollment_suspend(user=request.user, enrollment=e, reason=d["reason"]),
        "暂停待遇", "居民医保待遇已暂停",
    )


@require_POST
def enrollment_resume(request, pk):
    if not request.user.has_perm("enrollment.change_enrollment"):
        raise PermissionDenied
    enrollment = _enrollment(request, pk)
    try:
        enrollment_services.enrollment_resume(user=request.user, enrollment=enrollment)
        messages.success(request, "居民医保待遇已恢复")
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("enrollment:person", pk=enrollment.person_id)


# Rows of the renewal preview, each with a checkbox: below Django's 1,000 POST fields
# (DATA_UPLOAD_MAX_NUMBER_FIELDS) with the form's own fields. A bigger village is renewed in turns.
RENEW_PREVIEW_LIMIT = 900


def _chosen_ids(request) -> tuple[set[int], int]:
    """The person ids ticked on the renewal preview, and how many values were not ids at all."""
    ids, bad = set(), 0
    for value in request.POST.getlist("person"):
        if value.isascii() and value.isdigit() and len(value) < 19:
            ids.add(int(value))
        else:
            bad += 1
    return ids, bad


@permission_required("enrollment.add_enrollment", raise_exception=True)
@refuses_bad_query
def renew(request):
    """Renew last year's enrollees of a village in bulk, in three steps: the preview lists the
    candidates (category and amount due today, each ticked); 下一步 shows the ticked people's
    count and total for confirmation; 确认 registers exactly those (renew_village, which checks
    each id is a candidate of the village: another county's id is ignored and counted)."""
    form = forms.RenewForm(request.POST or request.GET or None, user=request.user)
    context = {"form": form, "stage": "preview", "limit": RENEW_PREVIEW_LIMIT, "ticked": None}
    if not (form.is_bound and form.is_valid()):
        return render(request, "enrollment/renew.html", context)
    village, to_year = form.cleaned_data["village"], form.cleaned_data["to_year"]
    candidates = enrollment_services.renewal_candidates(user=request.user, village=village, to_year=to_year)
    context.update({"village": village, "to_year": to_year})
    if request.method == "POST":
        ids, bad = _chosen_ids(request)
        if not ids and not bad:
            messages.error(request, "请至少勾选一人再办理续保")
        elif "back" in request.POST:  # 返回修改: the preview again, with the same boxes ticked
            context["ticked"] = ids
        elif "confirm" in request.POST:
            result = enrollment_services.renew_village(user=request.user, village=village, to_year=to_year, person_ids=ids)
            messages.success(request, f"{village.name} {to_year}年度续保：登记 {result.created} 人，未能登记 {len(result.refused)} 人")
            if result.ignored + bad:
                messages.warning(request, f"有 {result.ignored + bad} 个所选人员不在本村可续保名单中，已忽略")
            context.update({"stage": "done", "refused": result.refused})
        else:
            chosen = list(candidates.filter(pk__in=ids))
            ignored = len(ids) + bad - len(chosen)
            rows = _renewal_rows(chosen, to_year)
            left_out = list(candidates.exclude(pk__in=ids)[:RENEW_PREVIEW_LIMIT])
            context.update({
                "stage": "review", "rows": rows, "chosen_count": len(chosen), "ignored": ignored, "left_out": left_out,
                "total": sum((q.amount_due for _p, _c, q in rows if q.amount_due is not None and not q.note), Decimal("0.00")),
                "unpriced": sum(1 for _p, _c, q in rows if q.amount_due is None or q.note),
            })
            return render(request, "enrollment/renew.html", context)
    shown = list(candidates[:RENEW_PREVIEW_LIMIT])
    context.update({"rows": _renewal_rows(shown, to_year), "candidate_count": candidates.count()})
    return render(request, "enrollment/renew.html", context)


def _renewal_rows(people, to_year):
    """(person, category label, quote) for the renewal pages: the category each would renew in
    and the amount due as renewing today prices it."""
    categories = selectors.renewal_categories(people, to_year=to_year)
    quotes = selectors.renewal_quotes(people, to_year=to_year, categories=categories)
    return [(p, Category(categories[p.pk]).label, quotes[p.pk]) for p in people]


@permission_required("enrollment.view_employeecoverage", raise_exception=True)
@refuses_bad_query
def employee_coverage(request):
    q = text_param(request, "q", label="身份证号或姓名")
    qs = EmployeeCoverage.objects.restrict(request.user)
    if q:
        number = normalize_id_number(q)
        qs = qs.filter(id_number=number) if len(number) == 18 else qs.filter(name__startswith=q)
    page = keyset_page(qs, **keyset_params(request))
    return render(request, "enrollment/employee_coverage.html", {"page": page, "q": q})


@permission_required("enrollment.view_contributionstandard", raise_exception=True)
def policy(request):
    """The resident-scheme parameters in force, per scheme, with unconfirmed values marked."""
    schemes = []
    for scheme in ResidentScheme.objects.order_by("code"):
        # Pooling regions (city, province) and the user's own; not another county's assignment.
        regions = [a.region for a in SchemeAssignment.objects.filter(scheme=scheme).select_related("region")
                   if a.region.level in (RegionLevel.PROVINCE, RegionLevel.CITY) or region_allowed(request.user, a.region)]
        year = timezone.localdate().year
        policy = resident_policy(scheme)
        windows = [policy.window_for(kind, y) for y in (year, year + 1) for kind in ("resident", "college_student")
                   if kind == "resident" or scheme.college_own_period]
        schemes.append({
            "scheme": scheme, "regions": regions, "windows": windows,
            "standards": scheme.standards.order_by("-benefit_year"), "subsidies": scheme.subsidy_rules.order_by("identity_code", "from_year"),
        })
    return render(request, "enrollment/policy.html", {"schemes": schemes})

"""Bad input, refused in one place: the plausible range of dates, and the parsing of query
parameters.

Dates: nothing the bureau records lies before 1900-01-01 or after 2099-12-31 (a birth, a
payment, a certification, the end of a previous cover); a payment or certification is never
dated after today. Services check with `check_date` (ServiceError on the field), forms with
`plausible_date` (ValidationError on the field), imports with `date_problem` (the same
message). Outside the range the calendar arithmetic of the rules (date + 1 day, + 12 months)
would overflow.

Query parameters: `int_param`, `year_param`, `month_param`, `text_param`, `choice_param` and
`search_form` raise BadQuery with a Chinese message; views wrapped in `@refuses_bad_query`
answer it with a 400 page that shows the message. One behaviour everywhere: a bad parameter is
never silently replaced by a default. The decorator also refuses a NUL character in any
parameter, which PostgreSQL cannot store or compare (psycopg raises ValueError -> 500).
"""

from datetime import date
from functools import wraps

from django import forms
from django.shortcuts import render
from django.utils import timezone

from core.errors import ServiceError

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2099, 12, 31)
TEXT_PARAM_MAX_LENGTH = 100
PAGE_PARAM_MAX = 1_000_000
BAD_QUERY_TEMPLATE = "bad_request.html"


# ------------------------------------------------------------------------------ dates

def date_problem(value: date, *, label: str = "", not_after_today: bool = False, today: date | None = None) -> str | None:
    """The Chinese reason a date is implausible, or None. `label` names the date ("缴费日期");
    left empty where the field or column already names it."""
    shown = f"{label}「{value.isoformat()}」"
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return f"{shown}不在合理范围内（应在{EARLIEST_DATE.isoformat()}至{LATEST_DATE.isoformat()}之间）"
    if not_after_today:
        today = today or timezone.localdate()
        if value > today:
            return f"{label or '日期'}不能晚于今天（{value.isoformat()} 晚于 {today.isoformat()}）"
    return None


def check_date(value: date | None, *, field: str, label: str, not_after_today: bool = False,
               today: date | None = None) -> date | None:
    """Services: ServiceError("date_range" / "date_future", message, field) for an implausible date."""
    if value is None:
        return None
    problem = date_problem(value, label=label)
    if problem:
        raise ServiceError("date_range", problem, field)
    problem = date_problem(value, label=label, not_after_today=not_after_today, today=today)
    if problem:
        raise ServiceError("date_future", problem, field)
    return value


def plausible_date(value: date | None) -> None:
    """A form field validator (validators=[plausible_date]): the range only; whether a date
    may lie in the future is the service's rule."""
    if value is None:
        return
    problem = date_problem(value)
    if problem:
        raise forms.ValidationError(problem, code="date_range")


# ------------------------------------------------------------------------------ query parameters

class BadQuery(ServiceError):
    """A query parameter that cannot be used; `form` is the search form it came from, shown
    again on the 400 page so the user can correct it."""

    def __init__(self, name: str, message: str, form: forms.Form | None = None):
        super().__init__("bad_query", message, name)
        self.form = form


def text_param(request, name: str, *, max_length: int = TEXT_PARAM_MAX_LENGTH, label: str | None = None) -> str:
    """A text parameter, stripped; "" when absent. NUL and over-long values are refused."""
    value = request.GET.get(name, "")
    if "\x00" in value:
        raise BadQuery(name, f"查询条件「{label or name}」含有非法字符")
    value = value.strip()
    if len(value) > max_length:
        raise BadQuery(name, f"查询条件「{label or name}」过长（{len(value)} 个字符，最多 {max_length} 个）")
    return value


def int_param(request, name: str, *, min_value: int, max_value: int, default: int | None = None,
              label: str | None = None) -> int | None:
    """An integer parameter within [min_value, max_value]; `default` when absent or blank."""
    raw = text_param(request, name, max_length=20, label=label)
    if raw == "":
        return default
    label = label or name
    if not (raw.isascii() and raw.lstrip("-").isdigit()):
        raise BadQuery(name, f"{label}「{raw}」不是有效的整数")
    value = int(raw)
    if not min_value <= value <= max_value:
        raise BadQuery(name, f"{label} {value} 不在 {min_value} 至 {max_value} 之间")
    return value


def year_param(request, name: str = "year", *, default: int | None = None) -> int | None:
    return int_param(request, name, min_value=EARLIEST_DATE.year, max_value=LATEST_DATE.year, default=default, label="年度")


def month_param(request, name: str = "month", *, default: int | None = None) -> int | None:
    return int_param(request, name, min_value=1, max_value=12, default=default, label="月份")


def pk_param(request, name: str, *, label: str | None = None) -> int | None:
    """A row id (positive integer, at most a PostgreSQL bigint), None when absent."""
    return int_param(request, name, min_value=1, max_value=2**63 - 1, label=label)


def page_param(request, name: str = "page") -> int:
    """A Paginator page number (Paginator.get_page shows the last page for one past the end)."""
    return int_param(request, name, min_value=1, max_value=PAGE_PARAM_MAX, default=1, label="页码")


def choice_param(request, name: str, choices, *, label: str | None = None) -> str:
    """One of `choices` (values, or (value, label) pairs), "" when absent."""
    value = text_param(request, name, label=label)
    allowed = {c[0] if isinstance(c, (tuple, list)) else c for c in choices}
    if value and value not in allowed:
        raise BadQuery(name, f"{label or name}「{value}」不是可选的值")
    return value


def search_form(form: forms.Form) -> dict:
    """The cleaned data of a bound GET form, or BadQuery naming each field's error. An
    unbound form (no parameters) gives {}."""
    if not form.is_bound:
        return {}
    if form.is_valid():
        return form.cleaned_data
    problems = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        problems.extend(f"{label}：{e}" if label else str(e) for e in errors)
    raise BadQuery(next(iter(form.errors)), "；".join(problems), form)


def refuses_bad_query(view):
    """A view whose query parameters are parsed with the helpers above: BadQuery, and a NUL
    character in any parameter name or value, become a 400 page with the message."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            return bad_query_response(request, BadQuery("", "查询条件含有非法字符（NUL），请检查链接"))
        try:
            return view(request, *args, **kwargs)
        except BadQuery as error:
            return bad_query_response(request, error)

    return wrapped


def bad_query_response(request, error: BadQuery):
    return render(request, BAD_QUERY_TEMPLATE, {"message": error.message, "form": error.form, "back": request.path}, status=400)


def keyset_params(request) -> dict:
    """The after/before keys of core.paging.keyset_page."""
    return {"after": pk_param(request, "after", label="翻页位置"), "before": pk_param(request, "before", label="翻页位置")}

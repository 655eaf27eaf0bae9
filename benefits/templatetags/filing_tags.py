"""The person page's remote-care filings (异地就医备案), for other apps' pages."""

from django import template
from django.utils import timezone

from benefits.places import place_text
from benefits.selectors_filings import filings_of

register = template.Library()


@register.inclusion_tag("benefits/_person_filings.html", takes_context=True)
def person_filings(context, person):
    """A person's filings for users who may see filings, restricted to the user's region."""
    user = context["request"].user
    if not user.has_perm("benefits.view_remotecarefiling"):
        return {"show": False}
    return {"show": True, "filings": list(filings_of(user, person)), "person": person, "perms": context.get("perms"),
            "today": timezone.localdate()}


@register.filter
def filing_place(filing) -> str:
    """A filing's destination as users read it: 广东省广州市, 广东省（全省）, 北京市 (a municipality
    is its own city, never 北京市（全省） nor 上海市上海市)."""
    return place_text(filing.destination_province, filing.destination_city)

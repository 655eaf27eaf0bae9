"""The person page's remote-care filings (异地就医备案), for other apps' pages."""

from django import template
from django.utils import timezone

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

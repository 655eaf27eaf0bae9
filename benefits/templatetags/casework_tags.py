"""What the pages offer a user of a county office's casework (benefits.services.casework): the
buttons and menu links of filing and of paper bills, so no page offers what the service refuses
(a user above every pooling region, 湖北省, sees the filings and bills without them)."""

from django import template

from benefits.services.casework import above_pooling_regions
from benefits.services.casework import may_reverse as _may_reverse
from benefits.services.claims import may_take_claims as _may_take_claims
from benefits.services.filings import READ_ONLY_ABOVE_POOLING, may_add_filings, may_change_filings

register = template.Library()


@register.filter
def may_reverse(user) -> bool:
    """{% if user|may_reverse %}: the 冲正 button and its dialog."""
    return _may_reverse(user)


@register.filter
def may_take_claims(user) -> bool:
    """{% if user|may_take_claims %}: the 手工报销录入 link."""
    return _may_take_claims(user)


@register.simple_tag(takes_context=True)
def filing_actions(context) -> dict:
    """{% filing_actions as may %}: may.add (办理备案), may.change (修改结束日期, 撤销) for the
    request's user, and may.read_only, what the pages say to a user who reads filings only
    (blank for the others). Reads the request of the context, which an inclusion tag's
    template (the person page's filings) keeps though it holds no `user`."""
    request = getattr(context, "request", None)
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return {"add": False, "change": False, "read_only": ""}
    return {"add": may_add_filings(user), "change": may_change_filings(user),
            "read_only": READ_ONLY_ABOVE_POOLING if above_pooling_regions(user) else ""}

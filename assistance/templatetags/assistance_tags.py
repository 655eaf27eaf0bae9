"""Template tags of the assistance app for other apps' pages."""

from django import template

from assistance.models import Application

register = template.Library()


@register.inclusion_tag("assistance/person_applications.html", takes_context=True)
def approved_applications(context, person):
    """The person page's card of approved applications (依申请救助), newest decision first,
    for users who may see applications; rows restricted to the user's region."""
    user = context["request"].user
    if not user.has_perm("assistance.view_application"):
        return {"show": False}
    rows = (Application.objects.restrict(user).filter(person=person, status=Application.Status.APPROVED)
            .select_related("one_time_payment", "decided_by").order_by("-decided_on", "-pk"))
    return {"show": True, "applications": list(rows), "person": person, "perms": context.get("perms")}

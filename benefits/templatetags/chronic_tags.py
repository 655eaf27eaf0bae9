"""The person page's 门诊慢特病 approvals and 两病 registrations, for other apps' pages."""

from django import template

from benefits.services.chronic import person_chronic

register = template.Library()


@register.inclusion_tag("benefits/_person_chronic.html", takes_context=True)
def person_chronic_records(context, person):
    """A person's approvals (with their timeline) and registrations, for users who may see them."""
    user = context["request"].user
    if not user.has_perm("benefits.view_chronicapproval"):
        return {"show": False}
    from benefits.services.casework import above_pooling_regions

    casework = not above_pooling_regions(user)
    return {"show": True, "person": person, "may_add": casework and user.has_perm("benefits.add_chronicapproval"),
            "may_register": casework and user.has_perm("benefits.add_twodiseasesregistration"),
            "may_end": casework and user.has_perm("benefits.change_twodiseasesregistration"), **person_chronic(person)}

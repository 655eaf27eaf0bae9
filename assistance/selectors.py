"""Reads of the assistance app, restricted to the user's region."""

from datetime import date

from assistance.models import HardshipIdentity
from assistance.services.identities import assistance_class
from core.errors import ServiceError


def identities_of(person) -> list[HardshipIdentity]:
    return list(HardshipIdentity.objects.filter(person=person).select_related("recorded_by").order_by("-valid_from"))


def person_assistance(person, today: date) -> dict:
    """For a person's page: the identities valid today, the resulting assistance class (the
    most favourable), and what enrolling today would cost with them (RULES.md 1, 2.3)."""
    from enrollment.selectors import default_category
    from enrollment.services.enrollments import priced_with_identities

    valid = [r for r in identities_of(person) if r.is_valid_on(today)]
    result = {"valid": valid, "assistance_class": assistance_class({r.code for r in valid}), "quote": None, "quote_error": ""}
    try:
        terms, _codes, record = priced_with_identities(person, category=default_category(person, today), assessed_on=today)
        result["quote"] = {"terms": terms, "record": record}
    except ServiceError as error:
        result["quote_error"] = error.message
    return result


def identity_search(user, *, code="", status="", department="", query=""):
    qs = HardshipIdentity.objects.restrict(user).select_related("person", "person__village")
    if code:
        qs = qs.filter(code=code)
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department=department)
    query = (query or "").strip()
    if query:
        qs = qs.filter(person__id_number=query.upper()) if len(query) == 18 else qs.filter(person__name__startswith=query)
    return qs

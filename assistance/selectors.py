"""Reads of the assistance app, restricted to the user's region."""

from datetime import date

from assistance.models import HardshipIdentity
from assistance.services.identities import assistance_class
from core.idnumber import normalize as normalize_id_number


def identities_of(person) -> list[HardshipIdentity]:
    return list(HardshipIdentity.objects.filter(person=person).select_related("recorded_by").order_by("-valid_from"))


def person_assistance(person, today: date) -> dict:
    """For a person's page: the identities valid today, the resulting assistance class (the
    most favourable), and what enrolling today would cost (RULES.md 1, 2.3), priced by the
    same service as registration and payment (enrollment.selectors.quotes_today)."""
    from assistance.services.applications import approved_on
    from enrollment.selectors import default_category, quotes_today

    valid = [r for r in identities_of(person) if r.is_valid_on(today)]
    klass = assistance_class({r.code for r in valid})
    result = {"valid": valid, "assistance_class": klass, "quote": None, "quote_error": "",
              # S001 §四(六): classes 3-4 receive assistance only after an approved application.
              "needs_application": klass in (3, 4) and approved_on(person.pk, "class_3_4", today) is None}
    quote = quotes_today([(person, default_category(person, today))], today=today)[person.pk]
    if quote.note:
        result["quote_error"] = quote.note
        return result
    record = next((r for r in valid if r.code == quote.subsidy_identity), None)
    result["quote"] = {"year": quote.benefit_year, "standard": quote.standard, "subsidy": quote.subsidy,
                       "amount_due": quote.amount_due, "record": record}
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
        number = normalize_id_number(query)
        qs = qs.filter(person__id_number=number) if len(number) == 18 else qs.filter(person__name__startswith=query)
    return qs

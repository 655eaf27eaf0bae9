"""Reads of remote-care filings (异地就医备案), always restricted to the user's region."""

from datetime import date

from django.db.models import Q

from benefits.models import RemoteCareFiling
from core.idnumber import normalize as normalize_id_number


def filing_search(user, *, query: str = "", kind: str = "", status: str = "", valid_on: date | None = None, region=None):
    """The user's filings, filtered: a name (its beginning) or a whole ID number, a kind, a
    status, valid on a day (valid status and the day inside the period), a region of the
    user's subtree (county, township or village)."""
    rows = RemoteCareFiling.objects.restrict(user).select_related("person", "person__village", "created_by")
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    if valid_on is not None:
        rows = rows.filter(status=RemoteCareFiling.Status.VALID, valid_from__lte=valid_on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=valid_on))
    if region is not None:
        rows = rows.filter(region_path__startswith=region.path)
    query = (query or "").strip()
    if query:
        number = normalize_id_number(query)
        rows = rows.filter(person__id_number=number) if len(number) == 18 else rows.filter(person__name__startswith=query)
    return rows


def filings_of(user, person):
    """A person's filings for the person page, newest start first."""
    return (RemoteCareFiling.objects.restrict(user).filter(person=person).select_related("created_by")
            .order_by("-valid_from", "-pk"))

"""Reads of 用户管理: the users of the officer's subtree (core.restrict), with their region and
roles loaded for the list."""

from django.db.models import Max, OuterRef, Prefetch, Q, Subquery
from django.contrib.auth.models import Group

from core.models import Region, User


def users_of(officer, *, region: Region | None = None, role: str = "", active: bool | None = None, query: str = ""):
    """The users bound to a region of the officer's subtree; `region` narrows to that region's
    subtree, `query` matches username or name."""
    qs = User.objects.restrict(officer).select_related("region", "facility").prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("name")))
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    if role:
        qs = qs.filter(groups__name=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    # A facility's account never logs in: the list shows when its token was last used.
    from core.models import ApiToken

    last_use = ApiToken.objects.filter(user=OuterRef("pk")).values("user").annotate(last=Max("last_used_at")).values("last")
    return qs.annotate(last_api_use=Subquery(last_use)).order_by("region__path", "username")

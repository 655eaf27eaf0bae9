"""The one place that limits rows to a user's region subtree.

Every region-bound model uses `RegionScopedQuerySet` as its manager and names the lookup
that leads to a region path (`region_path_lookup`). Views (RegionScopedMixin), admin
(core.admin.RegionScopedAdmin), exports, imports and selectors call `.restrict(user)`;
nothing else filters by region.

Seeing and changing differ for rows shared by a city or a province (a scheme's standards, a
city's parameters): `may_change(user, owner_paths)` is the one rule for writes, a row is
changed only by a user whose subtree holds every region that owns it.
"""

from django.db import models


class RegionScopedQuerySet(models.QuerySet):
    def restrict(self, user):
        """Rows inside the user's region subtree; nothing for an anonymous or unbound user.
        Superusers see everything (a province-wide installation's operators)."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if user.region_id is None:
            return self.none()
        lookup = getattr(self.model, "region_path_lookup", "region_path")
        return self.filter(**{f"{lookup}__startswith": user_region_path(user)})


def user_region_path(user) -> str:
    """The user's region path, cached on the user object for the request."""
    cached = getattr(user, "_region_path_cache", None)
    if cached is None:
        cached = user.region.path if user.region_id else ""
        user._region_path_cache = cached
    return cached


def region_allowed(user, region) -> bool:
    """Whether a region (e.g. a village chosen in a form or an import row) is inside the
    user's subtree."""
    if user.is_superuser:
        return True
    if region is None or not user.region_id:
        return False
    return region.path.startswith(user_region_path(user))


def path_allowed(user, path: str) -> bool:
    if user.is_superuser:
        return True
    return bool(user.region_id) and path.startswith(user_region_path(user))


def region_path_of(obj) -> str:
    """The region path of a region-bound row, read along its model's `region_path_lookup`
    (e.g. "region__path" is obj.region.path); "" when the chain is broken."""
    value = obj
    for part in getattr(type(obj), "region_path_lookup", "region_path").split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return value


def may_change(user, owner_paths) -> bool:
    """Whether a user may change, add or delete a row owned by these regions (their paths).
    Every owner must lie inside the user's subtree: a county-bound officer may read a city's
    or a province's table but not change it. A row owned by no region applies to the whole
    installation and is changed by superusers only."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    paths = [p for p in owner_paths]
    if not paths or not user.region_id:
        return False
    return all(p and path_allowed(user, p) for p in paths)

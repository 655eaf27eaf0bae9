"""The one place that limits rows to a user's region subtree.

Every region-bound model uses `RegionScopedQuerySet` as its manager and names the lookup
that leads to a region path (`region_path_lookup`). Views (RegionScopedMixin), admin
(core.admin.RegionScopedAdmin), exports, imports and selectors call `.restrict(user)`;
nothing else filters by region.
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

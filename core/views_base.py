"""Generic view behaviour: every view that shows rows names its model and gets a queryset
restricted to the user's region; a row outside the region is a 404 and a logged attempt."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404

from core.security import record_denied


def get_restricted_object_or_404(request, queryset, *, denied_detail=None, **lookup):
    """The object if it lies in the user's region (and in the queryset's own limits); otherwise
    404, and if it exists elsewhere the attempt is recorded (with denied_detail, if given)."""
    try:
        return queryset.restrict(request.user).get(**lookup)
    except queryset.model.DoesNotExist:
        if queryset.model._default_manager.filter(**lookup).exists():
            extra = {"detail": denied_detail} if denied_detail else {}
            record_denied(request, queryset.model, lookup.get("pk", lookup), **extra)
        raise Http404("没有找到该记录，或您无权查看") from None


class RegionScopedMixin(PermissionRequiredMixin):
    """For class-based views: restricted get_queryset and get_object."""

    model = None
    raise_exception = True

    def get_base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        return self.get_base_queryset().restrict(self.request.user)

    def get_object(self, queryset=None):
        return get_restricted_object_or_404(self.request, self.get_base_queryset(), pk=self.kwargs["pk"])

from django.contrib import admin

from benefits.models import PolicyParameter
from core.admin import RegionScopedHistoryAdmin


@admin.register(PolicyParameter)
class PolicyParameterAdmin(RegionScopedHistoryAdmin):
    """Written here (each save a new version), so revert is allowed; a parameter is its
    pooling region's to change (core.restrict.may_change)."""

    list_display = ("region", "scheme", "name", "value", "unit", "valid_from", "valid_to", "source", "confirmed", "version")
    list_filter = ("region", "scheme", "confirmed")
    search_fields = ("name", "source")
    readonly_fields = ("version",)
    history_revert = True

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from benefits.models import PolicyParameter
from core.admin import RegionScopedAdminMixin


@admin.register(PolicyParameter)
class PolicyParameterAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("region", "scheme", "name", "value", "unit", "valid_from", "valid_to", "source", "confirmed", "version")
    list_filter = ("region", "scheme", "confirmed")
    search_fields = ("name", "source")
    readonly_fields = ("version",)

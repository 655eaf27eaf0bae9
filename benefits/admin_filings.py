"""异地就医备案 in the admin: to look at, with history. Filings are recorded, ended and revoked
on the staff pages and by the import (benefits.services.filings), which check the destination,
the period and overlapping filings; the admin writes none."""

from django.contrib import admin

from benefits.models import RemoteCareFiling
from core.admin import CountyFilter, ReadOnlyAdminMixin, RegionScopedHistoryAdmin


@admin.register(RemoteCareFiling)
class RemoteCareFilingAdmin(ReadOnlyAdminMixin, RegionScopedHistoryAdmin):
    list_display = ("person", "kind", "destination_province", "destination_city", "valid_from", "valid_to", "status", "created_by",
                    "created_at")
    list_filter = (CountyFilter, "kind", "status", "destination_province")
    search_fields = ("=person__id_number", "person__name", "hospital")
    raw_id_fields = ("person",)
    list_select_related = ("person", "created_by")
    show_full_result_count = False
    fields = ("person", "kind", "destination_province", "destination_city", "valid_from", "valid_to", "hospital", "note", "status",
              "revoked_reason", "import_shown", "created_by", "created_at")
    readonly_fields = fields

    @admin.display(description="导入记录")
    def import_shown(self, obj):
        """The list the filing came from, by its file name (blank: filed on the staff pages)."""
        return obj.source_import.original_name if obj.source_import_id else "人员页面办理"

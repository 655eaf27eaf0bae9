"""异地就医备案 in the admin: to look at, with history. Filings are recorded, ended and revoked
on the staff pages and by the import (benefits.services.filings), which check the destination,
the period and overlapping filings; the admin writes none.

The history page says its changes in plain Chinese: a column 变更内容 (simple-history's
"Changes" has no Chinese of its own) and each choice by its label (状态: 有效 → 已撤销, not
valid → revoked), blank as 空."""

from datetime import datetime
from decimal import Decimal

from django.contrib import admin
from django.utils import timezone
from simple_history.template_utils import HistoricalRecordContextHelper

from benefits.models import RemoteCareFiling
from core.admin import CountyFilter, ReadOnlyAdminMixin, RegionScopedHistoryAdmin
from core.display import percent, yuan


class ChoiceLabelHistoryHelper(HistoricalRecordContextHelper):
    """simple-history's change list with values as users read them: a choice by its label, a
    yes/no as 是/否, nothing as 空, a time in local time to the minute, a rate as a percentage
    and an amount with separators."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "空"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, Decimal):
            return percent(value) if field.name.endswith("rate") else yuan(value)
        return super().prepare_delta_change_value(change, value)


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
    object_history_list_template = "benefits/filing_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ChoiceLabelHistoryHelper(self.model, historical_record)

    @admin.display(description="导入记录")
    def import_shown(self, obj):
        """The list the filing came from, by its file name (blank: filed on the staff pages)."""
        return obj.source_import.original_name if obj.source_import_id else "人员页面办理"

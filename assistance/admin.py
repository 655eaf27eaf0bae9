from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assistance.models import AssistanceClassRule, HardshipIdentity
from core.admin import RegionScopedAdminMixin


@admin.register(HardshipIdentity)
class HardshipIdentityAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    """Read-only here: certifying and revoking go through the identity service, which checks
    the department (X000 art. 41)."""

    list_display = ("person", "code", "department", "valid_from", "valid_to", "revoked_on", "status", "on_behalf")
    list_filter = ("code", "department", "status", "on_behalf")
    search_fields = ("=person__id_number", "person__name", "document_number")
    raw_id_fields = ("person",)
    list_select_related = ("person",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssistanceClassRule)
class AssistanceClassRuleAdmin(SimpleHistoryAdmin):
    list_display = ("identity_code", "assistance_class", "source", "confirmed")
    list_filter = ("assistance_class", "confirmed")

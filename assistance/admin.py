from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assistance.models import Application, AssistanceClassRule, HardshipIdentity
from core.admin import CountyFilter, RegionScopedAdminMixin


@admin.register(HardshipIdentity)
class HardshipIdentityAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    """Read-only here: certifying and revoking go through the identity service, which checks
    the department (X000 art. 41)."""

    list_display = ("person", "code", "department", "valid_from", "valid_to", "revoked_on", "status", "on_behalf")
    list_filter = (CountyFilter, "code", "department", "status", "on_behalf")
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


@admin.register(Application)
class ApplicationAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    """Read-only: accepting and deciding go through the application service (maker-checker)."""

    list_display = ("person", "kind", "status", "accepted_by", "accepted_at", "decided_by", "decided_on")
    list_filter = (CountyFilter, "kind", "status")
    search_fields = ("=person__id_number", "person__name")
    list_select_related = ("person", "accepted_by", "decided_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

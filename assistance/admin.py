from django.contrib import admin

from assistance.models import Application, AssistanceClassRule, HardshipIdentity
from core.admin import CountyFilter, RegionScopedHistoryAdmin


@admin.register(HardshipIdentity)
class HardshipIdentityAdmin(RegionScopedHistoryAdmin):
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
class AssistanceClassRuleAdmin(RegionScopedHistoryAdmin):
    """S001 §二 classes hold for every region of the installation: changed by superusers."""

    list_display = ("identity_code", "assistance_class", "source", "confirmed")
    list_filter = ("assistance_class", "confirmed")
    history_revert = True

    def owner_paths(self, obj):
        return []


@admin.register(Application)
class ApplicationAdmin(RegionScopedHistoryAdmin):
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

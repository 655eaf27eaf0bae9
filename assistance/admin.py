from django.contrib import admin

from assistance.models import Application, AssistanceClassRule, HardshipIdentity
from core.admin import CountyFilter, ReadOnlyAdminMixin, RegionScopedHistoryAdmin
from core.display import source_html
from core.identity_codes import IdentityCode


def identity_labels(codes) -> str:
    if codes is None:
        return "未记录"
    return "、".join(IdentityCode(c).label if c in IdentityCode.values else c for c in codes) or "无"


@admin.register(HardshipIdentity)
class HardshipIdentityAdmin(ReadOnlyAdminMixin, RegionScopedHistoryAdmin):
    """Read-only here: certifying and revoking go through the identity service, which checks
    the department (X000 art. 41)."""

    list_display = ("person", "code", "department", "valid_from", "valid_to", "revoked_on", "status", "on_behalf")
    list_filter = (CountyFilter, "code", "department", "status", "on_behalf")
    search_fields = ("=person__id_number", "person__name", "document_number")
    raw_id_fields = ("person",)
    list_select_related = ("person",)
    show_full_result_count = False


@admin.register(AssistanceClassRule)
class AssistanceClassRuleAdmin(RegionScopedHistoryAdmin):
    """S001 §二 classes hold for every region of the installation: changed by superusers."""

    list_display = ("identity_code", "assistance_class", "payer", "source_shown", "confirmed")
    list_filter = ("assistance_class", "confirmed")
    history_revert = True

    @admin.display(description="出处", ordering="source")
    def source_shown(self, obj):
        return source_html(obj.source)  # 十堰救助办法 二, the full title on hover

    # Who may only look reads the source as documents; a superuser edits the stored keys.
    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if self.has_change_permission(request, obj) else (*readonly, "source_shown")

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not self.has_change_permission(request, obj):
            fields = [f for f in fields if f not in ("source", "source_shown")]
            fields.insert(min(len(fields), 3), "source_shown")
        return fields

    def owner_paths(self, obj):
        return []


@admin.register(Application)
class ApplicationAdmin(RegionScopedHistoryAdmin):
    """Read-only: accepting and deciding go through the application service (maker-checker)."""

    list_display = ("person", "kind", "status", "accepted_by", "accepted_at", "decided_by", "decided_on")
    list_filter = (CountyFilter, "kind", "status")
    search_fields = ("=person__id_number", "person__name")
    list_select_related = ("person", "accepted_by", "decided_by")
    # The identity snapshots by their Chinese names, not the stored code lists.
    exclude = ("accepted_identities", "granted_identities")
    readonly_fields = ("accepted_identities_shown", "granted_identities_shown")

    @admin.display(description="受理时有效身份")
    def accepted_identities_shown(self, obj):
        return identity_labels(obj.accepted_identities)

    @admin.display(description="批准时有效身份")
    def granted_identities_shown(self, obj):
        return identity_labels(obj.granted_identities)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from core.models import ApiToken, ImportChunk, ImportJob, Region, SecurityEvent, User
from core.security import record_denied


class CountyFilter(admin.SimpleListFilter):
    """区划 filter for region-bound rows: the counties inside the officer's region."""

    title = "县（市、区）"
    parameter_name = "county"

    def lookups(self, request, model_admin):
        from core.models import RegionLevel

        return [(r.path, r.name) for r in Region.objects.restrict(request.user).filter(level=RegionLevel.COUNTY).order_by("path")]

    def queryset(self, request, queryset):
        if self.value():
            lookup = getattr(queryset.model, "region_path_lookup", "region_path")
            return queryset.filter(**{f"{lookup}__startswith": self.value()})
        return queryset


class RegionScopedAdminMixin:
    """Admin pages show only the officer's region subtree (core.restrict): lists, change
    pages, foreign-key choices, exports. An object of another region by URL is a 403 and a
    recorded attempt."""

    region_fk_querysets = {}

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self.model._default_manager.filter(pk=object_id).exists():
            record_denied(request, self.model, object_id)
            raise PermissionDenied("该记录不在您的管辖区划内")
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related._default_manager.none(), "restrict"):
            kwargs["queryset"] = related._default_manager.restrict(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RegionScopedAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    pass


@admin.register(Region)
class RegionAdmin(RegionScopedAdmin):
    list_display = ("code", "name", "level", "parent", "slug", "poverty_alleviation_county")
    list_filter = ("level", "poverty_alleviation_county")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    readonly_fields = ("path",)


@admin.register(User)
class UserAdmin(RegionScopedAdminMixin, BaseUserAdmin):
    list_display = ("username", "full_name", "region", "department", "is_staff", "is_active")
    list_filter = ("department", "is_staff", "is_active", "groups")
    fieldsets = BaseUserAdmin.fieldsets + (("所属区划与部门", {"fields": ("full_name", "region", "department")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("所属区划与部门", {"fields": ("full_name", "region", "department")}),)



@admin.register(SecurityEvent)
class SecurityEventAdmin(RegionScopedAdmin):
    list_display = ("created_at", "kind", "user", "path", "object_type", "object_id", "ip_address")
    list_filter = ("kind",)
    search_fields = ("user__username", "path", "object_id")
    readonly_fields = [f.name for f in SecurityEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ImportChunkInline(admin.TabularInline):
    model = ImportChunk
    fields = ("number", "first_row", "last_row", "rows", "status", "counts", "seconds", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("core.view_importjob")  # the job's chunks are part of its log

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(RegionScopedAdmin):
    inlines = [ImportChunkInline]
    list_display = ("created_at", "kind", "original_name", "user", "status", "total_rows", "counts", "seconds")
    list_filter = ("kind", "status")
    search_fields = ("original_name", "user__username")
    exclude = ("errors", "preview_rows", "file")
    readonly_fields = ("kind", "original_name", "sha256", "size", "user", "region", "status", "skip_bad_rows", "total_rows",
                       "counts", "failure", "created_at", "previewed_at", "committed_at", "seconds")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens for other systems: created here by a superuser (shown once) or with
    `manage.py create_api_token`; revoked, never edited."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from django.contrib import messages

        from core.services.tokens import token_create

        token, raw = token_create(user=obj.user, name=obj.name)
        obj.pk, obj.prefix, obj.key_hash = token.pk, token.prefix, token.key_hash
        messages.warning(request, f"接口令牌（请妥善保存，不会再次显示）：{raw}")

    @admin.action(description="停用所选令牌")
    def revoke(self, request, queryset):
        from core.services.tokens import token_revoke

        for token in queryset:
            token_revoke(token)


__all__ = ["RegionScopedAdmin", "RegionScopedAdminMixin", "SimpleHistoryAdmin"]

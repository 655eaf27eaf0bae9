import re

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import SimpleTemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from core import imports as engine
from core.idnumber import normalize as normalize_id_number
from core.models import ApiToken, ImportChunk, ImportJob, Region, SecurityEvent, User
from core.restrict import may_change, region_path_of
from core.security import record_denied
from core.services import imports
from core.validation import refuses_bad_query
from core.xlsx import size_text

# A search term that is an ID number or its first digits once normalised.
ID_SEARCH = re.compile(r"\d{6,17}[\dX]?")


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


def _restricted(model, user):
    """The rows of a model the user may see, or None for a model not bound to regions."""
    manager = model._default_manager
    return manager.restrict(user) if hasattr(manager.none(), "restrict") else None


class RestrictedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id box names the chosen row (`?household=<pk>`, `?head=<pk>`) only when the
    user may see it: Django's widget reads it through the unrestricted default manager."""

    def __init__(self, rel, admin_site, *, queryset, **kwargs):
        self.queryset = queryset
        super().__init__(rel, admin_site, **kwargs)

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            obj = self.queryset.get(**{key: value})
        except (ValueError, TypeError, ValidationError, self.queryset.model.DoesNotExist):
            return "", ""
        try:
            url = reverse(f"{self.admin_site.name}:{obj._meta.app_label}_{obj._meta.model_name}_change", args=(obj.pk,))
        except NoReverseMatch:
            url = ""
        return str(obj), url


def invalid_lookup_response(request):
    """What Django's changelist answers to filters it cannot apply (IncorrectLookupParameters:
    an unknown field, a value of the wrong type): the same page without them and ?e=1, or,
    when that already failed, its "database error" page. The export view answers the same."""
    if ERROR_FLAG in request.GET:
        return SimpleTemplateResponse("admin/invalid_setup.html", {"title": "数据库错误"})
    return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")


class BadQueryAdminMixin:
    """A list's filters and search come from the URL; bad ones are refused or dropped, never a
    500. A NUL character (?status=%00, ?q=%00) would reach PostgreSQL, which cannot compare it
    (psycopg raises ValueError): a 400 page (core.validation.refuses_bad_query). A lookup
    Django builds but the database refuses when the list is counted (?name__regex=(,
    ?birth_date__year=99999999) is dropped as Django drops those it cannot build (?e=1).
    Every admin of the site has it: the region-scoped ones through RegionScopedAdminMixin,
    the others below."""

    @method_decorator(refuses_bad_query)
    def changelist_view(self, request, extra_context=None):
        if request.method != "GET" or not request.GET:
            return super().changelist_view(request, extra_context)
        try:
            with transaction.atomic():  # a savepoint: the refused query leaves no broken transaction
                return super().changelist_view(request, extra_context)
        except (DataError, ValueError, OverflowError):
            return invalid_lookup_response(request)

    def get_search_results(self, request, queryset, search_term):
        if "\x00" in search_term:
            # No row holds a NUL (PostgreSQL text cannot), and psycopg refuses to send one: the
            # autocomplete boxes (/admin/autocomplete/?term=%00) find nothing.
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class RegionScopedAdminMixin(BadQueryAdminMixin):
    """Admin pages show only the officer's region subtree (core.restrict): lists, change
    pages, history pages, foreign-key choices, raw-id labels, list filters, exports. An
    object of another region by URL is a 403 and a recorded attempt. A row is changed or
    deleted only when every region that owns it lies in the user's subtree (`owner_paths`,
    core.restrict.may_change): a county officer reads the city's tables but does not change
    them. simple-history's revert is off unless the admin is the row's writer
    (`history_revert`); rows written by services change on the staff pages."""

    history_revert = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.restrict(request.user) if hasattr(queryset, "restrict") else queryset

    def get_search_results(self, request, queryset, search_term):
        # An ID number typed with a Chinese input method (fullwidth digits, spaces, x) finds the
        # person as the staff pages' searches do (core.idnumber.normalize).
        number = normalize_id_number(search_term)
        if ID_SEARCH.fullmatch(number):
            search_term = number
        return super().get_search_results(request, queryset, search_term)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self._exists_elsewhere(object_id):
            record_denied(request, self.model, object_id)
            raise PermissionDenied("该记录不在您的管辖区划内")
        return obj

    def _exists_elsewhere(self, object_id) -> bool:
        try:
            return self.model._default_manager.filter(pk=object_id).exists()
        except (ValueError, TypeError, ValidationError):
            return False

    # --- who may change a row

    def owner_paths(self, obj) -> list[str]:
        """The regions whose users may change this row: by default the row's own region."""
        return [region_path_of(obj)]

    def may_change_object(self, request, obj) -> bool:
        return obj is None or may_change(request.user, self.owner_paths(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_change_object(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_change_object(request, obj)

    def save_model(self, request, obj, form, change):
        # The row as it will be saved must still belong to the user (a changed region or scheme).
        if not self.may_change_object(request, obj):
            raise PermissionDenied("您无权修改上级或其他区划共用的记录")
        super().save_model(request, obj, form, change)

    # --- choices, raw-id labels and list filters

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = _restricted(db_field.related_model, request.user)
        if queryset is not None:
            kwargs["queryset"] = queryset
            if db_field.name in self.raw_id_fields and "widget" not in kwargs:
                kwargs["widget"] = RestrictedRawIdWidget(
                    db_field.remote_field, self.admin_site, queryset=queryset, using=kwargs.get("using")
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request):
        """A filter on a related field lists only the values of the rows the user sees
        (Django's lists every region, every county's name)."""
        filters = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and "__" not in entry:
                field = self.model._meta.get_field(entry)
                if field.is_relation and _restricted(field.related_model, request.user) is not None:
                    entry = (entry, admin.RelatedOnlyFieldListFilter)
            filters.append(entry)
        return filters

    # --- simple-history pages: the same rows and permissions as the change page

    def history_view(self, request, object_id, extra_context=None):
        self._history_subject(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self._history_subject(request, object_id)
        if request.method == "POST" and self.revert_disabled(request, obj):
            raise PermissionDenied("该记录不能在后台恢复到历史版本")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _history_subject(self, request, object_id):
        """The live row through the restricted queryset (403 for another region's); the
        history of a deleted row is for superusers only."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            if request.user.is_superuser:
                return None
            raise Http404("记录不存在")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def revert_disabled(self, request, obj=None):
        if not self.history_revert or not self.has_change_permission(request, obj):
            return True
        return super().revert_disabled(request, obj)


class RegionScopedAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    pass


class RegionScopedHistoryAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    pass


@admin.register(Region)
class RegionAdmin(RegionScopedAdmin):
    list_display = ("code", "name", "level", "parent", "slug", "poverty_alleviation_county")
    list_filter = ("level", "poverty_alleviation_county")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    readonly_fields = ("path",)

    def owner_paths(self, obj):
        # A region is its parent's to change: a county does not rename itself or set its own
        # fiscal share (脱贫县, N004 §一); a top-level region is the installation's.
        return [obj.parent.path if obj.parent_id else ""]

    def get_readonly_fields(self, request, obj=None):
        # Code and parent make the path every row below copies (core.restrict): fixed once saved.
        return ("code", "parent", "path") if obj is not None else self.readonly_fields


@admin.register(User)
class UserAdmin(RegionScopedAdminMixin, BaseUserAdmin):
    list_display = ("username", "full_name", "region", "department", "is_staff", "is_active")
    list_filter = ("department", "is_staff", "is_active", "groups")
    fieldsets = BaseUserAdmin.fieldsets + (("所属区划与部门", {"fields": ("full_name", "region", "department")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("所属区划与部门", {"fields": ("full_name", "region", "department")}),)



class ReadOnlyAdminMixin:
    """A table the admin only shows: its rows are written by services (or the security log)
    and never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    list_display = ("created_at", "kind", "user", "path_shown", "object_type_shown", "object_id", "ip_address")
    list_filter = ("kind",)
    search_fields = ("user__username", "path", "object_id")
    fields = ("created_at", "kind", "user", "path_shown", "object_type_shown", "object_id", "detail", "ip_address")
    readonly_fields = fields

    @admin.display(description="地址", ordering="path")
    def path_shown(self, obj):
        """The request as it was made: an auditor needs the literal path and query string."""
        return format_html('<code class="audit-raw">{}</code>', obj.path) if obj.path else "—"

    @admin.display(description="对象类型", ordering="object_type")
    def object_type_shown(self, obj):
        """The table by its Chinese name (参保登记), not its code label (enrollment.Enrollment)."""
        if not obj.object_type:
            return "—"
        try:
            return apps.get_model(obj.object_type)._meta.verbose_name
        except (LookupError, ValueError):
            return format_html('<code class="audit-raw">{}</code>', obj.object_type)


def _when(value) -> str:
    """A time as the import pages show it: 2026-12-01 13:18, local time."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _seconds(value) -> str:
    return f"{value} 秒" if value is not None else "—"


class ImportChunkInline(admin.TabularInline):
    model = ImportChunk
    fields = ("number", "first_row", "last_row", "rows", "status", "counts_shown", "seconds_shown", "finished_shown")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="统计")
    def counts_shown(self, obj):
        return engine.counts_text(obj.counts)

    @admin.display(description="用时")
    def seconds_shown(self, obj):
        return _seconds(obj.seconds)

    @admin.display(description="完成时间")
    def finished_shown(self, obj):
        return _when(obj.finished_at)

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("core.view_importjob")  # the job's chunks are part of its log

    def has_change_permission(self, request, obj=None):
        return False


class ImportKindFilter(admin.SimpleListFilter):
    """导入类型 by the lists' Chinese titles, only those the user may import."""

    title = "导入类型"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, imports.importer_class(kind).title) for kind in visible_import_kinds(request.user)]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


def visible_import_kinds(user) -> list[str]:
    """The lists whose jobs a user reads in the log: those they may import (as the 名单导入
    pages show them); a list of another office is not theirs to read, even in their region."""
    return [kind for kind in imports.IMPORTERS if imports.can_import(user, kind)]


@admin.register(ImportJob)
class ImportJobAdmin(RegionScopedAdmin):
    """The import log (导入记录), read-only: the jobs of the user's region and of the lists
    they may import, in plain Chinese (kind by its title, status, counts as 新增 3，变更 1，
    错误 2); each job links to its page (preview, error rows)."""

    inlines = [ImportChunkInline]
    list_display = ("created_shown", "kind_shown", "original_name", "user", "status_shown", "total_rows", "counts_shown",
                    "seconds_shown")
    list_display_links = ("created_shown", "original_name")
    list_filter = (ImportKindFilter, "status")
    search_fields = ("original_name", "user__username")
    list_select_related = ("user",)
    fields = ("kind_shown", "original_name", "size_shown", "sha256", "user", "region", "status_shown", "skip_bad_rows_shown",
              "options_shown", "total_rows", "counts_shown", "failure", "created_shown", "previewed_shown", "committed_shown",
              "seconds_shown", "page_link")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(kind__in=visible_import_kinds(request.user)).defer("errors", "preview_rows")

    @admin.display(description="导入类型", ordering="kind")
    def kind_shown(self, obj):
        return imports.importer_class(obj.kind).title if obj.kind in imports.IMPORTERS else "未知类型"

    @admin.display(description="状态", ordering="status")
    def status_shown(self, obj):
        return imports.INTERRUPTED_LABEL if imports.is_interrupted(obj) else obj.get_status_display()

    @admin.display(description="统计")
    def counts_shown(self, obj):
        return engine.counts_text(obj.counts)

    @admin.display(description="上传时间", ordering="created_at")
    def created_shown(self, obj):
        return _when(obj.created_at)

    @admin.display(description="校验时间")
    def previewed_shown(self, obj):
        return _when(obj.previewed_at)

    @admin.display(description="导入时间")
    def committed_shown(self, obj):
        return _when(obj.committed_at)

    @admin.display(description="用时", ordering="seconds")
    def seconds_shown(self, obj):
        return _seconds(obj.seconds)

    @admin.display(description="大小")
    def size_shown(self, obj):
        return size_text(obj.size)

    @admin.display(description="跳过错误行")
    def skip_bad_rows_shown(self, obj):
        return "是" if obj.skip_bad_rows else "否"

    @admin.display(description="导入选项")
    def options_shown(self, obj):
        options = obj.options or {}
        parts = []
        if obj.kind in imports.IMPORTERS:
            for key, label in imports.importer_class(obj.kind).upload_options:
                parts.append(f"{label}：{'是' if options.get(key) else '否'}")
        matches = options.get("matches") or {}
        if matches:
            rows = "、".join(str(n) for n in sorted(int(n) for n in matches))
            parts.append(f"已确认候选人员：第{rows}行")
        return "；".join(parts) or "—"

    @admin.display(description="导入页面")
    def page_link(self, obj):
        return format_html('<a href="{}">查看预览与错误行</a>', reverse("imports:detail", args=[obj.pk]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(BadQueryAdminMixin, admin.ModelAdmin):
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


# The admins of installed apps (groups; django-axes' login records, for superusers) list with
# the same refusal. Their apps come before core in INSTALLED_APPS, so they are registered.
for _model in (Group, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        _base = type(admin.site.get_model_admin(_model))
        admin.site.unregister(_model)
        admin.site.register(_model, type(_base.__name__, (BadQueryAdminMixin, _base), {"__module__": __name__}))


__all__ = ["BadQueryAdminMixin", "RegionScopedAdmin", "RegionScopedAdminMixin", "RegionScopedHistoryAdmin", "SimpleHistoryAdmin"]

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from benefits.labels import parameter_label, parameter_value
from benefits.models import Facility, PolicyParameter
from benefits.services.facilities import facility_problem, facility_save
from core.admin import CountyFilter, RegionScopedHistoryAdmin
from core.display import source_html
from core.errors import ServiceError


UNITS = [("yuan", "元"), ("rate", "比例（0.70 即 70%）"), ("codes", "代码列表（逗号分隔）")]


class PolicyParameterAdminForm(forms.ModelForm):
    """The unit chosen by its Chinese name (a stored unit outside the list stays choosable)."""

    class Meta:
        model = PolicyParameter
        fields = ("region", "scheme", "name", "value", "unit", "valid_from", "valid_to", "source", "confirmed")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = list(UNITS)
        if self.instance.unit and self.instance.unit not in dict(units):
            units.append((self.instance.unit, self.instance.unit))
        self.fields["unit"] = forms.ChoiceField(label="单位", choices=units)


@admin.register(PolicyParameter)
class PolicyParameterAdmin(RegionScopedHistoryAdmin):
    """Written here (each save a new version), so revert is allowed; a parameter is its
    pooling region's to change (core.restrict.may_change). Read in plain Chinese: the
    parameter's label, the value with its unit, the source as document and article; who only
    reads a row sees those instead of the stored keys."""

    form = PolicyParameterAdminForm
    list_display = ("region", "scheme", "name_shown", "value_shown", "valid_from", "valid_to", "source_shown", "confirmed", "version")
    list_filter = ("region", "scheme", "confirmed")
    search_fields = ("name", "source")
    readonly_fields = ("version",)
    history_revert = True
    SHOWN = ("name_shown", "value_shown", "source_shown")
    READ_ONLY_FIELDS = ("region", "scheme", "name_shown", "value_shown", "valid_from", "valid_to", "source_shown", "confirmed_shown",
                        "version")

    @admin.display(description="参数", ordering="name")
    def name_shown(self, obj):
        return parameter_label(obj.name) if obj and obj.name else "—"

    @admin.display(description="取值")
    def value_shown(self, obj):
        return parameter_value(obj.value, obj.unit) if obj and obj.value else "—"

    @admin.display(description="出处", ordering="source")
    def source_shown(self, obj):
        return source_html(obj.source) if obj and obj.source else "—"

    @admin.display(description="已确认")
    def confirmed_shown(self, obj):
        return "是" if obj.confirmed else "否"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:  # the page's title and breadcrumb: the label, not the stored key
            context["subtitle"] = f"{obj.region} {obj.get_scheme_display()} {parameter_label(obj.name)}（{obj.valid_from.isoformat()}起）"
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.READ_ONLY_FIELDS
        return ("region", "scheme", "name", "name_shown", "value", "unit", "value_shown", "valid_from", "valid_to", "source",
                "source_shown", "confirmed", "version")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.READ_ONLY_FIELDS
        return (*self.readonly_fields, *self.SHOWN)


class FacilityAdminForm(forms.ModelForm):
    """The facility's own rules (benefits.services.facilities), shown on their fields."""

    class Meta:
        model = Facility
        fields = ("code", "name", "level", "tier", "region", "city_level", "zero_markup", "agreement_from", "agreement_to")

    def clean(self):
        cleaned = super().clean()
        facility = self.instance
        for name in ("agreement_from", "agreement_to"):
            if name in cleaned:
                setattr(facility, name, cleaned[name])
        if not self.has_error("agreement_from") and cleaned.get("agreement_from"):
            problem = facility_problem(facility)
            if problem:
                self.add_error(problem[0], problem[1])
        return cleaned


class AgreementFilter(admin.SimpleListFilter):
    title = "协议状态"
    parameter_name = "agreement"

    def lookups(self, request, model_admin):
        return [("current", "协议期内"), ("ended", "协议已结束"), ("future", "协议未开始")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "current":
            return queryset.filter(agreement_from__lte=today).exclude(agreement_to__lt=today)
        if self.value() == "ended":
            return queryset.filter(agreement_to__lt=today)
        if self.value() == "future":
            return queryset.filter(agreement_from__gt=today)
        return queryset


@admin.register(Facility)
class FacilityAdmin(RegionScopedHistoryAdmin):
    """定点医药机构, added and changed here within the officer's region (a county's officer:
    the county; the city's: the city) through benefits.services.facilities.facility_save,
    every change in the history. The code is fixed once saved: facilities' monthly exports
    and their settled bills name the facility by it. Never deleted: an agreement ends."""

    form = FacilityAdminForm
    list_display = ("code", "name", "level", "tier", "region", "city_level", "zero_markup", "agreement_from", "agreement_to",
                    "agreement_state")
    list_filter = (CountyFilter, AgreementFilter, "level", "tier", "city_level", "zero_markup")
    search_fields = ("code", "name")
    list_select_related = ("region",)
    ordering = ("code",)
    # A city has thousands of villages: the region is found by name or code (the user's own only).
    autocomplete_fields = ("region",)

    @admin.display(description="协议状态")
    def agreement_state(self, obj):
        today = timezone.localdate()
        if obj.agreement_from > today:
            return "协议未开始"
        return "协议期内" if obj.under_agreement_on(today) else "协议已结束"

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def owner_paths(self, obj):
        # An unsaved facility has no region_path yet: its chosen region's.
        return [obj.region.path if obj.region_id else obj.region_path]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            facility_save(user=request.user, facility=obj, reason="后台修改" if change else "后台新增")
        except ServiceError as error:  # the form checked the same rules; a concurrent change got there first
            raise PermissionDenied(error.message) from None

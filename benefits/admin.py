from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from benefits import admin_chronic, admin_filings  # noqa: F401  (register 门诊慢特病 and 异地就医备案)
from benefits.labels import parameter_label, parameter_value
from benefits.models import Facility, PolicyParameter
from benefits.presets import PRESETS
from core.identity_codes import IdentityCode
from benefits.services.facilities import facility_place, facility_problem, facility_save
from core.admin import CountyFilter, RegionScopedHistoryAdmin
from core.display import source_html
from core.errors import ServiceError


# RULES.md 5a: one set of benefit parameters per pooling region (X000 art. 4 统一待遇标准).
NOT_POOLING_NOTE = "待遇政策参数全统筹区统一（咸宁市、十堰市按市，吉林省按省），县（市、区）不单独设置"
NOT_USED_NOTE = "此参数设在县（市、区），结算不使用：待遇政策参数全统筹区统一，以统筹区的参数为准。可由系统管理员删除。"


def used_in_settlement(obj) -> bool:
    """Whether settlement reads the row: only parameters of a pooling region are read."""
    return bool(obj.region.slug)


UNITS = [("yuan", "元"), ("rate", "比例（0.70 即 70%）"), ("codes", "代码列表（逗号分隔）"), ("天", "天")]


def parameter_choices(current: str = "") -> list[tuple[str, str]]:
    """Every parameter the rules read (benefits/presets.py), by its Chinese name."""
    names = sorted({name for rows in PRESETS.values() for name, *_ in rows} | ({current} if current else set()))
    return [("", "请选择参数")] + [(name, parameter_label(name)) for name in names]


def code_choices(name: str) -> list[tuple[str, str]]:
    """The codes a code-list parameter may hold: hardship identities."""
    return list(IdentityCode.choices)


class PolicyParameterAdminForm(forms.ModelForm):
    """Chosen by Chinese names: the parameter, its unit and, for a code list, the codes as
    boxes (a stored value outside the lists stays choosable). The source is typed as its key
    (如 X000 art. 20), shown below as users read it."""

    class Meta:
        model = PolicyParameter
        fields = ("region", "scheme", "name", "value", "unit", "valid_from", "valid_to", "source", "confirmed")
        help_texts = {"source": "填写政策文件代号和条款；保存后按下方“出处显示为”所示向用户显示",
                      "region": NOT_POOLING_NOTE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = list(UNITS)
        if self.instance.unit and self.instance.unit not in dict(units):
            units.append((self.instance.unit, self.instance.unit))
        self.fields["unit"] = forms.ChoiceField(label="单位", choices=units)
        if "name" in self.fields:
            self.fields["name"] = forms.ChoiceField(label="参数", choices=parameter_choices(self.instance.name or ""))
        if self.instance.pk and self.instance.unit == "codes" and "value" in self.fields:
            choices = code_choices(self.instance.name)
            stored = [c.strip() for c in self.instance.value.split(",") if c.strip()]
            choices += [(c, c) for c in stored if c not in dict(choices)]
            self.fields["value"] = forms.MultipleChoiceField(label="取值", choices=choices, widget=forms.CheckboxSelectMultiple,
                                                             initial=stored)
            self.initial["value"] = stored
        if not self.instance.pk:
            self.initial.setdefault("confirmed", False)

    def clean_value(self):
        value = self.cleaned_data["value"]
        return ",".join(value) if isinstance(value, list) else value


@admin.register(PolicyParameter)
class PolicyParameterAdmin(RegionScopedHistoryAdmin):
    """Written here (each save a new version), so revert is allowed; a parameter is its
    pooling region's to change (core.restrict.may_change). Read in plain Chinese: the
    parameter's label, the value with its unit, the source as document and article; who only
    reads a row sees those instead of the stored keys."""

    form = PolicyParameterAdminForm
    list_display = ("region", "scheme", "name_shown", "value_shown", "valid_from", "valid_to", "source_shown", "confirmed", "used_shown",
                    "version")
    list_filter = ("region", "scheme", "confirmed")
    search_fields = ("name", "source")
    readonly_fields = ("version",)
    history_revert = True
    SHOWN = ("name_shown", "value_shown", "source_shown", "value_preview", "source_preview")
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

    @admin.display(description="取值显示为")
    def value_preview(self, obj):
        return self.value_shown(obj)

    @admin.display(description="出处显示为")
    def source_preview(self, obj):
        return self.source_shown(obj)

    @admin.display(description="用于结算")
    def used_shown(self, obj):
        return "是" if used_in_settlement(obj) else "否（县级参数，不使用）"

    @admin.display(description="说明")
    def not_used_note(self, obj):
        return NOT_USED_NOTE

    def has_change_permission(self, request, obj=None):
        # A county's row is never read (RULES.md 5a): read-only with a note; a superuser may delete it.
        return super().has_change_permission(request, obj) and (obj is None or used_in_settlement(obj))

    @admin.display(description="已确认")
    def confirmed_shown(self, obj):
        return "是" if obj.confirmed else "否"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:  # the page's title and breadcrumb: the label, not the stored key
            context["subtitle"] = f"{obj.region} {obj.get_scheme_display()} {parameter_label(obj.name)}（{obj.valid_from.isoformat()}起）"
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def read_only_fields(self, obj):
        return self.READ_ONLY_FIELDS if used_in_settlement(obj) else ("not_used_note", *self.READ_ONLY_FIELDS)

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.read_only_fields(obj)
        if obj is None:  # a new parameter: chosen by its Chinese name
            return ("region", "scheme", "name", "value", "unit", "valid_from", "valid_to", "source", "confirmed")
        # A parameter's name is what the rules read: a row never turns into another parameter.
        return ("region", "scheme", "name_shown", "value", "unit", "value_preview", "valid_from", "valid_to", "source",
                "source_preview", "confirmed", "version")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "region" and field is not None:
            # Parameters belong to pooling regions only (RULES.md 5a): 咸宁市, 十堰市, 吉林省.
            field.queryset = field.queryset.exclude(slug__isnull=True).exclude(slug="")
        return field

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.read_only_fields(obj)
        return (*self.readonly_fields, *self.SHOWN)


class FacilityAdminForm(forms.ModelForm):
    """The facility's own rules (benefits.services.facilities), shown on their fields."""

    class Meta:
        model = Facility
        fields = ("code", "name", "level", "tier", "region", "city_level", "zero_markup", "place_province", "place_city",
                  "agreement_from", "agreement_to")

    def clean(self):
        cleaned = super().clean()
        # A hospital outside the city settled directly (异地就医直接结算) is recorded with its place,
        # written as filings write places (benefits.places): 湖北 → 湖北省, 武汉 → 武汉市.
        try:
            cleaned["place_province"], cleaned["place_city"] = facility_place(cleaned.get("place_province"), cleaned.get("place_city"),
                                                                              cleaned.get("region"))
        except ServiceError as error:
            self.add_error(error.field, error.message)
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
    list_display = ("code", "name", "level", "tier", "region", "place", "city_level", "zero_markup", "agreement_from", "agreement_to",
                    "agreement_state")
    list_filter = (CountyFilter, AgreementFilter, "level", "tier", "city_level", "zero_markup")
    search_fields = ("code", "name")
    list_select_related = ("region",)
    ordering = ("code",)
    # A city has thousands of villages: the region is found by name or code (the user's own only).
    autocomplete_fields = ("region",)

    @admin.display(description="所在地")
    def place(self, obj):
        """A hospital outside the city by its province and city; the city's own as 本市."""
        return f"{obj.place_province}{obj.place_city}" if obj.place_province else "本市"

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

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from benefits.labels import code_label
from core.admin import CountyFilter, ReadOnlyAdminMixin, RegionScopedAdminMixin, RegionScopedHistoryAdmin
from core.display import source_html
from core.identity_codes import IdentityCode
from core.idnumber import mask_id_number
from core.restrict import may_change
from core.resources import EngineImportExportMixin, MaskedExportMixin
from enrollment.models import (
    CollectionWindow,
    ContributionStandard,
    EmployeeCoverage,
    Enrollment,
    Household,
    Payment,
    Person,
    ResidentScheme,
    SchemeAssignment,
    School,
    SubsidyRule,
)
from enrollment.rules.terms import ARTICLE_KEYS
from enrollment.resources import (
    EmployeeCoverageExportResource,
    EmployeeCoverageListResource,
    EnrollmentExportResource,
    EnrollmentListResource,
    PersonExportResource,
)


ScopedHistoryAdmin = RegionScopedHistoryAdmin

# The rules of a scheme whose article ResidentScheme.articles records (enrollment.rules.terms
# ARTICLE_KEYS), as the admin names them.
ARTICLE_LABELS = {
    "window": "居民集中缴费期",
    "college_window": "大中专学生缴费期",
    "newborn": "新生儿参保",
    "mid_year": "中途参保等待期",
    "students_no_wait": "学生免等待期",
    "employee_long": "职工医保连续参保即时享受",
    "transfer_in": "异地转入接续参保",
    "employee_end": "职工医保终止后接续参保",
    "unemployment": "失业人员接续参保",
    "discharge": "退役、刑满释放等人员接续参保",
}


def identity_text(code: str) -> str:
    """An identity code by its Chinese name (RULES.md 1); blank as —."""
    return code_label(code) if code else "—"


class PlainDisplayAdmin:
    """Fields whose stored value is a key or a code (a policy source, an identity code, JSON):
    pages for those who only look show them as users read them (`shown_as`: field → display
    method). An officer who may change the row edits the stored value (the field's help text
    explains the format) and sees, below the fields in `previewed`, what pages will show."""

    shown_as: dict = {}
    previewed: tuple = ()

    def get_fields(self, request, obj=None):
        display = set(self.shown_as.values())
        editing = self.has_change_permission(request, obj)
        fields = []
        for name in super().get_fields(request, obj):
            if name in display:
                continue  # placed where its field is
            if not editing:
                fields.append(self.shown_as.get(name, name))
                continue
            fields.append(name)
            if name in self.previewed and obj is not None:
                fields.append(self.shown_as[name])
        return fields

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), *self.shown_as.values())


class SourceShownAdmin(PlainDisplayAdmin):
    """A table with a `source` column: lists and read-only pages show 咸宁办法 第九条 (the full
    title on hover), never the stored key."""

    shown_as = {"source": "source_shown"}
    previewed = ("source",)

    @admin.display(description="出处", ordering="source")
    def source_shown(self, obj):
        return source_html(obj.source) if obj.source else "—"


def scheme_owner_paths(scheme_id) -> list[str]:
    """A scheme belongs to the regions that use it (SchemeAssignment): 咸宁 and 十堰 share
    X000, so its tables are the province's to change."""
    return list(SchemeAssignment.objects.filter(scheme_id=scheme_id).values_list("region__path", flat=True))


class SchemeTableAdmin(SourceShownAdmin, ScopedHistoryAdmin):
    """A scheme's yearly tables (standards, windows, subsidy rules): written here, so revert
    is allowed; changed only by users whose subtree holds every region using the scheme."""

    history_revert = True

    def owner_paths(self, obj):
        return scheme_owner_paths(obj.scheme_id)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scheme":
            assignments = SchemeAssignment.objects.values_list("scheme_id", "region__path")
            owners = {}
            for scheme_id, path in assignments:
                owners.setdefault(scheme_id, []).append(path)
            changeable = [pk for pk in ResidentScheme.objects.values_list("pk", flat=True) if may_change(request.user, owners.get(pk, []))]
            kwargs["queryset"] = ResidentScheme.objects.filter(pk__in=changeable)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)



class EngineImportExportAdmin(EngineImportExportMixin, MaskedExportMixin, ScopedHistoryAdmin):
    """Import through the project's engine, export masked and escaped."""

    import_resource = None
    export_resource = None

    def get_import_resource_classes(self, request):
        return [self.import_resource]

    def get_export_resource_classes(self, request):
        return [self.export_resource]


@admin.register(Person)
class PersonAdmin(MaskedExportMixin, ScopedHistoryAdmin):
    resource_classes = [PersonExportResource]
    list_display = ("name", "masked_id_number", "gender", "birth_date", "village", "status")
    list_filter = (CountyFilter, "status", "gender")
    search_fields = ("=id_number", "name")
    list_select_related = ("village",)
    # Registering, moving and status changes go through the people services on the staff pages
    # (ID number with its birth date and gender, the village's region check, the status date).
    readonly_fields = ("id_number", "birth_date", "gender", "household", "relation_to_head", "hukou_region", "village",
                       "status", "status_date", "created_at", "updated_at")
    show_full_result_count = False

    @admin.display(description="身份证号")
    def masked_id_number(self, obj):
        return obj.masked_id_number

    def has_add_permission(self, request):
        return False

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "masked_id_number"]
        if not request.user.has_perm("core.view_full_id_number"):
            fields = ["masked_id_number" if f == "id_number" else f for f in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "masked_id_number")


@admin.register(Household)
class HouseholdAdmin(ScopedHistoryAdmin):
    list_display = ("__str__", "number", "village", "address")
    search_fields = ("number", "head__name", "=head__id_number")
    raw_id_fields = ("head",)
    list_select_related = ("village", "head")
    show_full_result_count = False
    # Members and the village change through the household services on the staff pages.
    readonly_fields = ("head", "village", "created_at", "updated_at")

    def has_add_permission(self, request):
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(PlainDisplayAdmin, EngineImportExportAdmin):
    import_resource = EnrollmentListResource
    export_resource = EnrollmentExportResource
    list_display = ("person", "benefit_year", "category", "channel", "status", "amount_due", "benefit_start", "benefit_end")
    list_filter = (CountyFilter, "benefit_year", "status", "category", "channel", "mid_year")
    search_fields = ("=person__id_number", "person__name")
    raw_id_fields = ("person", "school")
    list_select_related = ("person",)
    show_full_result_count = False
    # Terms are computed by the enrollment service; the admin shows them, never edits them.
    readonly_fields = (
        "benefit_year", "standard", "subsidy", "subsidy_identity", "amount_due", "benefit_start", "benefit_end",
        "mid_year", "waiting_days", "sources", "scheme", "created_by", "source_import", "payment_receipt",
    )
    # Codes and JSON lists as users read them (the row is never edited here).
    shown_as = {"subsidy_identity": "subsidy_identity_shown", "identities": "identities_shown", "sources": "sources_shown"}
    # The payment is shown as its receipt on the staff pages (缴费凭证), not as a link into the
    # payments' admin, which only the bureau's administrators open.
    exclude = ("payment",)

    @admin.display(description="资助身份")
    def subsidy_identity_shown(self, obj):
        return identity_text(obj.subsidy_identity)

    @admin.display(description="核定时有效身份")
    def identities_shown(self, obj):
        return "、".join(identity_text(code) for code in obj.identities or ()) or "—"

    @admin.display(description="政策依据")
    def sources_shown(self, obj):
        sources = [s for s in obj.sources or () if s]
        if not sources:
            return "—"
        return format_html_join("；", "{}", ((source_html(s),) for s in sources))

    @admin.display(description="缴费记录")
    def payment_receipt(self, obj):
        if obj is None or not obj.payment_id:
            return "—"
        return format_html('<a href="{}">缴费凭证（票据号 {}）</a>', reverse("enrollment:payment_receipt", args=[obj.payment_id]),
                           obj.payment.receipt_number)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Status, payment, category and village are priced and checked for conflicts by the
        # enrollment services (staff pages); the admin shows, imports and exports.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(School)
class SchoolAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "region")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(EmployeeCoverage)
class EmployeeCoverageAdmin(EngineImportExportAdmin):
    import_resource = EmployeeCoverageListResource
    export_resource = EmployeeCoverageExportResource
    list_display = ("name", "id_number", "employer", "starts_on", "ends_on", "region")
    search_fields = ("=id_number", "name", "employer")
    show_full_result_count = False

    def get_list_display(self, request):
        # Lists show ID numbers masked unless the user may see them in full (as PersonAdmin).
        if request.user.has_perm("core.view_full_id_number"):
            return self.list_display
        return tuple("masked_id_number" if f == "id_number" else f for f in self.list_display)

    @admin.display(description="身份证号")
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)


@admin.register(ResidentScheme)
class ResidentSchemeAdmin(SourceShownAdmin, ScopedHistoryAdmin):
    list_display = ("code", "name", "waiting_length", "waiting_unit", "source_shown", "confirmed")
    list_filter = ("confirmed",)
    history_revert = True
    shown_as = {"articles": "articles_table", "source": "source_shown"}
    previewed = ("articles", "source")

    @admin.display(description="条款出处")
    def articles_table(self, obj):
        """Each rule with the article it comes from, in the rules' order; a key no rule reads
        (typed by hand) is listed last as typed."""
        articles = obj.articles if isinstance(obj.articles, dict) else {}
        keys = [k for k in ARTICLE_KEYS if k in articles] + sorted(k for k in articles if k not in ARTICLE_KEYS)
        if not keys:
            return "—"
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", (
            (ARTICLE_LABELS.get(key, f"未使用的规则：{key}"), source_html(str(articles[key])) if articles[key] else "—") for key in keys))
        return format_html('<table class="scheme-articles"><thead><tr><th>规则</th><th>出处</th></tr></thead><tbody>{}</tbody></table>', rows)

    def owner_paths(self, obj):
        return scheme_owner_paths(obj.pk)

    def has_add_permission(self, request):
        # A new scheme is used by no region yet: the installation's (core.restrict.may_change).
        return super().has_add_permission(request) and may_change(request.user, [])


@admin.register(SchemeAssignment)
class SchemeAssignmentAdmin(ScopedHistoryAdmin):
    list_display = ("region", "scheme")
    history_revert = True


@admin.register(ContributionStandard)
class ContributionStandardAdmin(SchemeTableAdmin):
    list_display = ("scheme", "benefit_year", "individual", "fiscal_subsidy", "source_shown", "confirmed")
    list_filter = ("scheme", "confirmed")


@admin.register(CollectionWindow)
class CollectionWindowAdmin(SchemeTableAdmin):
    list_display = ("scheme", "benefit_year", "kind", "opens_on", "closes_on", "source_shown", "confirmed")
    list_filter = ("scheme", "kind", "confirmed")


class IdentityCodeFilter(admin.SimpleListFilter):
    """身份类别 by its Chinese name, among the codes the rules hold."""

    title = "身份类别"
    parameter_name = "identity_code"

    def lookups(self, request, model_admin):
        codes = set(model_admin.get_queryset(request).values_list("identity_code", flat=True))
        return [(code, label) for code, label in IdentityCode.choices if code in codes] + sorted(
            (code, code) for code in codes if code not in IdentityCode.values)

    def queryset(self, request, queryset):
        return queryset.filter(identity_code=self.value()) if self.value() else queryset


class SubsidyRuleForm(forms.ModelForm):
    # The identity chosen by its Chinese name; the stored code is what the rules read.
    identity_code = forms.ChoiceField(label="身份类别", choices=IdentityCode.choices)

    class Meta:
        model = SubsidyRule
        fields = "__all__"


@admin.register(SubsidyRule)
class SubsidyRuleAdmin(SchemeTableAdmin):
    form = SubsidyRuleForm
    list_display = ("scheme", "identity_shown", "from_year", "to_year", "percent", "fixed_amount", "source_shown", "confirmed")
    list_filter = ("scheme", IdentityCodeFilter, "confirmed")
    shown_as = {"identity_code": "identity_shown", "source": "source_shown"}

    @admin.display(description="身份类别", ordering="identity_code")
    def identity_shown(self, obj):
        return identity_text(obj.identity_code)


class PaymentEnrollmentInline(admin.TabularInline):
    model = Enrollment
    fk_name = "payment"
    fields = ("person", "benefit_year", "category", "standard", "subsidy", "amount_due", "status")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, ScopedHistoryAdmin):
    """Counter payments, to look at: recorded only by enrollment.services.payments (the amount
    checked against what is due, the enrollments priced and marked paid in one step)."""

    list_display = ("receipt_number", "paid_on", "payer_name", "amount", "method", "village", "recorded_by", "recorded_at")
    list_filter = (CountyFilter, "method", "paid_on")
    search_fields = ("=receipt_number", "payer_name")
    list_select_related = ("village", "recorded_by")
    show_full_result_count = False
    inlines = [PaymentEnrollmentInline]

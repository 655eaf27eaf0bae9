from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin import CountyFilter, RegionScopedAdminMixin, RegionScopedHistoryAdmin
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
from enrollment.resources import (
    EmployeeCoverageExportResource,
    EmployeeCoverageListResource,
    EnrollmentExportResource,
    EnrollmentListResource,
    PersonExportResource,
)


ScopedHistoryAdmin = RegionScopedHistoryAdmin


def scheme_owner_paths(scheme_id) -> list[str]:
    """A scheme belongs to the regions that use it (SchemeAssignment): 咸宁 and 十堰 share
    X000, so its tables are the province's to change."""
    return list(SchemeAssignment.objects.filter(scheme_id=scheme_id).values_list("region__path", flat=True))


class SchemeTableAdmin(ScopedHistoryAdmin):
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
                       "status", "status_date", "region_path", "created_at", "updated_at")
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
class EnrollmentAdmin(EngineImportExportAdmin):
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
        "mid_year", "waiting_days", "sources", "region_path", "scheme", "created_by", "source_import", "payment_receipt",
    )
    # The payment is shown as its receipt on the staff pages (缴费凭证), not as a link into the
    # payments' admin, which only the bureau's administrators open.
    exclude = ("payment",)

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
class ResidentSchemeAdmin(ScopedHistoryAdmin):
    list_display = ("code", "name", "waiting_length", "waiting_unit", "source", "confirmed")
    list_filter = ("confirmed",)
    history_revert = True

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
    list_display = ("scheme", "benefit_year", "individual", "fiscal_subsidy", "source", "confirmed")
    list_filter = ("scheme", "confirmed")


@admin.register(CollectionWindow)
class CollectionWindowAdmin(SchemeTableAdmin):
    list_display = ("scheme", "benefit_year", "kind", "opens_on", "closes_on", "source", "confirmed")
    list_filter = ("scheme", "kind", "confirmed")


@admin.register(SubsidyRule)
class SubsidyRuleAdmin(SchemeTableAdmin):
    list_display = ("scheme", "identity_code", "from_year", "to_year", "percent", "fixed_amount", "source", "confirmed")
    list_filter = ("scheme", "identity_code", "confirmed")


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
class PaymentAdmin(ScopedHistoryAdmin):
    """Counter payments, to look at: recorded only by enrollment.services.payments (the amount
    checked against what is due, the enrollments priced and marked paid in one step)."""

    list_display = ("receipt_number", "paid_on", "payer_name", "amount", "method", "village", "recorded_by", "recorded_at")
    list_filter = (CountyFilter, "method", "paid_on")
    search_fields = ("=receipt_number", "payer_name")
    list_select_related = ("village", "recorded_by")
    show_full_result_count = False
    inlines = [PaymentEnrollmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

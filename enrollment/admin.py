from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import CountyFilter, RegionScopedAdminMixin
from core.resources import EngineImportExportMixin, MaskedExportMixin
from enrollment.models import (
    CollectionWindow,
    ContributionStandard,
    EmployeeCoverage,
    Enrollment,
    Household,
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


class ScopedHistoryAdmin(RegionScopedAdminMixin, SimpleHistoryAdmin):
    pass



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
    raw_id_fields = ("household",)
    readonly_fields = ("birth_date", "gender", "region_path", "created_at", "updated_at")
    show_full_result_count = False

    @admin.display(description="身份证号")
    def masked_id_number(self, obj):
        return obj.masked_id_number


@admin.register(Household)
class HouseholdAdmin(ScopedHistoryAdmin):
    list_display = ("__str__", "number", "village", "address")
    search_fields = ("number", "head__name", "=head__id_number")
    raw_id_fields = ("head",)
    list_select_related = ("village", "head")
    show_full_result_count = False


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
        "mid_year", "waiting_days", "sources", "region_path", "scheme", "created_by", "source_import",
    )

    def has_add_permission(self, request):
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


@admin.register(ResidentScheme)
class ResidentSchemeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "waiting_length", "waiting_unit", "source", "confirmed")
    list_filter = ("confirmed",)


@admin.register(SchemeAssignment)
class SchemeAssignmentAdmin(ScopedHistoryAdmin):
    list_display = ("region", "scheme")


@admin.register(ContributionStandard)
class ContributionStandardAdmin(SimpleHistoryAdmin):
    list_display = ("scheme", "benefit_year", "individual", "fiscal_subsidy", "source", "confirmed")
    list_filter = ("scheme", "confirmed")


@admin.register(CollectionWindow)
class CollectionWindowAdmin(SimpleHistoryAdmin):
    list_display = ("scheme", "benefit_year", "kind", "opens_on", "closes_on", "source", "confirmed")
    list_filter = ("scheme", "kind", "confirmed")


@admin.register(SubsidyRule)
class SubsidyRuleAdmin(SimpleHistoryAdmin):
    list_display = ("scheme", "identity_code", "from_year", "to_year", "percent", "fixed_amount", "source", "confirmed")
    list_filter = ("scheme", "identity_code", "confirmed")

"""The fund tables in the admin, read-only: entries are posted and reversed by
funds.services.ledger (the database refuses changes too), warnings raised and cleared by
funds.services.alerts, accounts created on first use, payment plans moved step by step by
funds.services.plans (the plan's page)."""

from django.contrib import admin

from core.admin import BadQueryAdminMixin, ReadOnlyAdminMixin, RegionScopedAdmin
from core.display import percent, source_text, yuan
from funds.models import (Account, Budget, BudgetLine, FacilityPenalty, FundAlert, JobRun, JournalEntry, JournalLine, PaymentPlan, PaymentPlanEvent,
                          PaymentPlanLine, WarningOpinion)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class JournalLineInline(ReadOnlyInline):
    model = JournalLine
    fields = ("fund", "account", "county", "amount_shown")
    readonly_fields = fields

    @admin.display(description="金额（借正贷负）")
    def amount_shown(self, obj):
        return yuan(obj.amount)

    def get_queryset(self, request):  # a county's officer: its county's lines of a city-wide entry
        return super().get_queryset(request).restrict(request.user).select_related("account__region", "account__facility", "county")


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    list_display = ("pk", "posted_on", "source_kind", "memo", "posted_by", "posted_at")
    list_filter = ("source_kind", "posted_on")
    search_fields = ("memo", "source_ref")
    fields = ("city", "posted_on", "source_kind", "source_ref", "memo", "reverses", "posted_by", "posted_at")
    readonly_fields = fields
    inlines = [JournalLineInline]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    list_display = ("fund", "kind", "region", "facility")
    list_filter = ("fund", "kind")
    fields = ("fund", "kind", "region", "facility")
    readonly_fields = fields


def _figure(alert, value) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f} 个月" if alert.kind == "months_low" else percent(value)


@admin.register(FundAlert)
class FundAlertAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    list_display = ("period", "region", "kind", "value_shown", "threshold_shown", "as_of", "raised_at", "cleared_at")
    list_filter = ("kind", "period")
    fields = ("fund", "region", "kind", "period", "value_shown", "threshold_shown", "income_shown", "expenditure_shown",
              "balance_shown", "as_of", "source_shown", "raised_at", "cleared_at", "cleared_value_shown")
    readonly_fields = fields

    @admin.display(description="指标值")
    def value_shown(self, obj):
        return _figure(obj, obj.value)

    @admin.display(description="预警线")
    def threshold_shown(self, obj):
        return _figure(obj, obj.threshold)

    @admin.display(description="解除时指标值")
    def cleared_value_shown(self, obj):
        return _figure(obj, obj.cleared_value)

    @admin.display(description="本年收入（元）")
    def income_shown(self, obj):
        return yuan(obj.income)

    @admin.display(description="本年支出（元）")
    def expenditure_shown(self, obj):
        return yuan(obj.expenditure)

    @admin.display(description="累计结余（元）")
    def balance_shown(self, obj):
        return yuan(obj.balance)

    @admin.display(description="依据")
    def source_shown(self, obj):
        return source_text(obj.source)


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, BadQueryAdminMixin, admin.ModelAdmin):
    list_display = ("job", "period", "status", "started_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("job", "period")
    fields = ("job", "period", "status", "started_at", "finished_at", "result")
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(WarningOpinion)
class WarningOpinionAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    list_display = ("alert", "status", "drafted_on", "cosigned_on", "approved_on")
    list_filter = ("status",)
    fields = ("alert", "text", "status", "drafted_by", "drafted_on", "cosigned_by", "cosigned_on", "approved_document", "approved_on",
              "recorded_by")
    readonly_fields = fields


class PaymentPlanLineInline(ReadOnlyInline):
    model = PaymentPlanLine
    fields = ("kind", "facility", "fund", "due_shown", "amount_shown", "note")
    readonly_fields = fields

    @admin.display(description="本月应付")
    def due_shown(self, obj):
        return yuan(obj.due)

    @admin.display(description="本次拨付")
    def amount_shown(self, obj):
        return yuan(obj.amount)


class PaymentPlanEventInline(ReadOnlyInline):
    model = PaymentPlanEvent
    fields = ("at", "action", "from_status", "to_status", "user", "reason")
    readonly_fields = fields


@admin.register(PaymentPlan)
class PaymentPlanAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    list_display = ("number", "county", "year", "month", "status", "created_by", "paid_on")
    list_filter = ("status", "year")
    fields = ("city", "county", "year", "month", "status", "note", "created_by", "created_at", "submitted_by", "submitted_on",
              "reviewed_by", "reviewed_on", "rechecked_by", "rechecked_on", "funded_by", "funded_on", "funded_entry", "paid_by", "paid_on",
              "paid_entry")
    readonly_fields = fields
    inlines = [PaymentPlanLineInline, PaymentPlanEventInline]

    @admin.display(description="编号", ordering="pk")
    def number(self, obj):
        return obj.pk


class BudgetLineInline(ReadOnlyInline):
    model = BudgetLine
    fields = ("county", "item", "amount_shown")
    readonly_fields = fields

    @admin.display(description="预算金额")
    def amount_shown(self, obj):
        return yuan(obj.amount)


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    """Budgets are compiled and recorded on their page (funds.services.budget)."""

    list_display = ("__str__", "version", "status", "reviewed_document", "approved_document", "approved_on")
    list_filter = ("status", "year", "fund")
    fields = ("city", "fund", "year", "version", "status", "reason", "created_by", "created_at", "reviewed_document", "reviewed_on",
              "approved_document", "approved_on", "recorded_by")
    readonly_fields = fields
    inlines = [BudgetLineInline]


@admin.register(FacilityPenalty)
class FacilityPenaltyAdmin(ReadOnlyAdminMixin, RegionScopedAdmin):
    """Decisions, payments and cancellations are recorded on their page (funds.services.penalties)."""

    list_display = ("document", "facility", "county", "fund", "kind", "amount_shown", "due_on", "status")
    list_filter = ("status", "fund", "kind")
    search_fields = ("document", "facility__name", "facility__code")
    fields = ("city", "facility", "county", "fund", "kind", "amount_shown", "document", "decided_on", "due_on", "reason", "status",
              "created_by", "created_at", "paid_on", "paid_by", "receipt", "cancelled_reason", "decision_entry", "payment_entry")
    readonly_fields = fields

    @admin.display(description="金额")
    def amount_shown(self, obj):
        return yuan(obj.amount)

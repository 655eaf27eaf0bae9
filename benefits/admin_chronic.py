"""门诊慢特病 in the admin. The catalogue is edited here by officers (each save a history row,
its source typed as document and article and shown as users read it); approvals and 两病
registrations are only looked at: they are submitted, decided, renewed and revoked through
benefits.services.chronic, which checks maker-checker, levels and periods."""

from django import forms
from django.contrib import admin

from benefits.admin_filings import ChoiceLabelHistoryHelper
from benefits.models import ChronicApproval, ChronicDisease, DiseaseKind, TwoDiseasesRegistration
from core.admin import CountyFilter, ReadOnlyAdminMixin, RegionScopedHistoryAdmin
from core.display import source_html


ANNUAL_CAP_MAX = 10_000_000  # a disease's yearly cap in yuan: far above any real one, inside the column


class ChronicDiseaseForm(forms.ModelForm):
    class Meta:
        model = ChronicDisease
        fields = ("region", "code", "name", "kind", "rate", "annual_cap", "min_level", "max_level", "evidence", "validity_months",
                  "source", "confirmed", "active")
        error_messages = {
            "rate": {"invalid": "请输入小数形式的比例（0.60 即 60%）", "max_digits": "支付比例应大于 0、不超过 1，最多四位小数（如 0.655）",
                     "max_decimal_places": "支付比例最多四位小数（如 0.655）", "max_whole_digits": "支付比例应大于 0、不超过 1（0.60 即 60%）"},
            "annual_cap": {"invalid": "请输入金额（元，数字，如 3000 或 2500.50）",
                           "max_digits": f"年度支付限额应大于 0、不超过 {ANNUAL_CAP_MAX:,} 元",
                           "max_whole_digits": f"年度支付限额应大于 0、不超过 {ANNUAL_CAP_MAX:,} 元",
                           "max_decimal_places": "年度支付限额最多两位小数（到分）"},
        }
        help_texts = {"region": "门诊慢特病目录按统筹区设置（咸宁市、十堰市按市，吉林省按省）",
                      "code": "病种的统一编码，创建后不能修改（结算单的病种可填编码或名称）",
                      "source": "填写政策文件代号和条款；保存后按“出处显示为”所示向用户显示"}

    def clean_region(self):
        region = self.cleaned_data["region"]
        if region is not None and not region.slug:
            raise forms.ValidationError("请选择统筹区（咸宁市、十堰市或吉林省），县（市、区）不单独设置目录")
        return region

    def clean(self):
        data = super().clean()
        low, high = data.get("min_level"), data.get("max_level")
        if low is not None and high is not None and high < low:
            self.add_error("max_level", "最高级别不能低于最低级别")
        for key in ("min_level", "max_level"):
            if data.get(key) is not None and not 1 <= data[key] <= 3:
                self.add_error(key, "机构级别为 1、2、3 级")
        if data.get("validity_months") is not None and not 1 <= data["validity_months"] <= 120:
            self.add_error("validity_months", "有效期应在 1 至 120 个月之间")
        # RULES.md 3.5: a special disease is paid at the inpatient rates, a 两病 by the outpatient
        # pool; a rate and an annual cap of its own are a chronic disease's only.
        rate, cap = data.get("rate"), data.get("annual_cap")
        if data.get("kind") and data["kind"] != DiseaseKind.CHRONIC:
            for key in ("rate", "annual_cap"):
                if data.get(key) is not None:
                    self.add_error(key, "只有门诊慢性病单设支付比例和年度支付限额（门诊特殊疾病按住院比例支付，两病按门诊统筹支付）")
        if rate is not None and not 0 < rate <= 1:
            self.add_error("rate", "支付比例应大于 0、不超过 1（0.60 即 60%）")
        if cap is not None and not 0 < cap <= ANNUAL_CAP_MAX:
            self.add_error("annual_cap", f"年度支付限额应大于 0、不超过 {ANNUAL_CAP_MAX:,} 元")
        return data


@admin.register(ChronicDisease)
class ChronicDiseaseAdmin(RegionScopedHistoryAdmin):
    form = ChronicDiseaseForm
    list_display = ("region", "name", "kind", "rule_shown", "levels_shown", "validity_months", "source_shown", "confirmed", "active")
    list_filter = ("region", "kind", "active", "confirmed")
    search_fields = ("code", "name")
    readonly_fields = ("source_preview",)
    object_history_list_template = "benefits/filing_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ChoiceLabelHistoryHelper(self.model, historical_record)

    def get_readonly_fields(self, request, obj=None):
        # A disease's region and code name it on approvals and bills: fixed once created (the
        # code, an identifier, is not shown again; users read the disease by its name).
        return ("region", "source_preview") if obj is not None else ("source_preview",)

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "source_preview"] + ["source_preview"]
        return [f for f in fields if f != "code"] if obj is not None else fields

    @admin.display(description="支付规则")
    def rule_shown(self, obj):
        return obj.rule_text

    @admin.display(description="定点机构级别")
    def levels_shown(self, obj):
        if obj.min_level and obj.max_level:
            return f"{obj.min_level}至{obj.max_level}级"
        if obj.min_level:
            return f"{obj.min_level}级及以上"
        if obj.max_level:
            return f"{obj.max_level}级及以下"
        return "不限"

    @admin.display(description="出处", ordering="source")
    def source_shown(self, obj):
        return source_html(obj.source) if obj and obj.source else "—"

    @admin.display(description="出处显示为")
    def source_preview(self, obj):
        return self.source_shown(obj)


@admin.register(ChronicApproval)
class ChronicApprovalAdmin(ReadOnlyAdminMixin, RegionScopedHistoryAdmin):
    list_display = ("person", "disease", "facility", "status", "valid_from", "valid_to", "submitted_by", "submitted_at", "decided_by")
    list_filter = (CountyFilter, "status", "disease__kind")
    search_fields = ("=person__id_number", "person__name", "disease__name")
    list_select_related = ("person", "disease", "facility", "submitted_by", "decided_by")
    show_full_result_count = False
    fields = ("person", "disease", "diagnosing_hospital", "diagnosed_on", "facility", "status", "valid_from", "valid_to", "renews",
              "submitted_by", "submitted_at", "decided_by", "decided_at", "decision_reason", "ended_on", "ended_reason")
    readonly_fields = fields
    object_history_list_template = "benefits/filing_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ChoiceLabelHistoryHelper(self.model, historical_record)


@admin.register(TwoDiseasesRegistration)
class TwoDiseasesRegistrationAdmin(ReadOnlyAdminMixin, RegionScopedHistoryAdmin):
    list_display = ("person", "disease", "registered_on", "facility", "ended_on", "created_by")
    list_filter = (CountyFilter, "disease")
    search_fields = ("=person__id_number", "person__name")
    list_select_related = ("person", "disease", "facility", "created_by")
    show_full_result_count = False
    fields = ("person", "disease", "registered_on", "facility", "ended_on", "ended_reason", "note", "created_by", "created_at")
    readonly_fields = fields

"""Query forms of the fund pages (基金): a day, a fund, a county of the user's subtree."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from core.models import Region, RegionLevel
from core.validation import plausible_date
from enrollment.forms import DATE_INPUT, CrispyForm
from funds.models import Fund, SourceKind

NOT_YOURS = "所选区划不在您的管辖范围内"


class _CountyMixin:
    def _county_field(self, user):
        counties = Region.objects.restrict(user).filter(level=RegionLevel.COUNTY).order_by("path")
        self.fields["county"] = forms.ModelChoiceField(label="县（市、区）", required=False, queryset=counties, empty_label="全部（本辖区）",
                                                       error_messages={"invalid_choice": NOT_YOURS})


class BalanceForm(_CountyMixin, CrispyForm):
    as_of = forms.DateField(label="截至日期", required=False, widget=DATE_INPUT, validators=[plausible_date],
                            help_text="当日记账后的余额；不填为今天")
    fund = forms.ChoiceField(label="基金", required=False, choices=[("", "全部")] + Fund.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._county_field(user)

    def day(self):
        return (self.cleaned_data.get("as_of") if self.is_bound else None) or timezone.localdate()


class EntryFilterForm(_CountyMixin, CrispyForm):
    date_from = forms.DateField(label="记账日期起", required=False, widget=DATE_INPUT, validators=[plausible_date])
    date_to = forms.DateField(label="记账日期止", required=False, widget=DATE_INPUT, validators=[plausible_date])
    fund = forms.ChoiceField(label="基金", required=False, choices=[("", "全部")] + Fund.choices)
    source = forms.ChoiceField(label="来源", required=False, choices=[("", "全部")] + SourceKind.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._county_field(user)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "记账日期止不能早于记账日期起")
        return data


class ReconcileForm(CrispyForm):
    date_from = forms.DateField(label="结算日期起", required=False, widget=DATE_INPUT, validators=[plausible_date], help_text="不填为本月1日")
    date_to = forms.DateField(label="结算日期止", required=False, widget=DATE_INPUT, validators=[plausible_date], help_text="不填为昨天")

    MAX_DAYS = 366

    def clean(self):
        data = super().clean()
        yesterday = timezone.localdate() - timedelta(days=1)
        date_to = data.get("date_to") or yesterday
        date_from = data.get("date_from") or date_to.replace(day=1)
        if date_to > yesterday:
            self.add_error("date_to", f"结算日期止不能晚于昨天（{yesterday:%Y-%m-%d}）：当天的结算次日凌晨记账")
        elif date_from > date_to:
            self.add_error("date_to", "结算日期止不能早于结算日期起")
        elif (date_to - date_from).days >= self.MAX_DAYS:
            self.add_error("date_to", f"一次最多核对 {self.MAX_DAYS} 天")
        data["date_from"], data["date_to"] = date_from, date_to
        return data


class StatementForm(_CountyMixin, CrispyForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2099, help_text="不填为今年")
    fund = forms.ChoiceField(label="基金", required=False, choices=Fund.choices, help_text="不填为居民基本医疗保险基金")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._county_field(user)

    def values(self) -> tuple[int, str]:
        data = self.cleaned_data if self.is_bound else {}
        return data.get("year") or timezone.localdate().year, data.get("fund") or Fund.RESIDENT_BASIC


class OpinionDraftForm(CrispyForm):
    text = forms.CharField(label="预警意见", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="医保部门起草：预警情况、原因分析和拟采取的措施")
    on = forms.DateField(label="起草日期", required=False, widget=DATE_INPUT, validators=[plausible_date], help_text="不填为今天")


class OpinionCosignForm(CrispyForm):
    signer = forms.CharField(label="财政会签人（部门和姓名）", max_length=100)
    on = forms.DateField(label="会签日期", widget=DATE_INPUT, validators=[plausible_date])


class OpinionApproveForm(CrispyForm):
    document = forms.CharField(label="政府批准文号", max_length=100)
    on = forms.DateField(label="批准日期", widget=DATE_INPUT, validators=[plausible_date])


class YearForm(CrispyForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2099, help_text="不填为今年")

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year and year > timezone.localdate().year:
            raise forms.ValidationError(f"{year}年尚未开始，请选择今年或以前的年度")
        return year

    def year_value(self) -> int:
        return (self.cleaned_data.get("year") if self.is_bound else None) or timezone.localdate().year


def _month_choices():
    return [("", "—")] + [(m, f"{m}月") for m in range(1, 13)]


class PlanFilterForm(_CountyMixin, CrispyForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2099)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), ("mine", "待我办理")])

    def __init__(self, *args, user, **kwargs):
        from funds.models import PaymentPlan

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部"), ("mine", "待我办理")] + PaymentPlan.Status.choices
        self._county_field(user)


class PlanCreateForm(CrispyForm):
    plan_kind = forms.ChoiceField(label="计划类别", required=False, choices=[("monthly", "月度拨付"), ("year_end", "年度清算")], initial="monthly",
                                  help_text="年度清算：年度结束后、在年度清算期限内，拨付全年结算尚未拨付的部分（该年月度计划须已全部拨付）")
    year = forms.IntegerField(label="计划年度", min_value=2000, max_value=2099)
    month = forms.TypedChoiceField(label="计划月份", coerce=int, required=False, empty_value=None, choices=_month_choices()[1:],
                                   help_text="拨付该月的定点机构结算和手工报销；该月结束、结算记账后编制（年度清算不用填）")
    note = forms.CharField(label="编制说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        counties = Region.objects.restrict(user).filter(level=RegionLevel.COUNTY).order_by("path")
        self.fields = {"county": forms.ModelChoiceField(label="县（市、区）", queryset=counties, empty_label=None,
                                                        error_messages={"invalid_choice": NOT_YOURS}), **self.fields}
        last = timezone.localdate().replace(day=1) - timedelta(days=1)
        self.initial.setdefault("year", last.year)
        self.initial.setdefault("month", last.month)

    def clean(self):
        data = super().clean()
        if data.get("plan_kind") != "year_end" and not data.get("month") and "month" not in self.errors:
            self.add_error("month", "请选择计划月份")
        return data


class PlanAdvanceForm(CrispyForm):
    on = forms.DateField(label="日期", required=False, widget=DATE_INPUT, validators=[plausible_date], help_text="不填为今天")
    reason = forms.CharField(label="意见", required=False, max_length=500)

    def __init__(self, *args, dated: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not dated:
            del self.fields["on"]


class PlanRejectForm(CrispyForm):
    reason = forms.CharField(label="退回原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class BudgetCreateForm(CrispyForm):
    fund = forms.ChoiceField(label="基金", choices=Fund.choices, initial=Fund.RESIDENT_BASIC)
    year = forms.IntegerField(label="预算年度", min_value=2000, max_value=2099)
    reason = forms.CharField(label="编制或调整说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="调整预算须写明调整原因；调整预算沿用现行预算的金额，再作修改")
    compiled_on = forms.DateField(label="编制日期", required=False, widget=DATE_INPUT, validators=[plausible_date], help_text="不填为今天")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", timezone.localdate().year + 1)


class BudgetWithdrawForm(CrispyForm):
    reason = forms.CharField(label="撤回原因", max_length=200)


class BudgetRecordForm(CrispyForm):
    document = forms.CharField(label="文号", max_length=100)
    on = forms.DateField(label="日期", widget=DATE_INPUT, validators=[plausible_date])


class ExecutionForm(StatementForm):
    """预算执行: the same query as the statement's (a year, a fund, a county of the user's subtree)."""


class InterestForm(CrispyForm):
    fund = forms.ChoiceField(label="基金", choices=Fund.choices, initial=Fund.RESIDENT_BASIC)
    kind = forms.ChoiceField(label="银行账户", choices=[])
    holder = forms.ModelChoiceField(label="县（市、区）", required=False, queryset=Region.objects.none(), empty_label="—",
                                    help_text="县医保局基金支出户须选择县（市、区）", error_messages={"invalid_choice": NOT_YOURS})
    amount = forms.CharField(label="利息金额（元）", max_length=30)
    on = forms.DateField(label="结息日期", widget=DATE_INPUT, validators=[plausible_date])
    memo = forms.CharField(label="摘要（银行回单号等）", required=False, max_length=100)

    def __init__(self, *args, city, **kwargs):
        from funds.models import AccountKind
        from funds.services.treasury import BANK_KINDS

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, AccountKind(k).label) for k in BANK_KINDS]
        self.fields["holder"].queryset = Region.objects.filter(parent=city, level=RegionLevel.COUNTY).order_by("code")


class AdvanceYearForm(CrispyForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2099, help_text="不填为今年")
    fund = forms.ChoiceField(label="基金", required=False, choices=Fund.choices, help_text="不填为居民基本医疗保险基金")


class RevolvingForm(CrispyForm):
    on = forms.DateField(label="拨付日期", widget=DATE_INPUT, validators=[plausible_date])


class ManualAdvanceForm(CrispyForm):
    county = forms.ModelChoiceField(label="县（市、区）", queryset=Region.objects.none(), error_messages={"invalid_choice": NOT_YOURS})
    amount = forms.CharField(label="预拨金额（元）", max_length=30)
    on = forms.DateField(label="拨付日期", widget=DATE_INPUT, validators=[plausible_date])

    def __init__(self, *args, city, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = Region.objects.filter(parent=city, level=RegionLevel.COUNTY).order_by("code")


class PenaltyForm(CrispyForm):
    """A facility's penalty decision (funds.services.penalties.penalty_decide checks it)."""

    facility = forms.CharField(label="定点医疗机构编码", max_length=30)
    fund = forms.ChoiceField(label="基金", choices=Fund.choices, initial=Fund.RESIDENT_BASIC)
    kind = forms.ChoiceField(label="类别", choices=[])
    amount = forms.CharField(label="金额（元）", max_length=30)
    document = forms.CharField(label="处理决定文号", max_length=100)
    decided_on = forms.DateField(label="决定日期", widget=DATE_INPUT, validators=[plausible_date])
    reason = forms.CharField(label="事由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from funds.models import FacilityPenalty

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = FacilityPenalty.Kind.choices


class PenaltyPaidForm(CrispyForm):
    paid_on = forms.DateField(label="缴纳日期", widget=DATE_INPUT, validators=[plausible_date])
    receipt = forms.CharField(label="缴款凭证号", max_length=100)


class PenaltyCancelForm(CrispyForm):
    reason = forms.CharField(label="撤销原因", max_length=300)


class PenaltyFilterForm(CrispyForm):
    status = forms.ChoiceField(label="状态", required=False, choices=[])
    year = forms.IntegerField(label="决定年度", required=False, min_value=2000, max_value=2099)
    q = forms.CharField(label="机构名称、编码或文号", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        from funds.models import FacilityPenalty

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部"), *FacilityPenalty.Status.choices]


class ReceiptForm(CrispyForm):
    """A transfer into the special account (funds.services.receipts.record_receipt checks it)."""

    source = forms.ChoiceField(label="资金来源", choices=[])
    county = forms.ModelChoiceField(label="县（市、区）", queryset=Region.objects.none(), error_messages={"invalid_choice": NOT_YOURS},
                                    help_text="款项所属的县（市、区）；按到账通知所列分县金额逐县登记")
    amount = forms.CharField(label="到账金额（元）", max_length=30)
    on = forms.DateField(label="到账日期", widget=DATE_INPUT, validators=[plausible_date])
    document = forms.CharField(label="到账通知或缴款书号", max_length=60)

    def __init__(self, *args, city, **kwargs):
        from funds.models import AccountKind
        from funds.services.receipts import SOURCES

        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(k, AccountKind(k).label) for k in SOURCES]
        self.fields["county"].queryset = Region.objects.filter(parent=city, level=RegionLevel.COUNTY).order_by("code")


class FundChoiceForm(CrispyForm):
    fund = forms.ChoiceField(label="基金", required=False, choices=Fund.choices, help_text="不填为居民基本医疗保险基金")


class ReverseForm(CrispyForm):
    reason = forms.CharField(label="冲销原因", max_length=200)
    on = forms.DateField(label="冲销日期", required=False, widget=DATE_INPUT, validators=[plausible_date], help_text="不填为今天")

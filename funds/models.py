"""The city's fund ledger (RULES.md 7; X000 arts. 36-37, S001 市级统筹 §三(三), N004 §一).

Funds are kept apart: every line names its fund, and an entry balances within each fund it
touches. Money moves only by balanced journal entries that are never changed: a correction is a
reversing entry (funds.services.ledger is the one writer). On PostgreSQL and SQLite the database
itself refuses an UPDATE or DELETE of a posted entry or line; on PostgreSQL a deferred constraint
trigger also refuses an entry that does not balance (migration 0002).

Amounts are signed: a debit is positive, a credit negative. Accounting is city-wide (S001
§三(三)3), but each line carries the county it concerns, so reports break down by county."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import Region
from core.restrict import RegionScopedQuerySet

MONEY = {"max_digits": 16, "decimal_places": 2}


class Fund(models.TextChoices):
    RESIDENT_BASIC = "resident_basic", "居民基本医疗保险基金"
    RESIDENT_CI = "resident_ci", "居民大病保险资金"
    EMPLOYEE_BASIC = "employee_basic", "职工基本医疗保险（含生育保险）基金"
    EMPLOYEE_LARGE = "employee_large", "职工大额医疗费用补助资金"
    CIVIL_SERVANT = "civil_servant", "公务员医疗补助资金"
    ASSISTANCE = "assistance", "医疗救助基金"
    PERSONAL_ACCOUNT = "personal_account", "职工个人账户"


class AccountKind(models.TextChoices):
    # Bank accounts of the fund (RULES.md 7: 统收统支)
    FISCAL_SPECIAL = "fiscal_special", "市级财政专户"
    CITY_EXPENDITURE = "city_expenditure", "市医保局基金支出户"
    COUNTY_EXPENDITURE = "county_expenditure", "县医保局基金支出户"
    # Counterparties
    TREASURY = "treasury", "国库（税务征收）"
    FISCAL_CENTRAL = "fiscal_central", "中央财政"
    FISCAL_PROVINCE = "fiscal_province", "省级财政"
    FISCAL_CITY = "fiscal_city", "市级财政"
    FISCAL_COUNTY = "fiscal_county", "县级财政"
    FACILITY_PAYABLE = "facility_payable", "应付定点医疗机构"
    PERSON_PAYABLE = "person_payable", "应付参保人（手工报销）"
    REVOLVING = "revolving", "周转金"
    FACILITY_RECEIVABLE = "facility_receivable", "应收定点医疗机构款（违约金、违规费用）"
    # Income and expenditure of the fund
    CONTRIBUTION_INCOME = "contribution_income", "保险费收入"
    SUBSIDISED_CONTRIBUTION = "subsidised_contribution", "资助参保缴费收入"
    SUBSIDY_INCOME = "subsidy_income", "财政补助收入"
    INTEREST_INCOME = "interest_income", "利息收入"
    OTHER_INCOME = "other_income", "其他收入"
    BENEFIT_EXPENSE = "benefit_expense", "待遇支出"


class FiscalLevel(models.TextChoices):
    """The level a fiscal subsidy per head comes from (N004 §一), the 辅助核算 of its lines."""

    CENTRAL = "central", "中央财政"
    PROVINCE = "province", "省级财政"
    COUNTY = "county", "县级财政"


INCOME_KINDS = (AccountKind.CONTRIBUTION_INCOME, AccountKind.SUBSIDISED_CONTRIBUTION, AccountKind.SUBSIDY_INCOME,
                AccountKind.INTEREST_INCOME, AccountKind.OTHER_INCOME)
EXPENSE_KINDS = (AccountKind.BENEFIT_EXPENSE,)


class Account(models.Model):
    """An account of one fund: a kind, the region it belongs to (the city, or a county for a
    county's expenditure account and a county's fiscal level), and for a facility payable the
    facility. Created on first use (funds.services.ledger.account)."""

    fund = models.CharField("基金", max_length=20, choices=Fund.choices)
    kind = models.CharField("账户类别", max_length=30, choices=AccountKind.choices)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey("benefits.Facility", verbose_name="定点医疗机构", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    region_path = models.CharField(max_length=200, editable=False)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "基金账户"
        verbose_name_plural = "基金账户"
        ordering = ["fund", "kind", "region_path"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "kind", "region", "facility"], name="one_account_per_holder",
                                    nulls_distinct=False),
        ]

    def __str__(self):
        holder = self.facility.name if self.facility_id else self.region.name
        return f"{self.get_fund_display()} · {self.get_kind_display()} · {holder}"


class SourceKind(models.TextChoices):
    SETTLEMENTS = "settlements", "定点机构结算"
    MANUAL_CLAIMS = "manual_claims", "手工报销"
    CONTRIBUTIONS = "contributions", "保费征收"
    SUBSIDY_RUN = "subsidy_run", "资助参保"
    FISCAL_SUBSIDY = "fiscal_subsidy", "财政补助"
    PAYMENT_PLAN = "payment_plan", "月度拨付计划"
    SWEEP = "sweep", "年末归集"
    INTEREST = "interest", "银行利息"
    REVOLVING = "revolving", "周转金"
    ADVANCE = "advance", "手工报销预拨"
    PENALTY = "penalty", "定点机构违约金和违规费用"
    RECEIPT = "receipt", "资金缴入财政专户"
    MANUAL = "manual", "手工记账"
    REVERSAL = "reversal", "冲销"


class JournalEntry(models.Model):
    """A posted journal entry (记账凭证): immutable once posted. `key` makes a posting
    idempotent: the same source posted again posts nothing."""

    city = models.ForeignKey(Region, verbose_name="统筹区", on_delete=models.PROTECT, related_name="+")
    posted_on = models.DateField("记账日期")
    source_kind = models.CharField("来源", max_length=20, choices=SourceKind.choices)
    source_ref = models.CharField("来源编号", max_length=100, blank=True)
    key = models.CharField("幂等键", max_length=200, unique=True)
    memo = models.CharField("摘要", max_length=300)
    reverses = models.OneToOneField("self", verbose_name="冲销的凭证", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记账人", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    posted_at = models.DateTimeField("记账时间", auto_now_add=True)
    region_path = models.CharField(max_length=200, editable=False)  # the city's: an entry may concern several counties

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "记账凭证"
        verbose_name_plural = "记账凭证"
        ordering = ["-posted_on", "-pk"]
        permissions = [("record_interest", "登记银行存款利息"), ("record_receipt", "登记资金缴入市级财政专户（市财政局）"),
                       ("reverse_journalentry", "冲销手工登记的凭证（市医保局）")]
        indexes = [models.Index(fields=["city", "posted_on"], name="entry_city_day")]

    def __str__(self):
        return f"凭证 {self.pk}（{self.memo}）"


class JournalLine(models.Model):
    """One line of an entry: an amount (debit positive, credit negative) on an account of a
    fund, for the county it concerns (the city for city-wide lines)."""

    entry = models.ForeignKey(JournalEntry, verbose_name="凭证", on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, verbose_name="账户", on_delete=models.PROTECT, related_name="lines", db_index=False)
    fund = models.CharField("基金", max_length=20, choices=Fund.choices)
    county = models.ForeignKey(Region, verbose_name="所属县（市、区）", on_delete=models.PROTECT, related_name="+", db_index=False)
    amount = models.DecimalField("金额（借正贷负）", **MONEY)
    # 辅助核算: who the line is with beyond its account (资助参保: the paying department).
    party = models.CharField("辅助核算（资金来源）", max_length=30, blank=True, default="", db_default="")
    posted_on = models.DateField("记账日期")
    region_path = models.CharField(max_length=200, editable=False)  # the county's

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "凭证分录"
        verbose_name_plural = "凭证分录"
        ordering = ["entry", "pk"]
        indexes = [
            models.Index(fields=["account", "posted_on"], name="line_account_day"),  # a balance as of a day
            models.Index(fields=["fund", "posted_on"], name="line_fund_day"),
        ]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="line_amount_not_zero")]


class JobRun(models.Model):
    """The run ledger of a scheduled job: one row per job and period (a day, a month), so a
    job run twice, or catching up missed periods, does each period once."""

    class Status(models.TextChoices):
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    job = models.CharField("任务", max_length=60)
    period = models.CharField("期间", max_length=20)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)

    class Meta:
        verbose_name = "定时任务运行记录"
        verbose_name_plural = "定时任务运行记录"
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="one_run_per_period")]

    def __str__(self):
        return f"{self.job} {self.period}（{self.get_status_display()}）"


class AlertKind(models.TextChoices):
    SURPLUS_LOW = "surplus_low", "当期结余率低于预警线"
    SURPLUS_HIGH = "surplus_high", "当期结余率高于预警线"
    MONTHS_LOW = "months_low", "累计结余可支付月数不足"


class FundAlert(models.Model):
    """A fund-balance warning (X000 art. 37) of the city or a county: raised once per fund,
    region, kind and month while the figure is out of bounds, cleared when it returns
    (funds.services.alerts, the one writer)."""

    fund = models.CharField("基金", max_length=20, choices=Fund.choices)
    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("预警类型", max_length=20, choices=AlertKind.choices)
    period = models.CharField("期间", max_length=7)  # YYYY-MM
    value = models.DecimalField("指标值", max_digits=12, decimal_places=4)
    threshold = models.DecimalField("预警线", max_digits=12, decimal_places=4)
    income = models.DecimalField("本年收入", **MONEY)
    expenditure = models.DecimalField("本年支出", **MONEY)
    balance = models.DecimalField("累计结余", **MONEY)
    as_of = models.DateField("截至日期")
    source = models.CharField("依据", max_length=200)
    raised_at = models.DateTimeField("预警时间", auto_now_add=True)
    cleared_at = models.DateTimeField("解除时间", null=True, blank=True)
    cleared_value = models.DecimalField("解除时指标值", max_digits=12, decimal_places=4, null=True, blank=True)
    region_path = models.CharField(max_length=200, editable=False)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "基金运行预警"
        verbose_name_plural = "基金运行预警"
        ordering = ["-raised_at"]
        constraints = [models.UniqueConstraint(fields=["fund", "region", "kind", "period"], name="one_alert_per_period")]

    def __str__(self):
        return f"{self.region.name} {self.get_kind_display()}（{self.period}）"


class WarningOpinion(models.Model):
    """The warning opinion (预警意见, X000 art. 37) a fund-balance warning calls for: drafted by
    the bureau (医保), co-signed by the finance bureau (财政), approved by the government of the
    same level; the system records each step (funds.services.opinions, the one writer)."""

    class Status(models.TextChoices):
        DRAFTED = "drafted", "医保已起草"
        COSIGNED = "cosigned", "财政已会签"
        APPROVED = "approved", "政府已批准"

    alert = models.OneToOneField(FundAlert, verbose_name="预警", on_delete=models.PROTECT, related_name="opinion")
    text = models.TextField("预警意见")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFTED)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="起草人", on_delete=models.PROTECT, related_name="+")
    drafted_on = models.DateField("起草日期")
    cosigned_by = models.CharField("财政会签人（部门和姓名）", max_length=100, blank=True)
    cosigned_on = models.DateField("会签日期", null=True, blank=True)
    approved_document = models.CharField("政府批准文号", max_length=100, blank=True)
    approved_on = models.DateField("批准日期", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最后登记人", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=200, editable=False)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "基金运行预警意见"
        verbose_name_plural = "基金运行预警意见"
        permissions = [("record_warningopinion", "登记基金运行预警意见")]

    def __str__(self):
        return f"{self.alert}：{self.get_status_display()}"


class PaymentPlan(models.Model):
    """A county's monthly payment plan (月度拨付计划, RULES.md 7: 按月拨付，按年结算): what the
    county's facilities are owed for a month's settlements and what its office paid in manual
    claims, per fund. The county bureau compiles and submits it, the city bureau reviews, the
    city finance bureau re-checks, finance pays it into the city bureau's expenditure account,
    and the city bureau pays the facilities and the county. Each step by a different user; a
    rejection goes back one step with its reason (funds.services.plans, the one writer)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "县医保局编制中"
        SUBMITTED = "submitted", "待市医保局审核"
        REVIEWED = "reviewed", "待市财政局复核"
        RECHECKED = "rechecked", "待财政拨付"
        FUNDED = "funded", "待市医保局拨付"
        PAID = "paid", "已拨付"

    class PlanKind(models.TextChoices):
        MONTHLY = "monthly", "月度拨付"
        YEAR_END = "year_end", "年度清算"

    city = models.ForeignKey(Region, verbose_name="统筹区", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")  # 12 for the year-end settlement
    plan_kind = models.CharField("计划类别", max_length=10, choices=PlanKind.choices, default=PlanKind.MONTHLY,
                                 db_default=PlanKind.MONTHLY)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.CharField("编制说明", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="编制人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("编制时间", auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_on = models.DateField("提交日期", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="市医保局审核人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField("审核日期", null=True, blank=True)
    rechecked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="市财政局复核人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    rechecked_on = models.DateField("复核日期", null=True, blank=True)
    funded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="财政拨付人", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    funded_on = models.DateField("财政拨付日期", null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="市医保局拨付人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    paid_on = models.DateField("拨付日期", null=True, blank=True)
    funded_entry = models.OneToOneField(JournalEntry, verbose_name="财政拨付凭证", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    paid_entry = models.OneToOneField(JournalEntry, verbose_name="拨付凭证", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    region_path = models.CharField(max_length=200, editable=False)  # the county's

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "月度拨付计划"
        verbose_name_plural = "月度拨付计划"
        ordering = ["-year", "-month", "region_path"]
        constraints = [models.UniqueConstraint(fields=["county", "year", "month", "plan_kind"], name="one_plan_per_county_month_kind")]
        permissions = [
            ("submit_paymentplan", "编制和提交月度拨付计划（县医保局）"),
            ("review_paymentplan", "审核月度拨付计划（市医保局）"),
            ("recheck_paymentplan", "复核月度拨付计划（市财政局）"),
            ("fund_paymentplan", "拨付至市医保局基金支出户（市财政局）"),
            ("pay_paymentplan", "拨付至定点机构和县医保局（市医保局）"),
        ]

    def __str__(self):
        return f"{self.county.name}{self.period_label}拨付计划"

    @property
    def year_end(self) -> bool:
        return self.plan_kind == self.PlanKind.YEAR_END

    @property
    def period_label(self) -> str:
        return f"{self.year}年度清算" if self.year_end else f"{self.year}年{self.month}月"



class PaymentPlanLine(models.Model):
    """One line of a plan: a fund's amount due to a facility for the month's settlements, or
    the county office's manual claims of the month; the amount to pay may be lower (a
    deduction, with its reason), never higher."""

    class Kind(models.TextChoices):
        FACILITY = "facility", "定点机构结算"
        MANUAL = "manual", "手工报销"

    plan = models.ForeignKey(PaymentPlan, verbose_name="拨付计划", on_delete=models.CASCADE, related_name="lines")
    fund = models.CharField("基金", max_length=20, choices=Fund.choices)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    facility = models.ForeignKey("benefits.Facility", verbose_name="定点医疗机构", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    due = models.DecimalField("本月应付", **MONEY)
    amount = models.DecimalField("本次拨付", **MONEY)
    note = models.CharField("扣减原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "拨付计划明细"
        verbose_name_plural = "拨付计划明细"
        ordering = ["plan", "kind", "facility__code", "fund"]


class PaymentPlanEvent(models.Model):
    """The plan's procedure trail: who did which step, when, and why (a rejection's reason, a
    deduction's lines)."""

    class Action(models.TextChoices):
        CREATE = "create", "编制"
        REFRESH = "refresh", "重新取数"
        ADJUST = "adjust", "调整拨付金额"
        SUBMIT = "submit", "提交"
        REVIEW = "review", "市医保局审核通过"
        RECHECK = "recheck", "市财政局复核通过"
        REJECT = "reject", "退回"
        FUND = "fund", "财政拨付至市医保局基金支出户"
        PAY = "pay", "市医保局拨付至定点机构和县医保局"

    plan = models.ForeignKey(PaymentPlan, verbose_name="拨付计划", on_delete=models.PROTECT, related_name="events")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    from_status = models.CharField("原状态", max_length=10, choices=PaymentPlan.Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=10, choices=PaymentPlan.Status.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("操作时间", auto_now_add=True)
    reason = models.CharField("说明", max_length=500, blank=True)
    detail = models.JSONField("变动明细", default=dict, blank=True)

    class Meta:
        verbose_name = "拨付计划操作记录"
        verbose_name_plural = "拨付计划操作记录"
        ordering = ["plan", "at", "pk"]


BUDGET_ITEMS = (*INCOME_KINDS, *EXPENSE_KINDS)


class Budget(models.Model):
    """A fund's annual budget of a city (RULES.md 7: compiled by 医保 with 财政 and 税务, reviewed
    by the city government, approved by the city people's congress), one version at a time: an
    adjustment is a new version that goes through the same procedure, and the budget in force is
    the latest approved version (funds.services.budget, the one writer)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "编制中"
        REVIEWED = "reviewed", "市政府已审核"
        APPROVED = "approved", "市人大已批准"

    city = models.ForeignKey(Region, verbose_name="统筹区", on_delete=models.PROTECT, related_name="+")
    fund = models.CharField("基金", max_length=20, choices=Fund.choices)
    year = models.PositiveSmallIntegerField("预算年度")
    version = models.PositiveSmallIntegerField("版本")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    reason = models.CharField("编制或调整说明", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="编制人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("编制时间", auto_now_add=True)
    compiled_on = models.DateField("编制日期", null=True, blank=True)
    reviewed_document = models.CharField("市政府审核文号", max_length=100, blank=True)
    reviewed_on = models.DateField("市政府审核日期", null=True, blank=True)
    approved_document = models.CharField("市人大批准文号", max_length=100, blank=True)
    approved_on = models.DateField("市人大批准日期", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="最后登记人", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=200, editable=False)  # the city's
    history = HistoricalRecords()

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "基金预算"
        verbose_name_plural = "基金预算"
        ordering = ["-year", "fund", "-version"]
        constraints = [models.UniqueConstraint(fields=["city", "fund", "year", "version"], name="one_budget_version")]
        permissions = [("compile_budget", "编制和登记基金预算（市医保局）")]

    def __str__(self):
        kind = "预算" if self.version == 1 else f"调整预算（第{self.version - 1}次调整）"
        return f"{self.city.name}{self.year}年{self.get_fund_display()}{kind}"


class BudgetLine(models.Model):
    """A budget's amount for one item (an income or the expenditure) of one county (the city for
    what is budgeted city-wide)."""

    budget = models.ForeignKey(Budget, verbose_name="预算", on_delete=models.CASCADE, related_name="lines")
    county = models.ForeignKey(Region, verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    item = models.CharField("预算科目", max_length=30, choices=[(k, AccountKind(k).label) for k in BUDGET_ITEMS])
    amount = models.DecimalField("预算金额", **MONEY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "基金预算明细"
        verbose_name_plural = "基金预算明细"
        ordering = ["budget", "county__path", "item"]
        constraints = [models.UniqueConstraint(fields=["budget", "county", "item"], name="one_budget_line")]


class FacilityPenalty(models.Model):
    """Money a designated facility owes a fund for an agreement breach or a penalty (RULES.md 7:
    paid up per fund before the year's end), from the bureau's decision to its payment into the
    city fiscal special account; a decision annulled before payment is cancelled, its entry
    reversed (funds.services.penalties, the one writer)."""

    class Kind(models.TextChoices):
        BREACH = "breach", "协议违约金"
        RECOVERY = "recovery", "追回违规医疗费用"
        FINE = "fine", "行政处罚罚没款"

    class Status(models.TextChoices):
        OWED = "owed", "待缴纳"
        PAID = "paid", "已缴入市级财政专户"
        CANCELLED = "cancelled", "已撤销"

    city = models.ForeignKey(Region, verbose_name="统筹区", on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey("benefits.Facility", verbose_name="定点医疗机构", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, verbose_name="所属县（市、区）", on_delete=models.PROTECT, related_name="+")
    fund = models.CharField("基金", max_length=20, choices=Fund.choices)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    amount = models.DecimalField("金额", **MONEY)
    document = models.CharField("处理决定文号", max_length=100)
    decided_on = models.DateField("决定日期")
    due_on = models.DateField("缴纳期限")
    reason = models.CharField("事由", max_length=500)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OWED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    paid_on = models.DateField("缴纳日期", null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="收款登记人", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    receipt = models.CharField("缴款凭证号", max_length=100, blank=True)
    cancelled_reason = models.CharField("撤销原因", max_length=300, blank=True)
    decision_entry = models.OneToOneField(JournalEntry, verbose_name="应收凭证", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    payment_entry = models.OneToOneField(JournalEntry, verbose_name="缴款凭证", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    region_path = models.CharField(max_length=200, editable=False)  # the facility's county
    history = HistoricalRecords()

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "定点机构违约金和违规费用"
        verbose_name_plural = "定点机构违约金和违规费用"
        ordering = ["-decided_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["facility", "document", "fund"], name="one_penalty_per_decision_fund")]
        permissions = [("decide_facilitypenalty", "登记和撤销定点机构违约金、违规费用（市医保局）"),
                       ("collect_facilitypenalty", "登记定点机构违约金、违规费用缴款（基金财务）")]

    def __str__(self):
        return f"{self.facility.name} {self.get_kind_display()}（{self.document}）"

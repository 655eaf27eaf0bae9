"""People, households, schools, yearly resident enrollment, the employee-insurance list, and
the resident-scheme parameters that the enrollment rules read (RULES.md 2.1-2.3)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.display import yuan
from core.identity_codes import IdentityCode
from core.idnumber import mask_id_number
from core.models import ImportJob, Region
from core.restrict import RegionScopedQuerySet

MONEY = {"max_digits": 12, "decimal_places": 2}
# Officers type a policy source as its stored key (core.display turns it into the document and
# article users read); the admin explains the format where the key is typed.
SOURCE_HELP = "填写政策条款代码，如 X000 art. 20 表示咸宁办法第二十条；多处条款用分号隔开。页面上显示为文件名称和条款"


def path_index(name, field):
    """A btree index that serves `field LIKE 'prefix%'` on PostgreSQL (plain index elsewhere)."""
    return models.Index(fields=[field], name=name, opclasses=["varchar_pattern_ops"])


def parse_month_day(value: str) -> tuple[int, int]:
    month, day = (int(part) for part in value.split("-"))
    date(2024, month, day)  # a leap year accepts every real month-day
    return month, day


def validate_month_day(value: str):
    try:
        parse_month_day(value)
    except (ValueError, TypeError):
        raise ValidationError(f"{value} 不是有效的月-日（如 09-01）") from None


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


# ---------------------------------------------------------------------------- schemes


class ResidentScheme(models.Model):
    """A resident-insurance preset (咸宁 X000, 吉林 J003): the period rules of RULES.md 2.2.
    A pooling region uses one scheme (SchemeAssignment); yearly numbers live in
    ContributionStandard, CollectionWindow and SubsidyRule."""

    class WaitingUnit(models.TextChoices):
        DAYS = "days", "天"
        MONTHS = "months", "个月（自然月）"

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100)
    waiting_unit = models.CharField("等待期单位", max_length=10, choices=WaitingUnit.choices)
    waiting_length = models.PositiveSmallIntegerField("中途参保等待期")
    students_wait = models.BooleanField("学生适用等待期", default=True)
    newborn_birth_year_free = models.BooleanField("新生儿出生当年免缴", default=True)
    newborn_registration_years = models.PositiveSmallIntegerField(
        "新生儿出生当年参保最迟可于出生后第几年办理", default=1,
        help_text="0 = 仅出生当年；1 = 出生次年内仍可补办出生当年参保（政策未规定，待确认）",
    )
    transfer_grace_months = models.PositiveSmallIntegerField("接续参保期限（月）", default=3)
    employee_continuous_years = models.PositiveSmallIntegerField("职工医保连续参保年限", default=2)
    college_own_period = models.BooleanField(
        "大中专学生单独缴费期", default=True, help_text="缴费期9月1日-11月30日，待遇期当年9月1日至次年12月31日"
    )
    resident_window_opens = models.CharField(
        "居民集中缴费期开始（月-日）", max_length=5, default="09-01", validators=[validate_month_day],
        help_text="待遇年度前一年的该日",
    )
    resident_window_closes = models.CharField(
        "居民集中缴费期截止（月-日）", max_length=5, default="12-31", validators=[validate_month_day]
    )
    college_window_opens = models.CharField(
        "大中专学生缴费期开始（月-日）", max_length=5, default="09-01", validators=[validate_month_day],
        help_text="待遇年度当年的该日",
    )
    college_window_closes = models.CharField(
        "大中专学生缴费期截止（月-日）", max_length=5, default="11-30", validators=[validate_month_day]
    )
    articles = models.JSONField(
        "条款出处", default=dict, blank=True,
        help_text="各条规则对应的政策条款",
    )
    source = models.CharField("出处", max_length=200, help_text=SOURCE_HELP)
    confirmed = models.BooleanField("已确认", default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "居民医保方案"
        verbose_name_plural = "居民医保方案"

    def __str__(self):
        return self.name


class SchemeAssignment(models.Model):
    """Which resident scheme a pooling region (or province) uses; the nearest ancestor's
    assignment applies to everything below it."""

    region = models.OneToOneField(Region, verbose_name="区划", on_delete=models.CASCADE, related_name="scheme_assignment")
    scheme = models.ForeignKey(ResidentScheme, verbose_name="方案", on_delete=models.PROTECT)
    history = HistoricalRecords()

    objects = RegionScopedQuerySet.as_manager()
    region_path_lookup = "region__path"

    class Meta:
        verbose_name = "统筹区方案"
        verbose_name_plural = "统筹区方案"

    def __str__(self):
        return f"{self.region} → {self.scheme}"


class ContributionStandard(models.Model):
    """RULES.md 2.1: individual contribution and fiscal subsidy per head for a benefit year."""

    scheme = models.ForeignKey(ResidentScheme, verbose_name="方案", on_delete=models.CASCADE, related_name="standards")
    benefit_year = models.PositiveSmallIntegerField("待遇年度")
    individual = models.DecimalField("个人缴费标准（元）", **MONEY)
    fiscal_subsidy = models.DecimalField("人均财政补助（元）", **MONEY)
    source = models.CharField("出处", max_length=200, help_text=SOURCE_HELP)
    confirmed = models.BooleanField("已确认", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "缴费标准"
        verbose_name_plural = "缴费标准"
        ordering = ["scheme", "benefit_year"]
        constraints = [models.UniqueConstraint(fields=["scheme", "benefit_year"], name="one_standard_per_year")]

    def __str__(self):
        return f"{self.scheme} {self.benefit_year}年度 {self.individual}元"


class CollectionWindow(models.Model):
    """RULES.md 2.2: a benefit year's own collection period (集中缴费期), overriding the
    scheme's default window for that year: the bureau extends a window by adding or editing
    a row (X000 art. 7: 可适当延长集中参保缴费期)."""

    class Kind(models.TextChoices):
        RESIDENT = "resident", "城乡居民（含中小学生、幼儿）"
        COLLEGE_STUDENT = "college_student", "在校大中专学生"

    scheme = models.ForeignKey(ResidentScheme, verbose_name="方案", on_delete=models.CASCADE, related_name="windows")
    benefit_year = models.PositiveSmallIntegerField("待遇年度")
    kind = models.CharField("适用对象", max_length=20, choices=Kind.choices)
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("截止日期")
    source = models.CharField("出处", max_length=200, help_text=SOURCE_HELP)
    confirmed = models.BooleanField("已确认", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "集中缴费期"
        verbose_name_plural = "集中缴费期"
        ordering = ["scheme", "benefit_year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "benefit_year", "kind"], name="one_window_per_year_kind"),
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="window_closes_after_opening"),
        ]

    def __str__(self):
        return f"{self.scheme} {self.benefit_year}年度 {self.get_kind_display()} {self.opens_on}至{self.closes_on}"


class SubsidyRule(models.Model):
    """RULES.md 1 and 2.3: the enrollment subsidy an identity gives, as a percentage of the
    individual standard or a fixed amount, for a range of benefit years."""

    scheme = models.ForeignKey(ResidentScheme, verbose_name="方案", on_delete=models.CASCADE, related_name="subsidy_rules")
    identity_code = models.CharField("身份类别", max_length=40)
    from_year = models.PositiveSmallIntegerField("起始待遇年度")
    to_year = models.PositiveSmallIntegerField("截止待遇年度", null=True, blank=True)
    percent = models.DecimalField("资助比例（%）", max_digits=5, decimal_places=2, null=True, blank=True)
    fixed_amount = models.DecimalField("定额资助（元）", null=True, blank=True, **MONEY)
    source = models.CharField("出处", max_length=200, help_text=SOURCE_HELP)
    confirmed = models.BooleanField("已确认", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "资助参保标准"
        verbose_name_plural = "资助参保标准"
        ordering = ["scheme", "identity_code", "from_year"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(percent__isnull=False, fixed_amount__isnull=True) | Q(percent__isnull=True, fixed_amount__isnull=False)),
                name="subsidy_percent_xor_amount",
            ),
        ]

    def __str__(self):
        # As users read it (the admin's titles and history): 丧失劳动能力的残疾人 2021年度起 资助100%.
        label = IdentityCode(self.identity_code).label if self.identity_code in IdentityCode.values else self.identity_code
        years = f"{self.from_year}-{self.to_year}年度" if self.to_year else f"{self.from_year}年度起"
        amount = f"资助{self.percent.normalize():f}%" if self.percent is not None else f"定额资助{yuan(self.fixed_amount)}元"
        return f"{label} {years} {amount}"


# ---------------------------------------------------------------------------- people


class School(models.Model):
    class Kind(models.TextChoices):
        KINDERGARTEN = "kindergarten", "幼儿园"
        PRIMARY = "primary", "小学"
        SECONDARY = "secondary", "中学"
        VOCATIONAL = "vocational", "中等职业学校"
        COLLEGE = "college", "高等院校"

    code = models.CharField("学校代码", max_length=20, unique=True)
    name = models.CharField("学校名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField("区划路径", max_length=200, editable=False, db_index=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "学校"
        verbose_name_plural = "学校"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)

    @property
    def is_college(self):
        return self.kind in (self.Kind.VOCATIONAL, self.Kind.COLLEGE)


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    OTHER = "other", "其他"


class Household(models.Model):
    number = models.CharField("户号", max_length=30, blank=True)
    head = models.ForeignKey(
        "Person", verbose_name="户主", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField("住址", max_length=200, blank=True)
    village = models.ForeignKey(Region, verbose_name="村/社区", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField("区划路径", max_length=200, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # History is read by object id; its other columns need no index (cheaper bulk inserts).
    history = HistoricalRecords(no_db_index=["head", "village"])
    objects = RegionScopedQuerySet.as_manager()

    def save(self, *args, **kwargs):
        self.region_path = self.village.path  # the row's place in the region tree (core.restrict)
        super().save(*args, **kwargs)

    class Meta:
        verbose_name = "家庭户"
        verbose_name_plural = "家庭户"
        indexes = [path_index("household_region_path", "region_path")]

    def __str__(self):
        return f"{self.head.name if self.head_id else '（无户主）'}户"


class Person(models.Model):
    class Status(models.TextChoices):
        NORMAL = "normal", "正常"
        DECEASED = "deceased", "死亡"
        MOVED_OUT = "moved_out", "迁出"

    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    birth_date = models.DateField("出生日期")
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    household = models.ForeignKey(
        Household, verbose_name="家庭户", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    relation_to_head = models.CharField("与户主关系", max_length=20, choices=Relation.choices, blank=True)
    hukou_region = models.ForeignKey(
        Region, verbose_name="户籍地", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    village = models.ForeignKey(Region, verbose_name="居住村/社区", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField("区划路径", max_length=200, editable=False)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NORMAL)
    status_date = models.DateField("状态变更日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], no_db_index=["id_number", "household", "hukou_region", "village"])
    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        permissions = [("import_person", "导入参保名单"), ("export_person", "导出人员名单")]
        indexes = [
            path_index("person_region_path", "region_path"),
            path_index("person_name_prefix", "name"),
            # id_number: the unique index, and Django's own varchar_pattern_ops "_like" index
            # on PostgreSQL serves prefix search.
        ]

    def __str__(self):
        return f"{self.name}（{self.masked_id_number}）"

    def save(self, *args, **kwargs):
        self.region_path = self.village.path
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)


class EmployeeCoverage(models.Model):
    """The employee-insurance list (职工医保参保名单), imported from Excel: a person on it
    for a period may not hold resident insurance for an overlapping period (X000 art. 3)."""

    id_number = models.CharField("身份证号", max_length=18, db_index=True)
    name = models.CharField("姓名", max_length=50)
    employer = models.CharField("参保单位", max_length=200, blank=True)
    starts_on = models.DateField("参保开始日期")
    ends_on = models.DateField("参保终止日期", null=True, blank=True)
    region = models.ForeignKey(Region, verbose_name="参保地", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField("区划路径", max_length=200, editable=False)
    source_import = models.ForeignKey(ImportJob, verbose_name="来源导入", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords(no_db_index=["id_number", "region", "source_import"])
    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "职工医保参保记录"
        verbose_name_plural = "职工医保参保记录"
        permissions = [("import_employeecoverage", "导入职工医保名单"), ("export_employeecoverage", "导出职工医保名单")]
        constraints = [
            models.UniqueConstraint(fields=["id_number", "starts_on"], name="one_employee_period_start"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")), name="employee_period_order"),
        ]

    def __str__(self):
        return f"{self.name} {self.starts_on}至{self.ends_on or '今'}"

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)


class Category(models.TextChoices):
    REGULAR = "regular", "城乡居民"
    COLLEGE_STUDENT = "college_student", "在校大中专学生"
    SCHOOL_PUPIL = "school_pupil", "中小学生/幼儿"
    NEWBORN = "newborn", "新生儿"


class Channel(models.TextChoices):
    VILLAGE_BATCH = "village_batch", "村（社区）集中参保"
    SCHOOL_BATCH = "school_batch", "学校集中参保"
    INDIVIDUAL = "individual", "个人参保"


class PriorCoverageKind(models.TextChoices):
    EMPLOYEE = "employee", "职工医保转入"
    TRANSFER_IN = "transfer_in", "异地转入"
    UNEMPLOYMENT = "unemployment", "失业"
    DISCHARGE = "discharge", "退役/刑满释放等"


class Enrollment(models.Model):
    """One person's resident enrollment for one benefit year. Terms (standard, subsidy,
    benefit period, waiting period) are computed by enrollment.rules.terms and stored with
    the sources they came from."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "已登记"
        PAID = "paid", "已缴费"
        IN_BENEFIT = "in_benefit", "待遇享受中"
        ENDED = "ended", "待遇期结束"
        SUSPENDED = "suspended", "暂停"
        CANCELLED = "cancelled", "已注销"

    ACTIVE_STATUSES = (Status.REGISTERED, Status.PAID, Status.IN_BENEFIT, Status.ENDED, Status.SUSPENDED)
    PAID_STATUSES = (Status.PAID, Status.IN_BENEFIT, Status.ENDED, Status.SUSPENDED)

    # person and village are served by the composite indexes below; scheme and created_by
    # are never searched: no single-column indexes to maintain on bulk inserts.
    person = models.ForeignKey(Person, verbose_name="参保人", on_delete=models.PROTECT, related_name="enrollments", db_index=False)
    benefit_year = models.PositiveSmallIntegerField("待遇年度")
    scheme = models.ForeignKey(ResidentScheme, verbose_name="方案", on_delete=models.PROTECT, related_name="+", db_index=False)
    category = models.CharField("参保类别", max_length=20, choices=Category.choices)
    channel = models.CharField("参保渠道", max_length=20, choices=Channel.choices)
    school = models.ForeignKey(School, verbose_name="学校", null=True, blank=True, on_delete=models.PROTECT, related_name="enrollments")
    village = models.ForeignKey(Region, verbose_name="参保村/社区", on_delete=models.PROTECT, related_name="+", db_index=False)
    region_path = models.CharField("区划路径", max_length=200, editable=False)
    registered_on = models.DateField("登记日期")
    payment_date = models.DateField("缴费日期", null=True, blank=True)
    standard = models.DecimalField("个人缴费标准", **MONEY)
    subsidy = models.DecimalField("资助金额", **MONEY)
    subsidy_identity = models.CharField("资助身份", max_length=40, blank=True)
    # The certified record that gave the subsidy; PROTECT: it is the evidence of the payment.
    subsidy_identity_record = models.ForeignKey(
        "assistance.HardshipIdentity", verbose_name="资助身份认定记录", null=True, blank=True, on_delete=models.PROTECT,
        related_name="subsidised_enrollments", db_index=False,
    )
    identities = models.JSONField("核定时有效身份", default=list, blank=True)
    amount_due = models.DecimalField("个人应缴", **MONEY)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.REGISTERED)
    benefit_start = models.DateField("待遇开始")
    benefit_end = models.DateField("待遇结束")
    mid_year = models.BooleanField("中途参保", default=False)
    waiting_days = models.PositiveSmallIntegerField("等待期（天）", default=0)
    prior_coverage_kind = models.CharField("接续事由", max_length=20, choices=PriorCoverageKind.choices, blank=True)
    prior_coverage_ended_on = models.DateField("原保障终止日期", null=True, blank=True)
    prior_coverage_years = models.PositiveSmallIntegerField("职工医保连续年限", null=True, blank=True)
    sources = models.JSONField("政策依据", default=list, blank=True)
    status_reason = models.CharField("状态变更原因", max_length=200, blank=True)
    source_import = models.ForeignKey(ImportJob, verbose_name="来源导入", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The counter payment that paid it (enrollment.services.payments); none for enrollments
    # paid before payments were recorded, or paid through an import.
    payment = models.ForeignKey("Payment", verbose_name="缴费记录", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="enrollments", db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], no_db_index=["person", "scheme", "school", "village", "source_import",
                                                                            "created_by", "subsidy_identity_record", "payment"])
    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "参保登记"
        verbose_name_plural = "参保登记"
        permissions = [("import_enrollment", "导入参保名单"), ("export_enrollment", "导出参保名单")]
        constraints = [
            # RULES.md 2.2: one resident enrollment per person per benefit year.
            models.UniqueConstraint(
                fields=["person", "benefit_year"], condition=~Q(status="cancelled"), name="one_enrollment_per_person_year"
            ),
            models.CheckConstraint(condition=Q(benefit_end__gte=models.F("benefit_start")), name="benefit_period_order"),
            models.CheckConstraint(condition=Q(amount_due__gte=0) & Q(subsidy__gte=0), name="enrollment_amounts_non_negative"),
        ]
        indexes = [
            models.Index(fields=["benefit_year", "region_path"], name="enrollment_year_path", opclasses=["", "varchar_pattern_ops"]),
            models.Index(fields=["person", "benefit_start"], name="enrollment_person_start"),
            models.Index(fields=["village", "benefit_year"], name="enrollment_village_year"),
            # Deleting or merging an identity record checks the enrollments it subsidised.
            models.Index(fields=["subsidy_identity_record"], name="enrollment_subsidy_record",
                         condition=Q(subsidy_identity_record__isnull=False)),
            # A receipt lists the enrollments of its payment; most rows have none (imports).
            models.Index(fields=["payment"], name="enrollment_paid_by", condition=Q(payment__isnull=False)),
        ]

    def __str__(self):
        return f"{self.person.name} {self.benefit_year}年度"

    def save(self, *args, **kwargs):
        self.region_path = self.village.path
        super().save(*args, **kwargs)

    @property
    def is_paid(self):
        return self.status in self.PAID_STATUSES


class PaymentMethod(models.TextChoices):
    """How the money was received at the counter: cash and card at the service hall, the
    QR-code payments, the tax bureau's app (since 2019 the tax bureau collects resident
    contributions; in 湖北 through 楚税通), and a bank collecting on the bureau's behalf."""

    CASH = "cash", "现金"
    BANK_CARD = "bank_card", "银行卡（POS刷卡）"
    WECHAT = "wechat", "微信支付"
    ALIPAY = "alipay", "支付宝"
    TAX_APP = "tax_app", "税务APP（楚税通）"
    BANK_AGENT = "bank_agent", "银行代收"


class Payment(models.Model):
    """A contribution received at the counter (缴费记录): one receipt (票据号) for one person's
    or a whole household's enrollments, the amount received equal to what they owed. Written
    only by enrollment.services.payments.payment_record."""

    receipt_number = models.CharField("票据号", max_length=30)
    # Receipt series are issued per county (the county bureau's or tax office's 票据): the
    # number is unique within the county, and two counties may print the same number.
    county = models.ForeignKey(Region, verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+", db_index=False)
    amount = models.DecimalField("实收金额", **MONEY)
    method = models.CharField("缴费方式", max_length=20, choices=PaymentMethod.choices)
    paid_on = models.DateField("缴费日期")
    payer_name = models.CharField("缴款人", max_length=50)
    household = models.ForeignKey(Household, verbose_name="家庭户", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="payments", db_index=False)
    village = models.ForeignKey(Region, verbose_name="村/社区", on_delete=models.PROTECT, related_name="+", db_index=False)
    region_path = models.CharField("区划路径", max_length=200, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, on_delete=models.SET_NULL,
                                    related_name="+", db_index=False)
    # Set when recorded (a default, not auto_now_add: generated demo payments carry their day).
    recorded_at = models.DateTimeField("登记时间", default=timezone.now, editable=False)

    history = HistoricalRecords(no_db_index=["county", "household", "village", "recorded_by"])
    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "缴费记录"
        verbose_name_plural = "缴费记录"
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["county", "receipt_number"], name="one_receipt_number_per_county"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_non_negative"),
            models.CheckConstraint(condition=~Q(receipt_number=""), name="payment_receipt_number_required"),
        ]
        indexes = [
            path_index("payment_region_path", "region_path"),
            # The daily summary (日结单): one clerk's payments of one day.
            models.Index(fields=["recorded_by", "recorded_at"], name="payment_clerk_day"),
        ]

    def __str__(self):
        return f"票据号 {self.receipt_number}"

    def save(self, *args, **kwargs):
        self.region_path = self.village.path
        super().save(*args, **kwargs)

"""Hardship identities (困难群众身份认定) certified by departments, and the medical-assistance
class each identity code gives (RULES.md section 1; S001 §二)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.identity_codes import IdentityCode
from core.models import Department, ImportJob
from core.restrict import RegionScopedQuerySet


class Payer(models.TextChoices):
    """Who pays a subsidised enrollment (RULES.md 2.3; X000 art. 9: 由相应的职能部门负责落实)."""

    ASSISTANCE_FUND = "assistance_fund", "医疗救助基金"
    RURAL_REVITALISATION = "rural_revitalisation", "乡村振兴部门"
    DISABLED_FEDERATION = "disabled_federation", "残联"
    VETERANS = "veterans", "退役军人事务部门"
    HEALTH = "health", "卫健部门"
    COUNTY_GOVERNMENT = "county_government", "县级人民政府"


CLASS_CHOICES = [(i, f"{i}类") for i in (1, 2, 3, 4)]


class AssistanceClassRule(models.Model):
    """S001 §二: the medical-assistance class (1-4) of an identity code; codes without a class
    give subsidised enrollment only."""

    identity_code = models.CharField("身份类别", max_length=40, choices=IdentityCode.choices, unique=True)
    assistance_class = models.PositiveSmallIntegerField("医疗救助类别", null=True, blank=True, choices=CLASS_CHOICES)
    payer = models.CharField("资助参保资金来源", max_length=30, choices=Payer.choices, default=Payer.ASSISTANCE_FUND,
                             help_text="医疗救助对象由医疗救助基金，监测对象由乡村振兴部门，其他由认定部门或县级政府（经办规则 第2.3节）")
    source = models.CharField("出处", max_length=200)
    confirmed = models.BooleanField("已确认", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "医疗救助类别"
        verbose_name_plural = "医疗救助类别"
        ordering = ["assistance_class", "identity_code"]

    def __str__(self):
        return f"{self.get_identity_code_display()}：{self.get_assistance_class_display() or '无'}"


class IdentityQuerySet(RegionScopedQuerySet):
    def valid_on(self, day):
        """Records in force on a day: inside [valid_from, valid_to] and not yet revoked."""
        return self.filter(
            Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day), Q(revoked_on__isnull=True) | Q(revoked_on__gt=day)
        )


class HardshipIdentity(models.Model):
    """One certification of one identity for one person, with its period. Validity on a date
    is a matter of dates (valid_from, valid_to, revoked_on); `status` is what staff read."""

    class Status(models.TextChoices):
        CERTIFIED = "certified", "已认定"
        REVOKED = "revoked", "已退出"
        EXPIRED = "expired", "已到期"

    person = models.ForeignKey("enrollment.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="identities")
    code = models.CharField("身份类别", max_length=40, choices=IdentityCode.choices)
    department = models.CharField("认定部门", max_length=30, choices=Department.choices)
    document_number = models.CharField("认定文号", max_length=100, blank=True)
    valid_from = models.DateField("认定日期（起）")
    valid_to = models.DateField("有效期至", null=True, blank=True)
    revoked_on = models.DateField("退出日期", null=True, blank=True)
    revoke_reason = models.CharField("退出原因", max_length=200, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.CERTIFIED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    on_behalf = models.BooleanField("医保部门代录", default=False)
    source_import = models.ForeignKey(ImportJob, verbose_name="来源导入", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    region_path = models.CharField(max_length=200, editable=False)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], no_db_index=["person", "recorded_by", "source_import"])
    objects = IdentityQuerySet.as_manager()

    class Meta:
        verbose_name = "困难群众身份"
        verbose_name_plural = "困难群众身份"
        permissions = [("certify_identity", "认定或退出困难群众身份"), ("import_hardshipidentity", "导入部门认定名单"),
                       ("export_hardshipidentity", "导出困难群众名单")]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")), name="identity_period_order"),
        ]
        indexes = [
            models.Index(fields=["person", "code"], name="identity_person_code"),
            models.Index(fields=["code", "valid_from"], name="identity_code_from"),
            models.Index(fields=["region_path"], name="identity_region_path", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.get_code_display()}（{self.valid_from}至{self.valid_to or '长期'}）"

    def save(self, *args, **kwargs):
        self.region_path = self.person.region_path
        super().save(*args, **kwargs)

    def is_valid_on(self, day) -> bool:
        return (self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
                and (self.revoked_on is None or day < self.revoked_on))


class SubsidyRun(models.Model):
    """资助参保名单: every hardship person's enrollment subsidy for a benefit year in a region,
    computed on an assessment date. Runs are kept, so a re-run shows what changed."""

    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=200, editable=False)
    benefit_year = models.PositiveSmallIntegerField("待遇年度")
    assessed_on = models.DateField("核定日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    people = models.PositiveIntegerField("人数", default=0)
    total = models.DecimalField("资助总额", max_digits=14, decimal_places=2, default=0)
    changes = models.JSONField("与上次相比", default=dict, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "资助参保名单"
        verbose_name_plural = "资助参保名单"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.region} {self.benefit_year}年度资助参保名单（{self.assessed_on}）"


class SubsidyRunLine(models.Model):
    run = models.ForeignKey(SubsidyRun, on_delete=models.CASCADE, related_name="lines")
    person = models.ForeignKey("enrollment.Person", on_delete=models.PROTECT, related_name="+", db_index=False)
    identity = models.ForeignKey(HardshipIdentity, on_delete=models.PROTECT, related_name="+", db_index=False)
    code = models.CharField("资助身份", max_length=40, choices=IdentityCode.choices)
    payer = models.CharField("资金来源", max_length=30, choices=Payer.choices)
    county = models.ForeignKey("core.Region", verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+", db_index=False)
    standard = models.DecimalField("个人缴费标准", max_digits=12, decimal_places=2)
    subsidy = models.DecimalField("资助金额", max_digits=12, decimal_places=2)
    source = models.CharField("依据", max_length=200)

    class Meta:
        verbose_name = "资助参保名单明细"
        constraints = [models.UniqueConstraint(fields=["run", "person"], name="one_subsidy_per_person_per_run")]


def evidence_path(instance, filename):
    return f"evidence/{instance.application_id}/{instance.sha256[:16]}-{filename[-60:]}"


class Application(models.Model):
    """依申请救助: class 3-4 medical assistance, tilted assistance, or the one-time assistance for
    the 12 months before certification (S001 §四(六)). Accepted by the township (乡镇受理),
    decided by the county bureau (县局审核), each step by a different user."""

    class Kind(models.TextChoices):
        CLASS_3_4 = "class_3_4", "三、四类医疗救助"
        TILTED = "tilted", "倾斜救助"
        ONE_TIME = "one_time", "认定前12个月一次性救助"

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "乡镇已受理"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"

    person = models.ForeignKey("enrollment.Person", verbose_name="申请人", on_delete=models.PROTECT, related_name="applications")
    kind = models.CharField("申请类型", max_length=20, choices=Kind.choices)
    reason = models.TextField("申请理由")
    amount_claimed = models.DecimalField("申请金额", max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.ACCEPTED)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="受理人", on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField("受理时间", auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decision_reason = models.TextField("审核意见", blank=True)
    # What the applicant held when the township accepted (None: accepted before it was recorded).
    accepted_identities = models.JSONField("受理时有效身份", null=True, blank=True, default=None)
    accepted_class = models.PositiveSmallIntegerField("受理时医疗救助类别", null=True, blank=True, choices=CLASS_CHOICES)
    # What the approval granted, as of the decision date (effective from decided_on).
    granted_identities = models.JSONField("批准时有效身份", null=True, blank=True, default=None)
    granted_class = models.PositiveSmallIntegerField("批准的医疗救助类别", null=True, blank=True, choices=CLASS_CHOICES)
    version = models.PositiveIntegerField(default=1, editable=False)  # optimistic lock
    region_path = models.CharField(max_length=200, editable=False)

    history = HistoricalRecords()
    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "救助申请"
        verbose_name_plural = "救助申请"
        ordering = ["accepted_at"]
        permissions = [("review_application", "审核救助申请")]
        indexes = [models.Index(fields=["status", "accepted_at"], name="application_queue")]

    def __str__(self):
        return f"{self.person.name} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        self.region_path = self.person.region_path
        super().save(*args, **kwargs)


class ApplicationStep(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("环节", max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    comment = models.TextField("意见", blank=True)

    class Meta:
        ordering = ["at", "pk"]


class Evidence(models.Model):
    """A supporting document (PDF/JPG/PNG), stored privately and served only to users who may
    see the application."""

    objects = RegionScopedQuerySet.as_manager()
    region_path_lookup = "application__region_path"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path)
    original_name = models.CharField("文件名", max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

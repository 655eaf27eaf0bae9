"""Chronic and special outpatient diseases (门诊慢特病, RULES.md 3.5): the catalogue of a pooling
region, approvals (认定) with their evidence and steps, and 两病 registrations. Imported by
benefits.models; every change goes through benefits.services.chronic."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.display import percent
from core.restrict import RegionScopedQuerySet


class DiseaseKind(models.TextChoices):
    CHRONIC = "chronic", "门诊慢性病"
    SPECIAL = "special", "门诊特殊疾病"
    TWO_DISEASES = "two_diseases", "两病"


class ChronicDisease(models.Model):
    """A disease of a pooling region's catalogue: its kind and payment rule (RULES.md 3.5: a
    chronic disease at its own rate, else the region's chronic rate, up to its own annual cap if
    it has one and the region's chronic annual cap; a special disease at the inpatient rates of
    the facility's level; a 两病 lifts the outpatient cap), the facility levels allowed, the
    evidence an application needs and how long an approval lasts by default."""

    region = models.ForeignKey("core.Region", verbose_name="统筹区", on_delete=models.PROTECT, related_name="+")
    code = models.CharField("病种编码", max_length=40)
    name = models.CharField("病种名称", max_length=60)
    kind = models.CharField("类别", max_length=20, choices=DiseaseKind.choices)
    rate = models.DecimalField("支付比例", max_digits=5, decimal_places=4, null=True, blank=True,
                               help_text="仅门诊慢性病；0.60 即 60%，留空按统筹区的门诊慢性病支付比例")
    annual_cap = models.DecimalField("病种年度支付限额（元）", max_digits=14, decimal_places=2, null=True, blank=True,
                                     help_text="仅门诊慢性病；该病种一年内统筹基金最多支付的金额，留空为不单设（仍受统筹区门诊慢性病年度支付限额约束）")
    min_level = models.PositiveSmallIntegerField("定点机构最低级别", null=True, blank=True, help_text="留空为不限")
    max_level = models.PositiveSmallIntegerField("定点机构最高级别", null=True, blank=True, help_text="留空为不限")
    evidence = models.CharField("申请须提供的材料", max_length=300, blank=True, help_text="多项用、分隔")
    validity_months = models.PositiveSmallIntegerField("认定有效期（月）", default=24)
    source = models.CharField("依据", max_length=200)
    confirmed = models.BooleanField("依据已确认", default=False)
    active = models.BooleanField("启用", default=True)

    history = HistoricalRecords()
    objects = RegionScopedQuerySet.as_manager()
    region_path_lookup = "region__path"

    class Meta:
        verbose_name = "门诊慢特病病种"
        verbose_name_plural = "门诊慢特病病种目录"
        ordering = ["region", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="one_disease_code_per_region"),
            models.CheckConstraint(condition=Q(min_level__isnull=True) | Q(max_level__isnull=True) | Q(max_level__gte=models.F("min_level")),
                                   name="disease_levels_order"),
            # Special diseases follow the inpatient rules, 两病 the outpatient ones: only a chronic
            # disease has a rate and a cap of its own.
            models.CheckConstraint(condition=Q(kind=DiseaseKind.CHRONIC) | (Q(rate__isnull=True) & Q(annual_cap__isnull=True)),
                                   name="disease_rule_only_chronic"),
            models.CheckConstraint(condition=Q(rate__isnull=True) | (Q(rate__gte=0) & Q(rate__lte=1)), name="disease_rate_range"),
            models.CheckConstraint(condition=Q(annual_cap__isnull=True) | Q(annual_cap__gte=0), name="disease_cap_nonnegative"),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"

    @property
    def rule_text(self) -> str:
        """The payment rule in plain Chinese (RULES.md 3.5)."""
        if self.kind == DiseaseKind.SPECIAL:
            return "按住院支付比例（定点机构级别）"
        if self.kind == DiseaseKind.TWO_DISEASES:
            return "门诊统筹（年度限额提高）"
        rate = "按统筹区门诊慢性病支付比例" if self.rate is None else f"支付比例 {percent(self.rate)}"
        if self.annual_cap is None:
            return rate
        return f"{rate}，病种年度限额 {self.annual_cap:,.2f} 元"

    @property
    def evidence_list(self) -> list[str]:
        return [e.strip() for e in self.evidence.replace(",", "、").split("、") if e.strip()]


class ChronicApproval(models.Model):
    """门诊慢特病待遇认定: submitted by a clerk or a designated facility with evidence, decided by
    another user (maker-checker), valid from/to at one designated facility; renewed by a new
    approval that names the one it renews; revoked with a reason."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        APPROVED = "approved", "已认定"
        REJECTED = "rejected", "未通过"
        REVOKED = "revoked", "已撤销"
        EXPIRED = "expired", "已到期"

    person = models.ForeignKey("enrollment.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="chronic_approvals")
    disease = models.ForeignKey(ChronicDisease, verbose_name="病种", on_delete=models.PROTECT, related_name="approvals")
    diagnosing_hospital = models.CharField("确诊医院", max_length=100)
    diagnosed_on = models.DateField("确诊日期")
    # None only for an approval carried over from the stand-in field of the previous issue, which
    # named no facility: it pays nothing until a facility is chosen (approval_change_facility).
    facility = models.ForeignKey("benefits.Facility", verbose_name="选定的定点机构", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_to = models.DateField("有效期止", null=True, blank=True)
    renews = models.ForeignKey("self", verbose_name="续期自", null=True, blank=True, on_delete=models.PROTECT, related_name="renewed_by")
    # None only for a record carried over from the previous system (the stand-in field).
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申报人", null=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("申报时间", auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_reason = models.CharField("审核意见", max_length=300, blank=True)
    ended_on = models.DateField("撤销日期", null=True, blank=True)
    ended_reason = models.CharField("撤销原因", max_length=300, blank=True)
    source_import = models.ForeignKey("core.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    version = models.PositiveIntegerField(default=1, editable=False)  # optimistic lock
    region_path = models.CharField(max_length=200, editable=False)

    history = HistoricalRecords()
    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "门诊慢特病认定"
        verbose_name_plural = "门诊慢特病认定"
        ordering = ["-submitted_at"]
        permissions = [("review_chronicapproval", "审核门诊慢特病认定"),
                       ("upload_chronicapproval", "定点医疗机构上传门诊慢特病认定申请")]
        indexes = [models.Index(fields=["status", "submitted_at"], name="chronic_queue"),
                   models.Index(fields=["status", "valid_to"], name="chronic_expiring")]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="chronic_period_order"),
        ]

    def __str__(self):
        return f"{self.person.name} {self.disease.name}（{self.get_status_display()}）"

    def save(self, *args, **kwargs):
        self.region_path = self.person.region_path
        super().save(*args, **kwargs)


class ChronicStep(models.Model):
    """The timeline of an approval: submitted, approved or rejected, facility changed, renewed,
    revoked, expired; who and when."""

    approval = models.ForeignKey(ChronicApproval, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("环节", max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    comment = models.CharField("意见", max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]


def chronic_evidence_path(instance, filename):
    return f"chronic/{instance.approval_id}/{instance.sha256[:16]}-{filename[-60:]}"


class ChronicEvidence(models.Model):
    """A supporting document of an approval (PDF/JPG/PNG, checked by content), stored privately
    and served only to users of the person's region."""

    objects = RegionScopedQuerySet.as_manager()
    region_path_lookup = "approval__region_path"

    approval = models.ForeignKey(ChronicApproval, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=chronic_evidence_path)
    original_name = models.CharField("文件名", max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)


class TwoDiseasesRegistration(models.Model):
    """两病 registration (hypertension or diabetes, RULES.md 3.3): a lighter record than an
    approval that lifts the general-outpatient annual cap from the registration date."""

    person = models.ForeignKey("enrollment.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="two_diseases")
    # None only for a registration carried over from the stand-in flag, which named no disease.
    disease = models.ForeignKey(ChronicDisease, verbose_name="病种", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="registrations")
    registered_on = models.DateField("登记日期")
    facility = models.ForeignKey("benefits.Facility", verbose_name="登记机构", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    ended_on = models.DateField("终止日期", null=True, blank=True)
    ended_reason = models.CharField("终止原因", max_length=300, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, on_delete=models.SET_NULL, related_name="+")
    source_import = models.ForeignKey("core.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    region_path = models.CharField(max_length=200, editable=False)

    history = HistoricalRecords()
    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "两病登记"
        verbose_name_plural = "两病登记"
        ordering = ["person", "registered_on"]
        constraints = [
            models.UniqueConstraint(fields=["person", "disease"], condition=Q(ended_on__isnull=True), name="one_open_registration"),
        ]

    def __str__(self):
        return f"{self.person.name} {self.disease.name if self.disease else '两病'}（{self.registered_on}登记）"

    def save(self, *args, **kwargs):
        self.region_path = self.person.region_path
        super().save(*args, **kwargs)

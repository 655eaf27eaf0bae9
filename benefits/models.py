"""Versioned policy parameters of the benefit rules (RULES.md 3-5): one row per number, per
pooling region and scheme, valid for a period, with its source and a confirmed flag. Officers
edit them in the admin; each change is versioned and audited, and settlements record the
versions they used."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.models import Region
from core.restrict import RegionScopedQuerySet


class Scheme(models.TextChoices):
    RESIDENT_BASIC = "resident_basic", "居民基本医保"
    CRITICAL_ILLNESS = "critical_illness", "大病保险"
    MEDICAL_ASSISTANCE = "medical_assistance", "医疗救助"


class PolicyParameter(models.Model):
    region = models.ForeignKey(Region, verbose_name="统筹区", on_delete=models.PROTECT, related_name="+")
    scheme = models.CharField("制度", max_length=30, choices=Scheme.choices)
    name = models.CharField("参数", max_length=100)
    value = models.CharField("取值", max_length=500, help_text="金额（元）、比例（0.70 即 70%）或代码列表（逗号分隔）")
    unit = models.CharField("单位", max_length=20)
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("失效日期", null=True, blank=True)
    source = models.CharField("出处", max_length=200)
    confirmed = models.BooleanField("已确认", default=False)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    history = HistoricalRecords()
    objects = RegionScopedQuerySet.as_manager()
    region_path_lookup = "region__path"

    class Meta:
        verbose_name = "待遇政策参数"
        verbose_name_plural = "待遇政策参数"
        ordering = ["region", "scheme", "name", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "scheme", "name", "valid_from"], name="one_parameter_value_per_start"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")), name="parameter_period_order"),
        ]

    def __str__(self):
        return f"{self.region} {self.get_scheme_display()} {self.name}={self.value}"

    def save(self, *args, **kwargs):
        # Every change is a new version: settlements keep the versions they were computed with.
        if self.pk is not None:
            self.version = (type(self).objects.filter(pk=self.pk).values_list("version", flat=True).first() or 0) + 1
        super().save(*args, **kwargs)

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
        from benefits.labels import parameter_label, parameter_value

        return f"{self.region} {self.get_scheme_display()} {parameter_label(self.name)} {parameter_value(self.value, self.unit)}"

    def save(self, *args, **kwargs):
        # Every change is a new version: settlements keep the versions they were computed with.
        if self.pk is not None:
            self.version = (type(self).objects.filter(pk=self.pk).values_list("version", flat=True).first() or 0) + 1
        super().save(*args, **kwargs)


MONEY = {"max_digits": 14, "decimal_places": 2, "default": 0}


class Facility(models.Model):
    """A designated facility (定点医药机构) under agreement with the bureau."""

    class Tier(models.TextChoices):  # RULES.md 3.3 (X000 arts. 17-18)
        VILLAGE = "village", "村卫生室"
        COMMUNITY_STATION = "community_station", "社区卫生服务站"
        CLINIC = "clinic", "诊所"
        TOWNSHIP = "township", "乡镇卫生院/社区卫生服务中心"
        SECONDARY_PLUS = "secondary_plus", "二级及以上医疗机构"

    code = models.CharField("机构编码", max_length=30, unique=True)
    name = models.CharField("机构名称", max_length=200)
    level = models.PositiveSmallIntegerField("级别", choices=[(1, "一级"), (2, "二级"), (3, "三级")])
    tier = models.CharField("门诊机构类别", max_length=20, choices=Tier.choices)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=200, editable=False)
    city_level = models.BooleanField("市级医疗机构", default=False)
    zero_markup = models.BooleanField("药品零差率", default=True)
    # A hospital outside the agreements (an emergency at a non-designated hospital, care in
    # another city) is recorded once by the county office that takes its paper bills (手工报销).
    designated = models.BooleanField("定点医疗机构", default=True, db_default=True)
    place_province = models.CharField("所在省份（市外机构）", max_length=30, blank=True, default="", db_default="")
    place_city = models.CharField("所在城市（市外机构）", max_length=50, blank=True, default="", db_default="")
    agreement_from = models.DateField("协议开始")
    agreement_to = models.DateField("协议结束", null=True, blank=True)

    history = HistoricalRecords()
    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "定点医药机构"
        verbose_name_plural = "定点医药机构"
        ordering = ["code"]

    def under_agreement_on(self, day) -> bool:
        return self.agreement_from <= day and (self.agreement_to is None or day <= self.agreement_to)

    def name_with_county(self, names) -> str:
        """The name after its county's (a city's facility: its city's) unless it already says
        where it is (咸安区人民医院, 咸宁市中心医院): two counties' facilities may share a name
        (北坪镇卫生院, 县人民医院), and a city's choice lists both. `names`: region code -> name
        of the codes in its path (Facility.place_names)."""
        places = [names.get(code, "") for code in self.region_path.split("/")[1:3]]  # its city, its county
        if any(place and self.name.startswith(place) for place in places):
            return self.name
        where = next((place for place in reversed(places) if place), "")
        return f"{where} {self.name}" if where else self.name

    @staticmethod
    def place_names(facilities) -> dict[str, str]:
        """Region code -> name of the cities and counties the facilities lie in (one query)."""
        codes = {code for f in facilities for code in f.region_path.split("/")[1:3]}
        return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)


class ParameterSet(models.Model):
    """The parameter versions settlements were computed with ({name: [parameter id, version]}),
    stored once and named by a digest of its content: every row computed under the same policy
    names the same set. A city-year holds a few dozen sets and 20 million rows; the versions
    on every row were 2 KB each, 40 GB a year. A set never changes (its name is its content)."""

    digest = models.CharField("摘要", max_length=32, primary_key=True)
    versions = models.JSONField("参数版本", default=dict)

    class Meta:
        verbose_name = "参数版本组"
        verbose_name_plural = "参数版本组"

    def __str__(self):
        return f"参数版本组 {self.digest[:8]}（{len(self.versions)} 项参数）"


class Settlement(models.Model):
    """结算单: one settled visit, its cost lines, the split of the three tiers and the person,
    the parameter versions it used and its explanation. Never edited: a correction is a
    reversal record (冲正) and a new settlement."""

    class Status(models.TextChoices):
        SETTLED = "settled", "已结算"
        REVERSED = "reversed", "已冲正"
        REVERSAL = "reversal", "冲正记录"

    class Location(models.TextChoices):  # RULES.md 3.2 (X000 art. 20(二))
        LOCAL = "local", "市内"
        COUNTY_AT_CITY = "county_at_city", "县级参保在市级医院"
        REMOTE_FILED = "remote_filed", "市外已备案（转诊或临时外出）"
        REMOTE_UNFILED = "remote_unfiled", "市外未备案"
        REMOTE_EMERGENCY_NONDESIGNATED = "remote_emergency_nondesignated", "市外急诊非定点"
        REMOTE_LONG_TERM = "remote_long_term", "异地长期居住（已备案）"

    class Referral(models.TextChoices):  # RULES.md 3.7 (吉林 J003 §二(三)9)
        REFERRED = "referred", "按规定转诊（或急诊）"
        REFERRED_OUTSIDE_LIST = "referred_outside_list", "转诊病种目录外"
        UNREFERRED = "unreferred", "未按规定转诊"

    class Channel(models.TextChoices):
        DIRECT = "direct", "直接结算"  # settled by the facility, in its export
        MANUAL = "manual", "手工报销"  # a paper bill entered by a clerk (S001 市级统筹 §三(三)2; J003 §二(三)12)

    class Kind(models.TextChoices):
        INPATIENT = "inpatient", "住院"
        OUTPATIENT = "outpatient", "普通门诊"
        TWO_DISEASES_DRUG = "two_diseases_drug", "两病用药"
        CHRONIC = "chronic", "门诊慢特病"
        GENERAL_FEE = "general_fee", "一般诊疗费"
        MATERNITY = "maternity", "住院分娩（生育）"

    person = models.ForeignKey("enrollment.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="settlements", db_index=False)
    facility = models.ForeignKey(Facility, verbose_name="定点机构", on_delete=models.PROTECT, related_name="settlements", db_index=False)
    bill_number = models.CharField("结算单号", max_length=60)
    kind = models.CharField("就医类型", max_length=20, choices=Kind.choices)
    visit_date = models.DateField("就诊（入院）日期")
    discharge_date = models.DateField("出院日期", null=True, blank=True)
    year = models.PositiveSmallIntegerField("年度")
    location = models.CharField("就医地", max_length=40, choices=Location.choices, default=Location.LOCAL)
    disease = models.CharField("病种", max_length=60, blank=True)
    # New columns keep a database default: rows written by COPY before them stay valid.
    referral = models.CharField("转诊情况", max_length=30, choices=Referral.choices, default=Referral.REFERRED, db_default=Referral.REFERRED)
    referred_from_deductible = models.DecimalField("转出医院已付起付线", **MONEY, db_default=0)
    downward_referral = models.BooleanField("下转接续治疗", default=False, db_default=False)
    in_province = models.BooleanField("省内就医", default=True, db_default=True)
    filing = models.ForeignKey("benefits.RemoteCareFiling", verbose_name="异地就医备案", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="settlements", db_index=False)
    channel = models.CharField("结算方式", max_length=10, choices=Channel.choices, default=Channel.DIRECT, db_default=Channel.DIRECT)
    claim_received_on = models.DateField("手工报销受理日期", null=True, blank=True)
    class_a = models.DecimalField("甲类", **MONEY)
    class_b_drug = models.DecimalField("乙类药品", **MONEY)
    blood = models.DecimalField("血液制品", **MONEY)
    class_b_treatment = models.DecimalField("乙类诊疗项目", **MONEY)
    material_general = models.DecimalField("综合医疗服务类材料", **MONEY)
    material_other_domestic = models.DecimalField("其他类材料（国产）", **MONEY)
    material_other_imported = models.DecimalField("其他类材料（进口）", **MONEY)
    out_of_catalogue = models.DecimalField("目录外", **MONEY)
    total = models.DecimalField("费用合计", **MONEY)
    class_b_first_pay = models.DecimalField("乙类先行自付", **MONEY)
    policy_range = models.DecimalField("政策范围内费用", **MONEY)
    location_first_pay = models.DecimalField("异地先行自付", **MONEY)
    deductible = models.DecimalField("起付标准", **MONEY)
    basic_fund = models.DecimalField("基本医保", **MONEY)
    critical_illness = models.DecimalField("大病保险", **MONEY)
    assistance = models.DecimalField("医疗救助", **MONEY)
    extra_assistance = models.DecimalField("倾斜/托底救助", **MONEY)
    personal = models.DecimalField("个人负担", **MONEY)
    ci_base = models.DecimalField("大病保险计算基数", **MONEY)
    ma_base = models.DecimalField("医疗救助计算基数", **MONEY)
    outpatient_fund = models.DecimalField("门诊统筹支付", **MONEY)
    chronic_fund = models.DecimalField("慢性病支付", **MONEY)
    parameter_set = models.ForeignKey(ParameterSet, verbose_name="参数版本", on_delete=models.PROTECT, related_name="+", db_index=False)
    explanation = models.JSONField("计算过程", default=list)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.SETTLED)
    reverses = models.OneToOneField("self", verbose_name="冲正的结算单", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    reason = models.CharField("冲正原因", max_length=200, blank=True)
    region_path = models.CharField(max_length=200, editable=False)
    source_import = models.ForeignKey("core.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField("结算时间", auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "结算单"
        verbose_name_plural = "结算单"
        permissions = [("reverse_settlement", "冲正结算单"), ("import_settlement", "导入结算数据")]
        constraints = [
            # A facility's bill is settled once. Its reversal keeps the bill's number and points
            # at it (reverses, one to one), so no number a facility may send is taken by a reversal.
            models.UniqueConstraint(fields=["facility", "bill_number"], condition=models.Q(reverses__isnull=True),
                                    name="one_settlement_per_bill"),
        ]
        indexes = [
            # A person's year, and within it a day (the general-outpatient daily cap, RULES.md 3.3).
            models.Index(fields=["person", "year", "visit_date"], name="settlement_person_day"),
            models.Index(fields=["facility", "visit_date"], name="settlement_facility_date"),
            models.Index(fields=["year", "region_path"], name="settlement_year_path", opclasses=["", "varchar_pattern_ops"]),
            # A settlement day, as the fund ledger posts it (funds.services.postings).
            models.Index(fields=["created_at"], name="settlement_created"),
        ]

    def __str__(self):
        if self.status == self.Status.REVERSAL:
            return f"{self.bill_number}（冲正）"  # the reversal keeps its bill's number
        return f"{self.bill_number}（{self.get_kind_display()}）"


class PersonYear(models.Model):
    """A person's year-to-date totals (RULES.md 3-5 caps and bases), maintained with every
    settlement and reversal under a row lock."""

    person = models.ForeignKey("enrollment.Person", on_delete=models.PROTECT, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    basic_fund = models.DecimalField(**MONEY)
    outpatient_fund = models.DecimalField(**MONEY)
    chronic_fund = models.DecimalField(**MONEY)
    ci_base = models.DecimalField(**MONEY)
    ci_paid = models.DecimalField(**MONEY)
    ma_base = models.DecimalField(**MONEY)  # inpatient assistance base (RULES.md 5)
    ma_base_chronic = models.DecimalField(**MONEY, db_default=0)  # chronic outpatient assistance base (RULES.md 5)
    ma_paid = models.DecimalField(**MONEY)
    extra_paid = models.DecimalField(**MONEY)
    maternity_fund = models.DecimalField(**MONEY, db_default=0)  # basic fund paid for maternity this year (RULES.md 3.2.6)
    personal = models.DecimalField(**MONEY)
    # Raised by every write of the row (settlement, reversal): a settlement import's commit
    # writes the plan its preview kept only when the people's rows are still as the preview
    # read them, plus its own earlier pieces (core.services.imports, chunked plans).
    revision = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="one_total_per_person_year")]


class OneTimeAssistance(models.Model):
    """S001 §四(六): after a person is newly certified, one payment of medical assistance for
    eligible costs of the 12 months before certification, on an approved application."""

    application = models.OneToOneField("assistance.Application", verbose_name="申请", on_delete=models.PROTECT, related_name="one_time_payment")
    certified_on = models.DateField("身份认定日期")
    period_from = models.DateField("追溯起始")
    amount = models.DecimalField("救助金额", max_digits=14, decimal_places=2)
    settlements = models.JSONField("计入的结算单", default=list)
    explanation = models.JSONField("计算过程", default=list)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("计算时间", auto_now_add=True)

    class Meta:
        verbose_name = "一次性医疗救助"
        verbose_name_plural = "一次性医疗救助"


class RemoteCareFiling(models.Model):
    """异地就医备案 (X000 arts. 19-20; S001 市级统筹 §三(一)): a person's filing for care outside
    the city, valid for a period. Settlements of care outside the city take their location from
    the filings valid on the admission date (benefits.rules.location)."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", "转诊备案"
        TEMPORARY = "temporary", "临时外出就医备案"
        LONG_TERM = "long_term", "异地长期居住备案"

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"

    person = models.ForeignKey("enrollment.Person", verbose_name="参保人", on_delete=models.PROTECT, related_name="remote_filings")
    kind = models.CharField("备案类型", max_length=20, choices=Kind.choices)
    destination_province = models.CharField("就医省份", max_length=30, help_text="如 湖北省、广东省")
    destination_city = models.CharField("就医城市", max_length=50, blank=True, help_text="留空为全省")
    valid_from = models.DateField("备案开始日期")
    valid_to = models.DateField("备案结束日期", null=True, blank=True, help_text="长期有效留空")
    hospital = models.CharField("转入医院", max_length=200, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_reason = models.CharField("撤销原因", max_length=200, blank=True)
    region_path = models.CharField(max_length=200, editable=False)
    source_import = models.ForeignKey("core.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_by = models.ForeignKey("core.User", verbose_name="经办人", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords()
    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "异地就医备案"
        verbose_name_plural = "异地就医备案"
        ordering = ["person", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")), name="filing_period_order"),
        ]

    def __str__(self):
        from benefits.places import place_text

        return f"{self.get_kind_display()} {place_text(self.destination_province, self.destination_city)}（{self.valid_from}起）"

    def is_valid_on(self, day) -> bool:
        return self.status == self.Status.VALID and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def save(self, *args, **kwargs):
        self.region_path = self.person.region_path
        super().save(*args, **kwargs)


from benefits.models_chronic import (  # noqa: E402,F401  (the app's models: 门诊慢特病)
    ChronicApproval, ChronicDisease, ChronicEvidence, ChronicStep, DiseaseKind, TwoDiseasesRegistration)

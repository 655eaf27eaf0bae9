"""Cross-cutting records: the region tree, users bound to a region, security events and
import jobs. Every region-bound row of the other apps carries a `region_path` copied from its
region, so one prefix filter (core.restrict) limits what a user sees."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from core.restrict import RegionScopedQuerySet


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市（统筹区）"
    COUNTY = "county", "县（市、区）"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"


LEVEL_ORDER = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]


class Region(models.Model):
    """A node of the administrative tree. `path` is the chain of codes from the root, each
    followed by '/', e.g. '420000/421200/421202/'. A subtree is a path prefix."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("路径", max_length=200, unique=True, editable=False)
    slug = models.SlugField(
        "接口代码", max_length=30, unique=True, null=True, blank=True,
        help_text="统筹区在待遇试算接口中的代码（小写拼音字母，仅统筹区填写）",
    )
    poverty_alleviation_county = models.BooleanField(
        "脱贫县", default=False, help_text="财政分担比例：脱贫县省县6:4，其他县5:5（咸宁2022年通知 一）"
    )

    objects = RegionScopedQuerySet.as_manager()
    region_path_lookup = "path"

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]
        # path is unique: PostgreSQL gets Django's varchar_pattern_ops "_like" index for prefixes.

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}/"
        super().save(*args, **kwargs)

    def ancestors(self, include_self=True):
        """Regions from this one up to the root (nearest first), in one query."""
        codes = [c for c in self.path.split("/") if c]
        if not include_self:
            codes = codes[:-1]
        by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [by_code[c] for c in reversed(codes) if c in by_code]

    def is_within(self, other: "Region") -> bool:
        return self.path.startswith(other.path)

    @property
    def full_name(self):
        return "".join(r.name for r in reversed(self.ancestors()) if r.level != RegionLevel.PROVINCE)

    @property
    def county(self):
        return next((r for r in self.ancestors() if r.level == RegionLevel.COUNTY), None)


class Department(models.TextChoices):
    BUREAU = "bureau", "医疗保障局"
    CIVIL_AFFAIRS = "civil_affairs", "民政"
    RURAL_REVITALISATION = "rural_revitalisation", "乡村振兴"
    HEALTH = "health", "卫健"
    VETERANS = "veterans", "退役军人事务"
    DISABLED_FEDERATION = "disabled_federation", "残联"
    EDUCATION = "education", "教育"
    COUNTY_GOVERNMENT = "county_government", "县级人民政府"
    FACILITY = "facility", "定点医疗机构"


class ScopedUserManager(UserManager.from_queryset(RegionScopedQuerySet)):
    pass


class User(AbstractUser):
    """A staff or department user, bound to one region: everything they see is that region's
    subtree (core.restrict)."""

    region = models.ForeignKey(
        Region, verbose_name="所属区划", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.CharField("所属部门", max_length=30, choices=Department.choices, default=Department.BUREAU)
    full_name = models.CharField("姓名", max_length=50, blank=True)
    # A designated facility's account (the 定点医疗机构 role): it calls the JSON interfaces with
    # its token (uploads of 门诊慢特病 applications) and never logs in to the staff pages.
    facility = models.ForeignKey("benefits.Facility", verbose_name="所属定点医疗机构", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="accounts")

    objects = ScopedUserManager()
    region_path_lookup = "region__path"

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        # manage_users: the staff pages' 用户管理 (core.services.users), bounded to the officer's
        # subtree and the roles they may grant. Not change_user: that opens the admin's user
        # form, whose 超级用户状态 and 权限 boxes have no such bounds.
        permissions = [("view_full_id_number", "查看完整身份证号"), ("manage_users", "管理本辖区用户账号")]

    def __str__(self):
        return self.full_name or self.username

    # Staff have one name field (姓名), not first and last names: prints, receipts and the
    # admin's greeting show it.
    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username

    @property
    def sees_all_regions(self) -> bool:
        return self.is_superuser


class Notification(models.Model):
    """A message in a user's inbox (消息), e.g. a fund-balance warning; also sent by email when
    the user has an address (core.services.notify)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="收件人", on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title


class SecurityEvent(models.Model):
    """Denied access attempts, exports and imports: who tried what, when, from where."""

    class Kind(models.TextChoices):
        ACCESS_DENIED = "access_denied", "越权访问被拒绝"
        EXPORT = "export", "数据导出"
        IMPORT = "import", "数据导入"
        FILE_REFUSED = "file_refused", "文件被拒绝"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    path = models.CharField("地址", max_length=500, blank=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象", max_length=64, blank=True)
    detail = models.TextField("说明", blank=True)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    objects = RegionScopedQuerySet.as_manager()
    region_path_lookup = "user__region__path"

    class Meta:
        verbose_name = "安全事件"
        verbose_name_plural = "安全事件"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.user} {self.created_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """One uploaded spreadsheet and what became of it: the import log of issue 2. The file
    is kept in private storage every worker can read, so preview and commit may run in
    different processes (Celery or web)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        PREVIEWING = "previewing", "校验中"
        PREVIEWED = "previewed", "待确认"
        COMMITTING = "committing", "导入中"
        COMMITTED = "committed", "已导入"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    kind = models.CharField("导入类型", max_length=40)
    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("文件摘要", max_length=64)
    size = models.PositiveBigIntegerField("大小（字节）")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name="所属区划", null=True, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=200, editable=False, default="")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.UPLOADED)
    skip_bad_rows = models.BooleanField("跳过错误行", default=False)
    options = models.JSONField("导入选项", default=dict, blank=True)
    total_rows = models.PositiveIntegerField("总行数", default=0)
    counts = models.JSONField("统计", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    preview_rows = models.JSONField("预览", default=list, blank=True)
    failure = models.TextField("失败原因", blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # The previewed plan, kept in private storage, and the version of the data it was checked
    # against: a commit writes it directly when the data are unchanged (core.imports.write_plan).
    plan_file = models.CharField(max_length=255, blank=True, editable=False)
    plan_version = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Stamped by the process working on the job (claim, each batch checked, each chunk written):
    # a job "校验中/导入中" whose heartbeat is older than IMPORT_HEARTBEAT_STALE_SECONDS, and
    # whose row no transaction holds, is shown interrupted (core.services.imports.is_interrupted).
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True, editable=False)
    previewed_at = models.DateTimeField("校验时间", null=True, blank=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    seconds = models.DecimalField("用时（秒）", max_digits=9, decimal_places=2, null=True, blank=True)

    objects = RegionScopedQuerySet.as_manager()
    region_path_lookup = "region_path"

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.original_name}（{self.get_status_display()}）"

    def save(self, *args, **kwargs):
        if self.region_id and not self.region_path:
            self.region_path = self.region.path
        super().save(*args, **kwargs)

    @property
    def error_count(self) -> int:
        return int(self.counts.get("error", 0))

    @property
    def can_commit(self) -> bool:
        return self.status == self.Status.PREVIEWED and (self.error_count == 0 or self.skip_bad_rows)


class ImportChunk(models.Model):
    """One bounded piece of a large commit (core.services.imports): its rows are checked and
    written in one transaction that also marks it done, so a task that runs it twice, or after
    a worker died, writes it once. Used by importers whose rows are independent and whose
    re-import changes nothing (settlements: a facility's bill number is settled once)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待导入"
        DONE = "done", "已导入"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField("段号")
    first_row = models.PositiveIntegerField("起始行")
    last_row = models.PositiveIntegerField("结束行")
    rows = models.PositiveIntegerField("行数")
    file = models.CharField(max_length=255, editable=False)  # the piece's rows, gzipped JSON in private storage
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    counts = models.JSONField("统计", default=dict, blank=True)
    errors = models.JSONField("跳过的错误", default=list, blank=True)
    seconds = models.DecimalField("用时（秒）", max_digits=9, decimal_places=2, null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入分段"
        verbose_name_plural = "导入分段"
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="import_chunk_unique")]

    def __str__(self):
        return f"{self.job_id}#{self.number}（第{self.first_row}–{self.last_row}行）"


class ApiToken(models.Model):
    """A bearer token with which another system calls the JSON interfaces as a user (e.g. a
    hospital's system asking for a trial calculation). Only its SHA-256 is kept; the token is
    shown once when created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="所属用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("令牌前缀", max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… {self.name}（{self.user}）"

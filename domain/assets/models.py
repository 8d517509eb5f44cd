"""The data-asset registry (信息系统 → 数据库 → 数据表 → 字段) and the probes (数据探矿) that keep it current.

Tables and columns a probe no longer finds are marked `removed_at` instead of deleted: catalog entries map
their 信息项 onto physical columns, and a row that vanished must stay visible (and come back to life if the
table reappears) rather than silently break those links.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from domain.directory.models import Department

# A table's or column's comment (the 中文名 a catalog entry takes its names from); a probe cuts longer ones.
COMMENT_MAX = 500


class SystemStatus(models.TextChoices):
    BUILDING = "building", _("在建")
    BUILT = "built", _("已建")
    IN_USE = "in_use", _("在用")
    RETIRED = "retired", _("停用")


class Deployment(models.TextChoices):
    GOV_CLOUD = "gov_cloud", _("政务云")
    LOCAL = "local", _("本地机房")
    OTHER = "other", _("其他")


class Engine(models.TextChoices):
    POSTGRESQL = "postgresql", "PostgreSQL"
    MYSQL = "mysql", "MySQL"
    MARIADB = "mariadb", "MariaDB"
    SQLITE = "sqlite", "SQLite"
    ORACLE = "oracle", "Oracle"
    DAMENG = "dameng", _("达梦")
    KINGBASE = "kingbase", _("人大金仓")
    SQLSERVER = "sqlserver", "SQL Server"
    OTHER = "other", _("其他")


class UpdateCycle(models.TextChoices):
    REALTIME = "realtime", _("实时")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")
    YEARLY = "yearly", _("每年")
    OTHER = "other", _("其他")


class InformationSystem(models.Model):
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), on_delete=models.PROTECT, related_name="information_systems"
    )
    name = models.CharField(_("系统名称"), max_length=200)
    status = models.CharField(_("建设状态"), max_length=16, choices=SystemStatus.choices, default=SystemStatus.IN_USE)
    deployment = models.CharField(
        _("部署方式"), max_length=16, choices=Deployment.choices, default=Deployment.GOV_CLOUD
    )
    users = models.CharField(_("使用对象"), max_length=200, blank=True)
    user_count = models.PositiveIntegerField(_("用户数"), null=True, blank=True)
    vendor = models.CharField(_("承建单位"), max_length=200, blank=True)
    on_cloud = models.BooleanField(_("是否上云"), default=False)
    description = models.TextField(_("系统描述"), blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("信息系统")
        verbose_name_plural = _("信息系统")
        ordering = ["department_id", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="assets_system_name_unique")]

    def __str__(self) -> str:
        return self.name


class Database(models.Model):
    system = models.ForeignKey(
        InformationSystem, verbose_name=_("所属系统"), on_delete=models.CASCADE, related_name="databases"
    )
    # Blank: the system's department owns it.
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("数据库名称"), max_length=200)
    engine = models.CharField(_("数据库类型"), max_length=16, choices=Engine.choices, default=Engine.OTHER)
    host = models.CharField(_("服务器地址"), max_length=255, blank=True)
    size_mb = models.DecimalField(_("数据量（MB）"), max_digits=14, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("数据库")
        verbose_name_plural = _("数据库")
        ordering = ["system_id", "name"]
        constraints = [models.UniqueConstraint(fields=["system", "name"], name="assets_database_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def owner(self) -> Department:
        return self.department if self.department_id and self.department else self.system.department


class DataTable(models.Model):
    database = models.ForeignKey(
        Database, verbose_name=_("所属数据库"), on_delete=models.CASCADE, related_name="tables"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("表名"), max_length=200)
    comment = models.CharField(_("中文名"), max_length=COMMENT_MAX, blank=True)
    rows = models.BigIntegerField(_("记录数"), null=True, blank=True)
    update_cycle = models.CharField(_("更新周期"), max_length=16, choices=UpdateCycle.choices, blank=True)
    removed_at = models.DateTimeField(_("探测到删除的时间"), null=True, blank=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("数据表")
        verbose_name_plural = _("数据表")
        ordering = ["database_id", "name"]
        constraints = [models.UniqueConstraint(fields=["database", "name"], name="assets_table_name_unique")]

    def __str__(self) -> str:
        return self.name


class Column(models.Model):
    table = models.ForeignKey(DataTable, verbose_name=_("所属数据表"), on_delete=models.CASCADE, related_name="columns")
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("字段名"), max_length=200)
    data_type = models.CharField(_("数据类型"), max_length=100)
    length = models.PositiveIntegerField(_("长度"), null=True, blank=True)
    scale = models.PositiveIntegerField(_("小数位"), null=True, blank=True)
    nullable = models.BooleanField(_("可为空"), default=True)
    comment = models.CharField(_("中文名/注释"), max_length=COMMENT_MAX, blank=True)
    position = models.PositiveIntegerField(_("序号"), default=0)
    removed_at = models.DateTimeField(_("探测到删除的时间"), null=True, blank=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("字段")
        verbose_name_plural = _("字段")
        ordering = ["table_id", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["table", "name"], name="assets_column_name_unique")]

    def __str__(self) -> str:
        return self.name


class ProbeEngine(models.TextChoices):
    POSTGRESQL = "postgresql", "PostgreSQL"
    MYSQL = "mysql", "MySQL / MariaDB"
    SQLITE = "sqlite", "SQLite"


class Schedule(models.TextChoices):
    MANUAL = "manual", _("手动")
    HOURLY = "hourly", _("每小时")
    DAILY = "daily", _("每天")
    WEEKLY = "weekly", _("每周")


class Probe(models.Model):
    """Where to read one database's catalog from. The password is stored Fernet-encrypted (see crypto.py)."""

    name = models.CharField(_("探针名称"), max_length=200)
    department = models.ForeignKey(Department, verbose_name=_("所属部门"), on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(
        InformationSystem, verbose_name=_("所属系统"), on_delete=models.PROTECT, related_name="probes"
    )
    database = models.ForeignKey(
        Database,
        verbose_name=_("目标数据库资产"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="probes",
    )
    engine = models.CharField(_("数据库类型"), max_length=16, choices=ProbeEngine.choices)
    host = models.CharField(_("主机"), max_length=255, blank=True)
    port = models.PositiveIntegerField(_("端口"), null=True, blank=True)
    database_name = models.CharField(_("数据库名或 SQLite 文件路径"), max_length=500)
    username = models.CharField(_("用户名"), max_length=200, blank=True)
    password_encrypted = models.TextField(blank=True, editable=False)
    connect_timeout = models.PositiveIntegerField(_("连接超时（秒）"), null=True, blank=True)
    statement_timeout = models.PositiveIntegerField(_("语句超时（秒）"), null=True, blank=True)
    schedule = models.CharField(_("采集频率"), max_length=16, choices=Schedule.choices, default=Schedule.MANUAL)
    next_run_at = models.DateTimeField(_("下次采集时间"), null=True, blank=True, db_index=True)
    enabled = models.BooleanField(_("启用"), default=True)
    # When the probe was last pointed at another database: snapshots older than this are another target's.
    target_changed_at = models.DateTimeField(_("目标变更时间"), null=True, blank=True, editable=False)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("探针")
        verbose_name_plural = _("探针")
        ordering = ["department_id", "name"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="assets_probe_name_unique")]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Probe {self.pk}: {self.name} ({self.engine})>"

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("采集中")
    SUCCEEDED = "succeeded", _("成功")
    FAILED = "failed", _("失败")


class ErrorKind(models.TextChoices):
    AUTH = "auth", _("认证失败")
    NETWORK = "network", _("网络不通")
    TIMEOUT = "timeout", _("超时")
    NOT_FOUND = "not_found", _("数据库不存在")
    OTHER = "other", _("其他错误")


class ProbeRun(models.Model):
    probe = models.ForeignKey(Probe, verbose_name=_("探针"), on_delete=models.CASCADE, related_name="runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    queued_at = models.DateTimeField(_("排队时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), null=True, blank=True)
    error_kind = models.CharField(_("错误类型"), max_length=16, choices=ErrorKind.choices, blank=True)
    error_message = models.TextField(_("错误信息"), blank=True)
    tables_count = models.PositiveIntegerField(_("表数"), default=0)
    columns_count = models.PositiveIntegerField(_("字段数"), default=0)
    changes_count = models.PositiveIntegerField(_("变化数"), default=0)

    class Meta:
        verbose_name = _("采集记录")
        verbose_name_plural = _("采集记录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["probe", "status"], name="assets_run_probe_status")]

    def __str__(self) -> str:
        return f"{self.probe.name} #{self.pk} {self.get_status_display()}"


class SchemaSnapshot(models.Model):
    """What one successful run read: {"tables": {name: {comment, rows, columns: {name: {...}}}}}."""

    run = models.OneToOneField(ProbeRun, on_delete=models.CASCADE, related_name="snapshot")
    probe = models.ForeignKey(Probe, on_delete=models.CASCADE, related_name="snapshots")
    data = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("结构快照")
        verbose_name_plural = _("结构快照")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.probe_id} #{self.run_id}"


class ChangeKind(models.TextChoices):
    TABLE_ADDED = "table_added", _("新增表")
    TABLE_REMOVED = "table_removed", _("删除表")
    TABLE_COMMENT_CHANGED = "table_comment_changed", _("表注释变更")
    COLUMN_ADDED = "column_added", _("新增字段")
    COLUMN_REMOVED = "column_removed", _("删除字段")
    TYPE_CHANGED = "type_changed", _("类型变更")
    LENGTH_CHANGED = "length_changed", _("长度变更")
    NULLABLE_CHANGED = "nullable_changed", _("可空性变更")
    COMMENT_CHANGED = "comment_changed", _("字段注释变更")


class SchemaChange(models.Model):
    run = models.ForeignKey(ProbeRun, verbose_name=_("采集记录"), on_delete=models.CASCADE, related_name="changes")
    database = models.ForeignKey(Database, verbose_name=_("数据库"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("变化类型"), max_length=32, choices=ChangeKind.choices)
    table_name = models.CharField(_("表名"), max_length=200)
    column_name = models.CharField(_("字段名"), max_length=200, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    table = models.ForeignKey(DataTable, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    column = models.ForeignKey(Column, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("结构变化")
        verbose_name_plural = _("结构变化")
        ordering = ["id"]

    def __str__(self) -> str:
        where = f"{self.table_name}.{self.column_name}" if self.column_name else self.table_name
        return f"{self.get_kind_display()} {where}"

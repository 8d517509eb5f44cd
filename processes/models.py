"""The orchestration core's tables. Read models (HumanTask, TimerSchedule,
MessageSubscription) are rebuilt from the workflow state on every change."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProcessDefinition(models.Model):
    key = models.CharField(_("流程标识"), max_length=200)
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=200, blank=True)
    bpmn_xml = models.TextField()
    # Other files deployed with the diagram: {"file name": xml text} (DMN tables, called processes).
    extra_files = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    note = models.TextField(blank=True)
    deployed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    deployed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("流程定义")
        verbose_name_plural = _("流程定义")
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="definition_key_version")]
        indexes = [models.Index(fields=["key", "content_hash"])]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    SUSPENDED = "suspended", _("已挂起")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class ProcessInstance(models.Model):
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="instances")
    business_key = models.CharField(_("业务键"), max_length=200, blank=True, db_index=True)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    department = models.ForeignKey(
        "directory.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING)
    # SpiffWorkflow state without the spec, as text: jsonb reorders keys and loses task data.
    state = models.TextField(blank=True)
    serializer_version = models.CharField(max_length=16, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("流程实例")
        verbose_name_plural = _("流程实例")
        permissions = [("correlate_message", _("可向流程实例发送消息 / Can send messages to process instances"))]
        indexes = [
            models.Index(fields=["status", "definition"]),
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["started_by", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.definition.key} {self.business_key}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    COMPLETED = "completed", _("已办")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已取消")


class HumanTask(models.Model):
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="human_tasks")
    spiff_task_id = models.UUIDField()
    element_id = models.CharField(max_length=200)
    name = models.CharField(_("任务"), max_length=300)
    documentation = models.TextField(blank=True)
    lane = models.CharField(max_length=200, blank=True)
    # Copied from the instance so inbox filters never join or deserialize.
    process_key = models.CharField(max_length=200, db_index=True)
    department = models.ForeignKey(
        "directory.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    candidate_roles = models.JSONField(default=list, blank=True)
    candidate_users = models.JSONField(default=list, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tasks"
    )
    priority = models.IntegerField(_("优先级"), default=50)
    form_key = models.CharField(max_length=200, blank=True)
    due_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    draft = models.JSONField(default=dict, blank=True)
    submitted_data = models.JSONField(null=True, blank=True)
    # Deadline machinery (issue 3): the SLA clock, whether the due time rests on a provisional
    # calendar year, the ladder level reached, and when the next level is due (indexed: the
    # escalation tick is a range scan on it, never a scan of all open tasks).
    sla_started_at = models.DateTimeField(null=True, blank=True)
    sla_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    due_provisional = models.BooleanField(default=False)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    escalation_policy = models.JSONField(default=dict, blank=True)
    returned_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opinion = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Working days from creation to completion, computed once on the calendar when the task is
    # done, so that the league table averages it in SQL.
    handling_working_days = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("人工任务")
        verbose_name_plural = _("人工任务")
        indexes = [
            models.Index(fields=["status", "assignee", "due_at"]),
            models.Index(fields=["status", "department", "due_at"]),
            models.Index(fields=["instance", "status"]),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["next_escalation_at"], condition=models.Q(status="open"), name="task_escalation_due"),
            # 已办: a clerk's completed tasks, newest first, a page at a time.
            models.Index(fields=["completed_by", "-completed_at", "-id"], name="task_done_by"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["spiff_task_id"], condition=models.Q(status="open"), name="one_open_row_per_spiff_task"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"


class TaskCandidate(models.Model):
    """One row per candidate role or user of an open task: the inbox joins on this index."""

    task = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="candidates")
    role_code = models.CharField(max_length=64, blank=True)
    username = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [models.Index(fields=["role_code", "task"]), models.Index(fields=["username", "task"])]

    def __str__(self) -> str:
        return self.role_code or self.username


class TaskComment(models.Model):
    task = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:50]


class TimerSchedule(models.Model):
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="timers")
    spiff_task_id = models.UUIDField()
    element_id = models.CharField(max_length=200)
    due_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["instance"])]

    def __str__(self) -> str:
        return f"{self.element_id} @ {self.due_at:%Y-%m-%d %H:%M}"


class MessageSubscription(models.Model):
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="subscriptions")
    name = models.CharField(max_length=200, db_index=True)
    # Values a message must carry to reach this instance; empty means any message of this name.
    correlation = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队")
    RUNNING = "running", _("执行中")
    RETRYING = "retrying", _("等待重试")
    DONE = "done", _("完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


class ServiceJob(models.Model):
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="jobs")
    spiff_task_id = models.UUIDField()
    element_id = models.CharField(max_length=200)
    operator = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    result_variable = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # The person whose step queued the job (completing the task before it); None for the system.
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # Bumped each time the job is sent again (sweeper, resume, incident retry): a message carrying an
    # older number is stale and skipped, so a backlog can never run one job twice at once.
    dispatch = models.PositiveIntegerField(default=1)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "enqueued_at"])]

    def __str__(self) -> str:
        return f"{self.operator} #{self.pk} ({self.status})"


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("未处理")
        RETRIED = "retried", _("已重试")
        SKIPPED = "skipped", _("已跳过")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="incidents")
    job = models.ForeignKey(ServiceJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents")
    element_id = models.CharField(max_length=200, blank=True)
    message = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("异常事件")
        verbose_name_plural = _("异常事件")

    def __str__(self) -> str:
        return f"#{self.pk} {self.element_id}: {self.message[:60]}"


class AuditEvent(models.Model):
    """Append-only, hash-chained. On PostgreSQL a trigger refuses UPDATE and DELETE."""

    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    instance_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    task_id = models.BigIntegerField(null=True, blank=True)
    process_key = models.CharField(max_length=200, blank=True, db_index=True)
    department_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    # Unique: only one event can follow a given hash, so the chain cannot fork.
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"


class TaskReminder(models.Model):
    """催办: a supervisor's reminder on an open task (rate-limited per task)."""

    task = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="reminders")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(blank=True)
    recipients = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("催办")
        verbose_name_plural = _("催办")
        indexes = [models.Index(fields=["task", "sent_at"])]

    def __str__(self) -> str:
        return f"催办 #{self.task_id} @ {self.sent_at:%Y-%m-%d %H:%M}"


class ExtensionRequest(models.Model):
    """延期申请: the assignee asks for more working days before the due time; a supervisor decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("已驳回")

    task = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    working_days = models.PositiveSmallIntegerField(_("延期工作日"))
    reason = models.TextField(_("理由"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    previous_due_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(fields=["task"], condition=models.Q(status="pending"), name="one_pending_extension")
        ]

    def __str__(self) -> str:
        return f"延期 #{self.task_id} +{self.working_days}"


def attachment_upload_to(attachment: "Attachment", filename: str) -> str:
    """A random stored name under the upload month: the person's file name lives only in `original_name`,
    so it never reaches a path on disk."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file uploaded to a case: for a form field (`field`) or the task page's attachments section ("")."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="attachments")
    task = models.ForeignKey(HumanTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    field = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to=attachment_upload_to, max_length=300)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["instance", "created_at"])]

    def __str__(self) -> str:
        return self.original_name


class SavedTaskFilter(models.Model):
    """A named inbox view a person keeps: the query string of the inbox (tab, filters, search, sort)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=40)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("常用筛选")
        verbose_name_plural = _("常用筛选")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_per_user")]

    def __str__(self) -> str:
        return self.name


class ProcessDraft(models.Model):
    """流程设计: a designer's working copy of a diagram and its forms, saved as they work (autosave)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The process id found in the XML at the last save (it may change while the designer draws).
    key = models.CharField(_("流程标识"), max_length=200, blank=True)
    name = models.CharField(_("名称"), max_length=200, blank=True)
    bpmn_xml = models.TextField()
    # {"forms/<form key>.json": JSON text}: kept as the designer wrote it, deployed with the diagram.
    forms = models.JSONField(default=dict, blank=True)
    # The deployed version it was opened from, if any (the diff and the deploy note start from it).
    base = models.ForeignKey(ProcessDefinition, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Bumped by every save; a save made from an older revision (a second tab) is refused, not merged.
    revision = models.PositiveIntegerField(default=1)
    # The form editor's own counter: saving a form must not make the open modeler's next autosave stale.
    forms_revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("流程草稿")
        verbose_name_plural = _("流程草稿")
        indexes = [models.Index(fields=["owner", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.key or '—'} ({self.owner_id})"


class MigrationBatch(models.Model):
    """One "move the migratable running instances to this version" operation, kept so it can be undone."""

    target = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("实例迁移")
        verbose_name_plural = _("实例迁移")

    def __str__(self) -> str:
        return f"#{self.pk} → {self.target_id}"


class InstanceMigration(models.Model):
    """One instance moved by a batch, with the state it had before (the rollback snapshot)."""

    batch = models.ForeignKey(MigrationBatch, on_delete=models.CASCADE, related_name="instances")
    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="+")
    from_definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="+")
    state_before = models.TextField()
    serializer_version_before = models.CharField(max_length=16, blank=True)
    # What the instance had done right after the migration (engine.migrate.progress_mark): a rollback is
    # refused once it has moved on (a task completed, a timer fired …).
    progress_after = models.CharField(max_length=64, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "instance"], name="migration_instance_once")]

    def __str__(self) -> str:
        return f"{self.instance_id} in {self.batch_id}"


class MigrationJobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未完成")


class MigrationJob(models.Model):
    """One 迁移 or 回滚 asked for on the migration page, run by a Celery worker: over thousands of instances
    it takes minutes, so the page shows its progress instead of holding the request open."""

    class Action(models.TextChoices):
        MIGRATE = "migrate", _("迁移")
        ROLLBACK = "rollback", _("回滚")

    process_key = models.CharField(max_length=255)
    action = models.CharField(max_length=16, choices=Action.choices)
    target = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="+")
    # The batch it made (a migration, set in the transaction that creates the batch) or undoes (a rollback).
    batch = models.ForeignKey(MigrationBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=MigrationJobStatus.choices, default=MigrationJobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    moved = models.PositiveIntegerField(default=0)
    # [{"instance_id": …, "reason": …}]: the instances that stayed where they were, and why.
    skipped = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("迁移任务")
        verbose_name_plural = _("迁移任务")
        indexes = [models.Index(fields=["process_key", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (MigrationJobStatus.DONE, MigrationJobStatus.FAILED)

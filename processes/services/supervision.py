"""The supervisor's toolkit (督办): at-risk and overdue lists over the supervised department
subtree, 催办 reminders (rate-limited), reassignment, and extension requests (延期申请)."""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import ExtensionRequest, HumanTask, TaskCandidate, TaskReminder, TaskStatus
from ..notification_texts import REASSIGNED, REASSIGNED_BODY, REMINDED, compose
from ..ports import Actor, Message, calendar, directory, notifier
from ..selectors import supervised_department_ids, task_can_act
from ..signals import extension_approved
from .audit import AuditBuffer, audit_append
from .escalation import escalation_reset, task_link, task_recipients


def _supervises(actor: Actor, task: HumanTask) -> bool:
    if actor.is_superuser:
        return True
    return task.department_id is not None and task.department_id in supervised_department_ids(actor)


def _not_found(task_id: int) -> NotFound:
    # A task outside the supervised subtree answers as a missing one: nothing of it is revealed.
    return NotFound(f"任务 {task_id} 不存在或无权查看 / task {task_id} not found")


def tasks_supervised(
    actor: Actor,
    *,
    kind: str = "at_risk",
    process_key: str = "",
    department_id: int | None = None,
    level: int | None = None,
    assignee_id: int | None = None,
    now: datetime | None = None,
) -> QuerySet[HumanTask]:
    """Open tasks in the actor's supervised subtree: `at_risk` (on the ladder) or `overdue` (past due)."""
    now = now or timezone.now()
    tasks = HumanTask.objects.filter(status=TaskStatus.OPEN)
    if not actor.is_superuser:
        tasks = tasks.filter(department_id__in=sorted(supervised_department_ids(actor)))
    tasks = tasks.filter(due_at__lt=now) if kind == "overdue" else tasks.filter(escalation_level__gte=1)
    if process_key:
        tasks = tasks.filter(process_key=process_key)
    if department_id is not None:
        tasks = tasks.filter(department_id=department_id)
    if level is not None:
        tasks = tasks.filter(escalation_level=level)
    if assignee_id is not None:
        tasks = tasks.filter(assignee_id=assignee_id)
    return tasks.select_related("instance", "assignee", "completed_by").order_by("due_at", "id")


def _task(task_id: int, supervisor: Actor | None = None) -> HumanTask:
    """The open task; with `supervisor`, only one in their subtree (else NotFound, before any state is told)."""
    task = HumanTask.objects.select_related("instance__definition").filter(pk=task_id).first()
    if task is None or (supervisor is not None and not _supervises(supervisor, task)):
        raise _not_found(task_id)
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"任务已{task.get_status_display()} / task is already {task.status}")
    return task


def task_remind(*, task_id: int, actor: Actor, message: str = "") -> TaskReminder:
    """催办: at most one reminder per task per interval (default an hour); a clear error otherwise."""
    task = _task(task_id, supervisor=actor)
    interval = timedelta(minutes=int(settings.TONGBAN["REMINDER_INTERVAL_MINUTES"]))
    with transaction.atomic():
        HumanTask.objects.select_for_update().filter(pk=task.pk).first()  # serialise reminders of one task
        last = TaskReminder.objects.filter(task=task).order_by("-sent_at").first()
        if last is not None and timezone.now() - last.sent_at < interval:
            wait = math.ceil((last.sent_at + interval - timezone.now()).total_seconds() / 60)
            raise Conflict(
                f"该任务刚催办过，请 {wait} 分钟后再试 / already reminded; try again in {wait} min",
                detail={"retry_after_minutes": wait},
            )
        recipients = task_recipients(task)
        reminder = TaskReminder.objects.create(
            task=task, sent_by_id=actor.user_id, message=message, recipients=recipients
        )
        audit_append(
            "task_reminded",
            actor=actor.username,
            instance=task.instance,
            task=task,
            payload={"message": message, "recipients": recipients},
        )
        transaction.on_commit(
            lambda: notifier().notify(
                user_ids=recipients,
                kind="reminder",
                title=compose(REMINDED, task=task.name),
                body=message or task.name,
                link=task_link(task),
            )
        )
    return reminder


def tasks_reassign(*, task_ids: list[int], actor: Actor, to_username: str = "", to_role: str = "") -> list[HumanTask]:
    """Give open tasks to a person (assignee) or to a role in the task's department (unclaimed).

    The person must belong to a department the actor supervises, the role must exist; the new
    handlers are told."""
    if bool(to_username) == bool(to_role):
        raise ValidationFailed(
            "请指定转给某人或某角色 / give exactly one of to_username or to_role",
            detail={"to": ["one of to_username / to_role"]},
        )
    supervised = supervised_department_ids(actor)
    user_id = _reassign_target_user(to_username, supervised, actor) if to_username else None
    if to_role and to_role not in directory().known_role_codes():
        raise ValidationFailed(
            f"角色 '{to_role}' 不存在 / unknown role '{to_role}'", detail={"to_role": ["unknown role"]}
        )
    audit, messages = AuditBuffer(), []
    with transaction.atomic():
        tasks = list(
            HumanTask.objects.select_for_update(of=("self",))
            .select_related("instance__definition")
            .filter(pk__in=task_ids)
            .order_by("pk")
        )
        # A task outside the supervised subtree counts as missing: nothing of it is revealed.
        if not actor.is_superuser:
            tasks = [task for task in tasks if task.department_id in supervised]
        if len(tasks) != len(set(task_ids)):
            raise NotFound("部分任务不存在或无权查看 / some tasks were not found")
        for task in tasks:
            if task.status != TaskStatus.OPEN:
                raise Conflict(
                    f"任务 {task.pk} 已{task.get_status_display()} / task {task.pk} is already {task.status}"
                )
            _reassign_one(task, user_id, to_role)
            audit.add(
                "task_reassigned",
                actor=actor.username,
                instance=task.instance,
                task=task,
                payload={"to_username": to_username, "to_role": to_role},
            )
            messages.append(
                Message(
                    user_ids=task_recipients(task),
                    kind="reassigned",
                    title=compose(REASSIGNED, task=task.name),
                    body=compose(REASSIGNED_BODY, actor=actor.username),
                    link=task_link(task),
                )
            )
        audit.flush()
        transaction.on_commit(lambda: notifier().notify_many(messages))
    return tasks


def _reassign_target_user(username: str, supervised: set[int], actor: Actor) -> int:
    user_id = directory().user_id_for_username(username)
    if user_id is None:
        raise ValidationFailed(
            f"用户 '{username}' 不存在 / no active user '{username}'", detail={"to_username": ["unknown user"]}
        )
    if not actor.is_superuser and not supervised & set(directory().department_ids_of_user(user_id)):
        raise PermissionDenied(f"'{username}' 不在您督办的部门 / '{username}' is outside the departments you supervise")
    return user_id


def _reassign_one(task: HumanTask, user_id: int | None, role: str) -> None:
    if user_id is not None:
        task.assignee_id, task.claimed_at = user_id, timezone.now()
        task.save(update_fields=["assignee", "claimed_at"])
        return
    task.assignee_id, task.claimed_at, task.candidate_roles, task.candidate_users = None, None, [role], []
    task.save(update_fields=["assignee", "claimed_at", "candidate_roles", "candidate_users"])
    TaskCandidate.objects.filter(task=task).delete()
    TaskCandidate.objects.create(task=task, role_code=role)


def extension_request(*, task_id: int, actor: Actor, working_days: int, reason: str) -> ExtensionRequest:
    """The assignee asks, before the due time, for N more working days."""
    task = _task(task_id)
    if not task_can_act(actor, task):
        raise PermissionDenied("只有办理人可以申请延期 / only the task's handler can ask for an extension")
    if not reason.strip() or working_days < 1:
        raise ValidationFailed(
            "请填写延期天数和理由 / give the working days and a reason",
            detail={"reason": ["required"], "working_days": [">= 1"]},
        )
    if task.due_at is None or task.due_at <= timezone.now():
        raise Conflict("只能在截止时间前申请延期 / an extension must be asked before the due time")
    with transaction.atomic():
        HumanTask.objects.select_for_update().filter(pk=task.pk).first()  # a double click waits, then sees the first
        if ExtensionRequest.objects.filter(task=task, status=ExtensionRequest.Status.PENDING).exists():
            raise Conflict("已有待审批的延期申请 / an extension request is already pending")
        request = ExtensionRequest.objects.create(
            task=task, requested_by_id=actor.user_id, working_days=working_days, reason=reason
        )
        audit_append(
            "extension_requested",
            actor=actor.username,
            instance=task.instance,
            task=task,
            payload={"request_id": request.pk, "working_days": working_days, "reason": reason},
        )
    return request


def extension_decide(*, request_id: int, actor: Actor, approve: bool, note: str = "") -> ExtensionRequest:
    """Approval re-bases the due time on the work calendar and resets the escalation ladder."""
    with transaction.atomic():
        request = (
            ExtensionRequest.objects.select_for_update()
            .select_related("task__instance__definition")
            .filter(pk=request_id)
            .first()
        )
        if request is None or not _supervises(actor, request.task):
            raise NotFound(f"延期申请 {request_id} 不存在或无权查看 / extension request {request_id} not found")
        if request.status != ExtensionRequest.Status.PENDING:
            raise Conflict(f"延期申请已{request.get_status_display()} / request is already {request.status}")
        task = request.task
        if request.requested_by_id == actor.user_id:
            raise PermissionDenied("不能审批自己的延期申请 / you cannot decide your own extension request")
        if approve and task.status != TaskStatus.OPEN:
            raise Conflict(f"任务已{task.get_status_display()}，无需延期 / the task is already {task.status}")
        request.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
        request.decided_by_id, request.decided_at, request.decision_note = actor.user_id, timezone.now(), note
        request.previous_due_at = task.due_at
        if approve and task.due_at is not None:
            _rebase(task, request.working_days)
        request.save()
        if approve:
            extension_approved.send(sender=ExtensionRequest, request=request, task=task)
        audit_append(
            "extension_decided",
            actor=actor.username,
            instance=task.instance,
            task=task,
            payload={
                "request_id": request.pk,
                "approved": approve,
                "note": note,
                "due_at": task.due_at.isoformat() if task.due_at else None,
            },
        )
    return request


def _rebase(task: HumanTask, working_days: int) -> None:
    due = calendar().add_working_days(task.due_at, working_days)  # type: ignore[arg-type]
    task.due_at, task.due_provisional = due.at, due.provisional
    if task.sla_working_days is not None:
        task.sla_working_days += working_days
    # Levels the new due time undoes may fire again later; the ones still passed are not re-sent.
    escalation_reset(task, timezone.now())
    task.save(update_fields=["due_at", "due_provisional", "sla_working_days", "escalation_level", "next_escalation_at"])

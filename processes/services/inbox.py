"""Human-task operations: claim, unclaim, save draft, complete, delegate (转办), return (退回), comment.

A draft is kept only for a claimed task: while a group task is unclaimed, several candidates could write
over each other's drafts, so saving one asks for 签收 first. Completing an unclaimed task stays allowed
(it claims the task in the same step, as the API always has).
"""

from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from jsonschema import Draft202012Validator

from .. import store
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..form_messages import error_message, error_path
from ..models import HumanTask, TaskComment, TaskStatus
from ..notification_texts import DELEGATED, DELEGATED_BODY, compose
from ..ports import Actor, calendar, directory, notifier
from ..selectors import task_can_act, task_can_comment
from .audit import audit_append
from .definitions import HEAVY_FIELDS, form_schema
from .escalation import task_link
from .runner import Step, apply


def _open_task(step_or_none: Step | None, task_id: int) -> HumanTask:
    if step_or_none is None:
        task = store.task_load(task_id)
    else:
        heavy = ["instance__state", *(f"instance__definition__{name}" for name in HEAVY_FIELDS)]
        rows = HumanTask.objects.select_related("instance", "instance__definition").defer(*heavy)
        task = rows.select_for_update(of=("self",)).filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在 / task {task_id} not found")
    return task


def _ensure_open(task: HumanTask) -> None:
    if task.status != TaskStatus.OPEN:
        raise Conflict(
            f"任务已{task.get_status_display()} / task is already {task.status}", detail={"status": task.status}
        )


def _ensure_can_act(actor: Actor, task: HumanTask) -> None:
    if not task_can_act(actor, task):
        raise PermissionDenied("无权办理此任务 / you may not act on this task")


def human_task_claim(*, task_id: int, actor: Actor) -> HumanTask:
    task = _open_task(None, task_id)
    _ensure_open(task)
    if task.assignee_id not in (None, actor.user_id):
        raise Conflict("任务已被他人签收 / the task was claimed by someone else")
    _ensure_can_act(actor, task)
    if task.assignee_id == actor.user_id:
        return task
    with transaction.atomic():
        # Conditional update: of two clerks claiming at once, exactly one wins.
        now = timezone.now()
        won = HumanTask.objects.filter(pk=task_id, status=TaskStatus.OPEN, assignee__isnull=True).update(
            assignee_id=actor.user_id, claimed_at=now
        )
        if not won:
            raise Conflict("任务已被他人签收 / the task was claimed by someone else")
        task.assignee_id, task.claimed_at = actor.user_id, now
        audit_append("task_claimed", actor=actor.username, instance=task.instance, task=task)
    return task


def human_task_unclaim(*, task_id: int, actor: Actor) -> HumanTask:
    task = _open_task(None, task_id)
    _ensure_open(task)
    if task.assignee_id != actor.user_id:
        raise PermissionDenied("只有签收人可以退签 / only the assignee can unclaim")
    with transaction.atomic():
        HumanTask.objects.filter(pk=task_id, assignee_id=actor.user_id).update(assignee=None, claimed_at=None)
        task.assignee_id = None
        audit_append("task_unclaimed", actor=actor.username, instance=task.instance, task=task)
    return task


def human_task_save_draft(*, task_id: int, actor: Actor, data: dict[str, Any]) -> HumanTask:
    task = _open_task(None, task_id)
    _ensure_open(task)
    _ensure_can_act(actor, task)
    if task.assignee_id is None:
        message = "请先签收此任务，再保存草稿 / claim the task before saving a draft"
        raise ValidationFailed(message, detail={"": [message]})
    saved = HumanTask.objects.filter(pk=task_id, status=TaskStatus.OPEN, assignee_id=task.assignee_id).update(
        draft=data
    )
    if not saved:
        raise Conflict("任务已被他人处理 / the task changed meanwhile")
    task.draft = data
    return task


# Validators per (definition, content, form): building one costs more than validating with it.
_VALIDATORS: dict[tuple[int, str, str], Draft202012Validator] = {}


def _validator(definition: Any, form_key: str) -> Draft202012Validator | None:
    key = (definition.pk, definition.content_hash, form_key)
    validator = _VALIDATORS.get(key)
    if validator is None:
        schema = form_schema(definition, form_key)
        if schema is None:
            return None
        # With the format checker, `format` (date, email …) is checked, not only annotated.
        validator = _VALIDATORS[key] = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return validator


def form_errors(task: HumanTask, data: Any) -> dict[str, list[str]]:
    """Per-field errors of `data` against the task's JSON Schema form ('' = the form as a whole), worded in
    the active language (processes.form_messages)."""
    if not isinstance(data, dict):
        return {"": ["提交的数据必须是对象 / data must be an object"]}
    validator = _validator(task.instance.definition, task.form_key) if task.form_key else None
    if validator is None:
        return {}
    errors: dict[str, list[str]] = {}
    for error in validator.iter_errors(data):
        messages = errors.setdefault(error_path(error), [])
        message = error_message(error)  # in the request's language
        if message not in messages:
            messages.append(message)
    return errors


def human_task_complete(*, task_id: int, actor: Actor, data: dict[str, Any] | None = None) -> HumanTask:
    """Validate against the form, then advance the instance. A second completion is a 409."""
    data = data if data is not None else {}
    task = _open_task(None, task_id)
    _ensure_open(task)
    _ensure_can_act(actor, task)
    errors = form_errors(task, data)
    if errors:
        raise ValidationFailed("表单填写有误 / the form has errors", detail=errors)

    def command(step: Step) -> HumanTask:
        locked = task
        now = timezone.now()
        # Under the instance lock this conditional update is the re-check: a second completion updates nothing.
        updated = HumanTask.objects.filter(pk=task_id, status=TaskStatus.OPEN).update(
            status=TaskStatus.COMPLETED,
            completed_at=now,
            completed_by_id=actor.user_id,
            submitted_data=data,
            draft={},
            assignee_id=Coalesce(F("assignee_id"), Value(actor.user_id)),
            claimed_at=Coalesce(F("claimed_at"), Value(now)),
            handling_working_days=calendar().working_days_between(task.created_at, now),
        )
        if not updated:
            raise Conflict("任务已办理 / task is already completed", detail={"status": "completed"})
        locked.status, locked.completed_at, locked.completed_by_id = TaskStatus.COMPLETED, now, actor.user_id
        locked.submitted_data, locked.draft = data, {}
        if locked.assignee_id is None:
            locked.assignee_id, locked.claimed_at = actor.user_id, now
        step.workflow.complete_human_task(str(locked.spiff_task_id), data)
        step.audit.add(
            "task_completed",
            actor=actor.username,
            instance=step.instance,
            task=locked,
            payload={"element_id": locked.element_id, "data": data},
        )
        return locked

    return apply(task.instance_id, actor, command)


def human_task_delegate(*, task_id: int, actor: Actor, to_username: str, note: str = "") -> HumanTask:
    """转办: hand the task to another person who could hold it (a holder of one of its candidate roles in
    its department — any department when it has none — or one of its candidate users); they become its
    assignee and are told after the commit."""
    task = _open_task(None, task_id)
    _ensure_open(task)
    _ensure_can_act(actor, task)
    target_id = _delegate_target(task, actor, to_username)
    with transaction.atomic():
        changed = HumanTask.objects.filter(pk=task_id, status=TaskStatus.OPEN, assignee_id=task.assignee_id).update(
            assignee_id=target_id, claimed_at=timezone.now()
        )
        if not changed:
            raise Conflict("任务已被他人处理 / the task changed meanwhile")
        audit_append(
            "task_delegated",
            actor=actor.username,
            instance=task.instance,
            task=task,
            payload={"from_user_id": task.assignee_id, "to": to_username, "note": note},
        )
        task.assignee_id = target_id
        body = compose(DELEGATED_BODY, actor=actor.username)
        transaction.on_commit(
            lambda: notifier().notify(
                user_ids=[target_id],
                kind="delegated",
                title=compose(DELEGATED, task=task.name),
                body=f"{body}\n{note}" if note.strip() else body,
                link=task_link(task),
            )
        )
    return task


def _delegate_target(task: HumanTask, actor: Actor, to_username: str) -> int:
    """The id of the person the task may be handed to; ValidationFailed on "to" for anyone else."""
    eligible = directory().people_who_may_hold(
        role_codes=list(task.candidate_roles or []),
        department_id=task.department_id,
        usernames=list(task.candidate_users or []),
    )
    target = next((p for p in eligible if p.username == to_username), None)
    if target is None:
        message = f"'{to_username}' 不能办理此任务，无法转办 / '{to_username}' may not hold this task"
        raise ValidationFailed(message, detail={"to": [message]})
    if target.user_id in (actor.user_id, task.assignee_id):
        message = "不能转办给自己 / the task is already yours"
        raise ValidationFailed(message, detail={"to": [message]})
    return target.user_id


def human_task_return(*, task_id: int, actor: Actor, opinion: str) -> HumanTask:
    """退回: send the case back to the previous human step; it goes to whoever did that step."""
    if not opinion.strip():
        raise ValidationFailed("退回必须填写意见 / an opinion is required to return", detail={"opinion": ["required"]})
    task = _open_task(None, task_id)
    _ensure_open(task)
    _ensure_can_act(actor, task)
    previous = (
        HumanTask.objects.filter(
            instance_id=task.instance_id, status=TaskStatus.COMPLETED, completed_at__lte=task.created_at
        )
        # After an earlier 退回, this very step's own first completion is in the history: skip it.
        .exclude(spiff_task_id=task.spiff_task_id)
        .order_by("-completed_at", "-id")
        .first()
    )
    if previous is None:
        raise Conflict("没有可退回的上一步 / there is no earlier human step to return to")

    def command(step: Step) -> HumanTask:
        locked = _open_task(step, task_id)
        _ensure_open(locked)
        locked.status, locked.completed_at, locked.completed_by_id = TaskStatus.RETURNED, timezone.now(), actor.user_id
        locked.opinion = opinion
        locked.save(update_fields=["status", "completed_at", "completed_by", "opinion"])
        step.return_routing = {
            "spiff_task_id": str(previous.spiff_task_id),
            "assignee_id": previous.completed_by_id,
            "returned_from_id": locked.pk,
            "opinion": opinion,
            # What that step submitted comes back as its draft: corrected, not typed again.
            "draft": previous.submitted_data if isinstance(previous.submitted_data, dict) else {},
        }
        step.workflow.return_to(str(previous.spiff_task_id))
        step.audit.add(
            "task_returned",
            actor=actor.username,
            instance=step.instance,
            task=locked,
            payload={"to_element_id": previous.element_id, "opinion": opinion},
        )
        return locked

    return apply(task.instance_id, actor, command)


def human_task_comment(*, task_id: int, actor: Actor, text: str) -> TaskComment:
    if not text.strip():
        raise ValidationFailed("评论不能为空 / a comment cannot be empty", detail={"text": ["required"]})
    task = _open_task(None, task_id)
    if not task_can_comment(actor, task):
        raise PermissionDenied("无权评论此任务 / you may not comment on this task")
    with transaction.atomic():
        comment = TaskComment.objects.create(task=task, author_id=actor.user_id, text=text)
        audit_append("task_commented", actor=actor.username, instance=task.instance, task=task, payload={"text": text})
    return comment

"""Rebuild an instance's read models from its workflow, touching only rows that changed."""

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.utils import timezone

from .. import store
from ..engine import expressions
from ..engine.runtime import EngineError
from ..engine.views import HumanTaskView
from ..models import HumanTask, JobStatus, MessageSubscription, ServiceJob, TaskCandidate, TaskStatus, TimerSchedule
from ..ports import directory
from .deadlines import attribute_value, task_deadline
from .escalation import escalation_schedule

if TYPE_CHECKING:
    from .runner import Step


def _priority(raw: str, data: dict[str, Any]) -> int:
    try:
        return int(attribute_value(raw, data)) if raw else 50
    except (TypeError, ValueError, expressions.ExpressionError):
        return 50


def _new_task_row(step: "Step", view: HumanTaskView, now: datetime) -> tuple[HumanTask, list[TaskCandidate]]:
    people, data, instance = view.people, view.data, step.instance
    department_id = instance.department_id
    if people.get("department_scope"):
        code = expressions.evaluate(people["department_scope"], data)
        department_id = directory().department_id_for_code(str(code)) if code else None
        if department_id is None:
            # Fail closed: an unresolved scope must not open the task to the role in every department.
            raise EngineError(
                f"办理部门 '{code}' 不存在 / department scope '{code}' does not resolve to a department",
                element_id=view.element_id,
            )
    assignee_id, username = None, None
    if people.get("assignee"):
        username = attribute_value(people["assignee"], data)
        assignee_id = directory().user_id_for_username(str(username)) if username else None
    roles = list(people.get("candidate_roles") or []) or ([view.lane] if view.lane else [])
    if assignee_id is None and not roles and not people.get("candidate_users"):
        # Fail closed: a task nobody may see or claim would stall the case without an incident.
        raise EngineError(
            f"办理人 {username!r} 不是用户，且任务没有候选人 / the assignee {username!r} is not a user "
            "and the task has no candidates",
            element_id=view.element_id,
        )
    deadline = task_deadline(people, data, now)
    row = HumanTask(
        instance=instance,
        spiff_task_id=UUID(view.task_id),
        element_id=view.element_id,
        name=view.name,
        documentation=view.documentation,
        lane=view.lane,
        process_key=instance.definition.key,
        department_id=department_id,
        candidate_roles=roles,
        candidate_users=list(people.get("candidate_users") or []),
        assignee_id=assignee_id,
        priority=_priority(people.get("priority", ""), data),
        form_key=people.get("form_key", ""),
        due_at=deadline.due_at,
        due_provisional=deadline.provisional,
        sla_started_at=deadline.sla_started_at,
        escalation_policy=deadline.policy,
        sla_working_days=deadline.sla_working_days,
        claimed_at=now if assignee_id else None,
    )
    if row.due_at is not None:
        escalation_schedule(row, now)
    candidates = [TaskCandidate(task=row, role_code=r) for r in roles]
    candidates += [TaskCandidate(task=row, username=u) for u in row.candidate_users]
    return row, candidates


def sync_human_tasks(step: "Step") -> None:
    now = timezone.now()
    ready = {UUID(v.task_id): v for v in step.workflow.human_tasks()}
    open_rows = {} if step.new_instance else {row.spiff_task_id: row for row in store.open_tasks(step.instance.pk)}
    gone = [row for key, row in open_rows.items() if key not in ready]
    for row in gone:
        row.status, row.completed_at = TaskStatus.CANCELLED, now
        step.audit.add(
            "task_cancelled",
            actor=step.actor.username,
            instance=step.instance,
            task=row,
            payload={"element_id": row.element_id},
        )
    if gone:
        HumanTask.objects.bulk_update(gone, ["status", "completed_at"])
    new_rows, candidates = [], []
    for key, view in ready.items():
        if key in open_rows:
            continue
        try:
            row, cands = _new_task_row(step, view, now)
        except expressions.ExpressionError as exc:
            raise EngineError(
                f"任务属性表达式出错 / task attribute expression failed: {exc}", element_id=view.element_id
            ) from exc
        new_rows.append(row)
        candidates.extend(cands)
    if not new_rows:
        return
    _apply_return_routing(step, new_rows)
    HumanTask.objects.bulk_create(new_rows)
    for cand in candidates:
        cand.task_id = cand.task.pk
    TaskCandidate.objects.bulk_create(candidates)
    for row in new_rows:
        step.audit.add(
            "task_created",
            actor=step.actor.username,
            instance=step.instance,
            task=row,
            payload={
                "element_id": row.element_id,
                "name": row.name,
                "roles": row.candidate_roles,
                "assignee_id": row.assignee_id,
                "due_at": row.due_at.isoformat() if row.due_at else None,
            },
        )


def _apply_return_routing(step: "Step", rows: list[HumanTask]) -> None:
    """A task re-opened by 退回 goes back to whoever completed it, with the opinion attached and what they
    submitted before as the draft."""
    routing = step.return_routing
    if not routing:
        return
    for row in rows:
        if str(row.spiff_task_id) == routing["spiff_task_id"]:
            row.assignee_id = routing["assignee_id"]
            row.claimed_at = timezone.now() if row.assignee_id else None
            row.returned_from_id = routing["returned_from_id"]
            row.opinion = routing["opinion"]
            row.draft = routing.get("draft") or {}


def sync_timers(step: "Step") -> None:
    wanted = {(UUID(t.task_id), t.due_at) for t in step.workflow.timers()}
    views = {UUID(t.task_id): t for t in step.workflow.timers()}
    existing = {(row.spiff_task_id, row.due_at): row for row in TimerSchedule.objects.filter(instance=step.instance)}
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        TimerSchedule.objects.filter(pk__in=stale).delete()
    fresh = [
        TimerSchedule(instance=step.instance, spiff_task_id=key, element_id=views[key].element_id, due_at=due)
        for key, due in wanted
        if (key, due) not in existing
    ]
    if fresh:
        TimerSchedule.objects.bulk_create(fresh)


def sync_subscriptions(step: "Step") -> None:
    views = step.workflow.subscriptions()
    wanted = {(v.name, _key(v.correlation)) for v in views}
    existing = {
        (row.name, _key(row.correlation)): row for row in MessageSubscription.objects.filter(instance=step.instance)
    }
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        MessageSubscription.objects.filter(pk__in=stale).delete()
    fresh = [
        MessageSubscription(instance=step.instance, name=v.name, correlation=v.correlation)
        for v in views
        if (v.name, _key(v.correlation)) not in existing
    ]
    if fresh:
        MessageSubscription.objects.bulk_create(fresh)


def _key(correlation: dict[str, Any]) -> str:
    return json.dumps(correlation, sort_keys=True, default=str)


def sync_jobs(step: "Step") -> None:
    """Every STARTED service task gets one active ServiceJob row; the worker checks the task is
    still STARTED before completing, so a job whose task was interrupted ends as cancelled."""
    views = step.workflow.jobs()
    if not views:
        return
    # A failed job keeps its task STARTED until an operator retries or skips its incident.
    pending = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING, JobStatus.FAILED
    runs: dict[UUID, list[str]] = {}
    for task_id, status in ServiceJob.objects.filter(
        instance=step.instance, spiff_task_id__in=[UUID(v.task_id) for v in views]
    ).values_list("spiff_task_id", "status"):
        runs.setdefault(task_id, []).append(status)
    for view in views:
        previous = runs.get(UUID(view.task_id), [])
        if any(status in pending for status in previous):
            continue
        # The same task can run again after 退回 or in a loop: later runs get their own key.
        key = f"{step.instance.pk}:{view.task_id}"
        job = ServiceJob.objects.create(
            instance=step.instance,
            spiff_task_id=UUID(view.task_id),
            element_id=view.element_id,
            operator=view.operator,
            params=view.params,
            result_variable=view.result_variable,
            idempotency_key=key if not previous else f"{key}:{len(previous) + 1}",
            queued_by_id=step.actor.user_id,
            enqueued_at=timezone.now(),
        )
        step.new_job_ids.append(job.pk)
        step.audit.add(
            "job_queued",
            actor=step.actor.username,
            instance=step.instance,
            payload={"job_id": job.pk, "operator": job.operator, "element_id": job.element_id},
        )


def sync_read_models(step: "Step") -> None:
    compiled = step.workflow.compiled
    sync_human_tasks(step)
    if compiled.has_timers:
        sync_timers(step)
    if compiled.has_messages:
        sync_subscriptions(step)
    sync_jobs(step)

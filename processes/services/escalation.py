"""The escalation ladder (督办分级): blue 提醒, yellow 预警, red 逾期.

Each open task with a due time climbs the ladder once: blue when `blue_share` of the SLA's working
time (sla_started_at → due_at, on the work calendar) is used, yellow when it is due within
`yellow_working_days` working days, red at the due time. The level reached is stored on the row and is
the only guarantee that a level fires once: the tick moves a row from level n to the levels due after n,
under a row lock, and never looks at anything else.

A task found past several levels at once (the beat was down, the SLA is short) fires each passed level
in order in that tick: every level has a different audience (assignee, the department's supervisors,
the parent department's supervisors), so each hears once and the audit trail shows every step once.

`HumanTask.next_escalation_at` (a partial index on open tasks) holds when the next level is due, so an
idle tick is one index range scan. Whoever creates a task or moves its due time calls
`escalation_schedule`; an approved extension calls `escalation_reset`.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from ..models import HumanTask, TaskStatus
from ..notification_texts import ESCALATED_BLUE, ESCALATED_BODY, ESCALATED_RED, ESCALATED_YELLOW, compose
from ..ports import SYSTEM, Message, WorkCalendar, calendar, directory, notifier
from .audit import AuditBuffer

log = logging.getLogger(__name__)


class Level(IntEnum):
    NONE = 0
    BLUE = 1  # 提醒
    YELLOW = 2  # 预警
    RED = 3  # 逾期


LEVEL_NAMES = {Level.BLUE: "blue", Level.YELLOW: "yellow", Level.RED: "red"}
# The moment found by bisection is within this of the exact crossing (always at or after it).
PRECISION = timedelta(minutes=1)
# A task whose escalation failed is looked at again after this, so it cannot block the others.
RETRY_AFTER = timedelta(minutes=15)
# Diagrams may spell the keys as BPMN attributes usually are.
_POLICY_ALIASES = {"blueShare": "blue_share", "yellowWorkingDays": "yellow_working_days"}


@dataclass(frozen=True)
class Policy:
    """Thresholds of one task's ladder; None switches that level off."""

    blue_share: float | None
    yellow_working_days: float | None


def escalation_policy(task: HumanTask) -> Policy:
    """The global defaults (settings TONGBAN["ESCALATION"]) overridden by the task's diagram policy."""
    merged: dict[str, Any] = dict(settings.TONGBAN["ESCALATION"])
    for key, value in (task.escalation_policy or {}).items():
        key = _POLICY_ALIASES.get(key, key)
        if key in merged and (value is None or _number(value) is not None):
            merged[key] = None if value is None else _number(value)
        else:
            log.warning("task %s: escalation policy entry %r=%r ignored", task.pk, key, value)
    share = merged["blue_share"]
    return Policy(
        blue_share=None if share is None else min(max(float(share), 0.0), 1.0),
        yellow_working_days=None if merged["yellow_working_days"] is None else float(merged["yellow_working_days"]),
    )


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def escalation_moments(task: HumanTask, now: datetime, *, above: int = Level.NONE) -> dict[Level, datetime]:
    """When each level above `above` is reached ({} without a due time). Later levels never come before
    earlier ones, so a short SLA reaches blue and yellow together rather than yellow first; once blue
    has fired (above ≥ blue) yellow is not held back by it and blue is not searched for again."""
    if task.due_at is None:
        return {}
    due = task.due_at
    start = min(task.sla_started_at or task.created_at or now, due)
    policy, cal = escalation_policy(task), calendar()
    moments: dict[Level, datetime] = {}
    if policy.blue_share is not None and above < Level.BLUE:
        moments[Level.BLUE] = _blue_moment(cal, start, due, policy.blue_share)
    if policy.yellow_working_days is not None and above < Level.YELLOW:
        days = policy.yellow_working_days
        yellow = _first_moment(start, due, lambda t: cal.working_days_between(t, due) <= days)
        moments[Level.YELLOW] = max(yellow, moments.get(Level.BLUE, yellow))
    moments[Level.RED] = due
    return moments


def _blue_moment(cal: WorkCalendar, start: datetime, due: datetime, share: float) -> datetime:
    # Working time, not wall-clock time: over Spring Festival a wall-clock share would turn blue
    # while hardly any working time of the SLA has gone.
    used = share * cal.working_days_between(start, due)
    return _first_moment(start, due, lambda t: cal.working_days_between(start, t) >= used)


def _first_moment(lo: datetime, hi: datetime, reached: Callable[[datetime], bool]) -> datetime:
    """The earliest moment in [lo, hi] at which `reached` holds, to PRECISION; `reached` is monotone.

    The calendar port answers "how many working days between" but has no inverse ("the moment N
    working days before"), so the moment is found by bisection: ~16 questions for a month-long SLA.
    """
    if reached(lo):
        return lo
    bound = hi
    while hi - lo > PRECISION:
        mid = lo + (hi - lo) / 2
        if reached(mid):
            hi = mid
        else:
            lo = mid
    # On a whole minute, still at or after the crossing: people read "18:00", not "18:00:00.98".
    whole = hi.replace(second=0, microsecond=0)
    return whole if reached(whole) else min(whole + timedelta(minutes=1), bound)


def escalation_next(task: HumanTask, now: datetime) -> tuple[Level, datetime] | None:
    """The next level above the one the task has reached, and when it is (or was) due."""
    if task.escalation_level >= Level.RED:
        return None
    return _next_after(escalation_moments(task, now, above=task.escalation_level), task.escalation_level)


def _next_after(moments: dict[Level, datetime], reached: int) -> tuple[Level, datetime] | None:
    return next(((level, at) for level, at in sorted(moments.items()) if level > reached), None)


def escalation_schedule(task: HumanTask, now: datetime | None = None) -> HumanTask:
    """Set `next_escalation_at` from the task's due time and level; the caller saves.

    Call it when a task is created or its due time changes. Levels already fired stay fired.
    """
    upcoming = escalation_next(task, now or timezone.now())
    task.next_escalation_at = upcoming[1] if upcoming else None
    return task


def escalation_reset(task: HumanTask, now: datetime | None = None) -> HumanTask:
    """After an approved extension: lower the level to what the new due time implies, then schedule.

    Levels the new deadline still counts as passed are kept without notifying again (the assignee
    asked for the extension, the approval is audited); the ones it undoes can fire again later.
    """
    now = now or timezone.now()
    passed = [level for level, at in escalation_moments(task, now).items() if at <= now]
    task.escalation_level = min(task.escalation_level, max(passed, default=Level.NONE))
    return escalation_schedule(task, now)


TICK_CHUNK = 100


def escalation_tick(*, now: datetime | None = None, batch: int = 1000) -> int:
    """Escalate the open tasks whose next level is due; returns the number of levels fired.

    Rows are locked with SKIP LOCKED (PostgreSQL), so two overlapping ticks share the work instead of
    both firing; on SQLite the IMMEDIATE transaction serialises them.
    """
    now = now or timezone.now()
    fired = seen = 0
    lookups = Lookups()
    while seen < batch:
        wanted = min(TICK_CHUNK, batch - seen)
        # Short transactions: the audit chain's lock is held per chunk, not for the whole tick.
        with transaction.atomic():
            tasks = _due_tasks(now, wanted)
            chunk = Chunk(lookups=lookups)
            fired += sum(_escalate_safely(task, now, chunk) for task in tasks)
            chunk.audit.flush()
            if chunk.messages:
                notifier().notify_many(chunk.messages)
        seen += len(tasks)
        if len(tasks) < wanted:
            break
    return fired


@dataclass
class Lookups:
    """Directory answers cached for one tick: a chunk's tasks share a handful of departments."""

    role_holders: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)
    usernames: dict[str, int | None] = field(default_factory=dict)

    def users_with_role(self, department_id: int, role: str) -> list[int]:
        key = (department_id, role)
        if key not in self.role_holders:
            self.role_holders[key] = directory().users_with_role(department_id=department_id, role_code=role)
        return self.role_holders[key]

    def parent(self, department_id: int) -> int | None:
        if department_id not in self.parents:
            self.parents[department_id] = directory().parent_department_id(department_id)
        return self.parents[department_id]

    def user_id(self, username: str) -> int | None:
        if username not in self.usernames:
            self.usernames[username] = directory().user_id_for_username(username)
        return self.usernames[username]


@dataclass
class Chunk:
    """What one chunk of the tick writes together: audit events and notifications."""

    lookups: Lookups
    audit: AuditBuffer = field(default_factory=AuditBuffer)
    messages: list[Message] = field(default_factory=list)


def _due_tasks(now: datetime, batch: int) -> list[HumanTask]:
    due: QuerySet[HumanTask] = (
        HumanTask.objects.filter(status=TaskStatus.OPEN, next_escalation_at__lte=now)
        .order_by("next_escalation_at")
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("instance__definition")
        # The workflow state and the diagram are not needed to escalate (and would be sorted along).
        .defer("instance__state", "instance__definition__bpmn_xml", "instance__definition__extra_files")
    )
    return list(due[:batch])


def _escalate_safely(task: HumanTask, now: datetime, chunk: Chunk) -> int:
    events, messages = len(chunk.audit.events), len(chunk.messages)
    try:
        with transaction.atomic():  # a savepoint: one broken task must not stop the batch
            return _escalate(task, now, chunk)
    except Exception:
        log.exception("escalation of task %s failed; retrying after %s", task.pk, RETRY_AFTER)
        del chunk.audit.events[events:], chunk.messages[messages:]  # nothing of the failed task is kept
        HumanTask.objects.filter(pk=task.pk).update(next_escalation_at=now + RETRY_AFTER)
        return 0


def _escalate(task: HumanTask, now: datetime, chunk: Chunk) -> int:
    fired = 0
    moments = escalation_moments(task, now, above=task.escalation_level)
    while (upcoming := _next_after(moments, task.escalation_level)) and upcoming[1] <= now:
        _fire(task, *upcoming, chunk=chunk)
        task.escalation_level = upcoming[0]
        fired += 1
    # Also heals a stale schedule (due time moved without a reschedule): nothing fires, the time moves.
    upcoming = _next_after(moments, task.escalation_level)
    task.next_escalation_at = upcoming[1] if upcoming else None
    task.save(update_fields=["escalation_level", "next_escalation_at"])
    return fired


def _fire(task: HumanTask, level: Level, at: datetime, *, chunk: Chunk) -> None:
    recipients = escalation_recipients(task, level, chunk.lookups)
    payload = {
        "level": int(level),
        "name": LEVEL_NAMES[level],
        "recipients": recipients,
        "level_at": at.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }
    chunk.audit.add("task_escalated", actor=SYSTEM.username, instance=task.instance, task=task, payload=payload)
    if not recipients:
        log.warning("task %s reached %s with nobody to notify", task.pk, LEVEL_NAMES[level])
        return
    title, body = escalation_message(task, level)
    chunk.messages.append(
        Message(
            user_ids=recipients,
            kind=f"task_escalated_{LEVEL_NAMES[level]}",
            title=title,
            body=body,
            link=task_link(task),
        )
    )


def escalation_recipients(task: HumanTask, level: Level, lookups: Lookups | None = None) -> list[int]:
    """Blue: the assignee, or every candidate. Yellow: the department's supervisors. Red: the parent
    department's supervisors (the department's own when it has no parent, so someone hears)."""
    lookups = lookups or Lookups()
    if level == Level.BLUE:
        return task_recipients(task, lookups)
    if task.department_id is None:
        return []
    department_id = task.department_id
    if level == Level.RED:
        department_id = lookups.parent(department_id) or department_id
    return sorted(set(lookups.users_with_role(department_id, settings.TONGBAN["SUPERVISOR_ROLE"])))


def task_recipients(task: HumanTask, lookups: Lookups | None = None) -> list[int]:
    """Who is told about a task: its assignee, else everyone who may take it."""
    if task.assignee_id is not None:
        return [task.assignee_id]
    lookups = lookups or Lookups()
    ids: set[int] = set()
    # Without a department scope a candidate role names nobody in particular: only named users hear.
    if task.department_id is not None:
        for role in task.candidate_roles or []:
            ids.update(lookups.users_with_role(task.department_id, role))
    for username in task.candidate_users or []:
        user_id = lookups.user_id(username)
        if user_id is not None:
            ids.add(user_id)
    return sorted(ids)


def escalation_message(task: HumanTask, level: Level) -> tuple[str, str]:
    """Title and body of the notification for one level, in the platform's language (the notification centre
    shows them in each reader's: processes.notification_texts)."""
    titles = {Level.BLUE: ESCALATED_BLUE, Level.YELLOW: ESCALATED_YELLOW, Level.RED: ESCALATED_RED}
    due = timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") if task.due_at else "-"
    body = compose(ESCALATED_BODY, process=_process_name(task), due=due)
    return compose(titles[level], task=task.name), body


def _process_name(task: HumanTask) -> str:
    definition = task.instance.definition
    return definition.name or definition.key


def task_link(task: HumanTask) -> str:
    """The task's page in the web UI (the notification's 查看 leads there)."""
    return reverse("workbench:task_page", kwargs={"task_id": task.pk})

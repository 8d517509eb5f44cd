"""Due times of human tasks: Camunda `dueDate` (ISO date or duration) and our
`tongban:slaWorkingDays` (N working days on the work calendar, may be an expression such as
`urgency == 'urgent' and 3 or 15`), plus the per-diagram escalation thresholds."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..engine import expressions
from ..engine.dates import iso_due
from ..engine.parser import parse_escalation
from ..ports import calendar

_JUEL = re.compile(r"^\$\{(.*)\}$", re.S)


@dataclass
class Deadline:
    due_at: datetime | None = None
    provisional: bool = False
    sla_started_at: datetime | None = None
    sla_working_days: int | None = None
    policy: dict[str, float] = field(default_factory=dict)


def attribute_value(raw: str, data: dict[str, Any]) -> Any:
    """A Camunda attribute: a literal, or `${expression}` evaluated over the task data. The parser has
    already translated the body to our expression language (engine.parser.translate_juel), so JUEL such
    as `${!initiator}` never reaches the evaluator as it was written."""
    match = _JUEL.match(raw.strip())
    if match:
        return expressions.evaluate(match.group(1), data)
    return raw


def _iso_due(raw: str, data: dict[str, Any], now: datetime) -> datetime | None:
    value = attribute_value(raw, data)
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return iso_due(text, now)
    except ValueError as exc:
        raise expressions.ExpressionError(f"dueDate '{text}' is not an ISO date, date-time or duration: {exc}") from exc


def task_deadline(people: dict[str, Any], data: dict[str, Any], now: datetime) -> Deadline:
    """The due time of a new task; the SLA in working days wins over a Camunda dueDate."""
    deadline = Deadline(policy=parse_escalation(people.get("escalation") or ""))
    if people.get("sla_working_days"):
        days = expressions.evaluate(people["sla_working_days"], data)
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise expressions.ExpressionError(f"slaWorkingDays must give a whole number of days, got {days!r}")
        due = calendar().add_working_days(now, days)
        deadline.due_at, deadline.provisional, deadline.sla_working_days = due.at, due.provisional, days
    elif people.get("due_date"):
        deadline.due_at = _iso_due(people["due_date"], data, now)
    if deadline.due_at is not None:
        deadline.sla_started_at = now
    return deadline


def deadlines_recompute_provisional(*, years: list[int] | None = None) -> int:
    """After administrators load a year's official arrangement: recompute the due times of open
    tasks whose SLA rested on a provisional calendar year. Connected to the work calendar's
    `calendar_changed` signal; returns how many tasks moved."""
    from django.db import transaction

    from ..models import HumanTask, TaskStatus
    from .audit import AuditBuffer
    from .escalation import escalation_reset

    audit, moved = AuditBuffer(), 0
    with transaction.atomic():
        rows = (
            HumanTask.objects.select_for_update()
            .select_related("instance__definition")
            .filter(
                status=TaskStatus.OPEN,
                due_provisional=True,
                sla_started_at__isnull=False,
                sla_working_days__isnull=False,
            )
        )
        for task in rows:
            due = calendar().add_working_days(task.sla_started_at, task.sla_working_days)  # type: ignore[arg-type]
            if (due.at, due.provisional) == (task.due_at, task.due_provisional):
                continue
            previous, task.due_at, task.due_provisional = task.due_at, due.at, due.provisional
            escalation_reset(task)
            task.save(update_fields=["due_at", "due_provisional", "escalation_level", "next_escalation_at"])
            audit.add(
                "task_due_recomputed",
                instance=task.instance,
                task=task,
                payload={
                    "from": previous.isoformat() if previous else None,
                    "to": due.at.isoformat(),
                    "provisional": due.provisional,
                    "years": years or [],
                },
            )
            moved += 1
        audit.flush()
    return moved

"""What the `supervision_task` process does to items and units (bpmn/supervision_task.bpmn, via
handlers/supervision.py). Each is idempotent: records carry the service task's idempotency key, state
changes check the state first, so a redelivered job finds its work done and returns the same result."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from processes.ports import calendar

from ..choices import CLOSED_ITEM_STATUSES, ItemStatus, ReportKind, UnitStatus
from ..errors import ItemInvalid, WrongStatus
from ..models import Problem, ProgressReport, ReviewRecord, SupervisionItem, SupervisionUnit, UnitExtension
from ..signals import item_closed


def _iso(moment: datetime | None) -> str | None:
    # Local time: the diagram shows it and uses it as the 办理 task's dueDate.
    return timezone.localtime(moment).isoformat() if moment else None


def units_payload(item: SupervisionItem) -> dict[str, dict[str, Any]]:
    """The process's `units` collection, keyed by unit id: one parallel branch per entry."""
    return {
        str(unit.pk): {
            "unit_id": unit.pk,
            "department_code": unit.department.code,
            "department_name": unit.department.name,
            "role": unit.role,
            "office_department": item.office.code,
            "report_cycle": item.report_cycle_days,
            "due_at": _iso(unit.due_at),
        }
        for unit in item.units.select_related("department").order_by("-role", "pk")
    }


@transaction.atomic
def item_register(*, item_id: int) -> dict[str, dict[str, Any]]:
    """立项登记: count the time limit on the work calendar from now and hand the item to its units."""
    item = SupervisionItem.objects.select_for_update().select_related("office").get(pk=item_id)
    if item.status == ItemStatus.REGISTERED:
        if not item.units.filter(role="lead").exists():
            raise ItemInvalid({"lead_department_id": [_("请选择牵头单位。")]})
        now = timezone.now()
        due = calendar().add_working_days(now, item.time_limit_days)
        item.due_at, item.due_provisional, item.status = due.at, due.provisional, ItemStatus.IN_PROGRESS
        item.save(update_fields=["due_at", "due_provisional", "status"])
        item.units.update(due_at=due.at, assigned_at=now)
    return units_payload(item)


def _unit(unit_id: int) -> SupervisionUnit:
    return SupervisionUnit.objects.select_for_update().select_related("item").get(pk=unit_id)


def _item_status_refresh(item: SupervisionItem) -> None:
    """办理中 while a unit still has work in hand; 待审核 when every unit waits for the office or is done."""
    if item.status not in (ItemStatus.IN_PROGRESS, ItemStatus.IN_REVIEW):
        return
    busy = item.units.filter(status__in=[UnitStatus.ASSIGNED, UnitStatus.HANDLING]).exists()
    status = ItemStatus.IN_PROGRESS if busy else ItemStatus.IN_REVIEW
    if status != item.status:
        item.status = status
        item.save(update_fields=["status"])


@transaction.atomic
def unit_accept(*, unit_id: int, contact: str, phone: str = "") -> SupervisionUnit:
    """签收: the unit takes the item on and names its contact."""
    unit = _unit(unit_id)
    if unit.status == UnitStatus.ASSIGNED:
        unit.status, unit.accepted_at = UnitStatus.HANDLING, timezone.now()
        unit.contact, unit.phone = contact.strip()[:100], phone.strip()[:40]
        unit.save(update_fields=["status", "accepted_at", "contact", "phone"])
    return unit


@dataclass(frozen=True)
class ProblemInput:
    description: str
    owner: str = ""


def _report_check(text: str, percent: int) -> None:
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("请填写进展情况。")]
    if not 0 <= percent <= 100:
        errors["percent"] = [_("完成比例应在 0 至 100 之间。")]
    if errors:
        raise ItemInvalid(errors)


@transaction.atomic
def progress_record(
    *,
    unit_id: int,
    text: str,
    percent: int,
    problems: Sequence[ProblemInput] = (),
    reporter: str = "",
    idempotency_key: str,
    submitted_by_id: int | None = None,
) -> ProgressReport:
    """进展报告: the unit's progress; each problem it raises joins the issue pool (问题清单)."""
    done = ProgressReport.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    unit = _unit(unit_id)
    _report_check(text, percent)
    now = timezone.now()
    report = ProgressReport.objects.create(
        item=unit.item,
        unit=unit,
        text=text.strip(),
        percent=percent,
        reporter=reporter.strip()[:100],
        submitted_by_id=submitted_by_id,
        submitted_at=now,
        idempotency_key=idempotency_key,
    )
    Problem.objects.bulk_create(
        Problem(
            item=unit.item,
            unit=unit,
            report=report,
            description=p.description.strip(),
            owner=p.owner.strip()[:100],
            raised_at=now,
        )
        for p in problems
        if p.description.strip()
    )
    return report


@transaction.atomic
def unit_complete(
    *, unit_id: int, summary: str, reporter: str = "", idempotency_key: str, submitted_by_id: int | None = None
) -> ProgressReport:
    """办结报告: the unit reports its work done; the office reviews it next."""
    done = ProgressReport.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    unit = _unit(unit_id)
    if unit.status != UnitStatus.HANDLING:
        raise WrongStatus(_("承办单位当前不在办理中，不能报送办结。"))
    _report_check(summary, 100)
    now = timezone.now()
    report = ProgressReport.objects.create(
        item=unit.item,
        unit=unit,
        kind=ReportKind.COMPLETION,
        text=summary.strip(),
        percent=100,
        reporter=reporter.strip()[:100],
        submitted_by_id=submitted_by_id,
        submitted_at=now,
        idempotency_key=idempotency_key,
    )
    unit.status, unit.submitted_at = UnitStatus.IN_REVIEW, now
    unit.save(update_fields=["status", "submitted_at"])
    _item_status_refresh(unit.item)
    return report


def _review(unit_id: int, approved: bool, opinion: str, idempotency_key: str) -> tuple[SupervisionUnit, bool]:
    """The unit and whether this call recorded the decision (False: a redelivery found it recorded)."""
    unit = _unit(unit_id)
    if ReviewRecord.objects.filter(idempotency_key=idempotency_key).exists():
        return unit, False
    if unit.status != UnitStatus.IN_REVIEW:
        raise WrongStatus(_("承办单位没有待审核的办结报告。"))
    ReviewRecord.objects.create(
        unit=unit,
        approved=approved,
        opinion=opinion.strip(),
        decided_at=timezone.now(),
        idempotency_key=idempotency_key,
    )
    return unit, True


@transaction.atomic
def unit_return(*, unit_id: int, opinion: str, idempotency_key: str) -> SupervisionUnit:
    """审核不到位: back to the unit with the office's opinion; its due time stays as it is (or was extended)."""
    unit, recorded = _review(unit_id, False, opinion, idempotency_key)
    if recorded:
        unit.status, unit.returned_count = UnitStatus.HANDLING, unit.returned_count + 1
        unit.save(update_fields=["status", "returned_count"])
        _item_status_refresh(unit.item)
    return unit


@transaction.atomic
def unit_finish(*, unit_id: int, opinion: str, idempotency_key: str) -> SupervisionUnit:
    """审核到位: the unit is done; on time when its accepted completion report came by its due time."""
    unit, recorded = _review(unit_id, True, opinion, idempotency_key)
    if recorded:
        completed = unit.submitted_at or timezone.now()
        unit.status, unit.completed_at, unit.finished_at = UnitStatus.DONE, completed, timezone.now()
        unit.on_time = unit.due_at is not None and completed <= unit.due_at
        if unit.assigned_at is not None:
            unit.handling_working_days = round(calendar().working_days_between(unit.assigned_at, completed), 2)
        unit.save(update_fields=["status", "completed_at", "finished_at", "on_time", "handling_working_days"])
        _item_status_refresh(unit.item)
    return unit


@transaction.atomic
def item_close(*, item_id: int) -> SupervisionItem:
    """办结: every unit is done; a sub-item's parent is done with its last sub-item."""
    item = SupervisionItem.objects.select_for_update().get(pk=item_id)
    if item.status in CLOSED_ITEM_STATUSES:
        return item
    if item.units.exclude(status=UnitStatus.DONE).exists():
        raise WrongStatus(_("还有承办单位未办结。"))
    item.status, item.closed_at = ItemStatus.COMPLETED, timezone.now()
    item.save(update_fields=["status", "closed_at"])
    item_closed.send(sender=SupervisionItem, item=item)
    if item.parent_id is not None:
        parent = SupervisionItem.objects.select_for_update().get(pk=item.parent_id)
        open_parts = parent.children.exclude(status__in=CLOSED_ITEM_STATUSES).exists()
        if parent.status not in CLOSED_ITEM_STATUSES and not open_parts:
            parent.status, parent.closed_at = ItemStatus.COMPLETED, item.closed_at
            parent.save(update_fields=["status", "closed_at"])
            item_closed.send(sender=SupervisionItem, item=parent)
    return item


@transaction.atomic
def unit_due_extend(
    *,
    item_id: int,
    department_id: int,
    request_id: int,
    working_days: int,
    due_at: datetime,
    previous_due_at: datetime | None,
    reason: str = "",
) -> UnitExtension | None:
    """An approved 延期申请 on the unit's 办理 task moved its due time: the unit follows (once per request).
    None when the item has no such unit (nothing to follow)."""
    done = UnitExtension.objects.filter(request_id=request_id).first()
    if done is not None:
        return done
    unit = SupervisionUnit.objects.select_for_update().filter(item_id=item_id, department_id=department_id).first()
    if unit is None:
        return None
    unit.due_at, unit.extended_days = due_at, unit.extended_days + working_days
    unit.save(update_fields=["due_at", "extended_days"])
    return UnitExtension.objects.create(
        unit=unit,
        request_id=request_id,
        working_days=working_days,
        reason=reason,
        previous_due_at=previous_due_at,
        due_at=due_at,
    )

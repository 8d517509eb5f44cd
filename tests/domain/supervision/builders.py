"""督查督办 test data: an office and two units with their people, items driven through the services the
process calls (no diagram), on the weekday test calendar."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from domain.directory.models import Department
from domain.supervision import services as sup
from domain.supervision.models import SupervisionItem, SupervisionUnit
from processes.ports import Actor
from tests import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class World:
    office: Department
    lead: Department
    co: Department
    outsider_department: Department
    inspector: Any
    lead_handler: Any
    outsider: Any

    @property
    def office_actor(self) -> Actor:
        return f.actor(self.inspector)


def world() -> World:
    district = f.department("330106", "西湖区")
    office = f.department("330106-DCS", "西湖区督查室", parent=district)
    lead = f.department("330106-SCJG", "西湖区市场监管局", parent=district)
    co = f.department("330106-MZ", "西湖区民政局", parent=district)
    outsider_department = f.department("330106-JY", "西湖区教育局", parent=district)
    return World(
        office=office,
        lead=lead,
        co=co,
        outsider_department=outsider_department,
        inspector=f.user("inspector", roles=["supervision_office"], dept=office),
        lead_handler=f.user("lead_handler", roles=["supervision_handler"], dept=lead),
        outsider=f.user("outsider", roles=["supervision_handler"], dept=outsider_department),
    )


def fields(w: World, **changes: Any) -> sup.ItemFields:
    values: dict[str, Any] = {
        "title": "推进政务数据共享",
        "source": "document",
        "requirements": "按文件要求完成。",
        "lead_department_id": w.lead.pk,
        "co_department_ids": [w.co.pk],
    }
    values.update(changes)
    return sup.ItemFields(**values)


def item(w: World, **changes: Any) -> SupervisionItem:
    return sup.item_create(fields=fields(w, **changes), office_id=w.office.pk, actor=w.office_actor)


def running_item(w: World, when: datetime, **changes: Any) -> SupervisionItem:
    """An item registered by the process at `when`, both units signed for it."""
    new = item(w, **changes)
    with time_machine.travel(when, tick=False):
        sup.item_register(item_id=new.pk)
        for unit in new.units.all():
            sup.unit_accept(unit_id=unit.pk, contact="联系人")
    new.refresh_from_db()
    return new


def unit_of(item: SupervisionItem, department: Department) -> SupervisionUnit:
    return item.units.get(department=department)


def finish(unit: SupervisionUnit, when: datetime, key: str) -> SupervisionUnit:
    """The unit reports completion at `when` and the office accepts it straight away."""
    with time_machine.travel(when, tick=False):
        sup.unit_complete(unit_id=unit.pk, summary="已完成", idempotency_key=f"{key}:complete")
        return sup.unit_finish(unit_id=unit.pk, opinion="", idempotency_key=f"{key}:finish")

"""The supervision diagram (bpmn/supervision_task.bpmn), end to end through the real engine: the office
registers an item for a lead unit and a co-unit → each unit signs for it → progress-report tasks open on
the item's cycle (working-day timers, under time travel) → each unit submits completion → the office
reviews (one unit returned once) → 办结 → 通报. The co-unit asks for an extension before its due time,
which re-bases both its 办理 task and the unit's due time."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from lxml import etree

from domain.supervision import services as sup
from domain.supervision.models import Notice, Problem, ProgressReport, ReviewRecord, SupervisionItem, SupervisionUnit
from processes.models import HumanTask, ProcessInstance, TimerSchedule
from processes.selectors import inbox_for_actor
from processes.services.inbox import human_task_complete
from processes.services.supervision import extension_decide, extension_request
from processes.tasks import timers_fire_due
from tests import factories as f
from tests.calendar_fake import weekday_calendar

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fake_calendar():  # type: ignore[no-untyped-def]
    with weekday_calendar() as calendar:
        yield calendar


@pytest.fixture
def world() -> dict[str, Any]:
    district = f.department("330106", "西湖区")
    office = f.department("330106-DCS", "西湖区督查室", parent=district)
    lead = f.department("330106-SCJG", "西湖区市场监管局", parent=district)
    co = f.department("330106-MZ", "西湖区民政局", parent=district)
    f.deploy("supervision_task")
    return {
        "office": office,
        "lead": lead,
        "co": co,
        "inspector": f.user("inspector", roles=["supervision_office"], dept=office),
        "lead_handler": f.user("lead_handler", roles=["supervision_handler"], dept=lead),
        "co_handler": f.user("co_handler", roles=["supervision_handler"], dept=co),
        "supervisor": f.user("boss", roles=["supervisor"], dept=district),
    }


def open_task(element_id: str, department: Any) -> HumanTask:
    return HumanTask.objects.get(status="open", element_id=element_id, department_id=department.pk)


def complete(person: Any, element_id: str, department: Any, data: dict[str, Any]) -> HumanTask:
    """`person` completes the open `element_id` task of `department`, which their inbox offers them."""
    task = open_task(element_id, department)
    assert task in inbox_for_actor(f.actor(person), scope="group"), f"{element_id} not in {person}'s inbox"
    human_task_complete(task_id=task.pk, actor=f.actor(person), data=data)
    return task


def open_reports() -> dict[int, int]:
    """Open 进展报告 tasks per department id."""
    counts: dict[int, int] = {}
    for department_id in HumanTask.objects.filter(status="open", element_id="report").values_list(
        "department_id", flat=True
    ):
        counts[department_id] = counts.get(department_id, 0) + 1
    return counts


def register_item(world: dict[str, Any]) -> SupervisionItem:
    fields = sup.ItemFields(
        title="推进政务数据共享目录全覆盖",
        source="leader_instruction",
        urgency="normal",
        requirements="6 月底前完成本部门全部政务数据资源编目并挂接。",
        lead_department_id=world["lead"].pk,
        co_department_ids=[world["co"].pk],
        report_cycle_days=5,
    )
    item = sup.item_create(fields=fields, office_id=world["office"].pk, actor=f.actor(world["inspector"]))
    return sup.item_dispatch(item_id=item.pk, actor=f.actor(world["inspector"]))


def report(person: Any, department: Any, percent: int, problems: list[dict[str, str]] | None = None) -> None:
    data: dict[str, Any] = {"progress_text": f"已完成 {percent}%", "percent": percent, "reporter": str(person)}
    if problems:
        data["problems"] = problems
    complete(person, "report", department, data)


def test_two_units_one_returned_one_extended_reports_on_the_cycle_then_closed_and_noticed(
    world: dict[str, Any],
) -> None:
    """Leader instruction, normal: 15 working days from Monday 1 June → Monday 22 June 18:00. Reports fall
    due every 5 working days; the lead unit is returned once and then approved; the co-unit's extension of
    5 working days moves its due time to 29 June and it finishes on 25 June — on time. Then 办结 and 通报."""
    lead, co = world["lead"], world["co"]
    with time_machine.travel(at(6, 1, 9), tick=False):
        item = register_item(world)
    item.refresh_from_db()
    assert item.status == "in_progress" and item.due_at == at(6, 22, 18)
    assert {u.department_id: u.due_at for u in item.units.all()} == {lead.pk: at(6, 22, 18), co.pk: at(6, 22, 18)}

    with time_machine.travel(at(6, 1, 10), tick=False):
        complete(world["lead_handler"], "accept", lead, {"contact": "张敏", "phone": "0571-88880000"})
        complete(world["co_handler"], "accept", co, {"contact": "李华"})
    handle = open_task("handle", lead)
    assert handle.due_at == at(6, 22, 18), "the 办理 task carries the unit's due time"
    assert handle.escalation_policy == {"blue_share": 0.67, "yellow_working_days": 3.0}
    assert handle.next_escalation_at is not None, "the blue/yellow/red ladder is scheduled"
    assert SupervisionUnit.objects.get(department=lead).contact == "张敏"
    assert sorted(TimerSchedule.objects.values_list("due_at", flat=True)) == [at(6, 8, 18)] * 2

    # First cycle: 5 working days after acceptance each unit gets a 进展报告 task.
    with time_machine.travel(at(6, 8, 17, 59), tick=False):
        assert timers_fire_due() == 0
    with time_machine.travel(at(6, 8, 18, 1), tick=False):
        assert timers_fire_due() == 1, "the one case advanced"
        assert open_reports() == {lead.pk: 1, co.pk: 1}
        report(world["lead_handler"], lead, 40, [{"description": "部分业务系统无数据字典", "owner": "信息科"}])
        report(world["co_handler"], co, 30)
    assert Problem.objects.get().unit.department == lead, "the problem joined the issue pool"
    assert sorted(TimerSchedule.objects.values_list("due_at", flat=True)) == [at(6, 15, 18)] * 2

    # Second cycle: 5 working days after the last report.
    with time_machine.travel(at(6, 15, 18, 1), tick=False):
        assert timers_fire_due() == 1
    assert open_reports() == {lead.pk: 1, co.pk: 1}
    assert HumanTask.objects.filter(element_id="report", department_id=lead.pk).count() == 2
    assert open_task("report", co).due_at == at(6, 17, 18), "a report is due within 2 working days"

    # The co-unit asks for 5 more working days before its due time; the supervisor approves.
    with time_machine.travel(at(6, 16), tick=False):
        co_handle = open_task("handle", co)
        request = extension_request(
            task_id=co_handle.pk, actor=f.actor(world["co_handler"]), working_days=5, reason="需等待省级系统接口开放"
        )
        extension_decide(request_id=request.pk, actor=f.actor(world["supervisor"]), approve=True, note="同意")
    co_handle.refresh_from_db()
    co_unit = SupervisionUnit.objects.get(department=co)
    assert co_handle.due_at == co_unit.due_at == at(6, 29, 18)
    assert co_unit.extended_days == 5 and co_unit.extensions.get().previous_due_at == at(6, 22, 18)

    # The lead unit submits completion; its open report task goes; the office returns it once.
    with time_machine.travel(at(6, 17), tick=False):
        complete(world["lead_handler"], "handle", lead, {"summary": "已编目 120 项", "reporter": "张敏"})
        assert open_task("report", co), "the other unit still reports"
        assert not HumanTask.objects.filter(status="open", element_id="report", department_id=lead.pk).exists()
        complete(world["inspector"], "review", world["office"], {"approved": False, "opinion": "缺少挂接清单"})
    lead_unit = SupervisionUnit.objects.get(department=lead)
    assert (lead_unit.status, lead_unit.returned_count) == ("handling", 1)
    assert ReviewRecord.objects.get(unit=lead_unit).opinion == "缺少挂接清单"
    assert open_task("handle", lead).due_at == at(6, 22, 18), "back to the unit, same due time"

    with time_machine.travel(at(6, 18), tick=False):
        complete(world["lead_handler"], "handle", lead, {"summary": "已补充挂接清单", "reporter": "张敏"})
        complete(world["inspector"], "review", world["office"], {"approved": True})
    lead_unit.refresh_from_db()
    assert (lead_unit.status, lead_unit.on_time) == ("done", True)
    assert SupervisionItem.objects.get(pk=item.pk).status == "in_progress", "the co-unit is still at work"

    # After the original due time but before the extended one: on time.
    with time_machine.travel(at(6, 25), tick=False):
        complete(world["co_handler"], "handle", co, {"summary": "已完成", "reporter": "李华"})
        assert SupervisionItem.objects.get(pk=item.pk).status == "in_review"
        complete(world["inspector"], "review", world["office"], {"approved": True, "opinion": "同意办结"})

    item.refresh_from_db()
    assert item.status == "completed" and item.closed_at == at(6, 25)
    assert SupervisionUnit.objects.get(department=co).on_time is True
    notice = Notice.objects.get(item=item)
    assert "西湖区市场监管局（牵头单位）：按期办结，被退回 1 次。" in notice.body
    assert "西湖区民政局（协办单位）：按期办结，经批准延期 5 个工作日。" in notice.body
    assert ProcessInstance.objects.get().status == "completed"
    assert not HumanTask.objects.filter(status="open").exists() and not TimerSchedule.objects.exists()
    reports = ProgressReport.objects.filter(unit__department=lead).order_by("submitted_at")
    assert [r.kind for r in reports] == ["progress", "completion", "completion"]
    # Each report records the account that submitted its task, not only the typed 填报人.
    assert {r.submitted_by_id for r in reports} == {world["lead_handler"].pk}


def test_a_refused_completion_needs_an_opinion(world: dict[str, Any]) -> None:
    """Returning a unit without saying why is refused by the form; the review stays open."""
    from processes.errors import ValidationFailed

    with time_machine.travel(at(6, 1, 9), tick=False):
        register_item(world)
        complete(world["lead_handler"], "accept", world["lead"], {"contact": "张敏"})
        complete(world["lead_handler"], "handle", world["lead"], {"summary": "已完成", "reporter": "张敏"})
        review = open_task("review", world["office"])
        with pytest.raises(ValidationFailed) as err:
            human_task_complete(task_id=review.pk, actor=f.actor(world["inspector"]), data={"approved": False})
    assert "opinion" in err.value.detail
    review.refresh_from_db()
    assert review.status == "open"


def test_a_split_item_runs_one_case_per_sub_item_and_closes_with_the_last(world: dict[str, Any]) -> None:
    """Each sub-item runs its own supervision_task; the parent is 办结 when its last sub-item is."""
    inspector = f.actor(world["inspector"])
    with time_machine.travel(at(6, 1, 9), tick=False):
        fields = sup.ItemFields(
            title="数据治理专项", source="key_task", requirements="分两项推进", lead_department_id=world["lead"].pk
        )
        parent = sup.item_create(fields=fields, office_id=world["office"].pk, actor=inspector)
        parts = [
            sup.SubItemFields(title="目录编制", requirements="完成编目", lead_department_id=world["lead"].pk),
            sup.SubItemFields(title="数据归集", requirements="完成归集", lead_department_id=world["co"].pk),
        ]
        sup.item_split(item_id=parent.pk, parts=parts, actor=inspector)
        sup.item_dispatch(item_id=parent.pk, actor=inspector)
    assert ProcessInstance.objects.count() == 2
    for department, handler in ((world["lead"], "lead_handler"), (world["co"], "co_handler")):
        with time_machine.travel(at(6, 2), tick=False):
            complete(world[handler], "accept", department, {"contact": "联系人"})
            complete(world[handler], "handle", department, {"summary": "已完成", "reporter": "联系人"})
            complete(world["inspector"], "review", world["office"], {"approved": True})
        parent.refresh_from_db()
        assert parent.status == ("completed" if department == world["co"] else "in_progress")
    assert set(ProcessInstance.objects.values_list("status", flat=True)) == {"completed"}


def test_every_element_of_the_supervision_diagram_can_be_drawn() -> None:
    """Each flow node and sequence flow, inside the subprocesses too, has its shape or edge (DI)."""
    tree = etree.parse(str(f.BPMN_DIR / "supervision_task.bpmn"))
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "di": "http://www.omg.org/spec/BPMN/20100524/DI"}
    flow_tags = {"subProcess", "sequenceFlow", "userTask", "serviceTask", "exclusiveGateway", "parallelGateway"}
    flow_tags |= {"startEvent", "endEvent", "intermediateCatchEvent"}
    elements = {
        node.get("id")
        for node in tree.iterfind(".//bpmn:process//*", ns)
        if isinstance(node.tag, str) and etree.QName(node).localname in flow_tags
    }
    drawn = {node.get("bpmnElement") for node in tree.iterfind(".//di:BPMNPlane/*", ns)}
    assert len(elements) > 40 and elements <= drawn, f"not drawn: {sorted(elements - drawn)}"


def test_the_blue_yellow_red_ladder_runs_on_each_units_task(world: dict[str, Any], notifier: Any) -> None:
    """An urgent instruction (5 working days, due Monday 8 June 18:00) left unfinished: by the next morning
    each unit's 办理 task has climbed blue → yellow → red once, red told to the district's supervisor, and
    the item is red and overdue in the task list."""
    from domain.supervision.selectors import item_list
    from processes.services.escalation import escalation_tick

    with time_machine.travel(at(6, 1, 9), tick=False):
        fields = sup.ItemFields(
            title="紧急批示",
            source="leader_instruction",
            urgency="urgent",
            requirements="立即核查",
            lead_department_id=world["lead"].pk,
            co_department_ids=[world["co"].pk],
        )
        item = sup.item_create(fields=fields, office_id=world["office"].pk, actor=f.actor(world["inspector"]))
        sup.item_dispatch(item_id=item.pk, actor=f.actor(world["inspector"]))
        complete(world["lead_handler"], "accept", world["lead"], {"contact": "张敏"})
        complete(world["co_handler"], "accept", world["co"], {"contact": "李华"})
    for moment in (at(6, 9), at(6, 9, 11)):  # the second tick finds nothing left to fire
        with time_machine.travel(moment, tick=False):
            escalation_tick()
    handles = HumanTask.objects.filter(element_id="handle", status="open")
    assert sorted(handles.values_list("escalation_level", flat=True)) == [3, 3]
    red = [m["user_ids"] for m in notifier.sent if m["kind"] == "task_escalated_red"]
    assert red == [[world["supervisor"].pk], [world["supervisor"].pk]]
    [row] = item_list(now=at(6, 9))
    assert (row.item.pk, row.colour, row.overdue) == (item.pk, "red", True)

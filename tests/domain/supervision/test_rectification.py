"""整改 → 督查督办: opening a rectification on a low score opens a supervision item (督查事项) for the assessed
unit with the indicator as its requirement and starts its `supervision_task` — in the name of a 督查员 of
the supervision office, and of no one else."""

from typing import Any

import pytest

from domain.performance import services as performance
from domain.performance.models import Rectification
from domain.supervision.errors import NotPermitted, SupervisionError, WrongStatus
from domain.supervision.models import SupervisionItem
from processes.models import HumanTask, ProcessInstance
from tests import factories as f
from tests.domain.performance.builders import Assessment, build_round, scored

pytestmark = pytest.mark.django_db(transaction=True)


def office_and_inspector() -> tuple[Any, Any]:
    office = f.department("330106-DCS", "西湖区督查室")
    return office, f.user("inspector", roles=["supervision_office"], dept=office)


def open_on_d(a: Assessment, person: Any) -> Rectification:
    """D scored 0 of 40 on 共享率 (I1)."""
    return performance.rectification_open(
        round_id=a.round.pk, unit_id=a.units["D"].pk, node_id=a.nodes["I1"].pk, actor=f.actor(person), note="限期一个月"
    )


def test_a_low_score_opens_a_dispatched_supervision_item_for_the_unit() -> None:
    """D's 0 on 共享率 → a 重点任务 item of the supervision office, led by D's department, whose requirements
    are the rectification's (naming the indicator); its process runs, and D has the item to sign for.
    The rectification is marked 已立督办 and points at the item."""
    office, inspector = office_and_inspector()
    f.deploy("supervision_task")
    a = scored(build_round())
    rectification = open_on_d(a, inspector)

    rectification.refresh_from_db()
    item = SupervisionItem.objects.get()
    assert (rectification.status, rectification.supervision_ref) == ("opened", str(item.pk))
    assert (item.source, item.office, item.created_by) == ("key_task", office, inspector)
    assert item.requirements == rectification.requirement
    assert "共享率" in item.requirements and "限期一个月" in item.requirements
    assert item.title == "整改：共享率（2026 年度数据共享开放评估）"
    assert [(u.department, u.role) for u in item.units.all()] == [(a.units["D"].department, "lead")]
    case = ProcessInstance.objects.get(definition__key="supervision_task")
    assert (case.subject_id, case.status) == (str(item.pk), "running")
    assert item.status == "in_progress" and item.due_at is not None, "立项登记 ran: the time limit is counted"
    assert HumanTask.objects.filter(status="open", element_id="accept", department=a.units["D"].department).exists()


def test_someone_without_the_office_role_is_refused_and_nothing_is_left_behind() -> None:
    """An assessment organiser may open a rectification, but the item is dispatched in the office's name: an
    organiser with no 督查员 role there is refused with a message naming the office; no rectification, item
    or process stays."""
    office_and_inspector()
    f.deploy("supervision_task")
    a = scored(build_round())
    director = f.user("director", roles=["performance_organiser"], dept=a.units["D"].department)
    with pytest.raises(NotPermitted) as refused:
        open_on_d(a, director)
    assert "西湖区督查室" in refused.value.message
    assert not Rectification.objects.exists() and not SupervisionItem.objects.exists()
    assert not ProcessInstance.objects.exists()


def test_without_the_diagram_the_item_waits_in_registration_for_the_office() -> None:
    """supervision_task not deployed: the item is registered (立项), not dispatched; the rectification still
    points at it, so the office can dispatch it once the diagram is there."""
    _office, inspector = office_and_inspector()
    a = scored(build_round())
    rectification = open_on_d(a, inspector)
    rectification.refresh_from_db()
    item = SupervisionItem.objects.get()
    assert (item.status, item.dispatched_at) == ("registered", None)
    assert (rectification.status, rectification.supervision_ref) == ("opened", str(item.pk))
    assert not ProcessInstance.objects.exists()


def test_the_office_department_comes_from_settings_and_must_exist(settings: Any) -> None:
    """TONGBAN["SUPERVISION_OFFICE_DEPARTMENT"] names the office; one that does not exist is reported with
    its code, and the rectification is not recorded."""
    _office, inspector = office_and_inspector()
    settings.TONGBAN = {**settings.TONGBAN, "SUPERVISION_OFFICE_DEPARTMENT": "330100-DCS"}
    a = scored(build_round())
    with pytest.raises(SupervisionError) as missing:
        open_on_d(a, inspector)
    assert "330100-DCS" in missing.value.message
    assert not Rectification.objects.exists()


def test_a_benchmark_unit_is_not_sent_to_rectification() -> None:
    """E (上海, a 对标 unit) is outside the assessed set: no supervision item is opened for it."""
    _office, inspector = office_and_inspector()
    a = scored(build_round())
    # E scores full marks on most points; a manual point it never got scored is 0.
    with pytest.raises(WrongStatus) as refused:
        performance.rectification_open(
            round_id=a.round.pk, unit_id=a.units["E"].pk, node_id=a.nodes["P3"].pk, actor=f.actor(inspector)
        )
    assert refused.value.message == "对标单位不参与整改。"
    assert not SupervisionItem.objects.exists() and not Rectification.objects.exists()


def test_the_rectification_is_closed_when_its_item_is() -> None:
    """The unit signs for the item, reports completion, the office approves and the item closes (办结): the
    rectification shows 已办结. Closing another item leaves it alone."""
    from domain.supervision import services as sup

    _office, inspector = office_and_inspector()
    a = scored(build_round())
    rectification = open_on_d(a, inspector)
    item = SupervisionItem.objects.get()
    sup.item_register(item_id=item.pk)
    [unit] = item.units.all()
    sup.unit_accept(unit_id=unit.pk, contact="联系人")
    sup.unit_complete(unit_id=unit.pk, summary="共享率已提升到 95%", idempotency_key="rect-done")
    rectification.refresh_from_db()
    assert rectification.status == "opened", "reported but not yet approved"
    sup.unit_finish(unit_id=unit.pk, opinion="整改到位", idempotency_key="rect-ok")
    other = sup.item_create(
        fields=sup.ItemFields(
            title="另一事项", source="document", requirements="完成", lead_department_id=unit.department_id
        ),
        office_id=item.office_id,
        actor=f.actor(inspector),
    )
    sup.item_register(item_id=other.pk)
    [other_unit] = other.units.all()
    sup.unit_accept(unit_id=other_unit.pk, contact="联系人")
    sup.unit_complete(unit_id=other_unit.pk, summary="完成", idempotency_key="other-done")
    sup.unit_finish(unit_id=other_unit.pk, opinion="到位", idempotency_key="other-ok")
    sup.item_close(item_id=other.pk)
    rectification.refresh_from_db()
    assert rectification.status == "opened", "closing another item leaves the rectification alone"
    sup.item_close(item_id=item.pk)
    rectification.refresh_from_db()
    assert rectification.status == "closed"

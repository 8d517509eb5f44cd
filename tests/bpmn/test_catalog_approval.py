"""The catalog approval diagram (bpmn/catalog_approval.bpmn), end to end through the real engine:
编目员 submits → 部门审核 (provider's data_lead) → 平台审核 (data authority) → published with its code;
returns with an opinion loop back to the drafter; 变更 and 下线 take the same gates."""

from typing import Any

import pytest
from django.utils import timezone

from domain.catalog import services as catalog_services
from domain.catalog.choices import ShareType
from domain.catalog.errors import EntryInvalid, WrongStatus
from domain.catalog.models import CatalogChange, CatalogEntry, ReviewReturn
from domain.catalog.selectors import entry_history
from processes.errors import ValidationFailed
from processes.models import HumanTask, ProcessInstance
from processes.selectors import inbox_for_actor
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_cancel
from tests import factories as f
from tests.domain.catalog import builders as b

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people() -> dict[str, Any]:
    provider, authority = b.provider(), b.authority()
    f.deploy("catalog_approval")
    return {
        "clerk": b.cataloguer(),
        "lead": f.user("lead", roles=["data_lead"], dept=provider),
        "other_lead": f.user("other_lead", roles=["data_lead"], dept=authority),
        "platform": f.user("platform", roles=["platform_reviewer"], dept=authority),
    }


def open_task(person: Any) -> HumanTask:
    """The one task `person` may act on (their own or their group's)."""
    [task] = inbox_for_actor(f.actor(person), scope="group") or inbox_for_actor(f.actor(person))
    return task


def complete(person: Any, data: dict[str, Any]) -> HumanTask:
    task = open_task(person)
    human_task_complete(task_id=task.pk, actor=f.actor(person), data=data)
    return task


def test_returned_by_the_department_revised_and_published(people: dict[str, Any]) -> None:
    """Submit → department returns with an opinion → the drafter revises and resubmits → both approve →
    published with code 101001/000001 and today's 发布日期, two opinions' worth of history kept."""
    clerk_actor = f.actor(people["clerk"])
    entry = catalog_services.entry_create(fields=b.fields(), actor=clerk_actor)
    catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)
    entry.refresh_from_db()
    assert entry.status == "in_review"

    review = open_task(people["lead"])
    assert review.element_id == "dept_review" and review.due_at is not None and review.sla_working_days == 3
    assert review.escalation_policy == {"blue_share": 0.67, "yellow_working_days": 1.0}
    assert list(inbox_for_actor(f.actor(people["other_lead"]), scope="group")) == [], "another department's lead"
    complete(people["lead"], {"approved": False, "opinion": "摘要过于简单，请补充数据范围。"})

    entry.refresh_from_db()
    assert entry.status == "draft", "returned: editable again"
    assert ReviewReturn.objects.get(entry=entry).opinion == "摘要过于简单，请补充数据范围。"
    with pytest.raises(WrongStatus, match="修改后重新提交"):
        catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)  # not a second case
    revise = open_task(people["clerk"])
    assert revise.element_id == "revise" and revise.assignee_id == people["clerk"].pk
    catalog_services.entry_update(
        entry_id=entry.pk, fields=b.fields(summary="西湖区户籍人口基本信息，覆盖全部在册户籍人口。"), actor=clerk_actor
    )
    complete(people["clerk"], {"revision_note": "已补充数据范围。"})
    entry.refresh_from_db()
    assert entry.status == "in_review"

    complete(people["lead"], {"approved": True})
    platform_task = open_task(people["platform"])
    assert platform_task.element_id == "platform_review" and platform_task.sla_working_days == 5
    complete(people["platform"], {"approved": True, "opinion": "同意发布"})

    entry.refresh_from_db()
    assert (entry.status, entry.code, entry.published_on) == ("published", "101001/000001", timezone.localdate())
    assert ProcessInstance.objects.get().status == "completed"
    assert [v.change_kind for v in entry_history(entry_id=entry.pk)] == ["新增"]


def test_platform_return_goes_back_through_both_gates(people: dict[str, Any]) -> None:
    """A return by the platform sends the case to the drafter; the resubmission passes 部门审核 again."""
    clerk_actor = f.actor(people["clerk"])
    entry = catalog_services.entry_create(fields=b.fields(), actor=clerk_actor)
    catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)
    complete(people["lead"], {"approved": True})
    complete(people["platform"], {"approved": False, "opinion": "分类应为法人单位。"})
    assert ReviewReturn.objects.get().stage == "平台审核"
    complete(people["clerk"], {"revision_note": "已核对分类，维持人口类。"})
    assert open_task(people["lead"]).element_id == "dept_review"


@pytest.mark.parametrize("blank", [{}, {"opinion": "   "}])
def test_a_return_needs_an_opinion_that_says_something(people: dict[str, Any], blank: dict[str, str]) -> None:
    """Returning with no opinion, or only spaces, is refused by the form; the task stays open."""
    clerk_actor = f.actor(people["clerk"])
    entry = catalog_services.entry_create(fields=b.fields(), actor=clerk_actor)
    catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)
    task = open_task(people["lead"])
    with pytest.raises(ValidationFailed) as err:
        human_task_complete(task_id=task.pk, actor=f.actor(people["lead"]), data={"approved": False, **blank})
    assert "opinion" in err.value.detail
    task.refresh_from_db()
    assert task.status == "open"


def test_resubmitting_a_still_invalid_entry_returns_to_the_drafter(people: dict[str, Any]) -> None:
    """If the entry breaks a rule when resubmitted, the case goes back to the drafter instead of review."""
    clerk_actor = f.actor(people["clerk"])
    entry = catalog_services.entry_create(fields=b.fields(), actor=clerk_actor)
    catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)
    complete(people["lead"], {"approved": False, "opinion": "请改为有条件共享。"})
    # Written around the service (as a bad import might): 有条件 without its condition.
    CatalogEntry.objects.filter(pk=entry.pk).update(share_type=ShareType.CONDITIONAL)
    complete(people["clerk"], {"revision_note": "已改"})
    assert open_task(people["clerk"]).element_id == "revise"
    entry.refresh_from_db()
    assert entry.status == "draft"


def published_entry(people: dict[str, Any]) -> CatalogEntry:
    clerk_actor = f.actor(people["clerk"])
    entry = catalog_services.entry_create(fields=b.fields(), actor=clerk_actor)
    catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)
    complete(people["lead"], {"approved": True})
    complete(people["platform"], {"approved": True})
    entry.refresh_from_db()
    return entry


def test_a_change_goes_through_the_same_gates_and_applies_when_approved(people: dict[str, Any]) -> None:
    """变更: the entry stays published as it was while under review; approval applies it, same code."""
    entry = published_entry(people)
    change = catalog_services.change_submit(
        entry_id=entry.pk, fields=b.fields(update_cycle="weekly"), reason="更新频率调整", actor=f.actor(people["clerk"])
    )
    entry.refresh_from_db()
    assert entry.update_cycle == "daily" and entry.status == "published"
    complete(people["lead"], {"approved": False, "opinion": "请说明调整原因依据。"})
    change.refresh_from_db()
    assert change.status == "returned"
    catalog_services.change_update(
        change_id=change.pk, fields=b.fields(update_cycle="monthly"), actor=f.actor(people["clerk"])
    )
    complete(people["clerk"], {"withdraw": False, "revision_note": "按业务系统实际改为每月。"})
    complete(people["lead"], {"approved": True})
    complete(people["platform"], {"approved": True})
    entry.refresh_from_db()
    assert (entry.update_cycle, entry.code, entry.status) == ("monthly", "101001/000001", "published")
    assert [v.change_kind for v in entry_history(entry_id=entry.pk)] == ["新增", "变更"]


def test_a_take_down_goes_through_the_same_gates(people: dict[str, Any]) -> None:
    """下线: approved by both gates, the entry is withdrawn and the history says so."""
    entry = published_entry(people)
    catalog_services.take_down_submit(entry_id=entry.pk, reason="业务系统停用", actor=f.actor(people["clerk"]))
    complete(people["lead"], {"approved": True})
    entry.refresh_from_db()
    assert entry.status == "published", "still published until the platform approves"
    complete(people["platform"], {"approved": True})
    entry.refresh_from_db()
    assert entry.status == "withdrawn"
    assert [v.change_kind for v in entry_history(entry_id=entry.pk)] == ["新增", "下线"]


def test_the_drafter_may_withdraw_a_returned_change(people: dict[str, Any]) -> None:
    """A returned 变更 can be withdrawn from 修改后重新提交 (撤回): the case ends, the change is 已撤回, the
    entry stays as published, and a new 变更 may be proposed."""
    entry = published_entry(people)
    clerk_actor = f.actor(people["clerk"])
    change = catalog_services.change_submit(
        entry_id=entry.pk, fields=b.fields(update_cycle="weekly"), reason="更新频率调整", actor=clerk_actor
    )
    complete(people["lead"], {"approved": False, "opinion": "请说明依据。"})
    complete(people["clerk"], {"withdraw": True, "revision_note": "业务未定，暂不变更。"})

    change.refresh_from_db()
    entry.refresh_from_db()
    assert change.status == "withdrawn"
    assert (entry.status, entry.update_cycle) == ("published", "daily")
    assert ProcessInstance.objects.get(business_key=f"catalog-{entry.pk}-{change.pk}").status == "completed"
    assert not HumanTask.objects.filter(status="open").exists()
    again = catalog_services.change_submit(
        entry_id=entry.pk, fields=b.fields(update_cycle="monthly"), reason="改为每月", actor=clerk_actor
    )
    assert again.status == "in_review"


def test_a_withdrawn_new_entry_is_a_draft_that_can_be_submitted_again(people: dict[str, Any]) -> None:
    """撤回 of a returned 新增 ends the case; the entry is 草稿 and a later submit starts a fresh case."""
    clerk_actor = f.actor(people["clerk"])
    entry = catalog_services.entry_create(fields=b.fields(), actor=clerk_actor)
    catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)
    complete(people["lead"], {"approved": False, "opinion": "摘要过于简单。"})
    complete(people["clerk"], {"withdraw": True, "revision_note": "资源重新梳理后再报。"})
    entry.refresh_from_db()
    assert entry.status == "draft" and ProcessInstance.objects.get().status == "completed"

    catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)
    entry.refresh_from_db()
    assert entry.status == "in_review" and open_task(people["lead"]).element_id == "dept_review"


def test_cancelling_a_new_entrys_case_puts_it_back_to_draft(people: dict[str, Any]) -> None:
    """An operator cancels a 新增 case while it is 审核中: the entry is 草稿 again and can be submitted anew."""
    clerk_actor = f.actor(people["clerk"])
    entry = catalog_services.entry_create(fields=b.fields(), actor=clerk_actor)
    catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)
    instance_cancel(instance_id=ProcessInstance.objects.get().pk, actor=operator(), reason="重复提交")
    entry.refresh_from_db()
    assert entry.status == "draft"
    catalog_services.entry_submit(entry_id=entry.pk, actor=clerk_actor)
    assert ProcessInstance.objects.filter(status="running").count() == 1


def test_cancelling_a_take_down_case_withdraws_it(people: dict[str, Any]) -> None:
    """An operator cancels a 下线 in review: it becomes 已撤回, the entry stays published and may take another."""
    entry = published_entry(people)
    clerk_actor = f.actor(people["clerk"])
    change = catalog_services.take_down_submit(entry_id=entry.pk, reason="系统停用", actor=clerk_actor)
    case = ProcessInstance.objects.get(business_key=f"catalog-{entry.pk}-{change.pk}")
    instance_cancel(instance_id=case.pk, actor=operator(), reason="误报")
    change.refresh_from_db()
    entry.refresh_from_db()
    assert (change.status, entry.status) == ("withdrawn", "published")
    assert catalog_services.take_down_submit(entry_id=entry.pk, reason="系统停用", actor=clerk_actor).pk != change.pk


def operator() -> Any:
    return f.actor(f.user("ops", roles=[], dept=b.authority()))


def test_a_revised_change_still_keeps_classification_and_provider(people: dict[str, Any]) -> None:
    """Revising a returned 变更 is held to the same rules as proposing it: the classification (which made the
    code) cannot move."""
    entry = published_entry(people)
    change = catalog_services.change_submit(
        entry_id=entry.pk, fields=b.fields(update_cycle="weekly"), reason="调整", actor=f.actor(people["clerk"])
    )
    complete(people["lead"], {"approved": False, "opinion": "请核对。"})
    moved = b.fields(classification_id=b.population_subject().parent_id)
    with pytest.raises(EntryInvalid) as err:
        catalog_services.change_update(change_id=change.pk, fields=moved, actor=f.actor(people["clerk"]))
    assert list(err.value.errors) == ["classification_id"]
    assert CatalogChange.objects.get(pk=change.pk).proposed["classification_id"] == entry.classification_id


@pytest.mark.parametrize("name", ["catalog_approval", "share_request"])
def test_every_element_of_the_catalog_diagrams_can_be_drawn(name: str) -> None:
    """Each flow node and sequence flow has its shape or edge in the diagram interchange (DI)."""
    from lxml import etree

    tree = etree.parse(str(f.BPMN_DIR / f"{name}.bpmn"))
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "di": "http://www.omg.org/spec/BPMN/20100524/DI"}
    [process] = tree.findall("bpmn:process", ns)
    elements = {node.get("id") for node in process if isinstance(node.tag, str) and node.get("id")}
    drawn = {node.get("bpmnElement") for node in tree.iterfind(".//di:BPMNPlane/*", ns)}
    assert elements and elements <= drawn, f"not drawn: {sorted(elements - drawn)}"

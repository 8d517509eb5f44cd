"""The share request diagram (bpmn/share_request.bpmn), end to end through the real engine:
无条件 granted at once; 有条件 → compliance → provider decides (reasons when refusing) → dispute →
the data authority coordinates; 不予共享 cannot be requested; grants listed on both sides."""

from typing import Any

import pytest

from domain.catalog import services as catalog_services
from domain.catalog.choices import ShareType
from domain.catalog.errors import NotPermitted, NotShareable
from domain.catalog.models import CatalogEntry, ShareRequest
from domain.catalog.selectors import granted_from_department, granted_to_department
from processes.errors import ValidationFailed
from processes.models import HumanTask, ProcessInstance
from processes.selectors import inbox_for_actor
from processes.services.inbox import human_task_complete
from tests import factories as f
from tests.domain.catalog import builders as b

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world() -> dict[str, Any]:
    provider, authority = b.provider(), b.authority()
    applicant_dept = f.department("330106-SCJG", "西湖区市场监管局", parent=provider.parent)
    f.deploy("share_request")
    return {
        "provider": provider,
        "applicant_dept": applicant_dept,
        "lead": f.user("lead", roles=["data_lead"], dept=provider),
        "platform": f.user("platform", roles=["platform_reviewer"], dept=authority),
        "applicant": f.user("applicant", roles=["cataloguer"], dept=applicant_dept),
    }


def published(share_type: int = ShareType.UNCONDITIONAL, **overrides: Any) -> CatalogEntry:
    """A published entry of the provider (published directly: the approval process is tested elsewhere)."""
    entry = catalog_services.entry_create(fields=b.fields(share_type=share_type, **overrides), actor=b.clerk_actor())
    CatalogEntry.objects.filter(pk=entry.pk).update(status="in_review")
    return catalog_services.entry_publish(
        entry_id=entry.pk, change_id=None, change_kind="新增", idempotency_key=f"publish:{entry.pk}"
    )


def apply(world: dict[str, Any], entry: CatalogEntry) -> ShareRequest:
    return catalog_services.share_request_submit(
        entry_id=entry.pk,
        department_id=world["applicant_dept"].pk,
        purpose="核验个体工商户经营者身份",
        scenario="市场主体登记",
        fields=["姓名", "公民身份号码"],
        actor=f.actor(world["applicant"]),
    )


def complete(person: Any, data: dict[str, Any]) -> HumanTask:
    [task] = inbox_for_actor(f.actor(person), scope="group") or inbox_for_actor(f.actor(person))
    human_task_complete(task_id=task.pk, actor=f.actor(person), data=data)
    return task


def test_unconditional_resources_are_granted_automatically(world: dict[str, Any]) -> None:
    """无条件共享: no one is asked; the request is granted and listed for both departments."""
    request = apply(world, published())
    request.refresh_from_db()
    assert request.status == "granted" and request.decided_stage == "自动授权"
    assert HumanTask.objects.count() == 0 and ProcessInstance.objects.get().status == "completed"
    assert list(granted_to_department(department_id=world["applicant_dept"].pk)) == [request]
    assert list(granted_from_department(department_id=world["provider"].pk)) == [request]


def test_conditional_refused_disputed_and_granted_by_coordination(world: dict[str, Any]) -> None:
    """有条件共享: compliance (≈2 working days) → the provider refuses with a reason (≈5) → the applicant
    disputes → the data authority coordinates and grants; both sides then list the grant."""
    entry = published(ShareType.CONDITIONAL, share_condition="仅用于市场主体登记核验")
    request = apply(world, entry)
    compliance = complete(world["platform"], {"compliant": True, "compliance_opinion": "用途与共享条件相符"})
    assert compliance.element_id == "compliance" and compliance.sla_working_days == 2

    [decision] = inbox_for_actor(f.actor(world["lead"]), scope="group")
    assert decision.element_id == "provider_decision" and decision.sla_working_days == 5
    with pytest.raises(ValidationFailed) as err:
        human_task_complete(task_id=decision.pk, actor=f.actor(world["lead"]), data={"granted": False})
    assert "refusal_reason" in err.value.detail, "a refusal must give reasons"
    complete(world["lead"], {"granted": False, "refusal_reason": "涉及个人隐私，需逐案审批"})
    request.refresh_from_db()
    assert (request.status, request.decision_reason) == ("refused", "涉及个人隐私，需逐案审批")
    assert list(granted_to_department(department_id=world["applicant_dept"].pk)) == []

    dispute = complete(world["applicant"], {"dispute": True, "dispute_reason": "登记核验为法定职责"})
    assert dispute.element_id == "dispute_choice"
    request.refresh_from_db()
    assert request.status == "disputed"
    complete(world["platform"], {"coordinated_grant": True, "coordination_opinion": "属法定职责，同意共享"})

    request.refresh_from_db()
    assert (request.status, request.decided_stage) == ("granted", "异议协调")
    assert list(request.events.values_list("status", flat=True)) == ["refused", "disputed", "granted"]
    assert list(granted_to_department(department_id=world["applicant_dept"].pk)) == [request]
    assert list(granted_from_department(department_id=world["provider"].pk)) == [request]
    assert ProcessInstance.objects.get().status == "completed"


def test_coordination_may_uphold_the_refusal(world: dict[str, Any]) -> None:
    request = apply(world, published(ShareType.CONDITIONAL, share_condition="仅用于登记核验"))
    complete(world["platform"], {"compliant": True, "compliance_opinion": "合规"})
    complete(world["lead"], {"granted": False, "refusal_reason": "数据尚未治理"})
    complete(world["applicant"], {"dispute": True, "dispute_reason": "急需"})
    complete(world["platform"], {"coordinated_grant": False, "coordination_opinion": "维持拒绝，待数据治理完成"})
    request.refresh_from_db()
    assert (request.status, request.decision_reason) == ("refused", "维持拒绝，待数据治理完成")


def test_a_non_compliant_request_is_refused_by_the_authority(world: dict[str, Any]) -> None:
    """The provider is never asked about a request that fails the compliance check."""
    request = apply(world, published(ShareType.CONDITIONAL, share_condition="仅用于登记核验"))
    complete(world["platform"], {"compliant": False, "compliance_opinion": "用途超出共享条件"})
    request.refresh_from_db()
    assert (request.status, request.decided_stage) == ("refused", "合规审查")
    assert list(inbox_for_actor(f.actor(world["lead"]), scope="group")) == []


def test_accepting_a_refusal_ends_the_request(world: dict[str, Any]) -> None:
    request = apply(world, published(ShareType.CONDITIONAL, share_condition="仅用于登记核验"))
    complete(world["platform"], {"compliant": True, "compliance_opinion": "合规"})
    complete(world["lead"], {"granted": False, "refusal_reason": "数据尚未治理"})
    complete(world["applicant"], {"dispute": False})
    request.refresh_from_db()
    assert request.status == "refused" and ProcessInstance.objects.get().status == "completed"


def test_not_shared_and_unpublished_resources_cannot_be_requested(world: dict[str, Any]) -> None:
    """不予共享 resources are refused with the legal basis in the message; drafts are not requestable."""
    closed = published(ShareType.NONE, no_share_basis="《个人信息保护法》第十三条", share_method="")
    with pytest.raises(NotShareable, match="不予共享") as err:
        apply(world, closed)
    assert "个人信息保护法" in err.value.message
    draft = catalog_services.entry_create(fields=b.fields(name="草稿资源"), actor=b.clerk_actor())
    with pytest.raises(NotShareable):
        apply(world, draft)
    assert ShareRequest.objects.count() == 0 and ProcessInstance.objects.count() == 0


def test_one_applies_only_for_a_department_one_belongs_to(world: dict[str, Any]) -> None:
    with pytest.raises(NotPermitted):
        catalog_services.share_request_submit(
            entry_id=published().pk,
            department_id=world["provider"].pk,
            purpose="x",
            scenario="y",
            fields=[],
            actor=f.actor(world["applicant"]),
        )


def test_share_handlers_are_idempotent_and_refusals_become_handler_errors(world: dict[str, Any]) -> None:
    """A redelivered job (same idempotency key) records nothing twice; a catalog refusal is a HandlerError
    the diagram can route (code catalog_refused), not a crash."""
    from handlers.registry import HandlerError, ServiceCall, get_handler

    request = apply(world, published(ShareType.CONDITIONAL, share_condition="仅用于登记核验"))

    def call(operator: str, key: str, **params: Any) -> dict[str, Any]:
        job = ServiceCall(operator=operator, params=params, instance_id=1, task_id=key, idempotency_key=key)
        return get_handler(operator).func(job)

    refused = {"request_id": request.pk, "stage": "提供方答复", "reason": "数据尚未治理"}
    assert call("catalog/share_refuse", "1:a", **refused) == call("catalog/share_refuse", "1:a", **refused)
    assert request.events.count() == 1
    with pytest.raises(HandlerError) as err:
        call("catalog/share_refuse", "1:b", request_id=request.pk, stage="提供方答复", reason="")
    assert err.value.code == "catalog_refused"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"status": "withdrawn"}, "已不在发布状态"),
        ({"share_type": ShareType.NONE, "no_share_basis": "《数据安全法》第二十一条", "share_method": ""}, "不予共享"),
    ],
)
def test_a_resource_closed_while_the_request_waited_is_not_granted(
    world: dict[str, Any], change: dict[str, Any], says: str
) -> None:
    """Taken down, or switched to 不予共享, after the application: the provider's 同意 cannot grant it any more;
    the request is refused (closed) with the reason and the case ends; nothing is listed as granted."""
    request = apply(world, published(ShareType.CONDITIONAL, share_condition="仅用于登记核验"))
    complete(world["platform"], {"compliant": True, "compliance_opinion": "合规"})
    CatalogEntry.objects.filter(pk=request.entry_id).update(**change)

    complete(world["lead"], {"granted": True})

    request.refresh_from_db()
    assert (request.status, request.decided_stage) == ("refused", "提供方答复")
    assert says in request.decision_reason
    assert ProcessInstance.objects.get().status == "completed"
    assert list(granted_to_department(department_id=world["applicant_dept"].pk)) == []


@pytest.mark.parametrize(
    ("who", "data", "field"),
    [
        ("platform", {"compliant": False, "compliance_opinion": "  \n "}, "compliance_opinion"),
        ("lead", {"granted": False, "refusal_reason": "   "}, "refusal_reason"),
    ],
)
def test_whitespace_is_not_a_reason(world: dict[str, Any], who: str, data: dict[str, Any], field: str) -> None:
    """An opinion or refusal made of spaces is refused by the form, as the service refuses it."""
    apply(world, published(ShareType.CONDITIONAL, share_condition="仅用于登记核验"))
    if who == "lead":
        complete(world["platform"], {"compliant": True, "compliance_opinion": "合规"})
    [task] = inbox_for_actor(f.actor(world[who]), scope="group")
    with pytest.raises(ValidationFailed) as err:
        human_task_complete(task_id=task.pk, actor=f.actor(world[who]), data=data)
    assert field in err.value.detail

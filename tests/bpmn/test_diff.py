"""The version diff: which elements a designer added, removed or changed between two versions, and
for a changed one which properties (people, SLA, operator, timers, conditions, flows, form fields)."""

import json
from pathlib import Path
from typing import Any

import pytest

from processes.engine.diff import DefinitionDiff, PropertyChange, diff_definitions
from processes.services.versions import definition_diff, draft_diff
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

APPROVAL = (Path(__file__).resolve().parents[2] / "bpmn" / "approval.bpmn").read_text("utf-8")
REVIEW_FORM = (Path(__file__).resolve().parents[2] / "bpmn" / "forms" / "review.json").read_text("utf-8")


def changes_of(diff: DefinitionDiff, element_id: str) -> dict[str, tuple[Any, Any]]:
    [element] = [e for e in diff.changed if e.element_id == element_id]
    return {c.name: (c.before, c.after) for c in element.changes}


def test_identical_diagrams_and_layout_moves_are_no_change() -> None:
    """Moving shapes around (bpmndi) or re-deploying the same diagram shows no difference."""
    moved = APPROVAL.replace('<dc:Bounds x="240" y="160"', '<dc:Bounds x="300" y="260"')
    assert diff_definitions(APPROVAL, APPROVAL).is_empty
    assert diff_definitions(APPROVAL, moved).is_empty


def test_an_added_user_task_is_listed_with_its_type_and_name_and_the_rewired_flow_changes() -> None:
    """Inserting a 复核 task between review and the gateway shows the task and its new flow as added,
    and the flow that now points to it as changed (target before/after)."""
    added = APPROVAL.replace(
        '<bpmn:sequenceFlow id="to_decide" sourceRef="review" targetRef="decide" />',
        '<bpmn:sequenceFlow id="to_decide" sourceRef="review" targetRef="recheck" />'
        '<bpmn:userTask id="recheck" name="复核" camunda:candidateGroups="leader" tongban:slaWorkingDays="3" />'
        '<bpmn:sequenceFlow id="recheck_done" sourceRef="recheck" targetRef="decide" />',
    )
    diff = diff_definitions(APPROVAL, added)
    assert [(e.element_id, e.element_type, e.name) for e in diff.added] == [
        ("recheck", "userTask", "复核"),
        ("recheck_done", "sequenceFlow", ""),
    ]
    assert diff.removed == []
    assert changes_of(diff, "to_decide") == {"target": ("decide", "recheck")}


def test_a_removed_element_is_listed_from_the_old_version() -> None:
    """Removing the rejected end event (and its flow) lists both as removed, with their old names."""
    removed = APPROVAL.replace(
        '<bpmn:endEvent id="end_rejected" name="未通过">\n      <bpmn:incoming>rejected_flow</bpmn:incoming>\n'
        "    </bpmn:endEvent>",
        "",
    ).replace('<bpmn:sequenceFlow id="rejected_flow" name="不通过" sourceRef="decide" targetRef="end_rejected" />', "")
    diff = diff_definitions(APPROVAL, removed)
    assert {(e.element_id, e.element_type, e.name) for e in diff.removed} == {
        ("rejected_flow", "sequenceFlow", "不通过"),
        ("end_rejected", "endEvent", "未通过"),
    }


def test_an_added_task_lists_its_properties_as_after_values_and_a_removed_one_as_before_values() -> None:
    """The diff of an added 复核 task shows its candidate role and 3-working-day SLA (nothing before);
    a removed task shows what it had (nothing after), so a reviewer sees what the task was."""
    added = APPROVAL.replace(
        '<bpmn:sequenceFlow id="to_decide" sourceRef="review" targetRef="decide" />',
        '<bpmn:sequenceFlow id="to_decide" sourceRef="review" targetRef="recheck" />'
        '<bpmn:userTask id="recheck" name="复核" camunda:candidateGroups="leader" tongban:slaWorkingDays="3" />'
        '<bpmn:sequenceFlow id="recheck_done" sourceRef="recheck" targetRef="decide" />',
    )
    [task, flow] = diff_definitions(APPROVAL, added).added
    shown = {change.name: (change.before, change.after) for change in task.changes}
    assert shown["candidate_roles"] == (None, ["leader"])
    assert shown["sla_working_days"] == (None, "3")
    assert shown["name"] == (None, "复核")
    assert {change.name: change.after for change in flow.changes}["target"] == "decide"

    [gone, gone_flow] = diff_definitions(added, APPROVAL).removed
    assert gone.element_id == "recheck"
    assert {change.name: (change.before, change.after) for change in gone.changes}["candidate_roles"] == (
        ["leader"],
        None,
    )
    assert all(change.after is None for change in gone.changes + gone_flow.changes)


def test_people_sla_and_escalation_changes_on_a_user_task() -> None:
    """Candidate roles, priority, assignee, SLA, escalation, department scope and documentation each
    show as one property change with before and after."""
    changed = APPROVAL.replace(
        'camunda:candidateGroups="reviewer" camunda:formKey="review" camunda:priority="60"',
        'camunda:candidateGroups="reviewer,leader" camunda:formKey="review" camunda:priority="80" '
        'camunda:assignee="${initiator}" tongban:slaWorkingDays="5" tongban:escalation="blue=0.5;yellow=1" '
        "tongban:departmentScope=\"'330106'\"",
    ).replace("审核申请内容，填写意见并决定是否通过。", "审核申请。")
    assert changes_of(diff_definitions(APPROVAL, changed), "review") == {
        "documentation": ("审核申请内容，填写意见并决定是否通过。", "审核申请。"),
        "candidate_roles": (["reviewer"], ["reviewer", "leader"]),
        "priority": ("60", "80"),
        "assignee": (None, "${initiator}"),
        "sla_working_days": (None, "5"),
        "escalation": (None, "blue=0.5;yellow=1"),
        "department_scope": (None, "'330106'"),
    }


def test_service_operator_parameters_result_variable_condition_and_type() -> None:
    """The operator, its parameters and result variable, a flow condition (as written, JUEL included)
    and an element whose type changed are reported."""
    changed = (
        APPROVAL.replace("approvals/decision_record", "approvals/decision_record_v2")
        .replace('value="opinion" />', 'value="opinion.strip()" />')
        .replace('resultVariable="decision"', 'resultVariable="record"')
        .replace("<bpmn:conditionExpression>approved == True", "<bpmn:conditionExpression>${approved}")
        .replace('<bpmn:endEvent id="end_approved" name="已通过">', '<bpmn:intermediateThrowEvent id="end_approved">')
        .replace("</bpmn:endEvent>\n    <bpmn:endEvent", "</bpmn:intermediateThrowEvent>\n    <bpmn:endEvent")
    )
    diff = diff_definitions(APPROVAL, changed)
    assert changes_of(diff, "record") == {
        "operator": ("approvals/decision_record", "approvals/decision_record_v2"),
        "parameters": (
            {"approved": "approved", "opinion": "opinion"},
            {"approved": "approved", "opinion": "opinion.strip()"},
        ),
        "result_variable": ("decision", "record"),
    }
    assert changes_of(diff, "approved_flow") == {"condition": ("approved == True", "${approved}")}
    assert changes_of(diff, "end_approved") == {
        "type": ("endEvent", "intermediateThrowEvent"),
        "name": ("已通过", None),
    }


TIMER = (
    '<bpmn:intermediateCatchEvent id="wait" name="等待"><bpmn:timerEventDefinition id="wait_def">'
    "<bpmn:timeDuration>{}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
)


def test_timer_definitions_and_working_day_timers() -> None:
    """A timer's duration, its kind, or a working-days timer shows as the `timer` / `working_days` change."""
    before = chain("t", TIMER.format("PT5M"), user_task("after"))
    after = chain("t", TIMER.format("PT10M"), user_task("after"))
    assert changes_of(diff_definitions(before, after), "wait") == {
        "timer": ({"timeDuration": "PT5M"}, {"timeDuration": "PT10M"})
    }
    working = before.replace('id="wait" name="等待"', 'id="wait" name="等待" tongban:workingDays="3"')
    assert changes_of(diff_definitions(before, working), "wait") == {"working_days": (None, "3")}


def test_form_content_changes_are_listed_field_by_field_for_the_task_using_the_form() -> None:
    """When the form file of a user task changes, its fields, required list and title are compared."""
    schema = json.loads(REVIEW_FORM)
    schema["title"] = "审核"
    schema["properties"]["opinion"]["maxLength"] = 500
    schema["properties"]["score"] = {"type": "integer", "title": "评分"}
    schema["required"] = ["approved"]
    diff = diff_definitions(
        APPROVAL, APPROVAL, {"forms/review.json": REVIEW_FORM}, {"forms/review.json": json.dumps(schema)}
    )
    changes = changes_of(diff, "review")
    assert changes["form.title"] == ("审核意见", "审核")
    assert changes["form.field.opinion"][1]["maxLength"] == 500
    assert changes["form.field.score"] == (None, {"type": "integer", "title": "评分"})
    assert changes["form.required"] == (["approved", "opinion"], ["approved"])
    assert set(changes) == {"form.title", "form.field.opinion", "form.field.score", "form.required"}


def test_the_diff_is_plain_json() -> None:
    """The page and the API can serialise the diff as it is."""
    diff = diff_definitions(chain("p", user_task("a")), chain("p", user_task("a", "boss"), user_task("b")))
    data = json.loads(json.dumps(diff.as_dict(), ensure_ascii=False))
    assert data["added"][0]["element_id"] == "b" and data["added"][0]["element_type"] == "userTask"
    assert {"name": "name", "before": None, "after": "b"} in data["added"][0]["changes"]
    assert data["changed"][0]["changes"] == [{"name": "candidate_roles", "before": ["clerk"], "after": ["boss"]}]
    assert PropertyChange("x", 1, 2) == PropertyChange("x", 1, 2)


@pytest.mark.django_db
def test_definition_diff_compares_two_deployed_versions_with_their_forms() -> None:
    """The service compares two stored versions (forms deployed with them included), and a draft against its base."""
    v1 = f.deploy(chain("p", user_task("review", "clerk", 'camunda:formKey="review"')))
    form = json.loads(REVIEW_FORM)
    form["properties"]["opinion"]["title"] = "意见"
    v2 = f.deploy(
        chain("p", user_task("review", "clerk", 'camunda:formKey="review"'), user_task("approve")),
        extra={"forms/review.json": json.dumps(form, ensure_ascii=False)},
    )
    diff = definition_diff(from_definition=v1, to_definition=v2)
    assert [e.element_id for e in diff.added] == ["approve", "f2"]
    assert changes_of(diff, "review")["form.field.opinion"][1]["title"] == "意见"
    assert changes_of(diff, "f1") == {"target": ("end", "approve")}

    draft = chain("p", user_task("review", "leader", 'camunda:formKey="review"'))
    assert changes_of(draft_diff(base=v1, bpmn_xml=draft), "review") == {"candidate_roles": (["clerk"], ["leader"])}

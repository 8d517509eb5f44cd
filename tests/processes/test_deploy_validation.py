"""A deploy is refused whole, with the element id and a plain message, for every kind of invalid
diagram the issue names; nothing is stored. Same content deploys no new version."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from processes.engine.compile import DefinitionInvalid
from processes.models import AuditEvent, ProcessDefinition
from processes.services.definitions import definition_deploy, definition_validate
from tests import factories as f

pytestmark = pytest.mark.django_db

APPROVAL = (f.BPMN_DIR / "approval.bpmn").read_text("utf-8")

INVALID = {
    "malformed_xml": (APPROVAL.replace("</bpmn:process>", ""), "", "XML"),
    "does_not_parse": (
        APPROVAL.replace('targetRef="record"', 'targetRef="nowhere"'),
        "",
        "nowhere",
    ),
    "unknown_operator": (
        APPROVAL.replace("approvals/decision_record", "approvals/no_such"),
        "record",
        "approvals/no_such",
    ),
    "service_without_operator": (
        APPROVAL.replace(
            '<spiffworkflow:serviceTaskOperator id="approvals/decision_record" resultVariable="decision">',
            "<spiffworkflow:x>",
        ).replace("</spiffworkflow:serviceTaskOperator>", "</spiffworkflow:x>"),
        "record",
        "operator",
    ),
    "user_task_without_people": (APPROVAL.replace('camunda:candidateGroups="reviewer" ', ""), "review", "candidate"),
    "condition_import": (
        APPROVAL.replace("approved == True", "__import__('os').system('id')"),
        "approved_flow",
        "__import__",
    ),
    "condition_subclasses": (
        APPROVAL.replace("approved == True", "().__class__.__mro__[1].__subclasses__()"),
        "approved_flow",
        "__class__",
    ),
    "condition_open": (APPROVAL.replace("approved == True", "open('/etc/passwd').read()"), "approved_flow", "open"),
    "condition_syntax": (APPROVAL.replace("approved == True", "approved ==="), "approved_flow", "expression"),
    "parameter_expression": (APPROVAL.replace('value="opinion"', 'value="__builtins__"'), "record", "__builtins__"),
    "missing_form": (
        APPROVAL.replace('camunda:formKey="review"', 'camunda:formKey="no_such_form"'),
        "review",
        "no_such_form",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_diagram_is_refused_with_element_and_message(case: str) -> None:
    xml, element_id, fragment = INVALID[case]
    with pytest.raises(DefinitionInvalid) as err:
        definition_deploy(bpmn_xml=xml, file_name=f"{case}.bpmn")
    problems = err.value.problems
    assert problems, case
    if element_id:
        assert element_id in {p.element_id for p in problems}
    assert any(fragment.lower() in p.message.lower() for p in problems), [p.message for p in problems]
    assert ProcessDefinition.objects.count() == 0 and AuditEvent.objects.count() == 0


@pytest.mark.parametrize("timer", ["2030-10-08T09:00:00+08:00", "2030-10-08", "PT1H", "R3/PT10M"])
def test_bare_iso_timers_validate_as_they_run(timer: str) -> None:
    """A timer written as modelers write it (bare ISO-8601 date, duration or cycle) passes 校验 and deploy."""
    kind = "timeCycle" if timer.startswith("R") else "timeDuration" if timer.startswith("P") else "timeDate"
    xml = APPROVAL.replace(
        '<bpmn:sequenceFlow id="to_review" sourceRef="start" targetRef="review" />',
        '<bpmn:sequenceFlow id="to_wait" sourceRef="start" targetRef="wait" />'
        f'<bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>to_wait</bpmn:incoming>'
        f"<bpmn:outgoing>to_review</bpmn:outgoing><bpmn:timerEventDefinition><bpmn:{kind}>{timer}</bpmn:{kind}>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:sequenceFlow id="to_review" sourceRef="wait" targetRef="review" />',
    ).replace(
        "<bpmn:outgoing>to_review</bpmn:outgoing>\n    </bpmn:startEvent>",
        "<bpmn:outgoing>to_wait</bpmn:outgoing>\n    </bpmn:startEvent>",
    )
    result = definition_validate(bpmn_xml=xml, file_name="timer.bpmn")
    assert result.ok, [p.message for p in result.errors]


def test_same_content_makes_no_new_version_and_changed_content_does() -> None:
    first = definition_deploy(bpmn_xml=APPROVAL)
    again = definition_deploy(bpmn_xml=APPROVAL)
    assert first.created and not again.created and again.definition.pk == first.definition.pk
    changed = definition_deploy(bpmn_xml=APPROVAL.replace("审核申请内容", "审核申请材料"))
    assert changed.created and changed.definition.version == 2
    assert list(ProcessDefinition.objects.values_list("version", flat=True).order_by("version")) == [1, 2]


def test_unknown_lane_role_is_a_warning_not_an_error() -> None:
    result = definition_validate(bpmn_xml=APPROVAL)
    assert result.ok
    assert any(p.severity == "warning" and "reviewer" in p.message for p in result.problems)
    f.role("reviewer")
    assert not definition_validate(bpmn_xml=APPROVAL).warnings


def test_deploy_command_exits_non_zero_on_invalid_diagram(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_text(INVALID["unknown_operator"][0], "utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("deploy_bpmn", str(bad), stderr=err)
    assert "record" in err.getvalue() and "approvals/no_such" in err.getvalue()
    out = StringIO()
    call_command("deploy_bpmn", stdout=out)
    assert "approval v1 deployed" in out.getvalue()


def test_system_check_validates_the_bpmn_directory(settings, tmp_path: Path) -> None:
    from processes.checks import check_bpmn_directory

    assert check_bpmn_directory() == []
    (tmp_path / "forms").mkdir()
    (tmp_path / "bad.bpmn").write_text(INVALID["unknown_operator"][0], "utf-8")
    settings.TONGBAN = {**settings.TONGBAN, "BPMN_DIR": tmp_path}
    errors = check_bpmn_directory()
    assert errors and errors[0].id == "tongban.E001" and "approvals/no_such" in errors[0].msg

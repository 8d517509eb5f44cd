"""流程设计 services: a designer's drafts (blank, from a deployed version, uploaded from Camunda
Modeler), saved with a revision check, validated with every problem pinned to its diagram element, and
deployed as a new version only when valid and changed. Drafts are their owner's alone."""

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from handlers.registry import HandlerParam, ServiceCall, handler, handler_docs, parse_handler_docstring
from processes.engine.compile import DefinitionInvalid
from processes.engine.parser import BPMN_NS, CAMUNDA_NS
from processes.errors import NotFound, PermissionDenied, ValidationFailed
from processes.models import AuditEvent, ProcessDefinition, ProcessDraft
from processes.ports import directory
from processes.selectors_designer import designer_forms, designer_may_edit, draft_get, drafts_of
from processes.services.definitions import compiled_for
from processes.services.designer import (
    DRAFT_MAX_BYTES,
    DraftOutdated,
    DraftStale,
    draft_create,
    draft_delete,
    draft_deploy,
    draft_save,
    draft_upload,
    draft_validate,
)
from tests import factories as f
from tests.bpmn import handlers  # noqa: F401  (registers testing/check, the Camunda Modeler file's topic)

pytestmark = pytest.mark.django_db

APPROVAL = (f.BPMN_DIR / "approval.bpmn").read_text("utf-8")
CAMUNDA_FILE = (f.FIXTURES / "camunda_modeler.bpmn").read_bytes()

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="https://tongban.dev/bpmn/test">
  <bpmn:process id="checked" name="校验用流程" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerEventDefinition_1">
        <bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="wait" targetRef="review" />
    <bpmn:userTask id="review" name="审核" camunda:candidateGroups="reviewer">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="fill" />
    <bpmn:userTask id="fill" name="填报" camunda:candidateGroups="reviewer" camunda:formKey="review">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="fill" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="f5"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="record">
      <bpmn:conditionExpression>approved == True</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="notify" />
    <bpmn:serviceTask id="record" name="登记"><bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="approvals/decision_record" resultVariable="decision">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="approved" type="bool" value="approved" />
          </spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>
      <bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:serviceTask id="notify" name="通知"><bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="approvals/decision_record" resultVariable="notified">
          <spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements><bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f6" sourceRef="record" targetRef="end" />
    <bpmn:sequenceFlow id="f7" sourceRef="notify" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f6</bpmn:incoming><bpmn:incoming>f7</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""

NO_OPERATOR = (
    """<spiffworkflow:serviceTaskOperator id="approvals/decision_record" resultVariable="notified">
          <spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>""",
    "",
)
# (replacement, element it must be pinned to, fragment of the message)
FAULTS: dict[str, tuple[tuple[str, str], str, str]] = {
    "service_task_without_operator": (NO_OPERATOR, "notify", "operator"),
    "operator_without_handler": (
        ('id="approvals/decision_record" resultVariable="notified"', 'id="nowhere/nothing" resultVariable="n"'),
        "notify",
        "nowhere/nothing",
    ),
    "user_task_without_people": (
        ('name="审核" camunda:candidateGroups="reviewer"', 'name="审核"'),
        "review",
        "candidate",
    ),
    "bad_condition": (("approved == True", "__import__('os').system('id')"), "f4", "__import__"),
    "missing_form": (('camunda:formKey="review"', 'camunda:formKey="no_such_form"'), "fill", "no_such_form"),
    # The timer definition has an id of its own; the problem belongs to the event a designer can click.
    "bad_timer": (("<bpmn:timeDuration>PT1H", "<bpmn:timeDuration>open('/etc/passwd')"), "wait", "open"),
    # A schema (XSD) error knows only its line: it is pinned to the element written there.
    "schema_error": (
        ("<bpmn:incoming>f1</bpmn:incoming>", "<bpmn:bogus /><bpmn:incoming>f1</bpmn:incoming>"),
        "review",
        "bogus",
    ),
}


@pytest.fixture
def designer() -> Any:
    return f.user("designer", roles=["designer"])


# The forms in bpmn/forms, by key: what the picker offers besides a draft's own forms.
DEPLOYABLE = sorted(path.stem for path in (Path(__file__).resolve().parents[2] / "bpmn" / "forms").glob("*.json"))


def actor(user: Any) -> Any:
    return f.actor(user)


def saved(user: Any, xml: str, forms: dict[str, str] | None = None) -> ProcessDraft:
    draft = draft_create(actor=actor(user))
    return draft_save(actor=actor(user), draft_id=draft.pk, bpmn_xml=xml, revision=draft.revision, forms=forms)


def faulty(*cases: str) -> str:
    xml = DIAGRAM
    for case in cases:
        old, new = FAULTS[case][0]
        assert old in xml, case
        xml = xml.replace(old, new)
    return xml


# --- who may design ---


def test_staff_and_the_designer_role_may_design_others_may_not(settings: Any) -> None:
    """Staff and holders of DESIGNER_ROLE get the designer; a clerk is refused; the role is a setting."""
    staff, designer = f.user("staff", is_staff=True), f.user("designer", roles=["designer"])
    clerk = f.user("clerk", roles=["reviewer"])
    assert designer_may_edit(actor(staff)) and designer_may_edit(actor(designer))
    assert not designer_may_edit(actor(clerk)) and not designer_may_edit(directory().actor_for(None))
    with pytest.raises(PermissionDenied):
        draft_create(actor=actor(clerk))
    settings.TONGBAN = {**settings.TONGBAN, "DESIGNER_ROLE": "reviewer"}
    assert designer_may_edit(actor(clerk)) and not designer_may_edit(actor(designer))


def test_a_draft_is_its_owners_alone(designer: Any) -> None:
    """Another designer neither lists nor opens, saves, validates, deploys or deletes my draft (it does
    not exist for them); staff may open it to help."""
    mine = draft_create(actor=actor(designer))
    other = actor(f.user("other", roles=["designer"]))
    assert list(drafts_of(actor=other)) == []
    attempts = [
        lambda: draft_get(actor=other, draft_id=mine.pk),
        lambda: draft_save(actor=other, draft_id=mine.pk, bpmn_xml=APPROVAL, revision=1),
        lambda: draft_validate(actor=other, draft_id=mine.pk),
        lambda: draft_deploy(actor=other, draft_id=mine.pk, note=""),
        lambda: draft_delete(actor=other, draft_id=mine.pk),
        lambda: designer_forms(actor=other, draft_id=mine.pk),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert ProcessDraft.objects.get(pk=mine.pk).revision == 1
    assert draft_get(actor=actor(f.user("staff", is_staff=True)), draft_id=mine.pk).pk == mine.pk
    assert [d.pk for d in drafts_of(actor=actor(designer))] == [mine.pk]


# --- creating drafts ---


def test_blank_draft_is_a_bpmn_diagram_with_one_start_event_and_its_layout(designer: Any) -> None:
    """新建空白流程: a process `process_<random>` named 新流程 with one start event drawn on the canvas."""
    draft = draft_create(actor=actor(designer))
    tree = etree.fromstring(draft.bpmn_xml.encode())
    process = tree.find(f"{{{BPMN_NS}}}process")
    assert draft.key == process.get("id") and draft.key.startswith("process_") and len(draft.key) > 10
    assert draft.name == process.get("name") == "新流程"
    assert [etree.QName(child).localname for child in process] == ["startEvent"]
    shapes = tree.findall(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")
    assert [s.get("bpmnElement") for s in shapes] == ["StartEvent_1"]
    assert draft.revision == 1 and draft.base is None and draft.forms == {}
    assert draft_create(actor=actor(designer)).key != draft.key
    assert draft_validate(actor=actor(designer), draft_id=draft.pk).process_key == draft.key


def test_draft_from_a_deployed_version_carries_its_diagram_and_forms(designer: Any) -> None:
    """从已部署流程打开: the version's XML and form files, and which version it came from."""
    definition = f.deploy("approval")
    draft = draft_create(actor=actor(designer), from_definition_id=definition.pk)
    assert draft.bpmn_xml == definition.bpmn_xml and draft.base_id == definition.pk
    assert draft.key == "approval" and draft.name == definition.name
    assert set(draft.forms) == {"forms/review.json"}
    with pytest.raises(NotFound):
        draft_create(actor=actor(designer), from_definition_id=definition.pk + 100)


def test_camunda_modeler_file_uploads_with_its_camunda_attributes(designer: Any) -> None:
    """A .bpmn exported by Camunda Modeler 5 becomes a draft byte for byte; deployed, its camunda:
    candidate groups, due date, priority and external-task topic are what the engine uses."""
    draft = draft_upload(actor=actor(designer), file_name="leave.bpmn", content=CAMUNDA_FILE)
    assert draft.bpmn_xml == CAMUNDA_FILE.decode("utf-8")
    assert (draft.key, draft.name) == ("leave_request", "请假申请")
    task = etree.fromstring(CAMUNDA_FILE).find(f".//{{{BPMN_NS}}}userTask")
    assert task.get(f"{{{CAMUNDA_NS}}}candidateGroups") == "dept_head,deputy_head"
    result = draft_validate(actor=actor(designer), draft_id=draft.pk)
    assert result.ok, result.errors
    assert {p.element_id for p in result.warnings} == {"Activity_approve"}  # roles not in the directory yet
    deployed = draft_deploy(actor=actor(designer), draft_id=draft.pk, note="从 Camunda Modeler 导入")
    spec = compiled_for(deployed.definition).spec
    people = spec.task_specs["Activity_approve"].extensions["tongban"]
    assert people["candidate_roles"] == ["dept_head", "deputy_head"] and people["priority"] == "80"
    assert spec.task_specs["Activity_notify"].operation_name == "testing/check"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"just some text, not a diagram", "XML"),
        (b"<html><body>hello</body></html>", "BPMN"),
        (
            b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x"/>',
            "BPMN",
        ),
        ("<?xml version='1.0' encoding='latin-1'?><a>é</a>".encode("latin-1"), "UTF-8"),
        (b"<a>" + b" " * DRAFT_MAX_BYTES + b"</a>", "MB"),
    ],
    ids=["text", "html", "dmn", "latin-1", "too-large"],
)
def test_upload_refuses_what_is_not_a_bpmn_diagram(designer: Any, content: bytes, fragment: str) -> None:
    """Text, HTML, a DMN table, a non-UTF-8 file or an oversized one: refused with a message saying why."""
    with pytest.raises(ValidationFailed) as refused:
        draft_upload(actor=actor(designer), file_name="x.bpmn", content=content)
    assert fragment in refused.value.message
    assert "x.bpmn" in refused.value.message or fragment == "MB"
    assert ProcessDraft.objects.count() == 0


# --- saving ---


def test_save_bumps_the_revision_and_follows_the_process_id_and_name(designer: Any) -> None:
    """Each save is a new revision; the draft's key and name follow the diagram's process."""
    draft = draft_create(actor=actor(designer))
    first = draft_save(actor=actor(designer), draft_id=draft.pk, bpmn_xml=APPROVAL, revision=1)
    assert (first.revision, first.key, first.name) == (2, "approval", "通用审批 General approval")
    renamed = APPROVAL.replace('id="approval" name="通用审批 General approval"', 'id="approval_v2" name="审批"')
    second = draft_save(actor=actor(designer), draft_id=draft.pk, bpmn_xml=renamed, revision=2)
    assert (second.revision, second.key, second.name) == (3, "approval_v2", "审批")


def test_half_drawn_xml_is_saved_and_keeps_the_last_known_key(designer: Any) -> None:
    """Autosave never loses work: XML that does not parse (yet) is stored as it is."""
    draft = saved(designer, APPROVAL)
    broken = APPROVAL[: len(APPROVAL) // 2]
    again = draft_save(actor=actor(designer), draft_id=draft.pk, bpmn_xml=broken, revision=draft.revision)
    assert again.bpmn_xml == broken and again.key == "approval" and again.revision == draft.revision + 1
    result = draft_validate(actor=actor(designer), draft_id=draft.pk)
    assert not result.ok and "XML" in result.errors[0].message


def test_a_save_from_a_stale_revision_is_refused_with_the_current_one(designer: Any) -> None:
    """Two tabs on one draft: the second save from the same revision is a conflict, nothing is overwritten."""
    draft = draft_create(actor=actor(designer))
    draft_save(actor=actor(designer), draft_id=draft.pk, bpmn_xml=APPROVAL, revision=1)
    with pytest.raises(DraftStale) as stale:
        draft_save(actor=actor(designer), draft_id=draft.pk, bpmn_xml="<other/>", revision=1)
    assert stale.value.revision == 2 and stale.value.status_code == 409
    assert stale.value.detail == {"revision": 2}
    stored = ProcessDraft.objects.get(pk=draft.pk)
    assert stored.bpmn_xml == APPROVAL and stored.revision == 2


def test_forms_are_replaced_when_given_and_kept_when_not(designer: Any) -> None:
    """Saving with forms replaces them (bad names refused); saving without forms leaves them; DMN tables
    that came with a deployed version stay beside the diagram."""
    form = '{"type": "object", "title": "申请", "properties": {"reason": {"type": "string"}}}'
    draft = saved(designer, APPROVAL, forms={"forms/apply.json": form})
    assert draft.forms == {"forms/apply.json": form}
    kept = draft_save(actor=actor(designer), draft_id=draft.pk, bpmn_xml=APPROVAL, revision=draft.revision)
    assert kept.forms == {"forms/apply.json": form}
    with pytest.raises(ValidationFailed):
        draft_save(
            actor=actor(designer), draft_id=draft.pk, bpmn_xml=APPROVAL, revision=kept.revision, forms={"x.py": ""}
        )
    ProcessDraft.objects.filter(pk=draft.pk).update(forms={"risk_level.dmn": "<dmn/>", "forms/apply.json": form})
    replaced = draft_save(actor=actor(designer), draft_id=draft.pk, bpmn_xml=APPROVAL, revision=kept.revision, forms={})
    assert replaced.forms == {"risk_level.dmn": "<dmn/>"}
    rows = designer_forms(actor=actor(designer), draft_id=draft.pk)
    assert {r.source for r in rows} == {"deployed"} and [r.key for r in rows] == DEPLOYABLE


def test_the_form_list_holds_the_drafts_forms_and_those_deployable(designer: Any) -> None:
    """The form picker: the draft's own forms (a draft form replaces a deployed one of the same key) with
    their titles, and the forms in bpmn/forms."""
    draft = saved(designer, APPROVAL, forms={"forms/review.json": '{"title": "新的审核表"}', "forms/zz.json": "{"})
    rows = {r.key: r for r in designer_forms(actor=actor(designer), draft_id=draft.pk)}
    assert (rows["review"].source, rows["review"].title) == ("draft", "新的审核表")
    assert (rows["zz"].source, rows["zz"].title) == ("draft", "")
    assert rows["material_list"].source == "deployed"
    assert [r.key for r in designer_forms(actor=actor(designer))] == DEPLOYABLE


# --- validating ---


def test_the_clean_test_diagram_validates() -> None:
    """The diagram the fault cases start from is itself valid, so each fault below is the only error."""
    user = f.user("d", is_staff=True)
    f.role("reviewer")
    result = draft_validate(actor=actor(user), draft_id=saved(user, DIAGRAM).pk)
    assert result.ok and not result.problems, [p.message for p in result.problems]


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_each_validation_error_is_pinned_to_its_element(designer: Any, case: str) -> None:
    """校验 names the element to click and says what is wrong with it."""
    _replacement, element_id, fragment = FAULTS[case]
    draft = saved(designer, faulty(case))
    result = draft_validate(actor=actor(designer), draft_id=draft.pk)
    assert not result.ok
    assert [p.element_id for p in result.errors] == [element_id], [(p.element_id, p.message) for p in result.errors]
    assert fragment.lower() in result.errors[0].message.lower()


def test_all_errors_are_reported_in_one_round(designer: Any) -> None:
    """A diagram with several faults lists all of them at once, each on its element (not one per attempt)."""
    cases = ["service_task_without_operator", "user_task_without_people", "bad_condition", "missing_form", "bad_timer"]
    draft = saved(designer, faulty(*cases))
    errors = draft_validate(actor=actor(designer), draft_id=draft.pk).errors
    assert sorted(p.element_id for p in errors) == sorted(FAULTS[case][1] for case in cases)


def test_deploy_of_an_invalid_draft_stores_nothing(designer: Any) -> None:
    """部署 an invalid draft: refused with the same pinned errors, no version, no audit event."""
    draft = saved(designer, faulty("missing_form"))
    with pytest.raises(DefinitionInvalid) as refused:
        draft_deploy(actor=actor(designer), draft_id=draft.pk, note="试试")
    assert [p.element_id for p in refused.value.problems] == ["fill"]
    assert ProcessDefinition.objects.count() == 0 and AuditEvent.objects.count() == 0


# --- deploying ---


def test_deploy_creates_a_version_only_when_the_content_changed(designer: Any) -> None:
    """Opened from v1 and deployed unchanged: still v1. Changed: v2, with the note and who deployed it,
    in the definition and its audit event; the draft then starts from v2."""
    v1 = f.deploy("approval")
    draft = draft_create(actor=actor(designer), from_definition_id=v1.pk)
    same = draft_deploy(actor=actor(designer), draft_id=draft.pk, note="没改")
    assert not same.created and same.definition.pk == v1.pk
    changed = draft.bpmn_xml.replace('name="审核"', 'name="初审"')
    draft_save(actor=actor(designer), draft_id=draft.pk, bpmn_xml=changed, revision=draft.revision)
    v2 = draft_deploy(actor=actor(designer), draft_id=draft.pk, note="审核改为初审")
    assert v2.created and v2.definition.version == 2
    stored = ProcessDefinition.objects.get(pk=v2.definition.pk)
    assert stored.note == "审核改为初审" and stored.deployed_by_id == designer.pk
    assert set(stored.extra_files) == {"forms/review.json"}
    event = AuditEvent.objects.filter(action="definition_deployed").latest("id")
    assert event.actor == "designer" and event.payload["note"] == "审核改为初审" and event.payload["version"] == 2
    after = ProcessDraft.objects.get(pk=draft.pk)
    assert after.base_id == stored.pk and after.revision == draft.revision + 1  # saving goes on without a conflict
    again = draft_deploy(actor=actor(designer), draft_id=draft.pk, note="again")
    assert not again.created and ProcessDefinition.objects.filter(key="approval").count() == 2


def test_deploy_refuses_a_draft_based_on_a_version_that_is_no_longer_the_latest(designer: Any) -> None:
    """A opened v1; B deployed v2 meanwhile. A's 部署 is refused, naming both versions, rather than
    silently making v3 = v1 + A's edits (undoing B's); confirmed, it deploys v3."""
    v1 = f.deploy("approval")
    draft = draft_create(actor=actor(designer), from_definition_id=v1.pk)
    draft = draft_save(
        actor=actor(designer),
        draft_id=draft.pk,
        bpmn_xml=draft.bpmn_xml.replace('name="审核"', 'name="初审"'),
        revision=draft.revision,
    )
    other = f.user("other", is_staff=True)
    theirs = draft_create(actor=actor(other), from_definition_id=v1.pk)
    theirs = draft_save(
        actor=actor(other),
        draft_id=theirs.pk,
        bpmn_xml=theirs.bpmn_xml.replace('name="审核"', 'name="复审"'),
        revision=theirs.revision,
    )
    assert draft_deploy(actor=actor(other), draft_id=theirs.pk, note="B").definition.version == 2

    with pytest.raises(DraftOutdated) as refused:
        draft_deploy(actor=actor(designer), draft_id=draft.pk, note="A")
    assert (refused.value.base_version, refused.value.latest_version, refused.value.key) == (1, 2, "approval")
    assert "v1" in refused.value.message and "v2" in refused.value.message
    assert ProcessDefinition.objects.filter(key="approval").count() == 2

    v3 = draft_deploy(actor=actor(designer), draft_id=draft.pk, note="A", confirm_outdated=True)
    assert v3.created and v3.definition.version == 3
    assert ProcessDraft.objects.get(pk=draft.pk).base_id == v3.definition.pk
    again = draft_save(
        actor=actor(designer),
        draft_id=draft.pk,
        bpmn_xml=draft.bpmn_xml.replace('name="初审"', 'name="再审"'),
        revision=draft.revision,
    )
    assert draft_deploy(actor=actor(designer), draft_id=again.pk, note="based on v3 now").definition.version == 4


def test_a_blank_or_renamed_draft_has_no_base_to_be_outdated_against(designer: Any) -> None:
    """A draft whose process id is no longer its base's key deploys as another process: a newer version of
    the base's process is no reason to refuse it."""
    v1 = f.deploy("approval")
    draft = draft_create(actor=actor(designer), from_definition_id=v1.pk)
    f.deploy(v1.bpmn_xml.replace('name="审核"', 'name="复审"'), extra=dict(v1.extra_files))  # v2 of approval
    renamed = draft.bpmn_xml.replace('"approval"', '"approval_copy"')
    draft = draft_save(actor=actor(designer), draft_id=draft.pk, bpmn_xml=renamed, revision=draft.revision)
    assert draft.key == "approval_copy"
    assert draft_deploy(actor=actor(designer), draft_id=draft.pk).definition.key == "approval_copy"


def test_deploy_refuses_when_the_draft_was_saved_since_it_was_validated(designer: Any) -> None:
    """部署 carries the revision the designer validated; if another tab saved since, nothing deploys."""
    draft = saved(designer, APPROVAL)
    with pytest.raises(DraftStale) as stale:
        draft_deploy(actor=actor(designer), draft_id=draft.pk, revision=draft.revision - 1)
    assert stale.value.revision == draft.revision and not ProcessDefinition.objects.exists()
    deployed = draft_deploy(actor=actor(designer), draft_id=draft.pk, revision=draft.revision)
    assert deployed.created


def test_delete_removes_the_draft(designer: Any) -> None:
    draft = draft_create(actor=actor(designer))
    draft_delete(actor=actor(designer), draft_id=draft.pk)
    assert not ProcessDraft.objects.exists()


# --- what a diagram may name: handlers and roles ---


@handler(
    "testing/declared",
    params=[HandlerParam("entry_id", "int", "目录条目 / the catalogue entry")],
    result='{"code": str}',
)
def declared(call: ServiceCall) -> dict[str, Any]:
    """Declares its parameters on the decorator."""
    return {"code": str(call.int("entry_id"))}


def test_handler_docstrings_are_read_for_the_designer() -> None:
    """The operator dropdown shows each handler's summary, parameters (name, type, what it is) and result."""
    docs = {doc.operator: doc for doc in handler_docs()}
    decision = docs["approvals/decision_record"]
    assert decision.summary.startswith("Records an approval decision")
    assert [(p.name, p.type) for p in decision.parameters] == [("approved", "bool"), ("opinion", "str")]
    assert "是否通过" in decision.parameters[0].doc and "record_id" in decision.result
    explicit = docs["testing/declared"]
    assert explicit.parameters == [HandlerParam("entry_id", "int", "目录条目 / the catalogue entry")]
    assert explicit.result == '{"code": str}' and explicit.summary == "Declares its parameters on the decorator."


def test_every_registered_handler_documents_its_parameters_and_result() -> None:
    """STYLE.md's convention holds for every handler: a "Params:" (or "Params: none") and a "Result:"."""
    undocumented = [doc.operator for doc in handler_docs() if not doc.documented]
    assert undocumented == []


@pytest.mark.parametrize(
    ("doc", "summary", "params", "result"),
    [
        (
            'Publishes an entry. Params: entry_id:int. Result: {"code": resource code}.',
            "Publishes an entry.",
            [("entry_id", "int", "")],
            '{"code": resource code}',
        ),
        (
            'Sends.\n\nParams: to:list[str] (收件人, e.g. a, b), body:str.\nResult: {"sent": int}.\n\nMore.',
            "Sends.",
            [("to", "list[str]", "收件人, e.g. a, b"), ("body", "str", "")],
            '{"sent": int}',
        ),
        ("Params: none. Result: {}.", "", [], "{}"),
        ("No convention here.", "No convention here.", None, None),
    ],
    ids=["one-line", "multi-line", "none", "plain"],
)
def test_handler_docstring_convention_is_parsed(doc: str, summary: str, params: Any, result: Any) -> None:
    parsed_summary, parsed, parsed_result = parse_handler_docstring(doc)
    assert parsed_summary == summary and parsed_result == result
    assert (None if parsed is None else [(p.name, p.type, p.doc) for p in parsed]) == params


def test_the_directory_lists_its_roles_by_code() -> None:
    f.role("reviewer", "审核员")
    f.role("auditor", "审计员")
    assert directory().roles() == [("auditor", "审计员"), ("reviewer", "审核员")]

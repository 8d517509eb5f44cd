"""流程设计 in a real browser, against the real designer API: a designer opens a draft, draws a user task
from the palette into a flow, gives it a candidate role and a 3-working-day SLA in the 通办 panel, waits
for autosave, validates (a service task without an operator is listed; clicking it selects it), picks the
operator from the dropdown, validates clean, deploys with a change note, and the new version is listed
on /flows/<key>/. The department scope is picked from the directory; handler docs follow the page's
language."""

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from processes.engine.parser import BPMN_NS, CAMUNDA_NS, TONGBAN_NS
from processes.models import HumanTask, ProcessDefinition, ProcessDraft, TaskStatus
from processes.services.designer import draft_create, draft_save
from processes.services.instances import instance_start
from tests import factories as f
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
KEY = "designer_e2e"


@pytest.fixture(scope="module", autouse=True)
def _modeler_bundle() -> None:
    """The modeler bundle as `make setup` builds it (a no-op when its sources did not change)."""
    subprocess.run(["node", "webui/frontend/build.mjs"], cwd=ROOT, check=True, capture_output=True)


def diagram(*, with_service_task: bool) -> str:
    """start → 审核 → end; with the service task: start → 审核 → 通知 (no operator yet) → end."""
    service = (
        '<bpmn:serviceTask id="notify" name="通知申请人"><bpmn:incoming>f2</bpmn:incoming>'
        "<bpmn:outgoing>f3</bpmn:outgoing></bpmn:serviceTask>"
        '<bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="end" />'
        if with_service_task
        else ""
    )
    service_di = (
        '<bpmndi:BPMNShape id="notify_di" bpmnElement="notify"><dc:Bounds x="720" y="160" width="100" height="80" />'
        '</bpmndi:BPMNShape><bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="820" y="200" />'
        '<di:waypoint x="902" y="200" /></bpmndi:BPMNEdge>'
        if with_service_task
        else ""
    )
    end_x = 902 if with_service_task else 722
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:camunda="{CAMUNDA_NS}"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="e2e_defs" targetNamespace="https://tongban.dev/bpmn/test">
  <bpmn:process id="{KEY}" name="设计器测试" isExecutable="true">
    <bpmn:startEvent id="start" name="提交"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:userTask id="review" name="审核" camunda:candidateGroups="reviewer">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="{"notify" if with_service_task else "end"}" />
    {service}
    <bpmn:endEvent id="end" name="结束">
      <bpmn:incoming>{"f3" if with_service_task else "f2"}</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="e2e_diagram"><bpmndi:BPMNPlane id="e2e_plane" bpmnElement="{KEY}">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="182" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="review_di" bpmnElement="review"><dc:Bounds x="480" y="160" width="100" height="80" />
    </bpmndi:BPMNShape>
    {service_di}
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="{end_x}" y="182" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="200" /><di:waypoint x="480" y="200" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="580" y="200" />
      <di:waypoint x="{720 if with_service_task else 722}" y="200" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _autosaved(draft_id: int, done: Callable[[Any], Any], timeout: float = 15.0) -> Any:
    """What `done` finds in the draft's stored XML (parsed) once autosave has stored it (polls the draft)."""
    deadline = time.monotonic() + timeout
    while True:
        xml = ProcessDraft.objects.get(pk=draft_id).bpmn_xml
        found = done(etree.fromstring(xml.encode()))
        if found is not None and found is not False:  # an element without children is falsy
            return found
        assert time.monotonic() < deadline, f"not autosaved in {timeout}s: {xml}"
        time.sleep(0.2)


def _by_id(root: Any, element_id: str) -> Any:
    return next((node for node in root.iter() if node.get("id") == element_id), None)


def _added_user_task(check: Callable[[Any], bool]) -> Callable[[Any], Any]:
    def done(root: Any) -> Any:
        added = [t for t in root.iter(f"{{{BPMN_NS}}}userTask") if t.get("id") != "review"]
        return added[0] if len(added) == 1 and check(added[0]) else None

    return done


def open_modeler(page: Any, live_server: Any, draft: ProcessDraft, username: str = "designer") -> Any:
    """Sign in, open the draft from 我的草稿, wait until the modeler is ready; the canvas."""
    login(page, live_server, username, "pass12345")
    page.goto(f"{live_server.url}/flows/designer/")
    page.click(f'tr[data-draft-id="{draft.pk}"] a >> nth=0')
    page.locator('#tb-designer[data-state="ready"]').wait_for()
    return page.locator("#tb-designer-canvas")


def test_designer_draws_validates_fixes_and_deploys(page: Any, live_server: Any, open_page: Any) -> None:
    dept = f.department()
    f.role("reviewer", "审核员")
    designer = f.user("designer", roles=["designer"], dept=dept)
    f.user("ops", is_staff=True)
    first = f.deploy(diagram(with_service_task=False))
    applicant = f.user("applicant")
    old_case = instance_start(process_key=KEY, actor=f.actor(applicant), department_id=dept.pk, business_key="OLD")
    draft = draft_create(actor=f.actor(designer), from_definition_id=first.pk)
    draft_save(
        actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=diagram(with_service_task=True), revision=draft.revision
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    canvas = open_modeler(page, live_server, draft)
    assert canvas.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays
    assert canvas.locator('[data-element-id="notify"]').count() == 1
    assert page.locator('.djs-palette .entry[data-action="create.task"]').get_attribute("aria-label") == "创建任务"

    # A task from the palette, dropped onto the flow start → 审核, made a user task via the context pad.
    box = canvas.locator('.djs-connection[data-element-id="f1"]').bounding_box()
    page.click('.djs-palette .entry[data-action="create.task"]')
    page.mouse.move(box["x"] + box["width"] / 2 - 20, box["y"] + box["height"] / 2, steps=4)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=4)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # A trusted mouse click on a draggable context-pad entry is taken for a drag by Chromium here.
    page.locator('.djs-context-pad .entry[data-action="replace"]').dispatch_event("click")
    page.click('.djs-popup [data-id="replace-with-user-task"]')
    panel = page.locator("#tb-designer-properties")
    panel.locator('[data-group-id="group-tongban"]').wait_for()
    panel.locator('label[data-role="reviewer"] input[type="checkbox"]').check()
    panel.locator("#bio-properties-panel-tongban-slaWorkingDays").fill("3")
    status = page.locator("[data-save-status]")
    saved = _autosaved(draft.pk, _added_user_task(lambda task: task.get(f"{{{TONGBAN_NS}}}slaWorkingDays") == "3"))
    page.locator('[data-save-status][data-save-state="saved"]').wait_for()
    assert saved.get(f"{{{CAMUNDA_NS}}}candidateGroups") == "reviewer"
    assert status.inner_text().startswith("已保存")

    # 校验: the service task without an operator is listed; clicking it selects it.
    page.click('[data-action="validate"]')
    problem = page.locator('#tb-designer-problems button[data-element-id="notify"]')
    problem.wait_for()
    assert page.locator("[data-problems-summary]").get_attribute("data-state") == "invalid"
    assert canvas.locator('.djs-element.tb-problem[data-element-id="notify"]').count() == 1
    problem.click()
    canvas.locator('.djs-element.selected[data-element-id="notify"]').wait_for()

    # The operator from the dropdown; its documented parameter is pre-filled.
    operator = panel.locator("#bio-properties-panel-tongban-operator")
    operator.select_option("testing/check")
    assert panel.locator("#bio-properties-panel-tongban-parameter-0").input_value() == "amount"
    page.click('[data-action="validate"]')
    page.locator('[data-problems-summary][data-state="valid"]').wait_for()
    assert 'serviceTaskOperator id="testing/check"' in ProcessDraft.objects.get(pk=draft.pk).bpmn_xml

    # 部署 with a change note.
    page.click('[data-action="deploy"]')
    dialog = page.locator("#tb-deploy-dialog")
    dialog.locator("textarea[name='note']").fill("加入初审环节，时限 3 个工作日")
    dialog.locator("[data-confirm-deploy]").click()
    notice = page.locator('[data-notice][data-state="ok"]')
    notice.wait_for()
    assert "第 2 版" in notice.inner_text()
    second = ProcessDefinition.objects.get(key=KEY, version=2)
    assert second.note == "加入初审环节，时限 3 个工作日" and second.deployed_by_id == designer.pk
    # A case started now follows version 2 (the new task first, 3 working days); the one started before stays on 1.
    new_case = instance_start(process_key=KEY, actor=f.actor(applicant), department_id=dept.pk, business_key="NEW")
    new_task = HumanTask.objects.get(instance=new_case, status=TaskStatus.OPEN)
    assert new_case.definition_id == second.pk and new_task.element_id != "review"
    assert new_task.sla_working_days == 3 and new_task.candidate_roles == ["reviewer"]
    old_case.refresh_from_db()
    old_task = HumanTask.objects.get(instance=old_case, status=TaskStatus.OPEN)
    assert old_case.definition_id == first.pk and old_task.element_id == "review"

    ops = open_page()
    login(ops, live_server, "ops", "pass12345")
    ops.goto(f"{live_server.url}/flows/{KEY}/")
    assert ops.locator('tr[data-version="2"]').count() == 1
    assert "designer" in ops.locator('tr[data-version="2"]').inner_text()

    assert not errors, errors
    foreign = [url for url in requests if not url.startswith(live_server.url)]
    assert not foreign, foreign


def click_flow(page: Any, flow_id: str) -> None:
    """Click a sequence flow half way along its path (its bounding box's centre may be off the line)."""
    point = page.evaluate(
        """(id) => {
            const path = document.querySelector(`.djs-connection[data-element-id="${id}"] .djs-visual > path`);
            const p = path.getPointAtLength(path.getTotalLength() / 2), m = path.getScreenCTM();
            return {x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f};
        }""",
        flow_id,
    )
    page.mouse.click(point["x"], point["y"])


PANEL_DIAGRAM = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:camunda="{CAMUNDA_NS}"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="panel_defs" targetNamespace="https://tongban.dev/bpmn/test">
  <bpmn:process id="panel_e2e" name="面板测试" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="等待">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="review" />
    <bpmn:userTask id="review" name="审核" camunda:candidateGroups="reviewer">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="no"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>ok</bpmn:outgoing><bpmn:outgoing>no</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="ok" sourceRef="gw" targetRef="end_ok">
      <bpmn:conditionExpression>approved == True</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="end_no" />
    <bpmn:endEvent id="end_ok"><bpmn:incoming>ok</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_no"><bpmn:incoming>no</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="panel_diagram"><bpmndi:BPMNPlane id="panel_plane" bpmnElement="panel_e2e">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="182" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="wait_di" bpmnElement="wait"><dc:Bounds x="220" y="182" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="review_di" bpmnElement="review"><dc:Bounds x="340" y="160" width="100" height="80" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="gw_di" bpmnElement="gw" isMarkerVisible="true">
      <dc:Bounds x="525" y="175" width="50" height="50" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_ok_di" bpmnElement="end_ok"><dc:Bounds x="700" y="182" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_no_di" bpmnElement="end_no"><dc:Bounds x="700" y="302" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="200" /><di:waypoint x="220" y="200" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="256" y="200" /><di:waypoint x="340" y="200" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="440" y="200" /><di:waypoint x="525" y="200" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="ok_di" bpmnElement="ok"><di:waypoint x="575" y="200" /><di:waypoint x="700" y="200" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="no_di" bpmnElement="no"><di:waypoint x="550" y="225" /><di:waypoint x="550" y="320" />
      <di:waypoint x="700" y="320" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _panel_draft() -> ProcessDraft:
    dept = f.department()
    f.role("reviewer", "审核员")
    designer = f.user("designer", roles=["designer"], dept=dept)
    draft = draft_create(actor=f.actor(designer))
    draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=PANEL_DIAGRAM, revision=draft.revision)
    return ProcessDraft.objects.get(pk=draft.pk)


def test_the_panel_edits_timers_escalation_forms_and_conditions(page: Any, live_server: Any) -> None:
    """Timers switch between working days and ISO-8601; the escalation fields compose blue=…;yellow=…; the
    form comes from a picker with a link to its editor; a condition is edited on its flow, and the default
    flow says it needs none. Each change is autosaved as the engine reads it."""
    draft = _panel_draft()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    canvas = open_modeler(page, live_server, draft)
    panel = page.locator("#tb-designer-properties")

    canvas.locator('.djs-element[data-element-id="wait"]').click()
    kind = panel.locator("#bio-properties-panel-tongban-timerKind")
    assert kind.input_value() == "timeDuration"
    assert panel.locator("#bio-properties-panel-tongban-timerValue").input_value() == "PT1H"
    kind.select_option("workingDays")
    panel.locator("#bio-properties-panel-tongban-timerValue").fill("5")
    wait = _autosaved(
        draft.pk,
        lambda root: (
            (node := _by_id(root, "wait")) is not None and node.get(f"{{{TONGBAN_NS}}}workingDays") == "5" and node
        ),
    )
    assert wait.find(f".//{{{BPMN_NS}}}timeDuration") is None
    kind.select_option("timeDuration")
    panel.locator("#bio-properties-panel-tongban-timerValue").fill("P2D")
    wait = _autosaved(
        draft.pk,
        lambda root: (
            (node := _by_id(root, "wait")) is not None
            and node.findtext(f".//{{{BPMN_NS}}}timeDuration") == "P2D"
            and node
        ),
    )
    assert wait.get(f"{{{TONGBAN_NS}}}workingDays") is None

    canvas.locator('.djs-element[data-element-id="review"]').click()
    panel.locator("#bio-properties-panel-tongban-escalationBlue").fill("0.5")
    panel.locator("#bio-properties-panel-tongban-escalationYellow").fill("1")
    panel.locator("#bio-properties-panel-tongban-formKey").select_option("review")
    panel.locator("#bio-properties-panel-tongban-priority").fill("70")
    review = _autosaved(
        draft.pk,
        lambda root: (
            (node := _by_id(root, "review")) is not None and node.get(f"{{{CAMUNDA_NS}}}priority") == "70" and node
        ),
    )
    assert review.get(f"{{{TONGBAN_NS}}}escalation") == "blue=0.5;yellow=1"
    assert review.get(f"{{{CAMUNDA_NS}}}formKey") == "review"
    link = panel.locator(".tb-form-link a")
    assert link.get_attribute("href") == f"/flows/designer/{draft.pk}/forms/review/"

    click_flow(page, "no")
    assert "默认流" in panel.locator('[data-entry-id="tongban-condition"]').inner_text()
    click_flow(page, "ok")
    condition = panel.locator("#bio-properties-panel-tongban-condition")
    assert condition.input_value() == "approved == True"
    condition.fill("${approved}")
    _autosaved(
        draft.pk,
        lambda root: (
            (node := _by_id(root, "ok")) is not None
            and node.findtext(f"{{{BPMN_NS}}}conditionExpression") == "${approved}"
        ),
    )
    page.click('[data-action="validate"]')
    page.locator('[data-problems-summary][data-state="valid"]').wait_for()
    assert not errors, errors


def test_a_save_from_a_stale_copy_offers_to_reload(page: Any, live_server: Any) -> None:
    """When another tab saved the draft first, this tab's autosave is refused (409): the page says so,
    stops saving, and its 重新加载 button loads the newer draft."""
    draft = _panel_draft()
    canvas = open_modeler(page, live_server, draft)
    designer = ProcessDraft.objects.get(pk=draft.pk).owner
    elsewhere = PANEL_DIAGRAM.replace('name="审核"', 'name="别处改过"')
    draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=elsewhere, revision=draft.revision)

    canvas.locator('.djs-element[data-element-id="review"]').click()
    page.locator("#bio-properties-panel-tongban-priority").fill("10")
    page.locator('[data-save-status][data-save-state="conflict"]').wait_for()
    notice = page.locator('[data-notice][data-state="error"]')
    assert "其他窗口" in notice.inner_text()
    assert 'camunda:priority="10"' not in ProcessDraft.objects.get(pk=draft.pk).bpmn_xml

    with page.expect_navigation():
        notice.locator("button").click()
    page.locator('#tb-designer[data-state="ready"]').wait_for()
    assert (page.locator('.djs-element[data-element-id="review"]').text_content() or "").strip() == "别处改过"


def test_download_and_upload_a_bpmn_file(page: Any, live_server: Any) -> None:
    """下载 .bpmn gives the diagram as drawn; 上传 .bpmn, once confirmed, replaces it with a Camunda Modeler 5
    file, whose camunda: attributes are kept, and saves it."""
    draft = _panel_draft()
    canvas = open_modeler(page, live_server, draft)

    with page.expect_download() as download:
        page.click('[data-action="download"]')
    assert download.value.suggested_filename == "panel_e2e.bpmn"
    assert 'id="panel_e2e"' in Path(download.value.path()).read_text("utf-8")

    page.set_input_files('[data-action="upload"]', str(f.FIXTURES / "camunda_modeler.bpmn"))
    page.locator("#tb-upload-dialog [data-confirm-upload]").click()
    canvas.locator('[data-element-id="Activity_approve"]').wait_for()
    page.locator('[data-notice][data-state="ok"]').wait_for()
    task = _autosaved(draft.pk, lambda root: _by_id(root, "Activity_approve"))
    assert task.get(f"{{{CAMUNDA_NS}}}candidateGroups") == "dept_head,deputy_head"
    assert ProcessDraft.objects.get(pk=draft.pk).key == "leave_request"


def _scoped_diagram(scope: str) -> str:
    """start → 审核 (with tongban:departmentScope as given) → end."""
    return (
        diagram(with_service_task=False)
        .replace("xmlns:camunda=", f'xmlns:tongban="{TONGBAN_NS}" xmlns:camunda=', 1)
        .replace(
            'camunda:candidateGroups="reviewer"',
            f'camunda:candidateGroups="reviewer" tongban:departmentScope="{scope}"',
        )
    )


def _scope_is(value: str) -> Callable[[Any], Any]:
    def done(root: Any) -> Any:
        node = _by_id(root, "review")
        return node is not None and node.get(f"{{{TONGBAN_NS}}}departmentScope") == value and node

    return done


def test_the_department_scope_is_picked_from_the_directory(page: Any, live_server: Any) -> None:
    """部门范围 lists the directory's departments as "name (code)" in tree order, after 发起部门; an expression
    in the diagram stays selected as written. Picking a department stores the quoted code the engine
    evaluates, so a case started on the deployed diagram gives the task to that department; a code the
    directory does not know is shown as such and kept."""
    province = f.department("330000", "浙江省大数据局")
    city = f.department("330100", "杭州市数据资源管理局", parent=province)
    dept = f.department()
    f.role("reviewer", "审核员")
    designer = f.user("designer", roles=["designer"], dept=dept)
    draft = draft_create(actor=f.actor(designer))
    xml = _scoped_diagram("department_code")
    draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=xml, revision=draft.revision)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    canvas = open_modeler(page, live_server, draft)
    panel = page.locator("#tb-designer-properties")

    canvas.locator('.djs-element[data-element-id="review"]').click()
    scope = panel.locator("#bio-properties-panel-tongban-departmentScope")
    expression = panel.locator("#bio-properties-panel-tongban-departmentScopeExpression")
    assert scope.input_value() == expression.input_value() == "department_code"
    assert [text.strip() for text in scope.locator("option").all_inner_texts()] == [
        "（发起部门）",
        "浙江省大数据局 (330000)",
        "杭州市数据资源管理局 (330100)",
        "西湖区大数据局 (330106)",
        "按表达式：department_code",
    ]

    scope.select_option(label="\u00a0\u00a0杭州市数据资源管理局 (330100)")
    saved = _autosaved(draft.pk, _scope_is("'330100'"))
    assert expression.input_value() == "'330100'"
    page.locator('[data-save-status][data-save-state="saved"]').wait_for()
    page.click('[data-action="validate"]')
    page.locator('[data-problems-summary][data-state="valid"]').wait_for()
    f.deploy(etree.tostring(saved.getroottree(), encoding="unicode"))
    case = instance_start(process_key=KEY, actor=f.actor(f.user("applicant")), department_id=dept.pk, business_key="S")
    assert HumanTask.objects.get(instance=case).department_id == city.pk

    expression.fill("'999999'")
    _autosaved(draft.pk, _scope_is("'999999'"))
    assert scope.input_value() == "'999999'"
    assert scope.locator("option:checked").inner_text() == "999999（组织机构中没有此部门）"
    assert not errors, errors


def test_an_english_page_shows_handler_docs_in_english(page: Any, live_server: Any) -> None:
    """After switching to English, the operator dropdown and a parameter's help show the English half of
    the handler's "中文 / English" documentation only."""
    dept = f.department()
    designer = f.user("designer", roles=["designer"], dept=dept)
    draft = draft_create(actor=f.actor(designer))
    xml = diagram(with_service_task=True)
    draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=xml, revision=draft.revision)
    login(page, live_server, "designer", "pass12345")
    page.goto(f"{live_server.url}/flows/designer/")
    with page.expect_navigation():
        page.locator('form.tb-lang button[value="en"]').first.click()
    page.click(f'tr[data-draft-id="{draft.pk}"] a >> nth=0')
    page.locator('#tb-designer[data-state="ready"]').wait_for()
    panel = page.locator("#tb-designer-properties")

    page.locator('#tb-designer-canvas .djs-element[data-element-id="notify"]').click()
    operator = panel.locator("#bio-properties-panel-tongban-operator")
    label = operator.locator('option[value="approvals/decision_record"]').inner_text()
    assert (
        label
        == "approvals/decision_record — Records an approval decision against the case's business key, once per task."
    )
    operator.select_option("approvals/decision_record")
    help_text = panel.locator('[data-entry-id="tongban-parameter-0"] .bio-properties-panel-description')
    assert help_text.inner_text() == "approved or not"
    assert "通过" not in panel.inner_text()

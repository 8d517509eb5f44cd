"""Versions, diff and migration in a real browser: v1 (start → A → end) has an instance waiting on A; v2
adds B after A. The diff page draws both versions with bpmn-js and marks B as added on the new diagram;
the migration page's dry run (loaded by htmx) lists the instance as migratable; 迁移 moves it (the case
page shows v2), and 回滚 from the history puts it back (the case page shows v1 again)."""

from typing import Any

import pytest

from processes.engine.parser import BPMN_NS, CAMUNDA_NS
from processes.models import MigrationBatch, ProcessInstance
from processes.services.definitions import definition_deploy
from processes.services.instances import instance_start
from tests import factories as f
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KEY = "diff_e2e"


def diagram(*, with_b: bool) -> str:
    """start → A → end, or start → A → B → end; each with its layout."""
    after_a = "B" if with_b else "end"
    b = (
        '<bpmn:userTask id="B" name="复核" camunda:candidateGroups="reviewer">'
        "<bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:sequenceFlow id="f3" sourceRef="B" targetRef="end" />'
        if with_b
        else ""
    )
    b_di = (
        '<bpmndi:BPMNShape id="B_di" bpmnElement="B"><dc:Bounds x="420" y="160" width="100" height="80" />'
        '</bpmndi:BPMNShape><bpmndi:BPMNEdge id="f3_di" bpmnElement="f3"><di:waypoint x="520" y="200" />'
        '<di:waypoint x="600" y="200" /></bpmndi:BPMNEdge>'
        if with_b
        else ""
    )
    end_x = 600 if with_b else 420
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:camunda="{CAMUNDA_NS}"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="diff_defs" targetNamespace="https://tongban.dev/bpmn/test">
  <bpmn:process id="{KEY}" name="对比测试" isExecutable="true">
    <bpmn:startEvent id="start" name="提交"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="A" />
    <bpmn:userTask id="A" name="审核" camunda:candidateGroups="reviewer">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="A" targetRef="{after_a}" />
    {b}
    <bpmn:endEvent id="end" name="结束"><bpmn:incoming>{"f3" if with_b else "f2"}</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diff_diagram"><bpmndi:BPMNPlane id="diff_plane" bpmnElement="{KEY}">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="182" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="A_di" bpmnElement="A"><dc:Bounds x="220" y="160" width="100" height="80" />
    </bpmndi:BPMNShape>
    {b_di}
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="{end_x}" y="182" width="36" height="36" />
    </bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="200" /><di:waypoint x="220" y="200" />
    </bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="320" y="200" />
      <di:waypoint x="{420 if with_b else end_x}" y="200" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def case_version(page: Any, live_server: Any, instance: ProcessInstance) -> str:
    page.goto(f"{live_server.url}/workbench/cases/{instance.pk}/")
    return page.locator(".tb-case-meta").inner_text()


def test_diff_marks_the_added_task_and_migration_moves_and_rolls_back(page: Any, live_server: Any) -> None:
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    ops = f.user("ops", is_staff=True)
    definition_deploy(bpmn_xml=diagram(with_b=False), file_name="diff.bpmn", actor=f.actor(ops), note="初版")
    instance = instance_start(process_key=KEY, actor=f.actor(clerk), department_id=dept.pk, business_key="DIFF-E2E")
    definition_deploy(bpmn_xml=diagram(with_b=True), file_name="diff.bpmn", actor=f.actor(ops), note="加入复核")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    dialogs: list[str] = []

    def accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)

    login(page, live_server, "ops", "pass12345")
    page.goto(f"{live_server.url}/flows/{KEY}/")
    assert "加入复核" in page.locator('tr[data-version="2"]').inner_text()

    # 对比 (v1 → v2 by default): B is added on the new diagram, A is left alone, B is not on the old one.
    page.click("form.tb-compare button[type=submit]")
    new = page.locator('#tb-diff-new[data-state="ready"]')
    new.wait_for()
    old = page.locator('#tb-diff-old[data-state="ready"]')
    old.wait_for()
    assert new.locator('.djs-element.tb-diff-added[data-element-id="B"]').count() == 1
    assert new.locator('.djs-element.tb-diff-changed[data-element-id="f2"]').count() == 1
    assert new.locator('.djs-element[data-element-id="A"]').count() == 1
    assert new.locator('.djs-element.tb-diff-added[data-element-id="A"]').count() == 0
    assert old.locator('[data-element-id="B"]').count() == 0
    assert old.locator('.djs-element.tb-diff-changed[data-element-id="f2"]').count() == 1
    for diagram_pane in (new, old):
        assert diagram_pane.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays
    entry = page.locator('#tb-diff-changes li[data-element-id="B"][data-kind="added"]')
    assert "复核" in entry.inner_text()
    entry.locator("button[data-locate]").click()
    new.locator('.djs-element.tb-diff-focus[data-element-id="B"]').wait_for()

    # 迁移到此版本: the dry run lists the instance as migratable; 迁移 moves it.
    page.goto(f"{live_server.url}/flows/{KEY}/")
    page.click('a[data-migrate-version="2"]')
    row = page.locator(f'tr[data-instance-id="{instance.pk}"][data-migratable="true"]')
    row.wait_for()
    assert "DIFF-E2E" in row.inner_text()
    page.click('button[data-action="migrate"]')
    # The job's page (the job ran on commit: embedded Celery) says what it did and links to the batch.
    page.locator('#tb-migration-job[data-status="done"]').wait_for()
    assert "已迁移 1 个实例" in page.locator("#tb-migration-job").inner_text()
    assert dialogs and "v2" in dialogs[-1]
    batch = MigrationBatch.objects.get()
    page.click(f'#tb-migration-job a[href*="batch={batch.pk}"]')
    page.locator("#batch").wait_for()
    assert page.locator(f'tr[data-batch-id="{batch.pk}"][data-rolled-back="false"]').count() == 1
    assert f"{KEY} v2" in case_version(page, live_server, instance)

    # 回滚 from the history: back on v1.
    page.goto(f"{live_server.url}/flows/{KEY}/migrate/")
    page.locator(f'tr[data-batch-id="{batch.pk}"] button[data-action="rollback"]').click()
    page.locator('#tb-migration-job[data-status="done"]').wait_for()
    assert "已回滚 1 个实例" in page.locator("#tb-migration-job").inner_text()
    page.goto(f"{live_server.url}/flows/{KEY}/migrate/")
    page.locator(f'tr[data-batch-id="{batch.pk}"][data-rolled-back="true"]').wait_for()
    assert f"{KEY} v1" in case_version(page, live_server, instance)
    instance.refresh_from_db()
    assert instance.definition.version == 1

    assert not errors, errors
    foreign = [url for url in requests if not url.startswith(live_server.url)]
    assert not foreign, foreign

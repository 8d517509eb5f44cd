"""流程设计 in a real browser, the ways work could be lost or overwritten: leaving the modeler (or the form
editor) with unsaved edits makes the browser ask first, and a small diagram's last edit still reaches the
server on the way out; a Camunda Modeler service task shows its camunda:topic as the operator, and choosing
an operator replaces it; 上传 asks before replacing the diagram and can be undone; deploy sends the revision
the page saved, and a 409 explains itself (outdated base: diff link and 仍然部署; saved elsewhere: reload)."""

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from processes.engine.parser import CAMUNDA_NS
from processes.models import ProcessDraft
from processes.services.designer import draft_create, draft_save
from tests import factories as f
from tests.benchmarks.designer import designer_diagram
from tests.e2e.conftest import login
from tests.e2e.test_designer_e2e import PANEL_DIAGRAM, _autosaved, _by_id, _panel_draft, open_modeler
from webui.views.designer import modeler_strings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent
CAMUNDA_FILE = f.FIXTURES / "camunda_modeler.bpmn"
SPIFF_OPERATOR = "{http://spiffworkflow.org/bpmn/schema/1.0/core}serviceTaskOperator"


@pytest.fixture(scope="module", autouse=True)
def _modeler_bundle() -> None:
    """The modeler bundle as `make setup` builds it (a no-op when its sources did not change)."""
    subprocess.run(["node", "webui/frontend/build.mjs"], cwd=ROOT, check=True, capture_output=True)


def _draft(bpmn_xml: str) -> ProcessDraft:
    designer = f.user("designer", roles=["designer"], dept=f.department())
    draft = draft_create(actor=f.actor(designer))
    draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=bpmn_xml, revision=draft.revision)
    return ProcessDraft.objects.get(pk=draft.pk)


def _dialogs(page: Any, *, accept: bool) -> list[str]:
    """The types of the dialogs the page opens, each accepted (leave) or dismissed (stay)."""
    seen: list[str] = []

    def answer(dialog: Any) -> None:
        seen.append(dialog.type)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", answer)
    return seen


def _set_priority(page: Any, element_id: str, value: str) -> None:
    page.locator(f'#tb-designer-canvas .djs-element[data-element-id="{element_id}"]').click()
    page.locator("#bio-properties-panel-tongban-priority").fill(value)
    page.locator('[data-save-status][data-save-state="dirty"]').wait_for()


def test_leaving_a_large_diagram_with_an_unsaved_edit_asks_first(page: Any, live_server: Any) -> None:
    """A diagram too large for a keepalive request (> 64 KB): leaving right after an edit makes the browser
    ask; staying, the edit is autosaved, and leaving afterwards asks nothing."""
    draft = _draft(designer_diagram(key="big_flow"))
    assert len(draft.bpmn_xml.encode()) > 64 * 1024
    seen = _dialogs(page, accept=False)
    open_modeler(page, live_server, draft)

    _set_priority(page, "review_0", "7")
    page.evaluate("document.querySelector('a[href=\"/flows/designer/\"]').click()")
    page.wait_for_timeout(300)
    assert seen == ["beforeunload"]
    assert page.locator('#tb-designer[data-state="ready"]').count() == 1  # still here

    _autosaved(draft.pk, lambda root: _by_id(root, "review_0").get(f"{{{CAMUNDA_NS}}}priority") == "7")
    page.locator('[data-save-status][data-save-state="saved"]').wait_for()
    page.goto(f"{live_server.url}/flows/designer/")
    assert seen == ["beforeunload"]


def test_leaving_a_small_diagram_right_after_an_edit_still_saves_it(page: Any, live_server: Any) -> None:
    """Leaving before autosave ran: the browser asks; leaving anyway, the edit goes with a keepalive request
    at the revision the page holds, and the server stores it."""
    draft = _panel_draft()
    seen = _dialogs(page, accept=True)
    open_modeler(page, live_server, draft)

    _set_priority(page, "review", "42")
    page.goto(f"{live_server.url}/flows/designer/")
    assert seen == ["beforeunload"]
    _autosaved(draft.pk, lambda root: _by_id(root, "review").get(f"{{{CAMUNDA_NS}}}priority") == "42")


def test_a_camunda_topic_is_the_operator_until_one_is_chosen(page: Any, live_server: Any) -> None:
    """An uploaded Camunda Modeler service task shows its camunda:topic as the operator (registered: selected;
    unknown: "<topic>（未注册）"); choosing an operator writes spiffworkflow's and drops camunda:topic/type."""
    camunda = CAMUNDA_FILE.read_text("utf-8")
    draft = _draft(camunda)
    unknown = draft_create(actor=f.actor(draft.owner))
    draft_save(
        actor=f.actor(draft.owner),
        draft_id=unknown.pk,
        bpmn_xml=camunda.replace('camunda:topic="testing/check"', 'camunda:topic="legacy/send_sms"'),
        revision=unknown.revision,
    )
    canvas = open_modeler(page, live_server, draft)
    panel = page.locator("#tb-designer-properties")
    canvas.locator('.djs-element[data-element-id="Activity_notify"]').click()
    operator = panel.locator("#bio-properties-panel-tongban-operator")
    assert operator.input_value() == "testing/check"

    operator.select_option("approvals/decision_record")
    task = _autosaved(draft.pk, lambda root: _by_id(root, "Activity_notify").find(f".//{SPIFF_OPERATOR}"))
    assert task.get("id") == "approvals/decision_record"
    notify = _by_id(_autosaved(draft.pk, lambda root: root), "Activity_notify")
    assert notify.get(f"{{{CAMUNDA_NS}}}topic") is None and notify.get(f"{{{CAMUNDA_NS}}}type") is None

    page.goto(f"{live_server.url}/flows/designer/{unknown.pk}/")
    page.locator('#tb-designer[data-state="ready"]').wait_for()
    page.locator('#tb-designer-canvas .djs-element[data-element-id="Activity_notify"]').click()
    operator = panel.locator("#bio-properties-panel-tongban-operator")
    assert operator.input_value() == "legacy/send_sms"
    assert operator.locator("option:checked").inner_text() == "legacy/send_sms（未注册）"


def test_upload_asks_first_and_can_be_undone(page: Any, live_server: Any) -> None:
    """上传 .bpmn names the file and asks before replacing the diagram: 取消 keeps it; 替换 replaces and saves it;
    撤销上传 brings the diagram from before back and saves it."""
    draft = _panel_draft()
    canvas = open_modeler(page, live_server, draft)
    dialog = page.locator("#tb-upload-dialog")

    page.set_input_files('[data-action="upload"]', str(CAMUNDA_FILE))
    dialog.wait_for()
    assert "camunda_modeler.bpmn" in dialog.inner_text()
    dialog.get_by_role("button", name="取消").click()
    assert canvas.locator('[data-element-id="review"]').count() == 1
    assert ProcessDraft.objects.get(pk=draft.pk).revision == draft.revision

    page.set_input_files('[data-action="upload"]', str(CAMUNDA_FILE))
    dialog.locator("[data-confirm-upload]").click()
    canvas.locator('[data-element-id="Activity_approve"]').wait_for()
    _autosaved(draft.pk, lambda root: _by_id(root, "Activity_approve"))

    page.locator("[data-notice]").get_by_role("button", name="撤销上传").click()
    canvas.locator('[data-element-id="review"]').wait_for()
    _autosaved(draft.pk, lambda root: _by_id(root, "review"))
    assert ProcessDraft.objects.get(pk=draft.pk).key == "panel_e2e"
    page.locator('[data-notice][data-state="ok"]', has_text="已撤销上传").wait_for()


def test_deploy_sends_the_saved_revision_and_explains_a_409(page: Any, live_server: Any) -> None:
    """部署 sends the revision the page last saved; when the server answers that a newer version was deployed
    since the draft's base, the page links the diff and 仍然部署 resends with confirm_outdated; when the draft
    was saved elsewhere, it offers to reload."""
    draft = _panel_draft()
    sent: list[dict[str, Any]] = []
    answers = [
        (
            409,
            {
                "detail": "过时",
                "latest_version": 3,
                "base_version": 2,
                "diff_url": "/flows/panel_e2e/diff/?from=2&to=3",
            },
        ),
        (201, {"created": True, "key": "panel_e2e", "version": 4}),
        (409, {"detail": "别处保存", "revision": 99}),
    ]

    def deploy(route: Any) -> None:
        sent.append(json.loads(route.request.post_data))
        status, body = answers[len(sent) - 1]
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    page.route("**/deploy/", deploy)
    canvas = open_modeler(page, live_server, draft)
    _set_priority(page, "review", "5")
    page.locator('[data-save-status][data-save-state="saved"]').wait_for()
    saved_revision = ProcessDraft.objects.get(pk=draft.pk).revision
    canvas.click(position={"x": 5, "y": 5})

    def deploy_with_note(note: str) -> None:
        page.click('[data-action="deploy"]')
        page.locator("#tb-deploy-dialog textarea[name='note']").fill(note)
        page.locator("#tb-deploy-dialog [data-confirm-deploy]").click()

    deploy_with_note("调整优先级")
    notice = page.locator('[data-notice][data-state="error"]')
    notice.get_by_role("button", name="仍然部署").wait_for()
    assert sent == [{"note": "调整优先级", "revision": saved_revision}]
    assert "第 2 版" in notice.inner_text() and "第 3 版" in notice.inner_text()
    assert notice.get_by_role("link", name="查看差异").get_attribute("href") == "/flows/panel_e2e/diff/?from=2&to=3"
    notice.get_by_role("button", name="仍然部署").click()
    page.locator('[data-notice][data-state="ok"]').wait_for()
    assert sent[1] == {"note": "调整优先级", "revision": saved_revision, "confirm_outdated": True}

    deploy_with_note("再部署一次")
    notice.get_by_role("button", name="重新加载").wait_for()
    assert "别处保存" in notice.inner_text()
    with page.expect_navigation():
        notice.get_by_role("button", name="重新加载").click()
    page.locator('#tb-designer[data-state="ready"]').wait_for()


def test_the_form_editor_asks_before_leaving_unsaved_edits(page: Any, live_server: Any) -> None:
    """Typing into the form editor and leaving makes the browser ask; after 保存表单 leaving asks nothing."""
    draft = _draft(PANEL_DIAGRAM)
    seen = _dialogs(page, accept=False)
    login(page, live_server, "designer", "pass12345")
    page.goto(f"{live_server.url}/flows/designer/{draft.pk}/forms/review/")
    editor = page.locator("#tb-fe-form")
    editor.locator('input[name="title"]').fill("复核意见")
    page.evaluate("document.querySelector('.tb-fe-crumbs a').click()")
    page.wait_for_timeout(300)
    assert seen == ["beforeunload"]
    assert page.url.endswith("/forms/review/")

    with page.expect_navigation():
        editor.get_by_role("button", name="保存表单").first.click()
    assert seen == ["beforeunload"]
    assert "forms/review.json" in ProcessDraft.objects.get(pk=draft.pk).forms
    page.goto(f"{live_server.url}/flows/designer/")
    assert seen == ["beforeunload"]


def test_the_assignee_field_is_called_assignee_in_english() -> None:
    """The panel's 办理人 (camunda:assignee) reads "Assignee" in English, not "Actor"."""
    with translation.override("en"):
        assert modeler_strings()["assignee"] == "Assignee"
    with translation.override("zh-hans"):
        assert modeler_strings()["assignee"] == "办理人"

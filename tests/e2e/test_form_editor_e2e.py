"""A designer builds a task form in a real browser: a required integer with a minimum and a two-option
select, the preview following each edit without a reload, English labels shown after switching the page to
English (the unsaved edits survive the switch); saved into the draft, deployed, and a started instance's
task page shows the fields."""

from typing import Any

import pytest

from processes.models import HumanTask, ProcessDraft, TaskStatus
from processes.services.designer import draft_create, draft_deploy, draft_save
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

APPLY = chain("apply_flow", user_task("fill", "clerk", 'camunda:formKey="apply"'))


HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_idle(page: Any) -> None:
    """Wait until htmx has swapped and settled: a change made while the editor is being replaced is lost
    with the old elements (a person is never that fast; a test is)."""
    page.wait_for_function(f"() => !document.querySelector({HTMX_BUSY!r})")


def fill_field(page: Any, n: int, *, name: str, kind: str, shows: str, label: str, label_en: str) -> None:
    """Choose a field's type — the editor is redrawn with that type's inputs (`shows` is one of them) —
    then type its name and labels."""
    editor = page.locator("#tb-fe-form")
    htmx_idle(page)
    editor.locator(f'select[name="f-{n}-kind"]').select_option(label=kind)
    editor.locator(f'input[name="f-{n}-{shows}"]').wait_for()
    editor.locator(f'input[name="f-{n}-name"]').fill(name)
    editor.locator(f'input[name="f-{n}-label"]').fill(label)
    editor.locator(f'input[name="f-{n}-label_en"]').fill(label_en)


def test_designer_builds_a_form_previews_it_in_both_languages_and_deploys_it(
    page: Any, live_server: Any, open_page: Any
) -> None:
    dept = f.department()
    designer = f.user("designer", roles=["designer"], dept=dept)
    clerk = f.user("clerk", roles=["clerk"], dept=dept)
    draft = draft_create(actor=f.actor(designer))
    draft = draft_save(actor=f.actor(designer), draft_id=draft.pk, bpmn_xml=APPLY, revision=draft.revision)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    login(page, live_server, "designer", "pass12345")
    page.goto(f"{live_server.url}/flows/designer/{draft.pk}/forms/apply/")
    page.evaluate("window.tbNotReloaded = true")
    preview = page.locator("#tb-fe-preview")
    editor = page.locator("#tb-fe-form")

    fill_field(page, 0, name="copies", kind="整数", shows="minimum", label="份数", label_en="Copies")
    editor.locator('input[name="f-0-required"]').check()
    editor.locator('input[name="f-0-minimum"]').fill("1")
    preview.locator('input#tb-field-copies[type="number"][min="1"][aria-required="true"]').wait_for()
    assert preview.locator('label[for="tb-field-copies"]').inner_text().startswith("份数")

    editor.get_by_role("button", name="添加字段").click()
    editor.locator('select[name="f-1-kind"]').wait_for()
    htmx_idle(page)
    fill_field(page, 1, name="level", kind="下拉单选", shows="o-0-value", label="等级", label_en="Level")
    editor.locator('input[name="f-1-o-0-value"]').fill("low")
    editor.locator('input[name="f-1-o-0-label"]').fill("低")
    editor.locator('input[name="f-1-o-0-label_en"]').fill("Low")
    editor.get_by_role("button", name="为字段 2 添加选项").click()
    editor.locator('input[name="f-1-o-1-value"]').wait_for()
    editor.locator('input[name="f-1-o-1-value"]').fill("high")
    editor.locator('input[name="f-1-o-1-label"]').fill("高")
    editor.locator('input[name="f-1-o-1-label_en"]').fill("High")
    preview.locator('#tb-field-level option[value="high"]', has_text="高").wait_for(state="attached")
    assert preview.locator("#tb-field-level option").all_inner_texts() == ["—", "低", "高"]
    assert page.evaluate("window.tbNotReloaded === true"), "the preview came without reloading the page"
    assert ProcessDraft.objects.get(pk=draft.pk).forms == {}  # nothing saved yet

    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        page.locator('form.tb-lang button[value="en"]').first.click()
    page.get_by_text("The unsaved changes made before switching the language were restored.").wait_for()
    preview = page.locator("#tb-fe-preview")
    assert preview.locator('label[for="tb-field-copies"]').inner_text().startswith("Copies")
    assert preview.locator("#tb-field-level option").all_inner_texts() == ["—", "Low", "High"]
    assert page.locator('#tb-fe-form input[name="f-1-o-1-label"]').input_value() == "高"

    with page.expect_navigation():
        page.locator("#tb-fe-form").get_by_role("button", name="Save form").first.click()
    page.get_by_text("Form apply was saved to the draft.").wait_for()
    assert "forms/apply.json" in ProcessDraft.objects.get(pk=draft.pk).forms

    definition = draft_deploy(actor=f.actor(designer), draft_id=draft.pk, note="表单").definition
    instance = instance_start(process_key="apply_flow", actor=f.actor(clerk), department_id=dept.pk)
    assert instance.definition_id == definition.pk
    task = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    clerk_page = open_page()
    login(clerk_page, live_server, "clerk", "pass12345")
    clerk_page.goto(f"{live_server.url}/workbench/tasks/{task.pk}/")
    clerk_page.locator('input#tb-field-copies[type="number"][min="1"]').wait_for()
    assert clerk_page.locator('label[for="tb-field-copies"]').inner_text().startswith("份数")
    assert clerk_page.locator("#tb-field-level option").all_inner_texts() == ["—", "低", "高"]
    assert not errors, errors

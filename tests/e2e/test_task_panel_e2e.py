"""办理 from the inbox in Chromium: the form opens beside the list, a refused value is shown in the panel, and
after 办结 the row is gone from the list while the page itself never reloads."""

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from processes.models import HumanTask
from processes.services.inbox import human_task_claim
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import SCREENSHOTS, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FORM = {
    "type": "object",
    "required": ["copies"],
    "properties": {"copies": {"type": "integer", "title": "材料份数", "minimum": 1, "maximum": 20}},
}


def test_complete_in_the_side_panel_without_reloading_the_inbox(page: Any, live_server: Any) -> None:
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    f.deploy(
        chain("e2e_panel", user_task("核查材料", "reviewer", 'camunda:formKey="e2e_panel"')),
        extra={"forms/e2e_panel.json": json.dumps(FORM, ensure_ascii=False)},
    )
    for key in ("PANEL-1", "PANEL-2"):
        instance = instance_start(
            process_key="e2e_panel", actor=f.actor(clerk), department_id=dept.pk, business_key=key
        )
        human_task_claim(task_id=HumanTask.objects.get(instance=instance).pk, actor=f.actor(clerk))
    first = HumanTask.objects.get(instance__business_key="PANEL-1")

    login(page, live_server, "clerk", "pass12345")
    # Reach the inbox through the shell's menu: a Turbo visit, after which htmx must still be wired.
    page.goto(f"{live_server.url}/notifications/")
    page.locator(".vf-page__menu").get_by_role("link", name="工作台").first.click()
    page.wait_for_url("**/workbench/**")
    page.evaluate("window.__noReload = true")  # gone if the page loads again

    row = page.locator(f"#tb-task-row-{first.pk}")
    row.get_by_role("link", name="在侧栏办理 核查材料").click()
    panel = page.locator("#tb-task-panel")
    copies = panel.get_by_label("材料份数")
    copies.fill("0")
    panel.get_by_role("button", name="办结", exact=True).click()
    expect(panel.locator(".tb-field--error")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "task_panel_refused.png"))
    expect(row).to_be_visible()  # refused: still in the list

    panel.get_by_label("材料份数").fill("3")
    panel.get_by_role("button", name="办结", exact=True).click()
    expect(panel.get_by_role("status").filter(has_text="已办结")).to_be_visible()
    expect(row).to_have_count(0)
    expect(page.locator("tr", has_text="PANEL-2")).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    assert HumanTask.objects.get(pk=first.pk).submitted_data == {"copies": 3}

    page.keyboard.press("Tab")
    page.get_by_role("button", name="关闭").click()
    expect(panel).to_be_empty()


def test_a_task_taken_away_meanwhile_says_so_in_the_panel(page: Any, live_server: Any) -> None:
    """The panel is open when a supervisor hands the task to someone else: 办结 answers in the panel that
    the task is no longer in the list, and its row leaves — nothing fails silently."""
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    colleague = f.user("colleague", roles=["reviewer"], dept=dept)
    f.deploy(
        chain("e2e_panel", user_task("核查材料", "reviewer", 'camunda:formKey="e2e_panel"')),
        extra={"forms/e2e_panel.json": json.dumps(FORM, ensure_ascii=False)},
    )
    instance = instance_start(
        process_key="e2e_panel", actor=f.actor(clerk), department_id=dept.pk, business_key="GONE-1"
    )
    task = HumanTask.objects.get(instance=instance)
    human_task_claim(task_id=task.pk, actor=f.actor(clerk))

    login(page, live_server, "clerk", "pass12345")
    page.goto(f"{live_server.url}/workbench/?tab=mine")
    row = page.locator(f"#tb-task-row-{task.pk}")
    row.get_by_role("link", name="在侧栏办理 核查材料").click()
    panel = page.locator("#tb-task-panel")
    panel.get_by_label("材料份数").fill("2")
    HumanTask.objects.filter(pk=task.pk).update(assignee=colleague)
    panel.get_by_role("button", name="办结", exact=True).click()
    expect(panel.get_by_role("status").filter(has_text="此任务已不在你的待办中")).to_be_visible()
    expect(row).to_have_count(0)
    assert HumanTask.objects.get(pk=task.pk).status == "open"

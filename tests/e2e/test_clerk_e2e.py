"""A clerk's day in a real browser: claim a group task, fix a form error, complete it; 退回 between two clerks."""

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHECK_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["copies", "opinion"],
    "properties": {
        "copies": {"type": "integer", "title": "材料份数", "minimum": 1, "maximum": 20},
        "opinion": {"type": "string", "title": "核查意见", "minLength": 1, "maxLength": 200},
        "urgent": {"type": "boolean", "title": "加急"},
    },
    "additionalProperties": False,
}


def tab(page: Any, name: str) -> None:
    """Open one of the inbox's tabs by its label (unless it is open already) and wait until it is shown."""
    link = page.get_by_role("navigation", name="待办分类").get_by_role("link", name=name, exact=True)
    if link.get_attribute("aria-current") != "page":
        link.click()
        expect(link).to_have_attribute("aria-current", "page")


def flash(page: Any, text: str) -> Any:
    """The page's message saying `text` (the shell may repeat it in a snackbar)."""
    return page.get_by_role("status").filter(has_text=text)


def test_clerk_claims_fixes_a_form_error_and_completes(page: Any, live_server: Any) -> None:
    """A group task is claimed from 待签收, a wrong value is shown next to its field with the other entries
    kept, and once corrected the task is completed: it leaves the inbox and appears under 已办."""
    dept = f.department()
    f.user("clerk", roles=["reviewer"], dept=dept)
    applicant = f.user("applicant")
    form = json.dumps(CHECK_FORM, ensure_ascii=False)
    f.deploy(
        chain("e2e_check", user_task("核查材料", "reviewer", 'camunda:formKey="e2e_check"')),
        extra={"forms/e2e_check.json": form},
    )
    instance_start(process_key="e2e_check", actor=f.actor(applicant), department_id=dept.pk, business_key="E2E-CHK-1")

    login(page, live_server, "clerk", "pass12345")
    page.goto(f"{live_server.url}/workbench/")
    tab(page, "待签收")
    page.get_by_role("checkbox", name="选择 核查材料").check()
    page.get_by_role("button", name="签收所选", exact=True).click()
    flash(page, "已签收 1 个任务").wait_for()

    tab(page, "我的待办")
    page.get_by_role("link", name="核查材料", exact=True).click()
    page.get_by_role("heading", name="核查材料").wait_for()
    copies, opinion = page.get_by_label("材料份数"), page.get_by_label("核查意见")
    copies.fill("0")  # below the form's minimum of 1
    opinion.fill("材料齐全，原件已核对")
    page.get_by_label("加急").check()
    page.get_by_role("button", name="办结", exact=True).click()

    copies.and_(page.locator('[aria-invalid="true"]')).wait_for()
    # The message sits right under its own field, above the next one, and names the limit.
    field, next_field = copies.bounding_box(), opinion.bounding_box()
    assert field and next_field
    below = [
        alert.inner_text()
        for alert in page.get_by_role("alert").all()
        if (box := alert.bounding_box()) and field["y"] + field["height"] <= box["y"] < next_field["y"]
    ]
    assert len(below) == 1 and "1" in below[0], below
    assert opinion.input_value() == "材料齐全，原件已核对"
    assert copies.input_value() == "0"
    assert page.get_by_label("加急").is_checked()
    assert opinion.get_attribute("aria-invalid") != "true"

    copies.fill("3")
    page.get_by_role("button", name="办结", exact=True).click()
    flash(page, "任务“核查材料”已办结。").wait_for()

    page.goto(f"{live_server.url}/workbench/")
    tab(page, "我的待办")
    assert page.get_by_role("link", name="核查材料", exact=True).count() == 0
    page.get_by_text("没有待办任务。").wait_for()
    tab(page, "待签收")
    assert page.get_by_role("link", name="核查材料", exact=True).count() == 0
    tab(page, "已办")
    done = page.get_by_role("row").filter(has=page.get_by_role("link", name="核查材料", exact=True))
    done.wait_for()
    assert "E2E-CHK-1" in done.inner_text()


def test_returned_task_comes_back_with_the_opinion(page: Any, open_page: Any, live_server: Any) -> None:
    """Clerk A drafts, clerk B returns the review with an opinion (退回); A finds the draft back in 我的待办
    and reads B's opinion on the task page."""
    dept = f.department()
    f.user("drafter", roles=["cataloguer"], dept=dept)
    f.user("checker", roles=["reviewer"], dept=dept)
    f.deploy("two_step")
    instance_start(
        process_key="two_step", actor=f.actor(f.user("applicant")), department_id=dept.pk, business_key="E2E-RET-1"
    )
    opinion = "目录字段不全，请补充“更新频率”。"

    first = open_page()
    login(first, live_server, "drafter", "pass12345")
    first.goto(f"{live_server.url}/workbench/")
    tab(first, "待签收")
    first.get_by_role("link", name="起草", exact=True).click()
    first.get_by_role("heading", name="起草").wait_for()
    first.get_by_role("button", name="办结", exact=True).click()
    flash(first, "任务“起草”已办结。").wait_for()

    reviewer = open_page()
    login(reviewer, live_server, "checker", "pass12345")
    reviewer.goto(f"{live_server.url}/workbench/")
    tab(reviewer, "待签收")
    reviewer.get_by_role("link", name="审核", exact=True).click()
    reviewer.get_by_role("heading", name="审核").wait_for()
    reviewer.get_by_label("退回意见").fill(opinion)
    reviewer.get_by_role("button", name="退回", exact=True).click()
    flash(reviewer, "任务“审核”已退回。").wait_for()

    login(page, live_server, "drafter", "pass12345")
    page.goto(f"{live_server.url}/workbench/")
    tab(page, "我的待办")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="起草", exact=True))
    row.wait_for()
    assert "E2E-RET-1" in row.inner_text()
    row.get_by_role("link", name="起草", exact=True).click()
    returned = page.get_by_role("region", name="退回意见")
    returned.wait_for()
    assert opinion in returned.inner_text()
    assert page.get_by_role("button", name="办结", exact=True).is_visible(), "the drafter can work the task again"

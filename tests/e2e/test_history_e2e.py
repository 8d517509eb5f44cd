"""The browser's Back and Forward buttons across the two ways pages change: viewflow's shell follows links
with Turbo (the body is swapped, the entry is Turbo's), filters and pages are swapped in by htmx (the entry
is htmx's). Whichever pushed an entry, going back to it shows what its address says, and so does going
forward again (webui/static/webui/shell.js).

`window.__marker` is set on a page and checked later: it survives only if no full page load happened.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from processes.models import AuditEvent, HumanTask
from processes.services.audit import AuditBuffer
from processes.services.inbox import human_task_claim
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def claimed() -> dict[str, HumanTask]:
    """The clerk holds two tasks: one overdue (REQ-LATE), one due next month (REQ-LATER)."""
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    f.deploy(chain("history", user_task("审核材料", "reviewer")))
    tasks = {}
    for key, due in [("REQ-LATE", timedelta(days=-1)), ("REQ-LATER", timedelta(days=30))]:
        instance = instance_start(process_key="history", actor=f.actor(clerk), department_id=dept.pk, business_key=key)
        task = HumanTask.objects.get(instance=instance)
        human_task_claim(task_id=task.pk, actor=f.actor(clerk))
        HumanTask.objects.filter(pk=task.pk).update(due_at=timezone.now() + due)
        tasks[key] = task
    return tasks


def _inbox_shown(page: Any, rows: int, due: str) -> None:
    """The inbox is on screen (not a page left behind) with `rows` task rows and the 期限 filter at `due`."""
    expect(page.get_by_role("heading", name="我的待办", exact=True)).to_be_visible()
    expect(page.locator("tr[data-task-id]")).to_have_count(rows)
    expect(page.locator('select[name="due"]')).to_have_value(due)


def _task_shown(page: Any, task: HumanTask) -> None:
    page.wait_for_url(f"**/workbench/tasks/{task.pk}/")
    expect(page.locator("h1").first).to_have_text(task.name)
    expect(page.locator('select[name="due"]')).to_have_count(0)


def test_back_from_a_task_returns_to_the_filtered_inbox_and_forward_to_the_task(
    page: Any, live_server: Any, claimed
) -> None:  # type: ignore[no-untyped-def]
    """Filter the inbox to 已逾期 (htmx pushes the address), open the task (Turbo), Back: the filtered list,
    not the task under the list's address. Forward: the task again. Back twice more: the filtered, then the
    unfiltered list."""
    late = claimed["REQ-LATE"]
    login(page, live_server, "clerk", "pass12345")
    page.goto(f"{live_server.url}/workbench/")
    _inbox_shown(page, 2, "")

    page.locator('select[name="due"]').select_option("overdue")
    page.wait_for_url("**/workbench/?**due=overdue**")
    _inbox_shown(page, 1, "overdue")
    filtered = page.url

    page.evaluate("window.__marker = 'inbox'")
    page.locator(f'tr[data-task-id="{late.pk}"] td a').first.click()
    _task_shown(page, late)
    assert page.evaluate("window.__marker") == "inbox", "the task link was followed by Turbo"

    page.go_back()
    page.wait_for_url(filtered)
    _inbox_shown(page, 1, "overdue")
    expect(page.locator(f'tr[data-task-id="{late.pk}"]')).to_contain_text("REQ-LATE")

    page.go_forward()
    _task_shown(page, late)

    page.go_back()
    page.wait_for_url(filtered)
    _inbox_shown(page, 1, "overdue")
    page.go_back()
    page.wait_for_url(f"{live_server.url}/workbench/")
    _inbox_shown(page, 2, "")


def test_turbos_own_back_and_forward_still_restore_without_a_reload(page: Any, live_server: Any, claimed) -> None:  # type: ignore[no-untyped-def]
    """Without an htmx filter in between, Back from a task to the inbox and Forward again are Turbo's: the
    right page each time, and no full page load."""
    later = claimed["REQ-LATER"]
    login(page, live_server, "clerk", "pass12345")
    page.goto(f"{live_server.url}/workbench/")
    _inbox_shown(page, 2, "")
    page.evaluate("window.__marker = 'turbo'")

    page.locator(f'tr[data-task-id="{later.pk}"] td a').first.click()
    _task_shown(page, later)
    page.go_back()
    page.wait_for_url(f"{live_server.url}/workbench/")
    _inbox_shown(page, 2, "")
    page.go_forward()
    _task_shown(page, later)
    assert page.evaluate("window.__marker") == "turbo", "Turbo restored both pages, nothing was reloaded"


@pytest.fixture
def trail() -> list[AuditEvent]:
    f.user("auditor", roles=["auditor"])
    buffer = AuditBuffer()
    buffer.add("task_completed", actor="zhangsan", payload={"note": "EVT-DONE"})
    buffer.add("task_returned", actor="lisi", payload={"note": "EVT-RETURNED"})
    return buffer.flush()


def test_back_from_an_audit_event_returns_to_the_filtered_search_and_forward_to_the_event(
    page: Any, live_server: Any, trail
) -> None:  # type: ignore[no-untyped-def]
    """审计: filter by action (htmx pushes the address), open an event (Turbo), Back: the filtered search;
    Forward: the event again."""
    returned = trail[1]
    login(page, live_server, "auditor", "pass12345")
    page.goto(f"{live_server.url}/audit/")
    results = page.locator("#tb-audit-results tr[data-event-id]")
    expect(page.locator(f'tr[data-event-id="{trail[0].pk}"]')).to_be_visible()  # and the login just made

    page.locator('select[name="action"]').select_option("task_returned")
    page.wait_for_url("**/audit/?**action=task_returned**")
    expect(results).to_have_count(1)
    filtered = page.url

    page.locator(f'tr[data-event-id="{returned.pk}"] a').first.click()
    page.wait_for_url(f"**/audit/events/{returned.pk}/")
    expect(page.locator("h1").first).to_contain_text(f"#{returned.pk}")

    page.go_back()
    page.wait_for_url(filtered)
    expect(page.get_by_role("heading", name="审计检索", exact=True)).to_be_visible()
    expect(results).to_have_count(1)
    expect(page.locator('select[name="action"]')).to_have_value("task_returned")

    page.go_forward()
    page.wait_for_url(f"**/audit/events/{returned.pk}/")
    expect(page.locator("h1").first).to_contain_text(f"#{returned.pk}")
    expect(page.locator("#tb-audit-results")).to_have_count(0)

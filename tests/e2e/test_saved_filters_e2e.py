"""常用筛选 in a real browser: the view saved is the one on screen, even when the filters were changed in
place by htmx after the page loaded, and the highlighted saved view follows the filters."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from processes.models import HumanTask, SavedTaskFilter
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_saving_after_an_htmx_filter_saves_that_filter(page: Any, live_server: Any) -> None:
    """Load the inbox, set 期限 to 已逾期 (htmx swaps the list, the page stays), save it as "逾期": the saved
    view and its link hold due=overdue, and it is the highlighted one until the filter changes."""
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    f.deploy(chain("saved", user_task("审核材料", "reviewer")))
    for key, due in [("REQ-LATE", timedelta(days=-1)), ("REQ-LATER", timedelta(days=30))]:
        instance_start(process_key="saved", actor=f.actor(clerk), department_id=dept.pk, business_key=key)
        HumanTask.objects.filter(instance__business_key=key).update(due_at=timezone.now() + due)

    login(page, live_server, "clerk", "pass12345")
    page.goto(f"{live_server.url}/workbench/?tab=group")
    rows = page.locator("tr[data-task-id]")
    expect(rows).to_have_count(2)
    page.evaluate("window.__marker = 'loaded'")
    page.locator('select[name="due"]').select_option("overdue")
    page.wait_for_url("**/workbench/?**due=overdue**")
    expect(rows).to_have_count(1)
    assert page.evaluate("window.__marker") == "loaded", "the filter was applied in place"

    page.fill('#tb-saved-new input[name="name"]', "逾期")
    with page.expect_navigation():
        page.click('#tb-saved-new button[type="submit"]')
    saved = SavedTaskFilter.objects.get(user=clerk)
    assert saved.name == "逾期" and "due=overdue" in saved.query and "tab=group" in saved.query
    chip = page.locator(".tb-saved-item", has_text="逾期")
    assert "due=overdue" in (chip.get_by_role("link", name="逾期").get_attribute("href") or "")
    expect(chip).to_have_class("tb-saved-item tb-saved-item--active")

    # The highlight follows the filters htmx changes: off for another window, on again for this one.
    page.locator('select[name="due"]').select_option("week")
    page.wait_for_url("**/workbench/?**due=week**")
    expect(chip).to_have_class("tb-saved-item")
    page.locator('select[name="due"]').select_option("overdue")
    expect(chip).to_have_class("tb-saved-item tb-saved-item--active")

    page.locator('select[name="due"]').select_option("")
    expect(rows).to_have_count(2)
    chip.get_by_role("link", name="逾期").click()
    page.wait_for_url("**/workbench/?**due=overdue**")
    expect(rows).to_have_count(1)
    expect(page.locator('select[name="due"]')).to_have_value("overdue")

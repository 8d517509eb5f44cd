"""督办 and 审计 work in place in a real browser: filters update the results and the address bar, 催办,
bulk reassign (批量改派), 批准 an extension and chain verification answer without leaving the page, and an
export downloads. The pages are reached by the shell's menu, which viewflow's Turbo follows by swapping
the body: htmx must still work after such a navigation (webui/static/webui/shell.js).

`window.__marker` is set on a page and checked later: it survives only if no full page load happened.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from processes.models import ExtensionRequest, HumanTask
from processes.services.instances import instance_start
from processes.services.supervision import extension_request
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@dataclass
class Supervised:
    tasks: list[HumanTask]  # REQ-A and REQ-B at warning level 2, REQ-C at level 1
    extension: ExtensionRequest  # pending, for REQ-B


@pytest.fixture
def supervised() -> Supervised:
    """A city supervisor (boss) over a district with two reviewers; three open tasks at different warning
    levels, and the clerk's request for two more working days on one of them."""
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    clerk = f.user("clerk", roles=["reviewer"], dept=district)
    f.user("expert", roles=["reviewer"], dept=district)
    f.user("boss", roles=["supervisor"], dept=city)
    f.deploy(chain("sla", user_task("审核材料", "reviewer")))
    tasks = []
    for key in ["REQ-A", "REQ-B", "REQ-C"]:
        instance = instance_start(process_key="sla", actor=f.actor(clerk), department_id=district.pk, business_key=key)
        tasks.append(HumanTask.objects.get(instance=instance))
    HumanTask.objects.update(escalation_level=2, due_at=timezone.now() + timedelta(days=3))
    HumanTask.objects.filter(pk=tasks[2].pk).update(escalation_level=1)
    request = extension_request(task_id=tasks[1].pk, actor=f.actor(clerk), working_days=2, reason="材料未齐")
    return Supervised(tasks=[HumanTask.objects.get(pk=t.pk) for t in tasks], extension=request)


def watch(page: Any, live_server: Any) -> tuple[list[str], list[str]]:
    """Collect the page's script errors and any request to another host."""
    errors: list[str] = []
    foreign: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url))
    return errors, foreign


def follow_menu(page: Any, live_server: Any, name: str, path: str, heading: str) -> None:
    """Click the shell's menu link and check Turbo swapped the body instead of loading a new page."""
    page.evaluate("window.__marker = 'turbo'")
    page.locator("vf-page-menu-navigation").get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(f"{live_server.url}{path}")
    page.get_by_role("heading", name=heading, exact=True).wait_for()
    assert page.evaluate("window.__marker") == "turbo", "the menu link was followed by Turbo, not a page load"


def test_supervisor_works_in_place_after_a_turbo_navigation(page: Any, live_server: Any, supervised) -> None:  # type: ignore[no-untyped-def]
    tasks, extension = supervised.tasks, supervised.extension
    errors, foreign = watch(page, live_server)
    login(page, live_server, "boss", "pass12345")
    follow_menu(page, live_server, "督办", "/supervision/", "督办")

    # Filtering by warning level: the results and the address bar change, the page stays.
    page.locator('select[name="level"]').select_option("1")
    page.wait_for_url("**/supervision/?**level=1**")
    page.wait_for_function("document.querySelectorAll('tr[data-task-id]').length === 1")
    assert "REQ-C" in page.locator("#tb-sv-results").inner_text()
    page.locator('select[name="level"]').select_option("")
    page.wait_for_function("document.querySelectorAll('tr[data-task-id]').length === 3")
    assert page.evaluate("window.__marker") == "turbo", "htmx filtered in place"

    # 催办 one task: its row says so.
    row = page.locator(f"#tb-sv-task-{tasks[0].pk}")
    row.locator('input[name="message"]').fill("请尽快办理")
    row.get_by_role("button", name="催办").click()
    page.locator(f"#tb-sv-task-{tasks[0].pk} [data-outcome=ok]").wait_for()

    # Reassign one task to a colleague: the outcome is shown above the refreshed results.
    page.locator(f'input[name="task_ids"][value="{tasks[1].pk}"]').check()
    page.locator('input[name="target"]').fill("expert")
    page.get_by_role("button", name="批量改派").click()
    page.locator("#tb-sv-results > .tb-outcome").wait_for()
    assert "已改派 1 个任务给 expert" in page.locator("#tb-sv-results").inner_text()
    assert page.evaluate("window.__marker") == "turbo", "催办 and 改派 answered in place"
    assert HumanTask.objects.get(pk=tasks[1].pk).assignee.username == "expert"

    # 批准 the extension request on its page: the row turns approved in place.
    page.goto(f"{live_server.url}/supervision/extensions/")
    page.evaluate("window.__marker = 'extensions'")
    page.locator(f"#tb-sv-ext-{extension.pk}").get_by_role("button", name="批准").click()
    page.locator(f'#tb-sv-ext-{extension.pk}[data-status="approved"]').wait_for()
    assert page.evaluate("window.__marker") == "extensions"
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "approved"
    assert not errors, errors
    assert not foreign, foreign


def test_auditor_works_in_place_after_a_turbo_navigation(page: Any, live_server: Any) -> None:
    f.user("auditor", roles=["auditor"])
    errors, foreign = watch(page, live_server)
    login(page, live_server, "auditor", "pass12345")  # the login itself is audited
    follow_menu(page, live_server, "审计", "/audit/", "审计检索")

    page.locator('select[name="action"]').select_option("login")
    page.wait_for_url("**/audit/?**action=login**")
    page.locator("#tb-audit-results").get_by_text("登录").first.wait_for()
    page.get_by_role("button", name="校验哈希链").click()
    page.locator("[data-verify=ok]").wait_for()
    assert page.evaluate("window.__marker") == "turbo", "filter and verification answered in place"

    export = page.locator("a.tb-audit-export").first
    assert "action=login" in (export.get_attribute("href") or ""), "the export follows the filter"
    with page.expect_download() as download:
        export.click()
    assert download.value.suggested_filename.startswith("audit-")
    page.locator("#tb-audit-progress").wait_for(state="hidden")
    assert not errors, errors
    assert not foreign, foreign

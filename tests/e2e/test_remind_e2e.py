"""Issue 4 in a real browser: a supervisor sends 催办 with a message, the clerk sees the bell's count and
reads the message on the notification page; marking it read clears the badge in place."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from processes.models import HumanTask
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MESSAGE = "请今天下班前审完 REQ-LATE 的材料"


@pytest.fixture
def overdue_task() -> HumanTask:
    """A city supervising its district; the district's reviewer has an unclaimed task a day overdue."""
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    clerk = f.user("clerk", roles=["reviewer"], dept=district)
    f.user("boss", roles=["supervisor"], dept=city)
    f.deploy(chain("sla", user_task("审核材料", "reviewer")))
    instance = instance_start(
        process_key="sla", actor=f.actor(clerk), department_id=district.pk, business_key="REQ-LATE"
    )
    HumanTask.objects.filter(instance=instance).update(due_at=timezone.now() - timedelta(days=1))
    return HumanTask.objects.get(instance=instance)


def test_supervisor_reminds_and_the_clerk_reads_it(page: Any, browser: Any, live_server: Any, overdue_task) -> None:  # type: ignore[no-untyped-def]
    requests: list[str] = []
    errors: list[str] = []
    boss_context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 768}
    )
    boss_context.set_default_timeout(15_000)
    try:
        boss = boss_context.new_page()
        boss.on("request", lambda request: requests.append(request.url))
        boss.on("pageerror", lambda error: errors.append(str(error)))
        login(boss, live_server, "boss", "pass12345")
        boss.get_by_role("link", name="督办").first.click()
        boss.wait_for_url(f"{live_server.url}/supervision/**")
        boss.get_by_role("link", name="逾期").first.click()
        row = boss.locator(f'tr[data-task-id="{overdue_task.pk}"]')
        row.wait_for()
        assert "REQ-LATE" in row.inner_text()
        row.locator('input[name="message"]').fill(MESSAGE)
        row.get_by_role("button", name="催办").click()
        boss.get_by_text("已催办").first.wait_for()
    finally:
        boss_context.close()

    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, "clerk", "pass12345")
    count = page.locator(".tb-bell [data-unread]")
    count.wait_for()
    assert int(count.get_attribute("data-unread")) >= 1
    page.locator("a.tb-bell").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    item = page.locator(".tb-ntf--unread").filter(has_text=MESSAGE)
    item.wait_for()
    assert "审核材料" in item.inner_text() and "催办" in item.inner_text()

    # In place (htmx): the row is no longer unread and the bell, told by the response, drops its badge.
    with page.expect_response(lambda response: response.url.endswith("/read/")) as marked:
        item.get_by_role("button", name="标为已读").click()
    assert marked.value.request.headers.get("hx-request") == "true", "htmx posted it, not a page load"
    page.locator(".tb-ntf--unread").first.wait_for(state="detached")
    page.locator(".tb-bell [data-unread]").wait_for(state="detached")
    assert re.search(r"\b0 条未读", page.locator("#tb-notification-results").inner_text())
    page.wait_for_load_state("networkidle")

    assert not errors, errors
    foreign = [url for url in requests if not url.startswith(live_server.url)]
    assert not foreign, foreign

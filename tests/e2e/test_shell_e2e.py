"""The web UI shell in a real browser: login, the workbench's task list, the language switch, throttling."""

from typing import Any

import pytest

from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_logs_in_and_sees_a_task_in_the_workbench(page: Any, live_server: Any) -> None:
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    f.deploy(chain("e2e", user_task("review", "reviewer")))
    instance_start(process_key="e2e", actor=f.actor(clerk), department_id=dept.pk)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    login(page, live_server, "clerk", "pass12345")
    assert page.url.startswith(live_server.url) and "/accounts/login/" not in page.url, page.url
    page.get_by_role("link", name="工作台").first.click()
    page.wait_for_url(f"{live_server.url}/workbench/**")
    heading = page.get_by_role("heading", name="我的待办")
    heading.wait_for()
    table = page.locator("table.tb-table")
    assert "review" in table.inner_text()
    assert "e2e" in table.inner_text()
    page.wait_for_load_state("networkidle")

    assert requests, "the browser made requests"
    foreign = [url for url in requests if not url.startswith(live_server.url)]
    assert not foreign, foreign


def test_switching_to_english_changes_the_labels(page: Any, live_server: Any) -> None:
    f.user("clerk", roles=["reviewer"], dept=f.department())
    login(page, live_server, "clerk", "pass12345")
    page.goto(f"{live_server.url}/workbench/")
    page.get_by_role("heading", name="我的待办").wait_for()

    with page.expect_navigation():
        page.locator('form.tb-lang button[value="en"]').first.click()
    page.get_by_role("heading", name="My tasks").wait_for()
    assert "我的待办" not in page.content()
    assert page.url.startswith(f"{live_server.url}/workbench/")


def test_five_wrong_passwords_lock_the_login(page: Any, live_server: Any) -> None:
    f.user("clerk")
    for _ in range(5):
        login(page, live_server, "clerk", "wrong")
        assert "/accounts/login/" in page.url
    login(page, live_server, "clerk", "pass12345")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().strip() == "登录失败次数过多，请 15 分钟后再试。"
    assert "/accounts/login/" in page.url
    assert page.locator('input[name="password"]').is_visible(), "the login form is shown again"
    assert not any(c["name"] == "sessionid" for c in page.context.cookies()), "no session was opened"

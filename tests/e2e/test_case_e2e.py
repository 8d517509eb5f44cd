"""The case page in a real browser: bpmn-js draws the diagram from the static vendor file and marks the open task."""

from typing import Any

import pytest

from processes.services.instances import instance_start
from tests import factories as f
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_case_page_draws_the_diagram_with_the_active_task(page: Any, live_server: Any) -> None:
    dept = f.department()
    f.user("head", roles=["dept_head"], dept=dept)
    applicant = f.user("applicant")
    f.deploy("camunda_modeler")
    instance = instance_start(
        process_key="leave_request", actor=f.actor(applicant), department_id=dept.pk, business_key="LEAVE-E2E"
    )
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    login(page, live_server, "applicant", "pass12345")
    page.goto(f"{live_server.url}/workbench/cases/{instance.pk}/")
    page.locator('#tb-case-diagram[data-state="ready"]').wait_for()
    diagram = page.locator("#tb-case-diagram")
    assert diagram.locator("svg").count() >= 1
    active = diagram.locator('.djs-element.tb-active[data-element-id="Activity_approve"]')
    assert active.count() == 1
    assert diagram.locator(".bjs-powered-by").count() == 1
    assert diagram.locator(".bjs-powered-by").is_visible()
    assert "LEAVE-E2E" in page.content()
    page.wait_for_load_state("networkidle")

    assert not errors, errors
    foreign = [url for url in requests if not url.startswith(live_server.url)]
    assert not foreign, foreign

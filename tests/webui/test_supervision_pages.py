"""督办 pages: the supervised lists with 催办 and bulk reassign, extension approvals, the league table
(晾晒) with its chart data and XLSX, and the empty state a non-supervisor gets."""

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from processes.models import ExtensionRequest, HumanTask, TaskStatus
from processes.services.instances import instance_start
from processes.services.supervision import extension_request
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.calendar_fake import weekday_calendar

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")
LIST, EXTENSIONS, LEAGUE = "/supervision/", "/supervision/extensions/", "/supervision/league/"


@pytest.fixture
def world(notifier):  # type: ignore[no-untyped-def]
    """A city supervising its district; a department of another city with its own task."""
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    elsewhere = f.department("330200", "宁波市")
    people = {
        "clerk": f.user("clerk", roles=["reviewer"], dept=district),
        "expert": f.user("expert", roles=["reviewer"], dept=district),
        "boss": f.user("boss", roles=["supervisor"], dept=city),
        "far": f.user("far", roles=["reviewer"], dept=elsewhere),
    }
    f.deploy(chain("sla", user_task("审核材料", "reviewer", 'tongban:slaWorkingDays="3"')))
    with weekday_calendar():
        here = instance_start(
            process_key="sla", actor=f.actor(people["clerk"]), department_id=district.pk, business_key="REQ-HERE"
        )
        there = instance_start(
            process_key="sla", actor=f.actor(people["far"]), department_id=elsewhere.pk, business_key="REQ-THERE"
        )
    HumanTask.objects.update(escalation_level=2)
    return {
        **people,
        "district": district,
        "task": HumanTask.objects.get(instance=here),
        "other_task": HumanTask.objects.get(instance=there),
        "notifier": notifier,
    }


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_supervisor_sees_the_subtree_only(world) -> None:  # type: ignore[no-untyped-def]
    """A supervisor sees the at-risk tasks of the departments below them, and filters narrow them."""
    response = client_for(world["boss"]).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "REQ-HERE" in html and "REQ-THERE" not in html
    assert "tb-ladder--yellow" in html and "csrfmiddlewaretoken" in html
    assert 'name="task_ids"' in html
    assert "REQ-HERE" not in client_for(world["boss"]).get(LIST, {"kind": "overdue"}).content.decode()
    assert "REQ-HERE" not in client_for(world["boss"]).get(LIST, {"level": "3"}).content.decode()
    assert "REQ-HERE" not in client_for(world["boss"]).get(LIST, {"assignee": "nobody"}).content.decode()


def test_user_data_is_escaped(world) -> None:  # type: ignore[no-untyped-def]
    """A task name holding markup shows as text."""
    HumanTask.objects.filter(pk=world["task"].pk).update(name="<script>alert(1)</script>")
    html = client_for(world["boss"]).get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_remind_once_then_the_wait_message(world) -> None:  # type: ignore[no-untyped-def]
    """催办 once; a second one within the hour says how long to wait; outside the subtree it is not found."""
    client, url = client_for(world["boss"]), f"/supervision/tasks/{world['task'].pk}/remind/"
    first = client.post(url, {"message": "请尽快审核", "query": "kind=at_risk"}, follow=True)
    assert first.redirect_chain[-1][0] == "/supervision/?kind=at_risk"
    assert "已催办" in first.content.decode()
    assert world["notifier"].sent[-1]["kind"] == "reminder"
    second = client.post(url, {"message": "再催"}, follow=True).content.decode()
    assert re.search(r"请 \d+ 分钟后再试", second)
    assert len(world["notifier"].sent) == 1
    # Outside the subtree the task answers as a missing one: nothing of it is told.
    refused = client.post(f"/supervision/tasks/{world['other_task'].pk}/remind/", follow=True).content.decode()
    assert "不存在或无权查看" in refused and "不在您督办的部门" not in refused


def test_bulk_reassign_to_a_user_of_the_subtree(world) -> None:  # type: ignore[no-untyped-def]
    """批量改派 to someone in the subtree works; to someone outside it is refused and nothing changes."""
    client, task = client_for(world["boss"]), world["task"]
    html = client.post(
        "/supervision/reassign/", {"task_ids": [task.pk], "target_kind": "user", "target": "expert"}, follow=True
    ).content.decode()
    assert "已改派 1 个任务" in html
    task.refresh_from_db()
    assert task.assignee_id == world["expert"].pk
    html = client.post(
        "/supervision/reassign/", {"task_ids": [task.pk], "target_kind": "user", "target": "far"}, follow=True
    ).content.decode()
    assert "不在您督办的部门" in html
    task.refresh_from_db()
    assert task.assignee_id == world["expert"].pk


def test_approving_an_extension_moves_the_due_date(world) -> None:  # type: ignore[no-untyped-def]
    """批准 moves the due time by the working days asked for and takes the request off the list."""
    task = world["task"]
    request = extension_request(task_id=task.pk, actor=f.actor(world["clerk"]), working_days=2, reason="材料未齐")
    client = client_for(world["boss"])
    html = client.get(EXTENSIONS).content.decode()
    assert "材料未齐" in html and f'data-request-id="{request.pk}"' in html
    with weekday_calendar() as calendar:
        response = client.post(f"/supervision/extensions/{request.pk}/decide/", {"decision": "approve", "note": "同意"})
        expected = calendar.add_working_days(task.due_at, 2).at  # type: ignore[arg-type]
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.due_at == expected
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.APPROVED and request.decision_note == "同意"
    assert "已批准延期" in client.get(EXTENSIONS).content.decode()


def test_league_renders_rows_chart_data_and_xlsx(world) -> None:  # type: ignore[no-untyped-def]
    """晾晒 shows the month's table, feeds the chart and downloads as XLSX."""
    HumanTask.objects.filter(pk=world["task"].pk).update(
        status=TaskStatus.COMPLETED,
        completed_at=datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI),
        due_at=datetime(2026, 3, 12, 18, 0, tzinfo=SHANGHAI),
    )
    client = client_for(world["boss"])
    html = client.get(LEAGUE, {"month": "2026-03"}).content.decode()
    assert f'data-department-id="{world["district"].pk}"' in html and "100.0%" in html
    assert "宁波市" not in html
    found = re.search(r'<script id="tb-league-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["departments"] == ["西湖区"] and data["rates"] == [100.0]
    assert "vendor/echarts/echarts.min.js" in html and "league-chart.js" in html
    download = client.get("/supervision/league/xlsx/", {"month": "2026-03"})
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(LEAGUE).status_code == 200  # last month by default


def test_a_clerk_gets_the_explanation_and_403(world) -> None:  # type: ignore[no-untyped-def]
    """Someone who supervises nothing is told why, with 403, and can remind nobody."""
    client = client_for(world["clerk"])
    for url in [LIST, EXTENSIONS, LEAGUE, "/supervision/league/xlsx/"]:
        response = client.get(url)
        assert response.status_code == 403
        assert "督办人" in response.content.decode()
    client.post(f"/supervision/tasks/{world['task'].pk}/remind/")
    assert world["notifier"].sent == []


HX_RESULTS = {"HX-Request": "true", "HX-Target": "tb-sv-results"}


def hx_row(prefix: str, pk: int) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": f"{prefix}{pk}"}


def test_filters_and_pages_swap_the_results_in_place(world) -> None:  # type: ignore[no-untyped-def]
    """With htmx the filter form and the pager ask for the results block only; the URL stays shareable."""
    client = client_for(world["boss"])
    page = client.get(LIST).content.decode()
    assert 'hx-get="/supervision/"' in page and 'hx-target="#tb-sv-results"' in page and 'hx-push-url="true"' in page
    response = client.get(LIST, {"kind": "at_risk", "process": "sla"}, headers=HX_RESULTS)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="tb-sv-results"')
    assert "<html" not in html and "REQ-HERE" in html and "tb-tabs" not in html
    assert "HX-Target" in response["Vary"]
    assert "REQ-HERE" not in client.get(LIST, {"process": "other"}, headers=HX_RESULTS).content.decode()
    # Another element's htmx request (or none) still gets the whole page.
    assert "<html" in client.get(LIST, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="elsewhere").content.decode()


def test_remind_in_place_swaps_the_row_with_the_outcome(world) -> None:  # type: ignore[no-untyped-def]
    """催办 with htmx answers the task's row, with "已催办" (or why not) inside it; no redirect."""
    client, task = client_for(world["boss"]), world["task"]
    url = f"/supervision/tasks/{task.pk}/remind/"
    response = client.post(url, {"message": "请尽快", "query": "kind=at_risk"}, headers=hx_row("tb-sv-task-", task.pk))
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="tb-sv-task-{task.pk}"')
    assert "<html" not in html and 'data-outcome="ok"' in html and "已催办" in html and "REQ-HERE" in html
    assert world["notifier"].sent[-1]["kind"] == "reminder"
    again = client.post(url, {"query": "kind=at_risk"}, headers=hx_row("tb-sv-task-", task.pk)).content.decode()
    assert 'data-outcome="error"' in again and re.search(r"请 \d+ 分钟后再试", again)
    other = world["other_task"]
    refused = client.post(
        f"/supervision/tasks/{other.pk}/remind/", headers=hx_row("tb-sv-task-", other.pk)
    ).content.decode()
    assert "不存在或无权查看" in refused and "REQ-THERE" not in refused  # nothing of it is shown
    assert len(world["notifier"].sent) == 1


def test_bulk_reassign_in_place_swaps_the_block(world) -> None:  # type: ignore[no-untyped-def]
    """批量改派 with htmx answers the results block with the outcome on top and the new assignee in the row."""
    client, task = client_for(world["boss"]), world["task"]
    response = client.post(
        "/supervision/reassign/",
        {"task_ids": [task.pk], "target_kind": "user", "target": "expert", "query": "kind=at_risk"},
        headers=HX_RESULTS,
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="tb-sv-results"')
    assert "已改派 1 个任务给 expert" in html and 'data-outcome="ok"' in html
    row = html.split(f'id="tb-sv-task-{task.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "expert" in row
    nothing = client.post("/supervision/reassign/", {"target": "expert"}, headers=HX_RESULTS).content.decode()
    assert "请先勾选要改派的任务" in nothing and 'data-outcome="error"' in nothing


def test_extension_decision_in_place_swaps_the_row(world) -> None:  # type: ignore[no-untyped-def]
    """批准 with htmx turns the request's row into the decision; deciding it again says it is decided."""
    task = world["task"]
    request = extension_request(task_id=task.pk, actor=f.actor(world["clerk"]), working_days=2, reason="材料未齐")
    client = client_for(world["boss"])
    page = client.get(EXTENSIONS).content.decode()
    assert f'hx-post="/supervision/extensions/{request.pk}/decide/"' in page
    url = f"/supervision/extensions/{request.pk}/decide/"
    with weekday_calendar():
        response = client.post(url, {"decision": "approve", "note": "同意"}, headers=hx_row("tb-sv-ext-", request.pk))
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="tb-sv-ext-{request.pk}"')
    assert 'data-status="approved"' in html and "已批准延期" in html and "同意" in html and "<form" not in html
    again = client.post(url, {"decision": "refuse"}, headers=hx_row("tb-sv-ext-", request.pk)).content.decode()
    assert 'data-outcome="error"' in again and "延期申请已" in again
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.APPROVED


def test_refusing_without_htmx_redirects_with_the_message(world) -> None:  # type: ignore[no-untyped-def]
    """Without JavaScript a decision still posts, redirects to the list and shows what happened."""
    task = world["task"]
    request = extension_request(task_id=task.pk, actor=f.actor(world["clerk"]), working_days=1, reason="人手不足")
    response = client_for(world["boss"]).post(
        f"/supervision/extensions/{request.pk}/decide/", {"decision": "refuse"}, follow=True
    )
    assert response.redirect_chain[-1][0] == EXTENSIONS
    assert "已驳回延期申请。" in response.content.decode()


def test_rows_show_the_assignee_by_name(world) -> None:  # type: ignore[no-untyped-def]
    """The 督办 list names the handler by full name, the username on hover."""
    HumanTask.objects.filter(pk=world["task"].pk).update(assignee=world["clerk"])
    world["clerk"].first_name, world["clerk"].last_name = "王", "小明"
    world["clerk"].save()
    html = client_for(world["boss"]).get(LIST).content.decode()
    row = re.search(r'<tr id="tb-sv-task-\d+".*?</tr>', html, re.S)
    assert row
    assert '<td title="sla">sla</td>' in row.group(0)  # the diagram names the process "sla" too
    assert '<span title="clerk">王 小明</span>' in row.group(0) and ">clerk<" not in row.group(0)


def test_the_process_name_comes_from_the_definition(notifier) -> None:  # type: ignore[no-untyped-def]
    """A named process shows its name in the 督办 list, not its key."""
    city = f.department("330100", "杭州市")
    clerk = f.user("clerk", roles=["reviewer"], dept=city)
    boss = f.user("boss", roles=["supervisor"], dept=city)
    f.deploy(
        chain("approval", user_task("审批", "reviewer")).replace(
            'name="approval"', 'name="通用审批 General approval"', 1
        )
    )
    instance_start(process_key="approval", actor=f.actor(clerk), department_id=city.pk, business_key="REQ-1")
    HumanTask.objects.update(escalation_level=2)
    html = client_for(boss).get(LIST).content.decode()
    assert '<td title="approval">通用审批 General approval</td>' in html and "<td>approval</td>" not in html


def _refused_remind(client: Client, task: HumanTask) -> str:
    response = client.post(
        f"/supervision/tasks/{task.pk}/remind/", {"query": "kind=at_risk"}, headers=hx_row("tb-sv-task-", task.pk)
    )
    found = re.search(r'data-outcome="error">([^<]*)</p>', response.content.decode())
    assert found, response.content.decode()
    return found.group(1)


def test_a_refused_remind_speaks_the_pages_language(world) -> None:  # type: ignore[no-untyped-def]
    """The service refuses in both languages at once ("任务已… / task is already …"); a Chinese page shows the
    Chinese half only, an English page the English half only."""
    task = world["task"]
    HumanTask.objects.filter(pk=task.pk).update(status=TaskStatus.COMPLETED)
    chinese = _refused_remind(client_for(world["boss"]), task)
    assert chinese.startswith("任务") and " / " not in chinese and "task" not in chinese
    english = _refused_remind(f.in_english(client_for(world["boss"])), task)
    assert english.startswith("task") and "completed" in english
    assert not re.search(r"[\u4e00-\u9fff]", english) and " / " not in english


def test_a_refused_reassign_without_htmx_speaks_the_pages_language(world) -> None:  # type: ignore[no-untyped-def]
    """Without htmx the refusal travels as a message after the redirect: one language there too."""
    client = f.in_english(client_for(world["boss"]))
    html = client.post(
        "/supervision/reassign/", {"task_ids": [str(world["task"].pk)], "target": "nobody", "query": ""}, follow=True
    ).content.decode()
    assert "no active user &#x27;nobody&#x27;" in html and "不存在" not in html


def test_the_list_does_not_load_diagrams_or_workflow_state(world) -> None:  # type: ignore[no-untyped-def]
    """The rows join the process name and the handler in the list's query, without the heavy columns: the
    diagram (bpmn_xml, extra_files), the workflow state and the form data stay in the database."""
    HumanTask.objects.filter(pk=world["task"].pk).update(assignee=world["clerk"])
    client = client_for(world["boss"])
    with CaptureQueriesContext(connection) as ctx:
        assert "REQ-HERE" in client.get(LIST).content.decode()
    sql = "\n".join(query["sql"] for query in ctx.captured_queries)
    assert "processdefinition" in sql and "first_name" in sql
    for heavy in ("bpmn_xml", "extra_files", '"state"', "submitted_data", "documentation"):
        assert heavy not in sql, heavy

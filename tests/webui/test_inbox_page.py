"""我的待办: the four tabs, filters, search, the ladder colours, bulk claim and a fixed query count."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from processes.models import HumanTask, ProcessInstance
from processes.services.inbox import human_task_claim, human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db

INBOX = "/workbench/"
CLAIM = "/workbench/claim/"


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    """Two reviewers in one department, a cataloguer elsewhere; two processes deployed."""
    dept = f.department()
    other = f.department("330108", "滨江区数据局")
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    colleague = f.user("colleague", roles=["reviewer"], dept=dept)
    outsider = f.user("outsider", roles=["cataloguer"], dept=other)
    f.deploy(chain("material_review", user_task("审核材料", "reviewer")))
    f.deploy(chain("catalogue_entry", user_task("编目资源", "cataloguer")))
    return dept, other, clerk, colleague, outsider


def start(process_key: str, starter, dept, business_key: str = "") -> HumanTask:  # type: ignore[no-untyped-def]
    instance = instance_start(
        process_key=process_key, actor=f.actor(starter), department_id=dept.pk, business_key=business_key
    )
    return HumanTask.objects.get(instance=instance)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def rows(html: str) -> int:
    return len(re.findall(r"<tr [^>]*data-(?:task|instance)-id=", html))


def test_each_tab_shows_the_users_tasks_and_no_one_elses(world) -> None:  # type: ignore[no-untyped-def]
    dept, other, clerk, colleague, outsider = world
    mine = start("material_review", clerk, dept, "REQ-MINE")
    human_task_claim(task_id=mine.pk, actor=f.actor(clerk))
    start("material_review", outsider, dept, "REQ-GROUP")
    taken = start("material_review", clerk, dept, "REQ-TAKEN")
    human_task_claim(task_id=taken.pk, actor=f.actor(colleague))
    done = start("material_review", outsider, dept, "REQ-DONE")
    human_task_complete(task_id=done.pk, actor=f.actor(clerk))
    start("catalogue_entry", outsider, other, "REQ-OTHER")
    client = client_for(clerk)

    html = client.get(INBOX).content.decode()
    assert "REQ-MINE" in html and rows(html) == 1
    html = client.get(INBOX, {"tab": "group"}).content.decode()
    assert "REQ-GROUP" in html and rows(html) == 1
    assert 'name="task_ids"' in html and "csrfmiddlewaretoken" in html
    html = client.get(INBOX, {"tab": "done"}).content.decode()
    assert "REQ-DONE" in html and rows(html) == 1
    html = client.get(INBOX, {"tab": "started"}).content.decode()
    assert "REQ-MINE" in html and "REQ-TAKEN" in html
    assert "REQ-GROUP" not in html and "REQ-DONE" not in html and rows(html) == 2
    assert "REQ-OTHER" not in "".join(client.get(INBOX, {"tab": t}).content.decode() for t in ["mine", "group"])


def test_started_tab_shows_open_task_or_status(world) -> None:  # type: ignore[no-untyped-def]
    dept, _other, clerk, colleague, _outsider = world
    start("material_review", clerk, dept, "REQ-OPEN")
    finished = start("material_review", clerk, dept, "REQ-END")
    human_task_complete(task_id=finished.pk, actor=f.actor(colleague))
    html = client_for(clerk).get(INBOX, {"tab": "started"}).content.decode()
    assert "审核材料" in html and "已完成" in html


def test_user_data_is_escaped(world) -> None:  # type: ignore[no-untyped-def]
    dept, _other, clerk, _colleague, _outsider = world
    start("material_review", clerk, dept, "<script>alert(1)</script>")
    for tab in ["group", "started"]:
        html = client_for(clerk).get(INBOX, {"tab": tab}).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_filters_and_search_narrow_the_list(world) -> None:  # type: ignore[no-untyped-def]
    dept, _other, clerk, _colleague, outsider = world
    urgent = start("material_review", outsider, dept, "REQ-URGENT")
    soon = start("material_review", outsider, dept, "REQ-SOON")
    later = start("material_review", outsider, dept, "REQ-LATER")
    now = timezone.now()
    HumanTask.objects.filter(pk=urgent.pk).update(due_at=now - timedelta(hours=1), priority=90)
    HumanTask.objects.filter(pk=soon.pk).update(due_at=now + timedelta(minutes=1), priority=50)
    HumanTask.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=30), priority=10)
    client = client_for(clerk)

    def keys(**params: str) -> list[str]:
        html = client.get(INBOX, {"tab": "group", **params}).content.decode()
        return [k for k in ["REQ-URGENT", "REQ-SOON", "REQ-LATER"] if k in html]

    assert keys() == ["REQ-URGENT", "REQ-SOON", "REQ-LATER"]
    assert keys(q="soon") == ["REQ-SOON"]
    assert keys(q="审核") == ["REQ-URGENT", "REQ-SOON", "REQ-LATER"]
    assert keys(due="overdue") == ["REQ-URGENT"]
    assert keys(min_priority="50") == ["REQ-URGENT", "REQ-SOON"]
    assert keys(process="catalogue_entry") == [] and keys(process="material_review") == keys()
    assert keys(process="material") == []  # a process is chosen from a list: its whole key, not a prefix
    assert keys(process="material_review", department=str(dept.pk)) == ["REQ-URGENT", "REQ-SOON", "REQ-LATER"]
    html = client.get(INBOX, {"tab": "group", "sort": "priority"}).content.decode()
    assert html.index("REQ-URGENT") < html.index("REQ-SOON") < html.index("REQ-LATER")
    html = client.get(INBOX, {"tab": "group", "sort": "created"}).content.decode()
    assert html.index("REQ-LATER") < html.index("REQ-SOON") < html.index("REQ-URGENT")


def test_htmx_request_gets_only_the_results(world) -> None:  # type: ignore[no-untyped-def]
    dept, _other, clerk, _colleague, outsider = world
    start("material_review", outsider, dept, "REQ-1")
    html = client_for(clerk).get(INBOX, {"tab": "group"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tb-inbox-results")
    text = html.content.decode()
    assert text.lstrip().startswith('<div id="tb-inbox-results"') and "REQ-1" in text and "<html" not in text


def test_escalated_and_overdue_tasks_carry_the_ladder_colour(world) -> None:  # type: ignore[no-untyped-def]
    dept, _other, clerk, _colleague, outsider = world
    warned = start("material_review", outsider, dept, "REQ-WARN")
    late = start("material_review", outsider, dept, "REQ-LATE")
    HumanTask.objects.filter(pk=warned.pk).update(escalation_level=2, due_at=timezone.now() + timedelta(days=1))
    HumanTask.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))
    html = client_for(clerk).get(INBOX, {"tab": "group"}).content.decode()
    assert 'tb-ladder--yellow">预警' in html
    assert 'tb-ladder--red">逾期' in html and 'class="tb-overdue"' in html


def test_bulk_claim_claims_what_it_can_and_reports_the_rest(world) -> None:  # type: ignore[no-untyped-def]
    dept, _other, clerk, colleague, outsider = world
    free = start("material_review", outsider, dept, "REQ-FREE")
    taken = start("material_review", outsider, dept, "REQ-TAKEN")
    client = client_for(clerk)
    client.get(INBOX, {"tab": "group"})  # both are on the clerk's screen…
    human_task_claim(task_id=taken.pk, actor=f.actor(colleague))  # …when a colleague takes one
    response = client.post(
        CLAIM,
        {"task_ids": [str(free.pk), str(taken.pk)], "query": "tab=group"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="tb-inbox-results",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "已签收 1 个任务。" in html
    # Taken by a colleague it is no longer the clerk's to see: reported as every page reports such a task.
    assert f'data-task-id="{taken.pk}"' in html and "任务不存在或无权查看" in html and "他人签收" not in html
    assert HumanTask.objects.get(pk=free.pk).assignee_id == clerk.pk
    assert HumanTask.objects.get(pk=taken.pk).assignee_id == colleague.pk
    assert "REQ-FREE" not in html.split("tb-claim-report")[-1].split("</ul>")[-1]


def test_bulk_claim_without_htmx_redirects_with_messages(world) -> None:  # type: ignore[no-untyped-def]
    """A task of another role (or department) is reported as not found — nothing about it is revealed."""
    dept, other, clerk, _colleague, outsider = world
    task = start("catalogue_entry", clerk, dept, "REQ-NOT-MINE")
    elsewhere = start("catalogue_entry", outsider, other, "REQ-ELSEWHERE")
    human_task_claim(task_id=elsewhere.pk, actor=f.actor(outsider))
    response = client_for(clerk).post(CLAIM, {"task_ids": [str(task.pk), str(elsewhere.pk)]}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[0][0] == "/workbench/?tab=group"
    assert f"#{task.pk} ：任务不存在或无权查看" in html and f"#{elsewhere.pk} ：任务不存在或无权查看" in html
    assert "无权办理此任务" not in html and "他人签收" not in html and "REQ-ELSEWHERE" not in html
    assert HumanTask.objects.get(pk=task.pk).assignee_id is None


def test_claim_requires_csrf(world) -> None:  # type: ignore[no-untyped-def]
    """A claim posted without the CSRF token (a forged form on another site) is refused by the CSRF check
    and claims nothing; the same post with the token from the inbox page claims the task."""
    dept, _other, clerk, _colleague, outsider = world
    task = start("material_review", outsider, dept, "REQ-CSRF")
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)

    forged = client.post(CLAIM, {"task_ids": [str(task.pk)]})

    assert forged.status_code == 403 and "CSRF验证失败" in forged.content.decode()  # Django's CSRF refusal
    assert HumanTask.objects.get(pk=task.pk).assignee_id is None
    html = client.get(INBOX, {"tab": "group"}).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    response = client.post(CLAIM, {"task_ids": [str(task.pk)], "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert HumanTask.objects.get(pk=task.pk).assignee_id == clerk.pk


def _link(html: str, rel: str) -> str:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return INBOX + found.group(1).replace("&amp;", "&") if found else ""


def _task_ids(html: str) -> list[str]:
    return re.findall(r'<tr [^>]*data-task-id="(\d+)"', html)


def test_next_page_link_only_when_there_is_one(world) -> None:  # type: ignore[no-untyped-def]
    """26 group tasks: page one shows 25 and 下一页; following it shows the last one and 上一页, which leads back."""
    dept, _other, clerk, _colleague, outsider = world
    for i in range(26):
        start("material_review", outsider, dept, f"REQ-{i:02d}")
    client = client_for(clerk)
    first = client.get(INBOX, {"tab": "group"}).content.decode()
    assert rows(first) == 25 and "下一页" in first and "上一页" not in first
    second = client.get(_link(first, "next")).content.decode()
    assert rows(second) == 1 and "下一页" not in second and "上一页" in second
    assert not set(_task_ids(second)) & set(_task_ids(first))
    back = client.get(_link(second, "prev")).content.decode()
    assert _task_ids(back) == _task_ids(first) and "上一页" not in back


@pytest.mark.parametrize("sort", ["due", "priority", "created"])
def test_pages_cover_every_task_once_in_each_order(world, sort: str) -> None:  # type: ignore[no-untyped-def]
    """Walking 下一页 to the end lists each of 60 tasks exactly once, whatever the sort (ties broken by id)."""
    dept, _other, clerk, _colleague, outsider = world
    made = {str(start("material_review", outsider, dept, f"REQ-{i:02d}").pk) for i in range(60)}
    HumanTask.objects.filter(pk__in=[int(pk) for pk in sorted(made)[::3]]).update(due_at=None, priority=90)
    client = client_for(clerk)
    seen: list[str] = []
    url = f"{INBOX}?tab=group&sort={sort}"
    while url:
        html = client.get(url).content.decode()
        seen += _task_ids(html)
        url = _link(html, "next")
    assert len(seen) == len(made) and set(seen) == made


def test_claiming_on_page_one_does_not_skip_tasks_on_page_two(world) -> None:  # type: ignore[no-untyped-def]
    """The next page starts after the last row shown, so tasks claimed away meanwhile don't push others out of sight."""
    dept, _other, clerk, colleague, outsider = world
    for i in range(50):
        start("material_review", outsider, dept, f"REQ-{i:02d}")
    client = client_for(clerk)
    first = client.get(INBOX, {"tab": "group"}).content.decode()
    next_url = _link(first, "next")
    for task_id in _task_ids(first)[:10]:  # a colleague claims ten of the tasks the clerk is looking at
        human_task_claim(task_id=int(task_id), actor=f.actor(colleague))
    second = client.get(next_url).content.decode()
    assert len(_task_ids(second)) == 25 and not set(_task_ids(second)) & set(_task_ids(first))


def test_an_edited_page_link_shows_the_first_page(world) -> None:  # type: ignore[no-untyped-def]
    dept, _other, clerk, _colleague, outsider = world
    for i in range(3):
        start("material_review", outsider, dept, f"REQ-{i:02d}")
    client = client_for(clerk)
    for cursor in ("not-a-cursor", "WzEsMl0", "W251bGwsIngiLDFd"):
        response = client.get(INBOX, {"tab": "group", "after": cursor})
        assert response.status_code == 200 and rows(response.content.decode()) == 3


def test_started_tab_pages(world) -> None:  # type: ignore[no-untyped-def]
    """我发起的 pages the same way: 26 cases → 25, then 1."""
    dept, _other, _clerk, _colleague, outsider = world
    for i in range(26):
        start("material_review", outsider, dept, f"REQ-{i:02d}")
    client = client_for(outsider)
    first = client.get(INBOX, {"tab": "started"}).content.decode()
    second = client.get(_link(first, "next")).content.decode()
    assert first.count("REQ-") >= 25 and "REQ-00" in second and "REQ-25" in first


def _queries(client: Client, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(INBOX, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("tab", ["mine", "group", "done", "started"])
def test_query_count_does_not_grow_with_rows(world, tab: str) -> None:  # type: ignore[no-untyped-def]
    """3 rows or 25 (a full page of 30): the same number of SQL queries."""
    dept, _other, clerk, _colleague, _outsider = world
    client = client_for(clerk)

    def add(n: int) -> None:
        for _ in range(n):
            task = start("material_review", clerk, dept, "REQ")
            HumanTask.objects.filter(pk=task.pk).update(escalation_level=1)
            if tab == "mine":
                human_task_claim(task_id=task.pk, actor=f.actor(clerk))
            if tab == "done":
                human_task_complete(task_id=task.pk, actor=f.actor(clerk))

    add(3)
    few = _queries(client, {"tab": tab})
    add(27)
    many = _queries(client, {"tab": tab})
    assert rows(client.get(INBOX, {"tab": tab}).content.decode()) == 25
    assert ProcessInstance.objects.count() == 30
    assert few == many, (few, many)
    print(f"{tab}: {many} queries")


def test_landing_opens_my_tasks_or_else_the_claimable_ones(world) -> None:  # type: ignore[no-untyped-def]
    dept, _other, clerk, _colleague, outsider = world
    task = start("material_review", outsider, dept, "REQ-1")
    client = client_for(clerk)
    assert 'tb-tab--active" href="?tab=group"' in client.get(INBOX).content.decode()
    human_task_claim(task_id=task.pk, actor=f.actor(clerk))
    assert 'tb-tab--active" href="?tab=mine"' in client.get(INBOX).content.decode()


def _named(key: str, name: str, task: str, role: str) -> None:
    """Deploy a one-task process whose diagram names it (`<bpmn:process name=…>`)."""
    f.deploy(chain(key, user_task(task, role)).replace(f'name="{key}"', f'name="{name}"', 1))


def test_rows_show_the_process_name_with_its_key_on_hover(world) -> None:  # type: ignore[no-untyped-def]
    """The 流程 column reads "通用审批 General approval", not "approval"; the key is in the cell's title."""
    dept, _other, clerk, _colleague, outsider = world
    _named("approval", "通用审批 General approval", "审批", "reviewer")
    start("approval", outsider, dept, "REQ-NAMED")
    instance_start(process_key="approval", actor=f.actor(clerk), department_id=dept.pk, business_key="REQ-MINE")
    client = client_for(clerk)
    for tab in ("group", "started"):
        html = client.get(INBOX, {"tab": tab}).content.decode()
        assert '<td title="approval">通用审批 General approval</td>' in html, tab
        assert "<td>approval</td>" not in html


def _process_options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="process">(.*?)</select>', html, re.S)
    assert select, "the 流程 filter is a select"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def test_the_process_filter_lists_the_processes_by_name(world) -> None:  # type: ignore[no-untyped-def]
    """The 流程 filter offers the deployed processes by name (the latest version's); choosing one keeps
    its key in the URL and shows only its tasks."""
    dept, other, clerk, _colleague, outsider = world
    _named("approval", "通用审批 General approval", "审批", "reviewer")
    _named("unused", "无人办理 Nobody's", "无人", "reviewer")
    start("approval", outsider, dept, "REQ-APPROVAL")
    start("material_review", outsider, dept, "REQ-REVIEW")
    start("catalogue_entry", outsider, other, "REQ-ELSEWHERE")  # not the clerk's
    client = client_for(clerk)

    html = client.get(INBOX, {"tab": "group"}).content.decode()
    options = _process_options(html)
    assert options[0] == ("", "全部流程") and ("approval", "通用审批 General approval") in options
    assert ("unused", "无人办理 Nobody&#x27;s") in options and ("material_review", "material_review") in options
    assert options[1:] == sorted(options[1:], key=lambda option: (option[1], option[0]))
    html = client.get(INBOX, {"tab": "group", "process": "approval"}).content.decode()
    assert "REQ-APPROVAL" in html and "REQ-REVIEW" not in html
    assert '<option value="approval" title="approval" selected>通用审批 General approval</option>' in html


def test_rows_do_not_load_diagrams_workflow_state_or_form_data(world) -> None:  # type: ignore[no-untyped-def]
    """The list joins each row's process name in its one query, without the heavy columns: the diagram
    (bpmn_xml, extra_files), the workflow state and the submitted data stay in the database."""
    dept, _other, clerk, _colleague, _outsider = world
    start("material_review", clerk, dept, "REQ-1")
    client = client_for(clerk)
    for tab in ("group", "started"):
        with CaptureQueriesContext(connection) as ctx:
            assert "REQ-1" in client.get(INBOX, {"tab": tab}).content.decode()
        sql = "\n".join(query["sql"] for query in ctx.captured_queries)
        assert "processdefinition" in sql and '"name"' in sql
        for heavy in ("bpmn_xml", "extra_files", '"state"', "submitted_data", "documentation"):
            assert heavy not in sql, (tab, heavy)


def test_a_fragment_and_a_page_are_cached_apart(world) -> None:  # type: ignore[no-untyped-def]
    """The same URL answers the whole page or, for htmx, the results block: the answer varies on the htmx
    headers, so Back to a filtered inbox never shows a bare fragment from the browser's cache."""
    _dept, _other, clerk, _colleague, _outsider = world
    response = client_for(clerk).get(INBOX, {"tab": "group"})
    assert {"HX-Request", "HX-Target"} <= {v.strip() for v in response["Vary"].split(",")}


def test_a_refused_claim_is_reported_in_the_pages_language(world) -> None:  # type: ignore[no-untyped-def]
    """The service refuses in both languages at once; the claim report on a Chinese page shows the Chinese
    half, on an English page the English half, with or without htmx."""
    dept, _other, clerk, _colleague, outsider = world
    done = start("material_review", outsider, dept, "REQ-DONE")
    human_task_complete(task_id=done.pk, actor=f.actor(clerk))
    hx = {"HX-Request": "true", "HX-Target": "tb-inbox-results"}
    post = {"task_ids": [str(done.pk)], "query": "tab=group"}

    chinese = client_for(clerk).post(CLAIM, post, headers=hx).content.decode()
    refused = re.search(rf'<li data-task-id="{done.pk}">([^<]*)</li>', chinese)
    assert refused and "任务已" in refused.group(1) and "task" not in refused.group(1) and " / " not in refused.group(1)

    english = f.in_english(client_for(clerk)).post(CLAIM, post, headers=hx).content.decode()
    refused = re.search(rf'<li data-task-id="{done.pk}">([^<]*)</li>', english)
    assert refused and refused.group(1).startswith(f"#{done.pk} 审核材料：")  # the task's own name stays
    assert refused.group(1).split("：", 1)[1] == "task is already completed"

    page = f.in_english(client_for(clerk)).post(CLAIM, post, follow=True).content.decode()
    assert "task is already completed" in page and "任务已" not in page

"""办理 beside the inbox: the form opens in a side panel (htmx), and after 办结 the row leaves the list in place."""

import pytest
from django.test import Client

from processes.errors import NotFound, PermissionDenied
from processes.models import HumanTask, TaskStatus
from processes.services.inbox import human_task_claim, human_task_complete
from processes.services.instances import instance_start
from tests import factories as f

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "tb-task-panel"}


@pytest.fixture
def mine():  # type: ignore[no-untyped-def]
    """An approval task claimed by the reviewer, so it is in 我的待办."""
    dept = f.department()
    reviewer = f.user("reviewer", roles=["reviewer"], dept=dept)
    f.deploy("approval")
    instance = instance_start(
        process_key="approval", actor=f.actor(reviewer), department_id=dept.pk, business_key="REQ-7"
    )
    task = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    human_task_claim(task_id=task.pk, actor=f.actor(reviewer))
    client = Client()
    client.force_login(reviewer)
    return task, reviewer, client


def url(task: HumanTask) -> str:
    return f"/workbench/tasks/{task.pk}/"


def test_each_row_of_my_tasks_offers_the_panel_and_still_links_the_page(mine) -> None:  # type: ignore[no-untyped-def]
    task, _reviewer, client = mine
    html = client.get("/workbench/", {"tab": "mine"}).content.decode()
    assert f'<tr id="tb-task-row-{task.pk}"' in html
    assert f'hx-get="{url(task)}?panel=1" hx-target="#tb-task-panel"' in html
    assert f'class="tb-quick" href="{url(task)}"' in html  # without JavaScript: the task page
    assert '<aside id="tb-task-panel"' in html


def test_the_panel_is_the_form_alone_and_posts_back_into_the_panel(mine) -> None:  # type: ignore[no-untyped-def]
    task, _reviewer, client = mine
    html = client.get(url(task), {"panel": "1"}, **HTMX).content.decode()
    assert "<html" not in html and "REQ-7" in html and 'name="opinion"' in html
    assert f'hx-post="{url(task)}" hx-target="#tb-task-panel"' in html and 'name="panel" value="1"' in html
    assert "csrfmiddlewaretoken" in html
    # Not asked by htmx (a bookmarked URL): the whole page.
    assert "<html" in client.get(url(task), {"panel": "1"}).content.decode()


def test_a_refused_form_comes_back_in_the_panel_with_the_values(mine) -> None:  # type: ignore[no-untyped-def]
    task, _reviewer, client = mine
    response = client.post(url(task), {"panel": "1", "action": "complete", "approved": "on", "opinion": ""}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "<html" not in html and "提交的内容有误" in html and "tb-field--error" in html
    assert 'name="approved" value="on" checked' in html and "hx-swap-oob" not in html
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_a_draft_is_saved_and_the_panel_shows_it(mine) -> None:  # type: ignore[no-untyped-def]
    task, _reviewer, client = mine
    html = client.post(url(task), {"panel": "1", "action": "draft", "opinion": "再核对一下"}, **HTMX).content.decode()
    assert "草稿已保存" in html and ">再核对一下</textarea>" in html and "hx-swap-oob" not in html
    assert HumanTask.objects.get(pk=task.pk).draft["opinion"] == "再核对一下"


def test_completing_in_the_panel_removes_the_row_from_the_list(mine) -> None:  # type: ignore[no-untyped-def]
    task, _reviewer, client = mine
    data = {"panel": "1", "action": "complete", "approved": "on", "opinion": "同意"}
    html = client.post(url(task), data, **HTMX).content.decode()
    assert "已办结" in html and 'data-outcome="done"' in html
    assert f'<tr id="tb-task-row-{task.pk}" hx-swap-oob="delete">' in html
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.COMPLETED
    assert client.session.get("_messages") is None  # nothing left over for the next page


def test_a_task_done_meanwhile_leaves_the_list_with_the_reason(mine) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, client = mine
    human_task_complete(task_id=task.pk, actor=f.actor(reviewer), data={"approved": True, "opinion": "同意"})
    data = {"panel": "1", "action": "complete", "approved": "on", "opinion": "同意"}
    html = client.post(url(task), data, **HTMX).content.decode()
    assert "任务已被他人办理或状态已变化" in html and 'data-outcome="gone"' in html
    assert f'<tr id="tb-task-row-{task.pk}" hx-swap-oob="delete">' in html


def test_only_the_form_actions_are_taken_in_the_panel(mine) -> None:  # type: ignore[no-untyped-def]
    """退回 and 转办 need the full page (opinion, history): the panel refuses them and nothing changes."""
    task, _reviewer, client = mine
    response = client.post(url(task), {"panel": "1", "action": "return", "opinion": "不对"}, **HTMX)
    assert response.status_code == 400 and "未知操作" in response.content.decode()
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


GONE = "此任务已不在你的待办中"


def _gone(html: str, task: HumanTask) -> bool:
    return (
        GONE in html
        and 'data-outcome="gone"' in html
        and f'<tr id="tb-task-row-{task.pk}" hx-swap-oob="delete">' in html
    )


def test_a_task_handed_to_someone_else_answers_gone_in_the_panel(mine) -> None:  # type: ignore[no-untyped-def]
    """The task was reassigned meanwhile: opening or posting the panel answers 200 (htmx swaps it) saying the
    task is no longer in the list, and takes its row out — not a 404 htmx would silently drop."""
    task, _reviewer, client = mine
    HumanTask.objects.filter(pk=task.pk).update(assignee=f.user("colleague", roles=["reviewer"]))
    response = client.get(url(task), {"panel": "1"}, **HTMX)
    assert response.status_code == 200 and _gone(response.content.decode(), task)
    response = client.post(url(task), {"panel": "1", "action": "complete", "approved": "on", "opinion": "同意"}, **HTMX)
    assert response.status_code == 200 and _gone(response.content.decode(), task)
    assert "审核" not in response.content.decode()  # nothing of a task no longer theirs is shown
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN
    # The page itself still answers 404.
    assert client.get(url(task)).status_code == 404


@pytest.mark.parametrize("error", [PermissionDenied("无权办理此任务"), NotFound("任务不存在")])
def test_a_refusal_from_the_service_answers_gone_in_the_panel(mine, monkeypatch, error) -> None:  # type: ignore[no-untyped-def]
    """The service refuses (403) or no longer finds the task (404) while the panel posts: 200, gone, row out."""
    task, _reviewer, client = mine

    def refuse(**kwargs: object) -> None:
        raise error

    monkeypatch.setattr("webui.views.task.human_task_save_draft", refuse)
    response = client.post(url(task), {"panel": "1", "action": "draft", "opinion": "x"}, **HTMX)
    assert response.status_code == 200 and _gone(response.content.decode(), task)

"""The task page: the JSON Schema form, draft, complete, return (退回), delegate, comments, escaping."""

import pytest
from django.http import QueryDict
from django.test import Client

from processes.errors import PermissionDenied
from processes.models import HumanTask, TaskComment, TaskStatus
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from webui.forms_jsonschema import build_fields, parse_post

pytestmark = pytest.mark.django_db(transaction=True)


def page(task: HumanTask) -> str:
    return f"/workbench/tasks/{task.pk}/"


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def approval():  # type: ignore[no-untyped-def]
    """A reviewer in the instance's department, a cataloguer without the role; one approval case open."""
    dept = f.department()
    reviewer = f.user("reviewer", roles=["reviewer"], dept=dept)
    outsider = f.user("outsider", roles=["cataloguer"], dept=dept)
    f.deploy("approval")
    instance = instance_start(
        process_key="approval", actor=f.actor(reviewer), department_id=dept.pk, business_key="REQ-42"
    )
    task = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    return task, reviewer, outsider


def test_page_shows_the_task_and_its_form(approval) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, _outsider = approval
    response = client_for(reviewer).get(page(task))
    html = response.content.decode()
    assert response.status_code == 200
    assert "审核" in html and "REQ-42" in html and "通用审批" in html
    assert "审核申请内容，填写意见并决定是否通过。" in html  # the diagram's documentation
    assert 'type="checkbox" id="tb-field-approved" name="approved"' in html and "是否通过" in html
    assert '<textarea id="tb-field-opinion" name="opinion"' in html and 'maxlength="2000"' in html
    assert html.count('class="tb-required"') >= 2 and "csrfmiddlewaretoken" in html
    assert ">instance_started<" not in html and ">发起<" in html  # history with readable actions


def test_someone_without_the_role_gets_404(approval) -> None:  # type: ignore[no-untyped-def]
    task, _reviewer, outsider = approval
    client = client_for(outsider)
    assert client.get(page(task)).status_code == 404
    assert client.post(page(task), {"action": "complete", "approved": "on", "opinion": "x"}).status_code == 404
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_invalid_data_shows_field_errors_and_nothing_advances(approval) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, _outsider = approval
    response = client_for(reviewer).post(page(task), {"action": "complete", "approved": "on", "opinion": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "此项为必填" in html
    assert 'id="tb-field-approved" name="approved" value="on" checked' in html  # the entered value is kept
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_valid_data_completes_and_returns_to_the_inbox(approval) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, _outsider = approval
    client = client_for(reviewer)
    response = client.post(page(task), {"action": "complete", "approved": "on", "opinion": "同意"}, follow=True)
    assert response.redirect_chain[0][0] == "/workbench/"
    html = response.content.decode()
    assert "已办结" in html and f'data-task-id="{task.pk}"' not in html
    done = HumanTask.objects.get(pk=task.pk)
    assert done.status == TaskStatus.COMPLETED and done.submitted_data == {"approved": True, "opinion": "同意"}
    # A second completion (an old tab) is a conflict: a message, back to the inbox.
    response = client.post(page(task), {"action": "complete", "approved": "on", "opinion": "同意"}, follow=True)
    assert response.redirect_chain[0][0] == "/workbench/" and "任务已被他人办理" in response.content.decode()


def test_draft_is_saved_and_prefilled(approval) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, _outsider = approval
    client = client_for(reviewer)
    response = client.post(page(task), {"action": "draft", "opinion": "先看看 <b>"}, follow=True)
    assert response.status_code == 200 and "草稿已保存" in response.content.decode()
    assert HumanTask.objects.get(pk=task.pk).draft == {"approved": False, "opinion": "先看看 <b>"}
    html = client.get(page(task)).content.decode()
    assert ">先看看 &lt;b&gt;</textarea>" in html
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_comment_is_escaped(approval) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, _outsider = approval
    client = client_for(reviewer)
    response = client.post(page(task), {"action": "comment", "text": "<script>alert(1)</script>"}, follow=True)
    html = response.content.decode()
    assert TaskComment.objects.filter(task=task).count() == 1
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert client.post(page(task), {"action": "comment", "text": " "}).status_code == 400


def test_form_field_value_is_escaped_when_shown_back(approval) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, _outsider = approval
    too_long = "<script>x</script>" + "a" * 2000  # over maxLength: the page comes back with the value
    response = client_for(reviewer).post(page(task), {"action": "complete", "opinion": too_long})
    text = response.content.decode()
    assert response.status_code == 400 and "不能超过 2000 个字符" in text
    assert "<script>x</script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text


def test_delegate_to_a_colleague(approval) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, outsider = approval
    client = client_for(reviewer)
    response = client.post(page(task), {"action": "delegate", "to": "nobody"})
    assert response.status_code == 400 and "nobody" in response.content.decode()
    response = client.post(page(task), {"action": "delegate", "to": "outsider"})
    assert response.status_code == 302
    assert HumanTask.objects.get(pk=task.pk).assignee_id == outsider.pk
    assert client_for(outsider).get(page(task)).status_code == 200
    # Assigned to someone else, it is no longer the reviewer's to see.
    assert client.get(page(task)).status_code == 404


def test_permission_denied_from_the_service_is_a_403(approval, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, _outsider = approval

    def refuse(**kwargs: object) -> None:
        raise PermissionDenied("无权办理此任务 / you may not act on this task")

    monkeypatch.setattr("webui.views.task.human_task_save_draft", refuse)
    assert client_for(reviewer).post(page(task), {"action": "draft", "opinion": "x"}).status_code == 403


def test_post_requires_csrf(approval) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, _outsider = approval
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.post(page(task), {"action": "draft"}).status_code == 403


def test_return_with_an_opinion_on_a_two_step_diagram() -> None:
    dept = f.department()
    drafter = f.user("drafter", roles=["cataloguer"], dept=dept)
    reviewer = f.user("reviewer", roles=["reviewer"], dept=dept)
    f.deploy("two_step")
    instance = instance_start(process_key="two_step", actor=f.actor(drafter), department_id=dept.pk)
    first = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    human_task_complete(task_id=first.pk, actor=f.actor(drafter))
    review = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    client = client_for(reviewer)

    response = client.post(page(review), {"action": "return", "opinion": "  "})
    assert response.status_code == 400 and HumanTask.objects.get(pk=review.pk).status == TaskStatus.OPEN
    response = client.post(page(review), {"action": "return", "opinion": "材料不全\n请补充"})
    assert response.status_code == 302 and response["Location"] == "/workbench/"
    assert HumanTask.objects.get(pk=review.pk).status == TaskStatus.RETURNED

    again = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert again.element_id == "draft" and again.assignee_id == drafter.pk
    html = client_for(drafter).get(page(again)).content.decode()
    assert "退回意见" in html and "材料不全<br>请补充" in html


def test_renderer_widgets_and_conversion() -> None:
    schema = {
        "type": "object",
        "required": ["count"],
        "properties": {
            "when": {"type": "string", "format": "date", "title": "日期"},
            "note": {"type": "string", "x-widget": "textarea", "description": "备注说明"},
            "count": {"type": "integer", "minimum": 1, "maximum": 9},
            "ratio": {"type": "number"},
            "level": {"enum": [1, 2, 3]},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
            "ok": {"type": "boolean"},
        },
    }
    fields = {x.name: x for x in build_fields(schema, {"tags": ["b"], "level": 2}, {"count": ["too small"]})}
    assert [fields[n].widget for n in schema["properties"]] == [
        "date",
        "textarea",
        "number",
        "number",
        "select",
        "checkboxes",
        "checkbox",
    ]
    assert fields["when"].label == "日期" and fields["note"].help == "备注说明" and fields["count"].required
    assert (fields["count"].minimum, fields["count"].maximum, fields["count"].errors) == ("1", "9", ["too small"])
    assert [c.selected for c in fields["tags"].choices] == [False, True]
    assert [c.selected for c in fields["level"].choices] == [False, True, False]
    post = QueryDict(mutable=True)
    post.update({"count": "3", "ratio": "0.5", "level": "3", "ok": "on", "when": "", "note": "x"})
    post.setlist("tags", ["a", "b"])
    assert parse_post(schema, post) == {
        "count": 3,
        "ratio": 0.5,
        "level": 3,
        "tags": ["a", "b"],
        "ok": True,
        "note": "x",
    }
    assert parse_post(schema, QueryDict("count=abc"))["count"] == "abc"  # the schema reports the type

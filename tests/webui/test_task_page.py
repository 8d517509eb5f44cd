"""The task page: the JSON Schema form, draft, complete, return (退回), delegate, comments, escaping."""

import re
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from processes.errors import PermissionDenied, ValidationFailed
from processes.models import ExtensionRequest, HumanTask, TaskComment, TaskStatus
from processes.services.inbox import human_task_claim, human_task_complete, human_task_delegate
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
    human_task_claim(task_id=task.pk, actor=f.actor(reviewer))
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


def test_delegate_to_a_colleague(approval, notifier, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    """转办 offers the people who could hold the task (full name and username); the colleague chosen gets
    it and is told, with a link to the task; anyone else (or a made-up name) is refused by the field."""
    task, reviewer, outsider = approval
    colleague = f.user("colleague", roles=["reviewer"], dept=task.department, first_name="王小明")
    client = client_for(reviewer)
    html = client.get(page(task)).content.decode()
    form = html.split('id="tb-delegate"', 1)[1].split("</form>", 1)[0]
    assert (
        '<select id="tb-delegate-to" name="to"' in form
        and '<option value="colleague">王小明（colleague）</option>' in form
    )
    assert 'value="outsider"' not in form and 'value="reviewer"' not in form  # no role, and not oneself
    assert '<textarea id="tb-delegate-note" name="note"' in form
    for stranger in ("nobody", "outsider"):
        response = client.post(page(task), {"action": "delegate", "to": stranger, "note": "请代办"})
        refused = response.content.decode()
        assert response.status_code == 400 and f"&#x27;{stranger}&#x27; 不能办理此任务" in refused
        assert ">请代办</textarea>" in refused  # the note is kept
        assert HumanTask.objects.get(pk=task.pk).assignee_id is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(task), {"action": "delegate", "to": "colleague", "note": "我出差，请代办"})
    assert response.status_code == 302
    assert HumanTask.objects.get(pk=task.pk).assignee_id == colleague.pk
    [told] = notifier.sent
    assert told["kind"] == "delegated" and told["user_ids"] == [colleague.pk]
    assert told["link"] == page(task) and "我出差，请代办" in told["body"]
    assert client_for(colleague).get(page(task)).status_code == 200
    assert client_for(outsider).get(page(task)).status_code == 404
    # Assigned to someone else, it is no longer the reviewer's to see.
    assert client.get(page(task)).status_code == 404


def test_delegate_without_a_department_goes_to_role_holders_anywhere() -> None:
    """A task with no department scope may be handed to a holder of its role in any department."""
    reviewer = f.user("reviewer", roles=["reviewer"], dept=f.department())
    far = f.user("far", roles=["reviewer"], dept=f.department("330200", "宁波市"))
    f.user("cataloguer", roles=["cataloguer"], dept=f.department("330200", "宁波市"))
    f.deploy("approval")
    instance = instance_start(process_key="approval", actor=f.actor(reviewer))
    task = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert task.department_id is None
    with pytest.raises(ValidationFailed) as refused:
        human_task_delegate(task_id=task.pk, actor=f.actor(reviewer), to_username="cataloguer")
    assert list(refused.value.detail) == ["to"]
    human_task_delegate(task_id=task.pk, actor=f.actor(reviewer), to_username="far")
    assert HumanTask.objects.get(pk=task.pk).assignee_id == far.pk


def test_permission_denied_from_the_service_is_a_403(approval, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    task, reviewer, _outsider = approval

    def refuse(**kwargs: object) -> None:
        raise PermissionDenied("无权办理此任务 / you may not act on this task")

    monkeypatch.setattr("webui.views.task.human_task_save_draft", refuse)
    assert client_for(reviewer).post(page(task), {"action": "draft", "opinion": "x"}).status_code == 403


def test_post_requires_csrf(approval) -> None:  # type: ignore[no-untyped-def]
    """A draft posted without the CSRF token is refused by the CSRF check and the stored draft stays as it
    was; the same post with the token from the task page saves it."""
    task, reviewer, _outsider = approval
    human_task_claim(task_id=task.pk, actor=f.actor(reviewer))
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)

    forged = client.post(page(task), {"action": "draft", "opinion": "伪造"})

    assert forged.status_code == 403 and "CSRF验证失败" in forged.content.decode()  # Django's CSRF refusal
    assert HumanTask.objects.get(pk=task.pk).draft == {}
    html = client.get(page(task)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    response = client.post(page(task), {"action": "draft", "opinion": "伪造", "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert HumanTask.objects.get(pk=task.pk).draft["opinion"] == "伪造"


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


def test_a_candidate_claims_on_the_task_page_and_only_then_saves_a_draft(approval) -> None:  # type: ignore[no-untyped-def]
    """An unclaimed group task offers 签收 and no 保存草稿 (candidates would overwrite each other's drafts);
    a draft posted anyway is refused with 请先签收 and the values kept; after 签收 the draft is saved."""
    task, reviewer, _outsider = approval
    colleague = f.user("colleague", roles=["reviewer"], dept=task.department)
    client = client_for(reviewer)
    html = client.get(page(task)).content.decode()
    assert '<form method="post" id="tb-claim"' in html and 'name="action" value="claim"' in html
    assert 'value="draft"' not in html and 'value="complete"' in html
    response = client.post(page(task), {"action": "draft", "opinion": "先看看"})
    refused = response.content.decode()
    assert response.status_code == 400 and "请先签收此任务" in refused and ">先看看</textarea>" in refused
    assert HumanTask.objects.get(pk=task.pk).draft == {}

    response = client.post(page(task), {"action": "claim"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == page(task) and "已签收任务“审核”。" in html
    assert HumanTask.objects.get(pk=task.pk).assignee_id == reviewer.pk
    assert 'id="tb-claim"' not in html and 'name="action" value="draft"' in html
    assert client.post(page(task), {"action": "draft", "opinion": "先看看"}).status_code == 302
    assert HumanTask.objects.get(pk=task.pk).draft["opinion"] == "先看看"
    # Now it is the reviewer's: the colleague no longer sees it.
    assert client_for(colleague).get(page(task)).status_code == 404


def test_the_claim_button_is_only_for_candidates_of_an_unclaimed_task(approval) -> None:  # type: ignore[no-untyped-def]
    """Once claimed, or for someone who is not a candidate, there is no 签收."""
    task, reviewer, _outsider = approval
    human_task_claim(task_id=task.pk, actor=f.actor(reviewer))
    assert 'id="tb-claim"' not in client_for(reviewer).get(page(task)).content.decode()
    human_task_complete(task_id=task.pk, actor=f.actor(reviewer), data={"approved": True, "opinion": "好"})
    assert 'id="tb-claim"' not in client_for(reviewer).get(page(task)).content.decode()


@pytest.fixture
def supervised():  # type: ignore[no-untyped-def]
    """A city supervisor over its district, whose reviewer holds an approval task due in three days."""
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    reviewer = f.user("reviewer", roles=["reviewer"], dept=district)
    boss = f.user("boss", roles=["supervisor"], dept=city)
    f.deploy("approval")
    instance = instance_start(
        process_key="approval", actor=f.actor(reviewer), department_id=district.pk, business_key="REQ-EXT"
    )
    task = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    HumanTask.objects.filter(pk=task.pk).update(assignee=reviewer, due_at=timezone.now() + timedelta(days=3))
    return task, reviewer, boss


def test_a_clerk_asks_for_an_extension_and_the_supervisor_sees_it(supervised) -> None:  # type: ignore[no-untyped-def]
    """申请延期 on the task page: working days 1–30 and a reason, errors by the fields; once asked, the page
    shows the request pending (no second form) and the 督办 延期审批 page lists it."""
    task, reviewer, boss = supervised
    client = client_for(reviewer)
    html = client.get(page(task)).content.decode()
    section = html.split('id="tb-extension"', 1)[1].split("</section>", 1)[0]
    assert 'name="action" value="extension"' in section and 'name="working_days"' in section
    assert 'min="1" max="30"' in section and 'name="reason"' in section and "csrfmiddlewaretoken" in section

    response = client.post(page(task), {"action": "extension", "working_days": "31", "reason": " "})
    refused = response.content.decode().split('id="tb-extension"', 1)[1].split("</section>", 1)[0]
    assert response.status_code == 400 and 'id="tb-extension-days-error"' in refused
    assert 'id="tb-extension-reason-error"' in refused and 'value="31"' in refused
    assert not ExtensionRequest.objects.exists()

    response = client.post(
        page(task), {"action": "extension", "working_days": "2", "reason": "材料<未齐>"}, follow=True
    )
    html = response.content.decode()
    assert "延期申请已提交（2 个工作日）" in html
    section = html.split('id="tb-extension"', 1)[1].split("</section>", 1)[0]
    assert 'data-extension-status="pending"' in section and "待审批" in section and "材料&lt;未齐&gt;" in section
    assert 'value="extension"' not in section
    asked = ExtensionRequest.objects.get()
    assert (asked.task_id, asked.working_days, asked.requested_by_id) == (task.pk, 2, reviewer.pk)
    again = client.post(page(task), {"action": "extension", "working_days": "1", "reason": "再要一天"})
    assert again.status_code == 400 and "已有待审批的延期申请" in again.content.decode()

    listed = client_for(boss).get("/supervision/extensions/").content.decode()
    assert f'id="tb-sv-ext-{asked.pk}"' in listed and "材料&lt;未齐&gt;" in listed
    assert f'href="/workbench/cases/{task.instance_id}/"' in listed


def test_no_extension_form_without_a_due_time_or_for_someone_who_cannot_act(supervised) -> None:  # type: ignore[no-untyped-def]
    """A task without a due time cannot be extended; the supervisor reading the case has no form either."""
    task, reviewer, _boss = supervised
    HumanTask.objects.filter(pk=task.pk).update(due_at=None)
    html = client_for(reviewer).get(page(task)).content.decode()
    assert 'value="extension"' not in html and "只能在截止时间前申请延期" in html


def test_task_page_queries_do_not_grow_with_the_people_it_may_be_handed_to(approval) -> None:  # type: ignore[no-untyped-def]
    """One colleague to hand the task to or eight, with or without an extension request: the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    task, reviewer, _outsider = approval
    HumanTask.objects.filter(pk=task.pk).update(due_at=timezone.now() + timedelta(days=3))
    human_task_claim(task_id=task.pk, actor=f.actor(reviewer))
    f.user("colleague0", roles=["reviewer"], dept=task.department)
    client = client_for(reviewer)
    client.get(page(task))
    with CaptureQueriesContext(connection) as few:
        html = client.get(page(task)).content.decode()
    assert html.count('<option value="colleague') == 1
    for i in range(1, 8):
        f.user(f"colleague{i}", roles=["reviewer"], dept=task.department)
    client.post(page(task), {"action": "extension", "working_days": "2", "reason": "等材料"})
    with CaptureQueriesContext(connection) as many:
        html = client.get(page(task)).content.decode()
    assert html.count('<option value="colleague') == 8 and 'data-extension-status="pending"' in html
    assert len(few) == len(many), [q["sql"] for q in many.captured_queries]

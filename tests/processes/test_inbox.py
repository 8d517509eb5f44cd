"""Inbox services: a draft needs the claim, 转办 only to people who could hold the task (and they are told),
one comment rule."""

from typing import Any

import pytest

from processes.errors import PermissionDenied, ValidationFailed
from processes.models import AuditEvent, HumanTask, TaskStatus
from processes.selectors import task_can_comment, task_delegate_choices
from processes.services.inbox import (
    human_task_claim,
    human_task_comment,
    human_task_complete,
    human_task_delegate,
    human_task_save_draft,
)
from processes.services.instances import instance_start
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """An approval task for reviewers of the district; a colleague there, a reviewer of another district,
    a cataloguer of the district, and a user named as a candidate."""
    district = f.department()
    other = f.department("330108", "滨江区")
    people = {
        "reviewer": f.user("reviewer", roles=["reviewer"], dept=district),
        "colleague": f.user("colleague", roles=["reviewer"], dept=district, first_name="王", last_name="小明"),
        "far": f.user("far", roles=["reviewer"], dept=other),
        "cataloguer": f.user("cataloguer", roles=["cataloguer"], dept=district),
        "named": f.user("named"),
        "retired": f.user("retired", roles=["reviewer"], dept=district, is_active=False),
    }
    f.deploy("approval")
    instance = instance_start(process_key="approval", actor=f.actor(people["reviewer"]), department_id=district.pk)
    task = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    HumanTask.objects.filter(pk=task.pk).update(candidate_users=["named"])
    return {**people, "task": HumanTask.objects.get(pk=task.pk)}


def test_a_draft_needs_the_claim_completing_does_not(world) -> None:  # type: ignore[no-untyped-def]
    """While the group task is unclaimed a draft is refused (candidates would overwrite each other's); once
    claimed it is saved. Completing an unclaimed task still works and claims it."""
    task, reviewer = world["task"], f.actor(world["reviewer"])
    with pytest.raises(ValidationFailed) as refused:
        human_task_save_draft(task_id=task.pk, actor=reviewer, data={"opinion": "x"})
    assert "请先签收" in refused.value.message and list(refused.value.detail) == [""]
    assert HumanTask.objects.get(pk=task.pk).draft == {}
    human_task_claim(task_id=task.pk, actor=reviewer)
    human_task_save_draft(task_id=task.pk, actor=reviewer, data={"opinion": "x"})
    assert HumanTask.objects.get(pk=task.pk).draft == {"opinion": "x"}

    colleague = f.actor(world["colleague"])
    other = instance_start(process_key="approval", actor=reviewer, department_id=task.department_id)
    unclaimed = HumanTask.objects.get(instance=other)
    human_task_complete(task_id=unclaimed.pk, actor=colleague, data={"approved": True, "opinion": "好"})
    done = HumanTask.objects.get(pk=unclaimed.pk)
    assert (done.status, done.assignee_id) == (TaskStatus.COMPLETED, world["colleague"].pk)


def test_delegate_choices_are_the_people_who_could_hold_the_task(world) -> None:  # type: ignore[no-untyped-def]
    """Holders of a candidate role in the task's department and its candidate users, active ones only, by
    username, with their full names; not the person handing it on."""
    choices = task_delegate_choices(f.actor(world["reviewer"]), world["task"])
    assert [(p.username, p.full_name) for p in choices] == [("colleague", "王 小明"), ("named", "")]


def test_delegate_refuses_anyone_who_could_not_hold_the_task(world) -> None:  # type: ignore[no-untyped-def]
    """A reviewer of another department, a cataloguer, an inactive user, an unknown name or oneself: refused
    on the field "to", and nothing changes."""
    task, reviewer = world["task"], f.actor(world["reviewer"])
    for name in ("far", "cataloguer", "retired", "nobody", "reviewer"):
        with pytest.raises(ValidationFailed) as refused:
            human_task_delegate(task_id=task.pk, actor=reviewer, to_username=name)
        assert list(refused.value.detail) == ["to"], name
    assert HumanTask.objects.get(pk=task.pk).assignee_id is None
    assert not AuditEvent.objects.filter(action="task_delegated").exists()


def test_the_new_assignee_is_told_after_the_commit(world, notifier, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    """转办 to a candidate user: they become the assignee and get a notification linking to the task page,
    sent only once the hand-over is committed."""
    task, reviewer = world["task"], f.actor(world["reviewer"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        human_task_delegate(task_id=task.pk, actor=reviewer, to_username="named", note="请协助")
    assert notifier.sent == [] and callbacks
    for callback in callbacks:
        callback()
    [told] = notifier.sent
    assert told["user_ids"] == [world["named"].pk] and told["kind"] == "delegated"
    assert told["link"] == f"/workbench/tasks/{task.pk}/" and "请协助" in told["body"] and "审核" in told["title"]
    assert HumanTask.objects.get(pk=task.pk).assignee_id == world["named"].pk


def test_one_rule_for_who_may_comment(world) -> None:  # type: ignore[no-untyped-def]
    """Whoever may act on the task, whoever completed it, and superusers comment; others are refused."""
    task = world["task"]
    reviewer, cataloguer = f.actor(world["reviewer"]), f.actor(world["cataloguer"])
    root = f.actor(f.user("root", is_superuser=True))
    assert task_can_comment(reviewer, task) and task_can_comment(root, task)
    assert not task_can_comment(cataloguer, task)
    with pytest.raises(PermissionDenied):
        human_task_comment(task_id=task.pk, actor=cataloguer, text="路过")
    human_task_complete(task_id=task.pk, actor=reviewer, data={"approved": True, "opinion": "好"})
    done = HumanTask.objects.get(pk=task.pk)
    assert task_can_comment(reviewer, done) and not task_can_comment(f.actor(world["colleague"]), done)
    assert human_task_comment(task_id=task.pk, actor=reviewer, text="补充说明").text == "补充说明"

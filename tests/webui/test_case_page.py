"""The case page: who may see it, the diagram's XML and element states, the timeline, escaped step data."""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from processes.models import HumanTask, ProcessInstance
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn import handlers  # noqa: F401  (registers testing/check, the diagram's external task)
from tests.bpmn.diagrams import chain, user_task
from webui.views.case import has_layout

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():  # type: ignore[no-untyped-def]
    """The Camunda Modeler leave request (it has a BPMNDI layout), started by an applicant."""
    dept = f.department()
    head = f.user("head", roles=["dept_head"], dept=dept)
    applicant = f.user("applicant")
    outsider = f.user("outsider", roles=["reviewer"], dept=dept)
    f.deploy("camunda_modeler")
    instance = instance_start(
        process_key="leave_request", actor=f.actor(applicant), department_id=dept.pk, business_key="LEAVE-1"
    )
    return instance, applicant, head, outsider


def url(instance: ProcessInstance) -> str:
    return f"/workbench/cases/{instance.pk}/"


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def json_block(html: str, block_id: str):  # type: ignore[no-untyped-def]
    found = re.search(rf'<script id="{block_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no json_script block {block_id}"
    return json.loads(found.group(1))


def test_starter_and_candidate_see_the_case_an_outsider_gets_404(case) -> None:  # type: ignore[no-untyped-def]
    """The starter, a candidate and staff see the case; anyone else gets 404."""
    instance, applicant, head, outsider = case
    for user in (applicant, head):
        response = client_for(user).get(url(instance))
        assert response.status_code == 200, user.username
        assert "LEAVE-1" in response.content.decode()
    assert client_for(outsider).get(url(instance)).status_code == 404
    assert client_for(outsider).get("/workbench/cases/999999/").status_code == 404
    staff = f.user("staff", is_staff=True)
    assert client_for(staff).get(url(instance)).status_code == 200


def test_anonymous_is_sent_to_login(case) -> None:  # type: ignore[no-untyped-def]
    """Signed out, the case page sends you to log in."""
    response = Client().get(url(case[0]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_diagram_xml_and_states_are_embedded(case) -> None:  # type: ignore[no-untyped-def]
    """The diagram and each element's state are embedded for the viewer, and follow the case."""
    instance, applicant, head, _outsider = case
    html = client_for(applicant).get(url(instance)).content.decode()
    assert json_block(html, "case-bpmn") == instance.definition.bpmn_xml
    assert json_block(html, "case-states") == {"Activity_approve": "active"}
    assert "bpmn-navigated-viewer.production.min.js" in html and "webui/case-viewer.js" in html

    task = HumanTask.objects.get(instance=instance, element_id="Activity_approve")
    human_task_complete(task_id=task.pk, actor=f.actor(head), data={"approved": True})
    html = client_for(applicant).get(url(instance)).content.decode()
    states = json_block(html, "case-states")
    assert states["Activity_approve"] == "completed"
    assert states.get("Activity_notify") in {"active", "completed"}, "the external task's job shows too"


def test_overdue_open_task_is_marked_overdue(case) -> None:  # type: ignore[no-untyped-def]
    """An open task on the last rung of the ladder shows as overdue."""
    instance, applicant, _head, _outsider = case
    HumanTask.objects.filter(instance=instance).update(escalation_level=3)
    html = client_for(applicant).get(url(instance)).content.decode()
    assert json_block(html, "case-states") == {"Activity_approve": "overdue"}


def test_timeline_lists_the_events(case) -> None:  # type: ignore[no-untyped-def]
    """Each event reads as what happened (发起, 生成任务, 办结); the machine name is kept in its title."""
    instance, applicant, head, _outsider = case
    task = HumanTask.objects.get(instance=instance, element_id="Activity_approve")
    human_task_complete(task_id=task.pk, actor=f.actor(head))
    html = client_for(applicant).get(url(instance)).content.decode()
    timeline = html.split('class="tb-table tb-timeline"', 1)[1].split("</table>", 1)[0]
    for action, label in [("instance_started", "发起"), ("task_created", "生成任务"), ("task_completed", "办结")]:
        assert f'<span class="tb-action" title="{action}">{label}</span>' in timeline
    assert "部门审批" in timeline and "head" in timeline
    english = f.in_english(client_for(applicant)).get(url(instance)).content.decode()
    assert 'title="task_completed">Complete</span>' in english


def test_submitted_data_is_escaped(case) -> None:  # type: ignore[no-untyped-def]
    """Markup in submitted data, key or value, shows as text."""
    instance, applicant, head, _outsider = case
    task = HumanTask.objects.get(instance=instance, element_id="Activity_approve")
    evil = "<script>alert(1)</script>"
    human_task_complete(task_id=task.pk, actor=f.actor(head), data={"note": evil, evil: 1})
    html = client_for(applicant).get(url(instance)).content.decode()
    assert evil not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_external_urls(case) -> None:  # type: ignore[no-untyped-def]
    """The case page loads nothing from another host."""
    html = client_for(case[1]).get(url(case[0])).content.decode()
    external = re.findall(r'(?:src|href)="((?:https?:)?//[^"]*)"', html)
    assert not external, external


def test_diagram_without_layout_shows_a_message() -> None:
    """A diagram without layout says so instead of drawing nothing."""
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    f.deploy(chain("no_layout", user_task("审核材料", "reviewer")))
    instance = instance_start(process_key="no_layout", actor=f.actor(clerk), department_id=dept.pk)
    html = client_for(clerk).get(url(instance)).content.decode()
    assert "此流程图没有布局信息" in html
    assert 'id="case-bpmn"' not in html and "bpmn-navigated-viewer" not in html


def test_layout_detection() -> None:
    """Only XML with a BPMNDiagram counts as drawable."""
    assert has_layout('<bpmndi:BPMNDiagram id="d">')
    assert has_layout('<BPMNDiagram id="d">')
    assert not has_layout("<bpmn:process id='p'/>")


def test_query_count_does_not_grow_with_events(case) -> None:  # type: ignore[no-untyped-def]
    """More events on the case: the same queries."""
    instance, applicant, head, _outsider = case
    client = client_for(applicant)
    with CaptureQueriesContext(connection) as before:
        client.get(url(instance))
    task = HumanTask.objects.get(instance=instance, element_id="Activity_approve")
    human_task_complete(task_id=task.pk, actor=f.actor(head), data={"a": 1})
    with CaptureQueriesContext(connection) as after:
        client.get(url(instance))
    assert len(after) == len(before), [q["sql"] for q in after.captured_queries]


def test_english_labels(case) -> None:  # type: ignore[no-untyped-def]
    """In English the page's headings are English."""
    html = f.in_english(client_for(case[1])).get(url(case[0])).content.decode()
    assert "Timeline" in html and "Data submitted at each step" in html


def test_subject_is_shown(case) -> None:  # type: ignore[no-untyped-def]
    """The object the case is about is named."""
    from django.contrib.contenttypes.models import ContentType

    instance, applicant, _head, _outsider = case
    ProcessInstance.objects.filter(pk=instance.pk).update(
        subject_type=ContentType.objects.get_for_model(ProcessInstance), subject_id="42"
    )
    html = client_for(applicant).get(url(instance)).content.decode()
    assert "processes.processinstance #42" in html

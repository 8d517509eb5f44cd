"""The case page: who may see it, the diagram's XML and element states, the timeline, each step's data
through its form (groups as tables, files as links), the case's attachments, escaping, fixed queries."""

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from processes.models import Attachment, HumanTask, ProcessInstance
from processes.services.attachments import attachment_add
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn import handlers  # noqa: F401  (registers testing/check, the diagram's external task)
from tests.bpmn.diagrams import chain, user_task
from tests.webui.test_task_forms import PURCHASE_FORM
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


def _about(instance: ProcessInstance, target: Any, pk: Any = None) -> None:
    from django.contrib.contenttypes.models import ContentType

    ProcessInstance.objects.filter(pk=instance.pk).update(
        subject_type=ContentType.objects.get_for_model(target), subject_id=str(pk or target.pk)
    )


def test_subject_is_named_and_linked_where_a_page_exists(case, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The object the case is about is named (escaped); staff get its admin page, and an object with a page
    of its own links there for everyone who may see the case."""
    from domain.directory.models import Department

    instance, applicant, _head, _outsider = case
    subject = f.department("330199", "<script>alert(1)</script>数据局")
    _about(instance, subject)
    html = client_for(applicant).get(url(instance)).content.decode()
    assert f"#{subject.pk} &lt;script&gt;alert(1)&lt;/script&gt;数据局" in html and "<script>alert(1)" not in html
    assert "/admin/directory/department/" not in html
    staff = f.user("operator", is_staff=True)
    html = client_for(staff).get(url(instance)).content.decode()
    assert f'href="/admin/directory/department/{subject.pk}/change/"' in html
    monkeypatch.setattr(Department, "get_absolute_url", lambda self: f"/data/departments/{self.pk}/", raising=False)
    html = client_for(applicant).get(url(instance)).content.decode()
    assert f'href="/data/departments/{subject.pk}/"' in html


def test_a_deleted_subject_says_so(case) -> None:  # type: ignore[no-untyped-def]
    instance, applicant, _head, _outsider = case
    subject = f.department("330199", "已撤销的部门")
    _about(instance, subject, pk=999_999)
    html = client_for(applicant).get(url(instance)).content.decode()
    assert "#999999（已删除）" in html


# --- the steps' data through their forms, and the case's attachments ---------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def purchase(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A purchase process of four steps, each filling the purchase form (a repeating group, a single and a
    multiple attachment field; other keys allowed); files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    dept = f.department()
    clerk = f.user("clerk", roles=["clerk"], dept=dept)
    steps = [user_task(f"fill{i}", "clerk", 'camunda:formKey="purchase"') for i in range(4)]
    form = json.dumps({**PURCHASE_FORM, "additionalProperties": True}, ensure_ascii=False)
    f.deploy(chain("purchase", *steps), extra={"forms/purchase.json": form})

    def start(business_key: str) -> ProcessInstance:
        return instance_start(
            process_key="purchase", actor=f.actor(clerk), department_id=dept.pk, business_key=business_key
        )

    def work(instance: ProcessInstance, *, files: int = 1, data: dict | None = None) -> list[Attachment]:  # type: ignore[type-arg]
        """Complete the open step with `files` attachments: the first as 报价单, the rest as 佐证材料."""
        task = HumanTask.objects.get(instance=instance, status="open")
        added = [
            attachment_add(
                task_id=task.pk,
                actor=f.actor(clerk),
                upload=SimpleUploadedFile(f"<b>文件{n}.pdf", PDF, content_type="application/pdf"),
                field="quote" if n == 0 else "evidence",
                note=f"第{n}份 <i>说明</i>",
            )
            for n in range(files)
        ]
        refs = [f"att:{a.pk}" for a in added]
        submitted = {"title": "采购", "items": [{"name": "<i>椅子</i>", "qty": 4}, {"name": "桌子", "qty": 1}]}
        if refs:
            submitted.update({"quote": refs[0], "evidence": refs[1:]})
        human_task_complete(task_id=task.pk, actor=f.actor(clerk), data={**submitted, **(data or {})})
        return added

    return clerk, start, work


def steps_html(html: str) -> str:
    return html.split('class="tb-steps"', 1)[1].split("</ol>", 1)[0]


def test_steps_show_groups_as_tables_and_files_as_links(purchase) -> None:  # type: ignore[no-untyped-def]
    """A step's data reads as on the task page: the form's labels, a repeating group as a table of rows,
    each attachment as its file name linking to the download — no JSON, no "att:" references; a key the
    form does not describe is still shown."""
    clerk, start, work = purchase
    instance = start("PUR-1")
    quote, evidence = work(instance, files=2, data={"extra_note": "线下补交"})
    html = steps_html(client_for(clerk).get(url(instance)).content.decode())
    assert '<th scope="row">事由</th>' in html and '<th scope="row">采购明细</th>' in html
    assert "tb-group-table" in html and '<th scope="col">品名</th>' in html and '<th scope="col">数量</th>' in html
    assert "&lt;i&gt;椅子&lt;/i&gt;" in html and "<i>椅子</i>" not in html
    assert f'<a href="/workbench/attachments/{quote.pk}/">&lt;b&gt;文件0.pdf</a>' in html
    assert f'<a href="/workbench/attachments/{evidence.pk}/">&lt;b&gt;文件1.pdf</a>' in html
    assert "att:" not in html and '[{"' not in html and "&quot;name&quot;" not in html
    assert '<th scope="row">extra_note</th><td>线下补交</td>' in html
    assert '<th scope="row">报价单</th>' in html and '<th scope="row">佐证材料</th>' in html
    work(instance, files=0)  # a second step with no files: its data names none
    html = steps_html(client_for(clerk).get(url(instance)).content.decode())
    second = html.split("data-step-task-id=")[2]
    assert '<th scope="row">事由</th>' in second and "报价单" not in second and "佐证材料" not in second


def test_attachments_section_lists_the_cases_files(purchase) -> None:  # type: ignore[no-untyped-def]
    """The case lists its files: name linking to the download, size, who uploaded it, when, the note;
    names and notes shown as text. With none, it says so; in English the section reads in English."""
    clerk, start, work = purchase
    instance = start("PUR-2")
    empty = client_for(clerk).get(url(instance)).content.decode()
    assert 'id="tb-case-attachments-title">附件</h2>' in empty and "暂无附件。" in empty
    first, second = work(instance, files=2)
    html = client_for(clerk).get(url(instance)).content.decode()
    section = html.split('id="tb-case-attachments"', 1)[1].split("</section>", 1)[0]
    for attachment in (first, second):
        row = section.split(f'data-attachment-id="{attachment.pk}"', 1)[1].split("</tr>", 1)[0]
        assert f'<a href="/workbench/attachments/{attachment.pk}/">{escape(attachment.original_name)}</a>' in row
        assert "clerk" in row and "<time datetime=" in row and "说明" in row
    assert "第0份 &lt;i&gt;说明&lt;/i&gt;" in section and "<i>说明</i>" not in section
    assert section.index(f'"{first.pk}"') < section.index(f'"{second.pk}"'), "oldest first"
    english = f.in_english(client_for(clerk)).get(url(instance)).content.decode()
    assert ">Attachments</h2>" in english and "File name" in english


def test_query_count_does_not_grow_with_steps_and_attachments(purchase) -> None:  # type: ignore[no-untyped-def]
    """One step with one file, or four steps with eleven files and group rows: the same queries."""
    clerk, start, work = purchase
    small, large = start("PUR-S"), start("PUR-L")
    work(small, files=1)
    for files in (2, 3, 4, 2):
        work(large, files=files)
    client = client_for(clerk)
    client.get(url(small))  # warm the parsed-definition cache
    with CaptureQueriesContext(connection) as one:
        html = client.get(url(small)).content.decode()
    assert html.count("data-step-task-id=") == 1 and html.count("data-attachment-id=") == 1
    with CaptureQueriesContext(connection) as many:
        html = client.get(url(large)).content.decode()
    assert html.count("data-step-task-id=") == 4 and html.count("data-attachment-id=") == 11
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


# --- who may open a case: one rule (processes.selectors.instance_visible_to) for page, files and API -----


@pytest.fixture
def district_case(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A district below a city: a case in the district with a file; the city's supervisor, an auditor with
    no other role, and a clerk of another district."""
    settings.MEDIA_ROOT = tmp_path / "media"
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    other = f.department("330108", "滨江区", parent=city)
    reviewer = f.user("reviewer", roles=["reviewer"], dept=district)
    people = {
        "supervisor": f.user("boss", roles=["supervisor"], dept=city),
        "district_supervisor": f.user("local_boss", roles=["supervisor"], dept=district),
        "auditor": f.user("auditor", roles=["auditor"], dept=other),
        "clerk": f.user("clerk", roles=["reviewer"], dept=other),
        "sibling_supervisor": f.user("sibling_boss", roles=["supervisor"], dept=other),
    }
    f.deploy("approval")
    instance = instance_start(
        process_key="approval", actor=f.actor(reviewer), department_id=district.pk, business_key="REQ-SV"
    )
    task = HumanTask.objects.get(instance=instance)
    attachment = attachment_add(
        task_id=task.pk, actor=f.actor(reviewer), upload=SimpleUploadedFile("材料.pdf", PDF, "application/pdf")
    )
    return instance, attachment, people


# Transactional: closing a file download ends the request, which closes the database connection.
@pytest.mark.django_db(transaction=True)
def test_supervisors_of_the_subtree_and_auditors_open_the_case_and_its_files(district_case) -> None:  # type: ignore[no-untyped-def]
    """The city's supervisor (parent department) and the district's own open a district case and download its
    files; an auditor opens any case; a clerk or a supervisor of another district gets 404 for both."""
    instance, attachment, people = district_case
    file_url = f"/workbench/attachments/{attachment.pk}/"
    for who in ("supervisor", "district_supervisor", "auditor"):
        client = client_for(people[who])
        response = client.get(url(instance))
        assert response.status_code == 200, who
        assert "REQ-SV" in response.content.decode()
        download = client.get(file_url)
        assert download.status_code == 200, who
        assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
        download.close()
    for who in ("clerk", "sibling_supervisor"):
        client = client_for(people[who])
        assert client.get(url(instance)).status_code == 404, who
        assert client.get(file_url).status_code == 404, who


def test_a_supervisor_opens_a_case_whose_task_is_in_the_subtree() -> None:
    """A case started in the city with a step handled in the district: the district's supervisor, who sees
    the task in 督办, opens the case from it."""
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    boss = f.user("local_boss", roles=["supervisor"], dept=district)
    f.user("reviewer", roles=["reviewer"], dept=district)
    f.deploy("approval")
    instance = instance_start(process_key="approval", actor=f.actor(f.user("applicant")), department_id=city.pk)
    assert client_for(boss).get(url(instance)).status_code == 404
    HumanTask.objects.filter(instance=instance).update(department=district)
    assert client_for(boss).get(url(instance)).status_code == 200


def test_the_api_reads_an_instance_by_the_same_rule(district_case) -> None:  # type: ignore[no-untyped-def]
    """GET /api/instances/<id>/: the supervisor and the auditor read it, the unrelated clerk gets 404."""
    instance, _attachment, people = district_case
    for who, status in (("supervisor", 200), ("auditor", 200), ("clerk", 404)):
        assert client_for(people[who]).get(f"/api/instances/{instance.pk}/").status_code == status, who

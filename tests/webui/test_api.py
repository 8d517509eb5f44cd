"""The REST API under /api/: thin views over the services, one error shape, session and token auth."""

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from domain.approvals.models import DecisionRecord
from handlers.registry import HandlerError, ServiceCall, replace_handler
from processes.models import HumanTask, Incident, ProcessDefinition, ProcessInstance
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

APPROVAL = (f.BPMN_DIR / "approval.bpmn").read_text("utf-8")
REVIEW_FORM = (f.BPMN_DIR / "forms" / "review.json").read_text("utf-8")


def client_for(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def people() -> dict[str, Any]:
    dept = f.department()
    return {
        "dept": dept,
        "clerk": f.user("clerk", roles=["reviewer"], dept=dept),
        "clerk2": f.user("clerk2", roles=["reviewer"], dept=dept),
        "cataloguer": f.user("cataloguer", roles=["cataloguer"], dept=dept),
        "outsider": f.user("outsider", roles=["cataloguer"], dept=dept),
        "applicant": f.user("applicant"),
        "admin": f.user("admin", is_staff=True),
    }


def start(user: Any, dept: Any, process_key: str = "approval", business_key: str = "REQ-1") -> dict[str, Any]:
    response = client_for(user).post(
        "/api/instances/",
        {"process_key": process_key, "business_key": business_key, "data": {"title": "申请"}, "department_id": dept.pk},
        format="json",
    )
    assert response.status_code == 201, response.data
    return response.data


@pytest.fixture
def approval(people: dict[str, Any]) -> dict[str, Any]:
    """The approval diagram deployed and one request started by the applicant."""
    f.deploy("approval")
    instance = start(people["applicant"], people["dept"])
    return {**people, "instance": instance, "task_id": instance["tasks"][0]["id"]}


# --- definitions ---


def test_deploy_by_upload_creates_a_version_once(people: dict[str, Any]) -> None:
    """Uploading the same diagram twice stores one version: 201 then 200 with created=false."""
    admin = client_for(people["admin"])

    def upload() -> Any:
        files = [SimpleUploadedFile("review.json", REVIEW_FORM.encode(), content_type="application/json")]
        return admin.post(
            "/api/definitions/deploy/",
            {"file": SimpleUploadedFile("approval.bpmn", APPROVAL.encode()), "files": files, "note": "首次"},
            format="multipart",
        )

    first = upload()
    assert first.status_code == 201, first.data
    assert first.data["created"] is True
    assert first.data["definition"]["key"] == "approval" and first.data["definition"]["version"] == 1
    again = upload()
    assert again.status_code == 200 and again.data["created"] is False
    assert ProcessDefinition.objects.count() == 1
    definition = ProcessDefinition.objects.get()
    assert "forms/review.json" in definition.extra_files

    listed = admin.get("/api/definitions/")
    assert listed.data["results"][0]["running_instances"] == 0
    detail = client_for(people["clerk"]).get(f"/api/definitions/{definition.pk}/")
    assert detail.status_code == 200 and detail.data["bpmn_xml"] == APPROVAL
    assert "forms/review.json" in detail.data["files"]


def test_deploy_of_an_invalid_diagram_is_refused_with_element_ids(people: dict[str, Any]) -> None:
    """400 lists each problem with its element id; nothing is stored."""
    broken = APPROVAL.replace("approvals/decision_record", "approvals/no_such").replace(
        'camunda:formKey="review"', 'camunda:formKey="no_such_form"'
    )
    response = client_for(people["admin"]).post("/api/definitions/deploy/", {"bpmn_xml": broken}, format="json")
    assert response.status_code == 400
    assert {"record", "review"} <= {problem["element_id"] for problem in response.data["errors"]}
    assert all(problem["message"] for problem in response.data["errors"])
    assert ProcessDefinition.objects.count() == 0


def test_validate_reports_without_storing(people: dict[str, Any]) -> None:
    admin = client_for(people["admin"])
    good = admin.post("/api/definitions/validate/", {"bpmn_xml": APPROVAL}, format="json")
    assert good.status_code == 200 and good.data["ok"] is True and good.data["process_key"] == "approval"
    bad = admin.post("/api/definitions/validate/", {"bpmn_xml": APPROVAL.replace("</bpmn:process>", "")}, format="json")
    assert bad.status_code == 200 and bad.data["ok"] is False and bad.data["errors"]
    assert ProcessDefinition.objects.count() == 0


def test_only_staff_deploy(people: dict[str, Any]) -> None:
    response = client_for(people["clerk"]).post("/api/definitions/deploy/", {"bpmn_xml": APPROVAL}, format="json")
    assert response.status_code == 403
    assert ProcessDefinition.objects.count() == 0


# --- instances and the inbox ---


def test_reviewer_sees_the_task_and_an_outsider_does_not(approval: dict[str, Any]) -> None:
    task_id = approval["task_id"]
    inbox = client_for(approval["clerk"]).get("/api/inbox/?scope=group")
    assert inbox.status_code == 200
    assert [row["id"] for row in inbox.data["results"]] == [task_id]
    assert inbox.data["results"][0]["name"] == "审核"

    outsider = client_for(approval["outsider"])
    assert outsider.get("/api/inbox/?scope=all").data["results"] == []
    assert outsider.get(f"/api/tasks/{task_id}/").status_code == 404
    assert outsider.post(f"/api/tasks/{task_id}/claim/").status_code in (403, 404)
    assert outsider.post(f"/api/tasks/{task_id}/complete/", {"data": {}}, format="json").status_code in (403, 404)

    detail = client_for(approval["clerk"]).get(f"/api/tasks/{task_id}/")
    assert detail.status_code == 200
    assert detail.data["form"]["required"] == ["approved", "opinion"]
    assert detail.data["can_act"] is True and detail.data["draft"] == {}


def test_inbox_rejects_an_unknown_scope(approval: dict[str, Any]) -> None:
    response = client_for(approval["clerk"]).get("/api/inbox/?scope=everything")
    assert response.status_code == 400 and "scope" in response.data["errors"]


def test_complete_validates_the_form_then_advances_once(approval: dict[str, Any]) -> None:
    """Invalid data: 400 with per-field errors, nothing advances. Valid: 200, instance completes. Again: 409."""
    clerk = client_for(approval["clerk"])
    url = f"/api/tasks/{approval['task_id']}/complete/"
    invalid = clerk.post(url, {"data": {"approved": "yes"}}, format="json")
    assert invalid.status_code == 400
    assert set(invalid.data["errors"]) == {"approved", "opinion"}
    assert DecisionRecord.objects.count() == 0

    done = clerk.post(url, {"data": {"approved": True, "opinion": "同意"}}, format="json")
    assert done.status_code == 200, done.data
    assert done.data["status"] == "completed" and done.data["instance_status"] == "completed"
    assert ProcessInstance.objects.get().status == "completed"
    assert DecisionRecord.objects.get(business_key="REQ-1").approved is True

    again = clerk.post(url, {"data": {"approved": False, "opinion": "x"}}, format="json")
    assert again.status_code == 409 and again.data["detail"]
    assert DecisionRecord.objects.count() == 1


def test_second_claim_is_a_conflict(approval: dict[str, Any]) -> None:
    url = f"/api/tasks/{approval['task_id']}/claim/"
    first = client_for(approval["clerk"]).post(url)
    assert first.status_code == 200 and first.data["assignee"] == "clerk"
    assert client_for(approval["clerk2"]).post(url).status_code == 409
    mine = client_for(approval["clerk"]).get("/api/inbox/?scope=mine")
    assert [row["id"] for row in mine.data["results"]] == [approval["task_id"]]


def test_draft_unclaim_and_comment(approval: dict[str, Any]) -> None:
    clerk = client_for(approval["clerk"])
    base = f"/api/tasks/{approval['task_id']}"
    assert clerk.post(f"{base}/claim/").status_code == 200
    draft = clerk.post(f"{base}/draft/", {"data": {"opinion": "草稿"}}, format="json")
    assert draft.status_code == 200 and draft.data["draft"] == {"opinion": "草稿"}
    comment = clerk.post(f"{base}/comments/", {"text": "请补充材料"}, format="json")
    assert comment.status_code == 201 and comment.data["author"] == "clerk"
    assert client_for(approval["outsider"]).post(f"{base}/comments/", {"text": "x"}, format="json").status_code == 404
    unclaimed = clerk.post(f"{base}/unclaim/")
    assert unclaimed.status_code == 200 and unclaimed.data["assignee"] is None
    assert [c["text"] for c in unclaimed.data["comments"]] == ["请补充材料"]


def test_delegate_hands_the_task_to_another_person(approval: dict[str, Any]) -> None:
    """转办: the target becomes the assignee and sees it in their own inbox."""
    base = f"/api/tasks/{approval['task_id']}"
    clerk = client_for(approval["clerk"])
    response = clerk.post(f"{base}/delegate/", {"to": "clerk2", "note": "请代办"}, format="json")
    assert response.status_code == 200 and response.data["assignee"] == "clerk2"
    mine = client_for(approval["clerk2"]).get("/api/inbox/?scope=mine")
    assert [row["id"] for row in mine.data["results"]] == [approval["task_id"]]
    unknown = client_for(approval["clerk2"]).post(f"{base}/delegate/", {"to": "nobody"}, format="json")
    assert unknown.status_code == 400 and "to" in unknown.data["errors"]


def test_return_sends_the_case_back_to_the_drafter(people: dict[str, Any]) -> None:
    """退回: the reviewer's opinion goes with the re-opened draft task, assigned to whoever drafted."""
    f.deploy("two_step")
    instance = start(people["applicant"], people["dept"], process_key="two_step", business_key="DOC-1")
    drafter = client_for(people["cataloguer"])
    draft_id = instance["tasks"][0]["id"]
    assert (
        drafter.post(f"/api/tasks/{draft_id}/complete/", {"data": {"text": "初稿"}}, format="json").status_code == 200
    )

    [review] = client_for(people["clerk"]).get("/api/inbox/?scope=group").data["results"]
    assert review["element_id"] == "review"
    missing = client_for(people["clerk"]).post(f"/api/tasks/{review['id']}/return/", {"opinion": ""}, format="json")
    assert missing.status_code == 400
    returned = client_for(people["clerk"]).post(
        f"/api/tasks/{review['id']}/return/", {"opinion": "数据项不全"}, format="json"
    )
    assert returned.status_code == 200, returned.data
    assert returned.data["status"] == "returned"

    [again] = drafter.get("/api/inbox/?scope=mine").data["results"]
    assert again["element_id"] == "draft" and again["assignee"] == "cataloguer"
    assert again["opinion"] == "数据项不全" and again["returned_from"] == review["id"]


def test_instance_list_detail_and_lifecycle(approval: dict[str, Any]) -> None:
    """The starter sees their instance; staff see all; cancel is for the starter or staff; suspend for staff."""
    instance_id = approval["instance"]["id"]
    applicant, admin = client_for(approval["applicant"]), client_for(approval["admin"])
    assert [row["id"] for row in applicant.get("/api/instances/?status=running").data["results"]] == [instance_id]
    assert applicant.get("/api/instances/?status=completed").data["results"] == []
    assert client_for(approval["clerk2"]).get("/api/instances/").data["results"] == []
    assert [row["id"] for row in admin.get("/api/instances/?process_key=approval").data["results"]] == [instance_id]

    detail = client_for(approval["clerk"]).get(f"/api/instances/{instance_id}/")
    assert detail.status_code == 200
    assert [t["element_id"] for t in detail.data["tasks"]] == ["review"]
    assert [e["action"] for e in detail.data["history"]][:2] == ["instance_started", "task_created"]
    assert client_for(approval["outsider"]).get(f"/api/instances/{instance_id}/").status_code == 404

    assert applicant.post(f"/api/instances/{instance_id}/suspend/").status_code == 403
    assert client_for(approval["clerk"]).post(f"/api/instances/{instance_id}/cancel/").status_code == 403
    suspended = admin.post(f"/api/instances/{instance_id}/suspend/")
    assert suspended.status_code == 200 and suspended.data["status"] == "suspended"
    assert admin.post(f"/api/instances/{instance_id}/suspend/").status_code == 409
    assert admin.post(f"/api/instances/{instance_id}/resume/").data["status"] == "running"
    cancelled = applicant.post(f"/api/instances/{instance_id}/cancel/", {"reason": "撤回申请"}, format="json")
    assert cancelled.status_code == 200 and cancelled.data["status"] == "cancelled"
    assert HumanTask.objects.get().status == "cancelled"


def test_starting_an_undeployed_process_is_a_404(people: dict[str, Any]) -> None:
    response = client_for(people["applicant"]).post("/api/instances/", {"process_key": "nope"}, format="json")
    assert response.status_code == 404 and "nope" in response.data["detail"]


def test_unmatched_message_is_a_404(people: dict[str, Any]) -> None:
    response = client_for(people["admin"]).post(
        "/api/messages/", {"name": "材料已补正", "correlation": {"business_key": "X"}}, format="json"
    )
    assert response.status_code == 404
    assert response.data["context"]["name"] == "材料已补正"


# --- incidents ---


@pytest.fixture
def failing_record() -> Iterator[Any]:
    """The decision-record handler refuses (no error boundary catches it: an incident); yields the real one."""

    def refuse(call: ServiceCall) -> dict[str, Any]:
        raise HandlerError("登记服务不可用 / registry refused")

    real = replace_handler("approvals/decision_record", refuse)
    assert real is not None
    yield real
    replace_handler("approvals/decision_record", real)


def test_incident_is_listed_and_skipped_by_staff(approval: dict[str, Any], failing_record: Any) -> None:
    clerk, admin = client_for(approval["clerk"]), client_for(approval["admin"])
    done = clerk.post(
        f"/api/tasks/{approval['task_id']}/complete/", {"data": {"approved": True, "opinion": "同意"}}, format="json"
    )
    assert done.status_code == 200
    assert clerk.get("/api/incidents/").status_code == 403
    [incident] = admin.get("/api/incidents/?status=open").data["results"]
    assert incident["element_id"] == "record" and incident["job"]["operator"] == "approvals/decision_record"

    skipped = admin.post(f"/api/incidents/{incident['id']}/skip/", {"result": {"id": 0}}, format="json")
    assert skipped.status_code == 200 and skipped.data["status"] == "skipped"
    assert ProcessInstance.objects.get().status == "completed"
    assert admin.post(f"/api/incidents/{incident['id']}/retry/").status_code == 409


def test_incident_retry_runs_the_job_again(approval: dict[str, Any], failing_record: Any) -> None:
    client_for(approval["clerk"]).post(
        f"/api/tasks/{approval['task_id']}/complete/", {"data": {"approved": True, "opinion": "同意"}}, format="json"
    )
    incident = Incident.objects.get()
    replace_handler("approvals/decision_record", failing_record)  # the service is back
    retried = client_for(approval["admin"]).post(f"/api/incidents/{incident.pk}/retry/")
    assert retried.status_code == 200, retried.data
    assert ProcessInstance.objects.get().status == "completed"
    assert DecisionRecord.objects.count() == 1


# --- auth and schema ---


def test_anonymous_is_refused(approval: dict[str, Any]) -> None:
    anonymous = APIClient()
    assert anonymous.get("/api/inbox/").status_code in (401, 403)
    assert anonymous.post("/api/instances/", {"process_key": "approval"}, format="json").status_code in (401, 403)


def test_token_auth(people: dict[str, Any]) -> None:
    response = APIClient().post("/api/auth/token/", {"username": "clerk", "password": "pass12345"}, format="json")
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    assert client.get("/api/inbox/").status_code == 200


def test_openapi_schema_is_valid_and_served(people: dict[str, Any]) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())
    client = client_for(people["clerk"])
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for expected in (
        "/api/definitions/deploy/",
        "/api/instances/{id}/cancel/",
        "/api/inbox/",
        "/api/tasks/{id}/complete/",
        "/api/tasks/{id}/return/",
        "/api/messages/",
        "/api/incidents/{id}/skip/",
        "/api/auth/token/",
    ):
        assert expected in paths
    assert client.get("/api/docs/").status_code == 200

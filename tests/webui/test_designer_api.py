"""/api/designer/: what the browser modeler calls — handlers, roles, departments and forms to pick from,
my drafts (blank, from a version, uploaded), save with a revision check, validate, deploy. Designers only
(403); somebody else's draft does not exist for you (404); session-authenticated writes need the CSRF
token. Handler documentation answers in the caller's language."""

import inspect
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from handlers import registry
from processes.models import ProcessDefinition, ProcessDraft
from processes.services.designer import DRAFT_MAX_BYTES
from tests import factories as f
from tests.bpmn import handlers  # noqa: F401  (registers testing/check, the Camunda Modeler file's topic)

pytestmark = pytest.mark.django_db

APPROVAL = (f.BPMN_DIR / "approval.bpmn").read_text("utf-8")
CAMUNDA_FILE = (f.FIXTURES / "camunda_modeler.bpmn").read_bytes()
DRAFTS = "/api/designer/drafts/"


def client_for(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def people() -> dict[str, Any]:
    dept = f.department()
    return {
        "designer": f.user("designer", roles=["designer"], dept=dept),
        "other": f.user("other", roles=["designer"], dept=dept),
        "clerk": f.user("clerk", roles=["reviewer"], dept=dept),
        "staff": f.user("staff", is_staff=True),
    }


def new_draft(client: APIClient, **body: Any) -> dict[str, Any]:
    response = client.post(DRAFTS, body, format="json")
    assert response.status_code == 201, response.data
    return response.data


def save(client: APIClient, draft: dict[str, Any], xml: str, **extra: Any) -> Any:
    body = {"bpmn_xml": xml, "revision": draft["revision"], **extra}
    return client.put(f"{DRAFTS}{draft['id']}/", body, format="json")


# --- what a diagram may name ---


def test_handlers_list_each_operator_with_its_documented_parameters(people: dict[str, Any]) -> None:
    """The service-task dropdown: operator, summary, parameters with type and meaning, and the result."""
    response = client_for(people["designer"]).get("/api/designer/handlers/")
    assert response.status_code == 200
    docs = {row["operator"]: row for row in response.json()}
    decision = docs["approvals/decision_record"]
    assert decision["summary"].startswith("Records an approval decision")
    assert [(p["name"], p["type"]) for p in decision["parameters"]] == [("approved", "bool"), ("opinion", "str")]
    assert decision["parameters"][0]["doc"] and "record_id" in decision["result"] and decision["documented"]
    assert "Params:" in decision["doc"]
    assert docs["testing/check"]["parameters"] == [{"name": "amount", "type": "int", "doc": ""}]


def _bilingual(call: registry.ServiceCall) -> dict[str, Any]:
    """记录审批决定。/ Records an approval decision.

    Params: approved:bool (是否通过 / approved or not).
    Result: 记录编号 / the record id.
    """
    return {}


@pytest.fixture
def bilingual_handler(monkeypatch: pytest.MonkeyPatch) -> str:
    """A handler documented "中文 / English" in its summary, a parameter and its result (removed afterwards)."""
    name = "testing/bilingual_doc"
    monkeypatch.setitem(
        registry._REGISTRY, name, registry.HandlerInfo(name, _bilingual, inspect.getdoc(_bilingual) or "")
    )
    return name


def test_handler_docs_are_in_the_callers_language(people: dict[str, Any], bilingual_handler: str) -> None:
    """The dropdown and the parameter help show one language: Chinese by default, English for a user who
    chose English (the language cookie the page uses); the whole docstring is still there as written."""
    chinese = {row["operator"]: row for row in client_for(people["designer"]).get("/api/designer/handlers/").json()}
    english_client = f.in_english(client_for(people["designer"]))
    english = {row["operator"]: row for row in english_client.get("/api/designer/handlers/").json()}

    assert [p["doc"] for p in chinese["approvals/decision_record"]["parameters"]] == ["是否通过", "审核意见"]
    assert [p["doc"] for p in english["approvals/decision_record"]["parameters"]] == [
        "approved or not",
        "the reviewer's opinion",
    ]
    zh, en = chinese[bilingual_handler], english[bilingual_handler]
    assert (zh["summary"], zh["result"], zh["parameters"][0]["doc"]) == ("记录审批决定。", "记录编号", "是否通过")
    assert (en["summary"], en["result"], en["parameters"][0]["doc"]) == (
        "Records an approval decision.",
        "the record id",
        "approved or not",
    )
    assert zh["doc"] == en["doc"] and "/ Records an approval decision." in en["doc"]


def test_departments_come_from_the_directory_as_a_tree(people: dict[str, Any]) -> None:
    """The department-scope picker: every department's code and name, parents before their children, with
    the parent's code and the depth in the tree."""
    province = f.department("330000", "浙江省大数据局")
    city = f.department("330100", "杭州市数据资源管理局", parent=province)
    f.department("330110", "余杭区数据资源管理局", parent=city)
    response = client_for(people["designer"]).get("/api/designer/departments/")
    assert response.status_code == 200
    assert response.json() == [
        {"code": "330000", "name": "浙江省大数据局", "parent_code": None, "depth": 0},
        {"code": "330100", "name": "杭州市数据资源管理局", "parent_code": "330000", "depth": 1},
        {"code": "330110", "name": "余杭区数据资源管理局", "parent_code": "330100", "depth": 2},
        {"code": "330106", "name": "西湖区大数据局", "parent_code": None, "depth": 0},
    ]


def test_roles_come_from_the_directory(people: dict[str, Any]) -> None:
    """The candidate-groups picker: every role's code and name."""
    f.role("auditor", "审计员")
    response = client_for(people["designer"]).get("/api/designer/roles/")
    assert response.status_code == 200
    assert {"code": "auditor", "name": "审计员"} in response.json()
    assert [row["code"] for row in response.json()] == ["auditor", "designer", "reviewer"]


def test_forms_are_those_on_disk_plus_the_drafts_own(people: dict[str, Any]) -> None:
    """The form picker: deployable forms, and with ?draft= also the draft's forms, marked by source."""
    client = client_for(people["designer"])
    on_disk = client.get("/api/designer/forms/").json()
    assert {"key": "review", "title": "审核意见", "source": "deployed"} in on_disk
    draft = new_draft(client)
    forms = {"forms/apply.json": '{"title": "申请表", "type": "object"}'}
    assert save(client, draft, APPROVAL, forms=forms).status_code == 200
    with_draft = client.get("/api/designer/forms/", {"draft": draft["id"]}).json()
    assert {"key": "apply", "title": "申请表", "source": "draft"} in with_draft
    assert client.get("/api/designer/forms/", {"draft": "abc"}).status_code == 400
    assert client_for(people["other"]).get("/api/designer/forms/", {"draft": draft["id"]}).status_code == 404


# --- drafts ---


def test_draft_lifecycle_create_list_read_save_delete(people: dict[str, Any]) -> None:
    """Blank draft (201), listed newest first, read with its XML, saved (revision +1), deleted (204)."""
    client = client_for(people["designer"])
    first = new_draft(client)
    assert first["revision"] == 1 and first["base"] is None and first["name"] == "新流程"
    assert first["key"].startswith("process_") and "<bpmn:startEvent" in first["bpmn_xml"] and first["forms"] == {}
    second = new_draft(client)
    listed = client.get(DRAFTS).json()
    assert [row["id"] for row in listed] == [second["id"], first["id"]]
    assert set(listed[0]) == {"id", "key", "name", "revision", "created_at", "updated_at", "base"}

    detail = client.get(f"{DRAFTS}{first['id']}/").json()
    assert detail["bpmn_xml"] == first["bpmn_xml"] and detail["revision"] == 1
    saved = save(client, detail, APPROVAL)
    assert saved.status_code == 200, saved.data
    assert saved.json()["revision"] == 2 and saved.json()["key"] == "approval" and "updated_at" in saved.json()

    assert client.delete(f"{DRAFTS}{first['id']}/").status_code == 204
    assert client.get(f"{DRAFTS}{first['id']}/").status_code == 404


def test_a_stale_save_answers_409_with_the_current_revision(people: dict[str, Any]) -> None:
    """A second tab saving from the revision it loaded gets 409 and the revision to reload."""
    client = client_for(people["designer"])
    draft = new_draft(client)
    assert save(client, draft, APPROVAL).status_code == 200
    stale = save(client, draft, "<other/>")
    assert stale.status_code == 409
    assert stale.json()["revision"] == 2 and stale.json()["detail"]
    assert ProcessDraft.objects.get(pk=draft["id"]).bpmn_xml == APPROVAL
    missing = client.put(f"{DRAFTS}{draft['id']}/", {"bpmn_xml": APPROVAL}, format="json")
    assert missing.status_code == 400 and "revision" in missing.json()["errors"]


def test_draft_from_a_deployed_version(people: dict[str, Any]) -> None:
    """从已部署流程打开: the draft names the version it came from."""
    definition = f.deploy("approval")
    client = client_for(people["designer"])
    draft = new_draft(client, from_definition=definition.pk)
    assert draft["base"] == {"id": definition.pk, "key": "approval", "version": 1}
    assert draft["bpmn_xml"] == definition.bpmn_xml and list(draft["forms"]) == ["forms/review.json"]
    assert client.get(DRAFTS).json()[0]["base"]["version"] == 1
    assert client.post(DRAFTS, {"from_definition": definition.pk + 50}, format="json").status_code == 404


def test_upload_a_camunda_modeler_file(people: dict[str, Any]) -> None:
    """A Camunda Modeler 5 export becomes a draft with its camunda: attributes; other files are refused."""
    client = client_for(people["designer"])
    upload = SimpleUploadedFile("leave.bpmn", CAMUNDA_FILE, content_type="application/octet-stream")
    response = client.post(f"{DRAFTS}upload/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.data
    draft = response.json()
    assert draft["key"] == "leave_request" and draft["name"] == "请假申请"
    assert draft["bpmn_xml"] == CAMUNDA_FILE.decode("utf-8")
    assert 'camunda:candidateGroups="dept_head,deputy_head"' in draft["bpmn_xml"]
    assert client.post(f"{DRAFTS}{draft['id']}/validate/").json()["ok"] is True

    text = SimpleUploadedFile("notes.bpmn", "这不是流程".encode(), content_type="text/plain")
    refused = client.post(f"{DRAFTS}upload/", {"file": text}, format="multipart")
    assert refused.status_code == 400 and "XML" in refused.json()["detail"]
    assert client.post(f"{DRAFTS}upload/", {}, format="multipart").status_code == 400
    huge = SimpleUploadedFile("huge.bpmn", b"<a>" + b" " * DRAFT_MAX_BYTES + b"</a>")
    too_large = client.post(f"{DRAFTS}upload/", {"file": huge}, format="multipart")
    assert too_large.status_code == 400 and "MB" in too_large.json()["detail"]
    assert ProcessDraft.objects.count() == 1


def test_validate_pins_each_error_to_its_element(people: dict[str, Any]) -> None:
    """校验: ok with warnings, or errors with the element id to select and a message."""
    client = client_for(people["designer"])
    draft = new_draft(client)
    bad = APPROVAL.replace('camunda:candidateGroups="reviewer" ', "").replace("approved == True", "approved ===")
    assert save(client, draft, bad).status_code == 200
    result = client.post(f"{DRAFTS}{draft['id']}/validate/").json()
    assert result["ok"] is False
    assert sorted(e["element_id"] for e in result["errors"]) == ["approved_flow", "review"]
    assert all(e["message"] and e["severity"] == "error" for e in result["errors"])
    good = client.get(f"{DRAFTS}{draft['id']}/").json()
    unknown_role = APPROVAL.replace('camunda:candidateGroups="reviewer"', 'camunda:candidateGroups="inspector"')
    assert save(client, good, unknown_role).status_code == 200
    result = client.post(f"{DRAFTS}{draft['id']}/validate/").json()
    assert result["ok"] is True and result["errors"] == []
    warning = result["warnings"][0]  # a role nobody holds yet: deployable, but worth a look
    assert warning["element_id"] == "review" and "inspector" in warning["message"] and warning["severity"] == "warning"


def test_deploy_creates_a_version_when_changed_and_refuses_invalid(people: dict[str, Any]) -> None:
    """部署: 201 with the new version; 200 and created=false when unchanged; 400 with pinned errors and
    nothing stored when invalid. The note and the designer are kept with the version."""
    client = client_for(people["designer"])
    draft = new_draft(client)
    assert save(client, draft, APPROVAL).status_code == 200
    first = client.post(f"{DRAFTS}{draft['id']}/deploy/", {"note": "首个版本"}, format="json")
    assert first.status_code == 201, first.data
    assert first.json()["created"] is True and first.json()["key"] == "approval" and first.json()["version"] == 1
    stored = ProcessDefinition.objects.get(pk=first.json()["definition_id"])
    assert stored.note == "首个版本" and stored.deployed_by == people["designer"]

    again = client.post(f"{DRAFTS}{draft['id']}/deploy/", {"note": "again"}, format="json")
    assert again.status_code == 200 and again.json()["created"] is False and again.json()["version"] == 1

    current = client.get(f"{DRAFTS}{draft['id']}/").json()
    assert (
        save(client, current, APPROVAL.replace('camunda:formKey="review"', 'camunda:formKey="nope"')).status_code == 200
    )
    refused = client.post(f"{DRAFTS}{draft['id']}/deploy/", {"note": "坏的"}, format="json")
    assert refused.status_code == 400
    assert [e["element_id"] for e in refused.json()["errors"]] == ["review"]
    assert ProcessDefinition.objects.count() == 1


def test_deploy_of_a_draft_on_an_outdated_version_answers_409_until_confirmed(people: dict[str, Any]) -> None:
    """A opened v1; B deployed v2 since. A's 部署 answers 409 with both versions and the diff link, and
    stores nothing; sent again with confirm_outdated it deploys v3."""
    v1 = f.deploy("approval")
    mine = client_for(people["designer"])
    draft = new_draft(mine, from_definition=v1.pk)
    assert save(mine, draft, APPROVAL.replace('name="审核"', 'name="初审"')).status_code == 200
    theirs = client_for(people["other"])
    other = new_draft(theirs, from_definition=v1.pk)
    assert save(theirs, other, APPROVAL.replace('name="审核"', 'name="复审"')).status_code == 200
    assert theirs.post(f"{DRAFTS}{other['id']}/deploy/", {"note": "B"}, format="json").status_code == 201

    url = f"{DRAFTS}{draft['id']}/deploy/"
    refused = mine.post(url, {"note": "A", "revision": draft["revision"] + 1}, format="json")
    assert refused.status_code == 409, refused.data
    body = refused.json()
    assert (body["base_version"], body["latest_version"]) == (1, 2)
    assert body["diff_url"] == "/flows/approval/diff/?from=1&to=2" and "v1" in body["detail"]
    assert ProcessDefinition.objects.count() == 2

    confirmed = mine.post(
        url, {"note": "A", "confirm_outdated": True, "revision": draft["revision"] + 1}, format="json"
    )
    assert confirmed.status_code == 201 and confirmed.json()["version"] == 3


def test_deploy_with_a_revision_saved_over_since_answers_409_with_the_current_one(people: dict[str, Any]) -> None:
    """部署 names the revision the designer validated; another tab saved since, so nothing deploys."""
    client = client_for(people["designer"])
    draft = new_draft(client)
    assert save(client, draft, APPROVAL).status_code == 200
    stale = client.post(f"{DRAFTS}{draft['id']}/deploy/", {"revision": draft["revision"]}, format="json")
    assert stale.status_code == 409 and stale.json()["revision"] == draft["revision"] + 1
    assert "latest_version" not in stale.json() and not ProcessDefinition.objects.exists()
    ok = client.post(f"{DRAFTS}{draft['id']}/deploy/", {"revision": draft["revision"] + 1}, format="json")
    assert ok.status_code == 201


# --- who may call ---


def test_only_designers_get_in(people: dict[str, Any]) -> None:
    """A clerk gets 403 from every designer endpoint, anonymous callers 401/403."""
    draft = new_draft(client_for(people["designer"]))
    calls = [
        ("get", "/api/designer/handlers/"),
        ("get", "/api/designer/roles/"),
        ("get", "/api/designer/departments/"),
        ("get", "/api/designer/forms/"),
        ("get", DRAFTS),
        ("post", DRAFTS),
        ("post", f"{DRAFTS}upload/"),
        ("get", f"{DRAFTS}{draft['id']}/"),
        ("put", f"{DRAFTS}{draft['id']}/"),
        ("delete", f"{DRAFTS}{draft['id']}/"),
        ("post", f"{DRAFTS}{draft['id']}/validate/"),
        ("post", f"{DRAFTS}{draft['id']}/deploy/"),
    ]
    clerk, anonymous = client_for(people["clerk"]), APIClient()
    for method, url in calls:
        refused = getattr(clerk, method)(url, {}, format="json")
        assert refused.status_code == 403, (method, url)
        assert "流程设计" in refused.json()["detail"]
        assert getattr(anonymous, method)(url, {}, format="json").status_code in (401, 403), (method, url)
    assert ProcessDraft.objects.count() == 1


def test_somebody_elses_draft_is_not_found(people: dict[str, Any]) -> None:
    """Another designer gets 404 for my draft, whatever they try; staff may open it."""
    draft = new_draft(client_for(people["designer"]))
    other = client_for(people["other"])
    url = f"{DRAFTS}{draft['id']}/"
    assert other.get(url).status_code == 404
    assert other.put(url, {"bpmn_xml": APPROVAL, "revision": 1}, format="json").status_code == 404
    assert other.delete(url).status_code == 404
    assert other.post(f"{url}validate/").status_code == 404
    assert other.post(f"{url}deploy/", {"note": ""}, format="json").status_code == 404
    assert other.get(DRAFTS).json() == []
    assert client_for(people["staff"]).get(url).status_code == 200
    assert ProcessDraft.objects.get().revision == 1


def test_session_writes_need_the_csrf_token(people: dict[str, Any]) -> None:
    """Signed in with the session cookie (the modeler page), a write without the CSRF token is refused;
    with the token from the cookie in X-CSRFToken it goes through."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people["designer"])
    assert client.get(DRAFTS).status_code == 200
    refused = client.post(DRAFTS, {}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    secret = "b" * 32
    client.cookies["csrftoken"] = secret
    created = client.post(DRAFTS, {}, format="json", HTTP_X_CSRFTOKEN=secret)
    assert created.status_code == 201
    url = f"{DRAFTS}{created.json()['id']}/"
    body = {"bpmn_xml": APPROVAL, "revision": 1}
    assert client.put(url, body, format="json").status_code == 403
    assert client.put(url, body, format="json", HTTP_X_CSRFTOKEN=secret).status_code == 200


def test_the_draft_list_costs_the_same_queries_however_many_drafts(people: dict[str, Any]) -> None:
    """Two queries (the caller's roles, the drafts with their base version) for one draft or twelve."""
    definition = f.deploy("approval")
    client = client_for(people["designer"])
    new_draft(client, from_definition=definition.pk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(DRAFTS).status_code == 200
        return len(captured)

    one = queries()
    for _ in range(11):
        new_draft(client, from_definition=definition.pk)
    assert queries() == one == 2


def test_the_designer_api_is_in_the_openapi_schema(people: dict[str, Any]) -> None:
    paths = client_for(people["designer"]).get("/api/schema/?format=json").json()["paths"]
    for expected in (
        "/api/designer/handlers/",
        "/api/designer/roles/",
        "/api/designer/departments/",
        "/api/designer/forms/",
        "/api/designer/drafts/",
        "/api/designer/drafts/upload/",
        "/api/designer/drafts/{draft_id}/",
        "/api/designer/drafts/{draft_id}/validate/",
        "/api/designer/drafts/{draft_id}/deploy/",
    ):
        assert expected in paths, expected
    assert set(paths["/api/designer/drafts/{draft_id}/"]) >= {"get", "put", "delete"}

"""流程 pages: definitions with version and instance counts, the versions of a key with the BPMN download,
and the incidents list with 重试 / 跳过 — staff only, fixed query counts, CSRF, escaping."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from processes.models import HumanTask, Incident, JobStatus, ProcessInstance, ServiceJob
from processes.services.instances import instance_cancel, instance_start
from tests import factories as f
from tests.bpmn import handlers  # noqa: F401  (registers testing/check, which fails on 666)
from tests.bpmn.diagrams import chain, user_task

# Service jobs run on commit (Celery eager): the incidents need real commits.
pytestmark = pytest.mark.django_db(transaction=True)

DEFINITIONS = "/flows/"
INCIDENTS = "/flows/incidents/"


def check_task(amount: str = "666") -> str:
    """A service task calling testing/check; 666 makes the handler refuse with code OTHER (an incident)."""
    return (
        '<bpmn:serviceTask id="check" name="自动核验"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="testing/check" resultVariable="check_result">'
        f'<spiffworkflow:parameters><spiffworkflow:parameter id="amount" type="int" value="{amount}" />'
        "</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>"
        "</bpmn:serviceTask>"
    )


def client_for(user: Any, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


@pytest.fixture
def dept():  # type: ignore[no-untyped-def]
    return f.department()


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    return f.user("ops", is_staff=True)


@pytest.fixture
def clerk(dept):  # type: ignore[no-untyped-def]
    return f.user("clerk", roles=["reviewer"], dept=dept)


def start(key: str, user: Any, dept: Any, business_key: str = "") -> ProcessInstance:
    return instance_start(process_key=key, actor=f.actor(user), department_id=dept.pk, business_key=business_key)


@pytest.fixture
def incident_of(clerk, dept):  # type: ignore[no-untyped-def]
    """Start a `checked` instance whose service task fails; returns the incident it opened."""
    f.deploy(chain("checked", check_task(), user_task("follow_up", "reviewer")))

    def make(business_key: str = "") -> Incident:
        instance = start("checked", clerk, dept, business_key)
        return Incident.objects.get(instance=instance, status=Incident.Status.OPEN)

    return make


def queries(client: Client, url: str, params: dict[str, str] | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


# --- definitions ---


def test_staff_sees_each_key_with_its_latest_version_and_running_count(staff, clerk, dept) -> None:  # type: ignore[no-untyped-def]
    """Two versions of one key: the list shows v2, 2 versions, and the running instances of both."""
    f.deploy(chain("material_review", user_task("审核材料", "reviewer")))
    first = [start("material_review", clerk, dept) for _ in range(3)]
    f.deploy(chain("material_review", user_task("审核材料", "reviewer"), user_task("复核", "reviewer")))
    start("material_review", clerk, dept)
    instance_cancel(instance_id=first[0].pk, actor=f.actor(staff))
    f.deploy(chain("catalogue_entry", user_task("编目资源", "cataloguer")))

    html = client_for(staff).get(DEFINITIONS).content.decode()
    row = html.split('<tr data-key="material_review">', 1)[1].split("</tr>", 1)[0]
    assert 'data-col="version">v2<' in row and 'data-col="versions">2<' in row
    assert 'data-col="running">3<' in row, "2 still running on v1 + 1 on v2"
    assert 'href="/flows/material_review/"' in row
    assert '<tr data-key="catalogue_entry">' in html

    searched = client_for(staff).get(DEFINITIONS, {"q": "catalogue"}).content.decode()
    assert 'data-key="catalogue_entry"' in searched and 'data-key="material_review"' not in searched


def test_versions_page_counts_instances_per_version_and_status(staff, clerk, dept) -> None:  # type: ignore[no-untyped-def]
    """Each version shows its own running, cancelled and completed instances, newest version first; unknown key: 404."""
    f.deploy(chain("material_review", user_task("审核材料", "reviewer")))
    first = [start("material_review", clerk, dept) for _ in range(3)]
    f.deploy(chain("material_review", user_task("审核材料", "reviewer"), user_task("复核", "reviewer")))
    start("material_review", clerk, dept)
    instance_cancel(instance_id=first[0].pk, actor=f.actor(staff))

    html = client_for(staff).get("/flows/material_review/").content.decode()
    assert html.index('data-version="2"') < html.index('data-version="1"'), "newest first"
    v1 = html.split('<tr data-version="1">', 1)[1].split("</tr>", 1)[0]
    v2 = html.split('<tr data-version="2">', 1)[1].split("</tr>", 1)[0]
    assert 'data-col="running">2<' in v1 and 'data-col="cancelled">1<' in v1 and 'data-col="completed">0<' in v1
    assert 'data-col="running">1<' in v2 and 'data-col="cancelled">0<' in v2
    assert 'href="/flows/material_review/v1/bpmn/"' in v1
    assert client_for(staff).get("/flows/no_such_process/").status_code == 404


def test_bpmn_download_is_an_attachment_never_rendered(staff) -> None:  # type: ignore[no-untyped-def]
    """下载 XML gives the deployed diagram as a .bpmn file, as XML that the browser must not sniff as HTML."""
    definition = f.deploy(chain("material_review", user_task("审核材料", "reviewer")))
    response = client_for(staff).get("/flows/material_review/v1/bpmn/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="material_review-v1.bpmn"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.decode() == definition.bpmn_xml
    assert client_for(staff).get("/flows/material_review/v9/bpmn/").status_code == 404


def test_definitions_page_costs_the_same_queries_for_one_key_or_many(staff, clerk, dept) -> None:  # type: ignore[no-untyped-def]
    """One key or six (with versions and instances): the same number of SQL queries, and so for the versions page."""
    f.deploy(chain("review_0", user_task("审核", "reviewer")))
    start("review_0", clerk, dept)
    client = client_for(staff)
    client.get(DEFINITIONS)  # warm up (session, content types)
    one, _html = queries(client, DEFINITIONS)
    for n in range(1, 6):
        f.deploy(chain(f"review_{n}", user_task("审核", "reviewer")))
        f.deploy(chain(f"review_{n}", user_task("审核", "reviewer"), user_task("复核", "reviewer")))
        start(f"review_{n}", clerk, dept)
    many, html = queries(client, DEFINITIONS)
    assert html.count("<tr data-key=") == 6
    assert many == one
    versions_one, _html = queries(client, "/flows/review_0/")
    versions_two, _html = queries(client, "/flows/review_1/")
    assert versions_one == versions_two


def test_definition_name_with_script_is_escaped(staff) -> None:  # type: ignore[no-untyped-def]
    """A process named <script> shows as text on the list and on its versions page."""
    xml = chain("evil", user_task("审核", "reviewer")).replace(
        'name="evil"', 'name="&lt;script&gt;alert(1)&lt;/script&gt;"', 1
    )
    f.deploy(xml)
    for url in (DEFINITIONS, "/flows/evil/"):
        html = client_for(staff).get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


# --- who may see ---


def test_non_staff_gets_403_with_the_reason_and_anonymous_goes_to_login(clerk, incident_of) -> None:  # type: ignore[no-untyped-def]
    """A clerk is told the pages are for administrators (403) and cannot retry or skip; anonymous: login first."""
    incident = incident_of()
    client = client_for(clerk)
    for url in (DEFINITIONS, INCIDENTS, "/flows/checked/", "/flows/checked/v1/bpmn/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "只对管理员开放" in response.content.decode()
    assert client.post(f"/flows/incidents/{incident.pk}/retry/").status_code == 403
    assert client.post(f"/flows/incidents/{incident.pk}/skip/").status_code == 403
    incident.refresh_from_db()
    assert incident.status == "open"
    anonymous = Client().get(INCIDENTS)
    assert anonymous.status_code == 302 and anonymous["Location"] == f"/accounts/login/?next={INCIDENTS}"


# --- incidents ---


def test_incidents_list_shows_the_failure_and_links_the_case(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """Open ones by default, newest first, with the handler's error code, message and attempts."""
    older, newer = incident_of("REQ-1"), incident_of("REQ-2")
    html = client_for(staff).get(INCIDENTS).content.decode()
    assert html.index(f'data-incident-id="{newer.pk}"') < html.index(f'data-incident-id="{older.pk}"')
    row = html.split(f'<tr data-incident-id="{newer.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="/workbench/cases/{newer.instance_id}/"' in row and "REQ-2" in row
    assert "checked" in row and "v1" in row and "testing/check" in row
    assert 'class="tb-flows-code"' in row and ">OTHER<" in row
    assert "核验服务拒绝" in row
    assert "重试" in row and "跳过" in row and "csrfmiddlewaretoken" in row


def test_incidents_page_costs_the_same_queries_for_one_or_many(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """One incident or five: the same number of SQL queries (the error codes come in one query)."""
    incident_of()
    client = client_for(staff)
    client.get(INCIDENTS)
    one, _html = queries(client, INCIDENTS)
    for n in range(4):
        incident_of(f"REQ-{n}")
    many, html = queries(client, INCIDENTS)
    assert html.count("<tr data-incident-id=") == 5
    assert many == one


def test_incidents_are_paged_newest_first(staff, incident_of, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Older and newer links page by incident id, newest first, and come back to the same rows."""
    from webui.views import flows

    monkeypatch.setattr(flows, "INCIDENTS_PAGE_SIZE", 2)
    ids = [incident_of().pk for _ in range(5)][::-1]
    client = client_for(staff)
    first = client.get(INCIDENTS).content.decode()
    assert f'data-incident-id="{ids[0]}"' in first and f'data-incident-id="{ids[2]}"' not in first
    assert f'href="?status=open&amp;before={ids[1]}"' in first and 'rel="prev"' not in first
    second = client.get(INCIDENTS, {"before": str(ids[1])}).content.decode()
    assert f'data-incident-id="{ids[2]}"' in second and f'data-incident-id="{ids[3]}"' in second
    assert 'rel="prev"' in second and 'rel="next"' in second
    back = client.get(INCIDENTS, {"after": str(ids[2])}).content.decode()
    assert f'data-incident-id="{ids[0]}"' in back and f'data-incident-id="{ids[1]}"' in back


def test_retry_queues_the_job_again_and_resolves_the_incident(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """The remote side was fixed (here: the stored parameter): 重试 runs the job again and the flow moves on."""
    incident = incident_of()
    ServiceJob.objects.filter(pk=incident.job_id).update(params={"amount": 7})
    response = client_for(staff).post(f"/flows/incidents/{incident.pk}/retry/", {"query": "status=open"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{INCIDENTS}?status=open"
    assert "已重试" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "retried" and incident.resolved_by_id == staff.pk
    job = ServiceJob.objects.get(pk=incident.job_id)
    assert job.status == JobStatus.DONE and job.dispatch == 2, "sent again under a new dispatch number"
    assert HumanTask.objects.get(instance_id=incident.instance_id).element_id == "follow_up"
    resolved = client_for(staff).get(INCIDENTS, {"status": "resolved"}).content.decode()
    assert f'data-incident-id="{incident.pk}"' in resolved and "ops" in resolved


def test_a_retry_that_fails_again_opens_a_new_incident_and_a_second_retry_is_refused(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """A retry whose handler fails again opens a new incident; retrying the resolved one says it is already handled."""
    incident = incident_of()
    client = client_for(staff)
    client.post(f"/flows/incidents/{incident.pk}/retry/")
    assert Incident.objects.filter(instance_id=incident.instance_id, status="open").count() == 1
    again = client.post(f"/flows/incidents/{incident.pk}/retry/", follow=True).content.decode()
    assert f"#{incident.pk}：异常已处理" in again


def test_skip_resolves_the_incident_and_the_instance_moves_on(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """跳过 with a JSON object: the service task completes with it as its result and the next task opens."""
    incident = incident_of()
    response = client_for(staff).post(
        f"/flows/incidents/{incident.pk}/skip/", {"result": '{"checked": false, "note": "人工核验"}'}, follow=True
    )
    assert "已跳过" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "skipped"
    assert ServiceJob.objects.get(pk=incident.job_id).result == {"checked": False, "note": "人工核验"}
    task = HumanTask.objects.get(instance_id=incident.instance_id, status="open")
    assert task.element_id == "follow_up"


@pytest.mark.parametrize(
    ("text", "error"), [("[1, 2]", "结果必须是 JSON 对象"), ("{bad json", "结果不是有效的 JSON"), ('"x"', "JSON 对象")]
)
def test_skip_with_bad_json_shows_the_error_and_changes_nothing(staff, incident_of, text: str, error: str) -> None:  # type: ignore[no-untyped-def]
    """A result that is not a JSON object is refused with a clear message; nothing changes."""
    incident = incident_of()
    response = client_for(staff).post(f"/flows/incidents/{incident.pk}/skip/", {"result": text}, follow=True)
    assert error in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "open"
    assert not HumanTask.objects.filter(instance_id=incident.instance_id).exists()
    assert ServiceJob.objects.get(pk=incident.job_id).status == JobStatus.FAILED


def test_with_htmx_the_row_is_swapped_in_place(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """With htmx the answer is the incident's row alone, with what happened in it (error or success)."""
    incident = incident_of()
    client = client_for(staff)
    bad = client.post(f"/flows/incidents/{incident.pk}/skip/", {"result": "[]"}, HTTP_HX_REQUEST="true")
    html = bad.content.decode()
    assert html.lstrip().startswith(f'<tr data-incident-id="{incident.pk}" data-status="open"')
    assert "结果必须是 JSON 对象" in html and "<html" not in html
    done = client.post(f"/flows/incidents/{incident.pk}/skip/", {"result": ""}, HTTP_HX_REQUEST="true")
    html = done.content.decode()
    assert 'data-status="skipped"' in html and "流程继续" in html and 'name="result"' not in html
    # The outcome was shown in the row; it does not come back as a message on the next page.
    assert "流程继续" not in client.get(INCIDENTS, {"status": "all"}).content.decode()


def test_retry_and_skip_need_the_csrf_token(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """A retry or skip posted without the CSRF token is refused (403) and changes nothing."""
    incident = incident_of()
    client = client_for(staff, enforce_csrf_checks=True)
    assert client.post(f"/flows/incidents/{incident.pk}/retry/").status_code == 403
    assert client.post(f"/flows/incidents/{incident.pk}/skip/", {"result": "{}"}).status_code == 403
    incident.refresh_from_db()
    assert incident.status == "open"


def test_script_in_an_incident_message_is_escaped(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """A handler message holding <script> shows as text."""
    incident = incident_of()
    Incident.objects.filter(pk=incident.pk).update(message="<script>alert('x')</script>\nsecond line")
    html = client_for(staff).get(INCIDENTS).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html and "<script>alert(" not in html


def test_pages_speak_english_when_chosen(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """After switching to English the incidents and definitions pages are in English."""
    incident_of()
    client = client_for(staff)
    client.post("/i18n/setlang/", {"language": "en", "next": INCIDENTS})
    html = client.get(INCIDENTS).content.decode()
    assert "Incidents" in html and "Retry" in html and "Skip" in html and "重试" not in html
    assert "Process definitions" in client.get(DEFINITIONS).content.decode()


def test_a_refused_retry_and_a_bilingual_incident_speak_the_pages_language(staff, incident_of) -> None:  # type: ignore[no-untyped-def]
    """The service's "中文 / English" refusal and an engine message in both languages show one half each: the
    Chinese on a Chinese page, the English on an English page (the whole message stays in the details)."""
    incident = incident_of()
    message = "流程无法推进 / the process cannot advance at check\nValueError: boom"
    Incident.objects.filter(pk=incident.pk).update(message=message)
    client = client_for(staff)
    html = client.get(INCIDENTS).content.decode()
    assert "<summary>流程无法推进</summary>" in html and "the process cannot advance at check\nValueError" in html
    english = f.in_english(client_for(staff)).get(INCIDENTS).content.decode()
    assert "<summary>the process cannot advance at check</summary>" in english

    client.post(f"/flows/incidents/{incident.pk}/retry/")
    again = client.post(f"/flows/incidents/{incident.pk}/retry/", follow=True).content.decode()
    assert f"#{incident.pk}：异常已处理" in again and "incident is already" not in again
    row = f.in_english(client_for(staff)).post(f"/flows/incidents/{incident.pk}/retry/", HTTP_HX_REQUEST="true")
    assert f"#{incident.pk}：incident is already retried" in row.content.decode()
    assert "异常已处理" not in row.content.decode()

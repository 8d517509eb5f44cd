"""审计 pages: auditors only, filters, the event page's hashes, chain verification, escaping, export,
readable action names, and htmx swapping the results and the verification in place."""

import codecs
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from processes.models import AuditEvent
from processes.services.audit import AuditBuffer
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db

SEARCH = "/audit/"
VERIFY = "/audit/verify/"
EXPORT = "/audit/export/"
ROW_GUARD = "processes_auditevent_append_only"


def event_url(event: AuditEvent) -> str:
    return f"/audit/events/{event.pk}/"


def append(*specs: dict[str, Any]) -> list[AuditEvent]:
    buffer = AuditBuffer()
    for spec in specs:
        spec = dict(spec)
        buffer.add(spec.pop("action", "task_completed"), **spec)
    return buffer.flush()


def tamper(sql: str, params: list[Any]) -> None:
    """Change a row behind the application's back (PostgreSQL's append-only guard lifted, then restored)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE processes_auditevent DISABLE TRIGGER {ROW_GUARD}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE processes_auditevent ENABLE TRIGGER {ROW_GUARD}")


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def auditor():  # type: ignore[no-untyped-def]
    return f.user("auditor", roles=["auditor"])


@pytest.fixture
def events() -> list[AuditEvent]:
    return append(
        {"actor": "zhangsan", "payload": {"note": "EVT-ONE", "process_key": "material_review"}},
        {"actor": "lisi", "action": "task_returned", "payload": {"note": "EVT-TWO", "process_key": "material_review"}},
        {"actor": "zhangsan", "payload": {"note": "EVT-THREE", "process_key": "catalogue_entry"}},
    )


def notes(html: str) -> list[str]:
    return [n for n in ["EVT-THREE", "EVT-TWO", "EVT-ONE"] if n in html]


def test_auditor_sees_events_newest_first_and_filters_narrow_them(auditor, events) -> None:  # type: ignore[no-untyped-def]
    """Events newest first; each filter narrows them; a bad value is reported, not a server error."""
    client = client_for(auditor)
    response = client.get(SEARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert notes(html) == ["EVT-THREE", "EVT-TWO", "EVT-ONE"]
    assert html.index("EVT-THREE") < html.index("EVT-TWO") < html.index("EVT-ONE")
    assert f'href="{event_url(events[0])}"' in html

    def shown(**params: str) -> list[str]:
        return notes(client.get(SEARCH, params).content.decode())

    assert shown(actor="zhangsan") == ["EVT-THREE", "EVT-ONE"]
    assert shown(action="task_returned") == ["EVT-TWO"]
    assert shown(process="catalogue_entry") == ["EVT-THREE"]
    assert shown(since="2000-01-01T00:00", until="2001-01-01T00:00") == []
    assert shown(since="2000-01-01T00:00") == ["EVT-THREE", "EVT-TWO", "EVT-ONE"]
    # A bad value is reported and left out, not a server error.
    response = client.get(SEARCH, {"department": "abc", "actor": "lisi"})
    assert response.status_code == 200 and notes(response.content.decode()) == ["EVT-TWO"]


def test_instance_column_links_to_the_case_page(auditor) -> None:  # type: ignore[no-untyped-def]
    """An event about an instance links to its case page, which the auditor may open."""
    dept = f.department()
    f.deploy(chain("material_review", user_task("审核材料", "reviewer")))
    starter = f.user("clerk", roles=["reviewer"], dept=dept)
    instance = instance_start(process_key="material_review", actor=f.actor(starter), department_id=dept.pk)
    client = client_for(auditor)
    html = client.get(SEARCH).content.decode()
    assert f'href="/workbench/cases/{instance.pk}/"' in html
    assert client.get(f"/workbench/cases/{instance.pk}/").status_code == 200  # and the auditor may open it


def test_pages_of_fifty_with_a_fixed_query_count(auditor) -> None:  # type: ignore[no-untyped-def]
    """Pages of fifty, older and newer, without count(*) and with the same queries on each page."""
    append(*[{"actor": "bulk", "payload": {"n": n}} for n in range(120)])
    client = client_for(auditor)  # logging in is audited too
    ids = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True))
    client.get(SEARCH)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(SEARCH).content.decode()
    assert html.count("<tr data-event-id") == 50
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert f'data-event-id="{ids[0]}"' in html and f'href="?before={ids[49]}"' in html
    first_count = len(queries)
    with CaptureQueriesContext(connection) as queries:
        older = client.get(SEARCH, {"before": str(ids[49])}).content.decode()
    assert len(queries) == first_count
    assert f'data-event-id="{ids[50]}"' in older and f'data-event-id="{ids[49]}"' not in older
    last = client.get(SEARCH, {"before": str(ids[99])}).content.decode()
    assert last.count("<tr data-event-id") == len(ids) - 100 and 'rel="next"' not in last and 'rel="prev"' in last
    back = client.get(SEARCH, {"after": str(ids[100])}).content.decode()
    assert back.count("<tr data-event-id") == 50
    assert f'data-event-id="{ids[99]}"' in back and f'data-event-id="{ids[50]}"' in back
    assert f'data-event-id="{ids[49]}"' not in back and 'rel="prev"' in back


def test_only_auditors_get_in(events) -> None:  # type: ignore[no-untyped-def]
    """Clerks get 403 on every audit page; staff and auditors get in."""
    clerk = client_for(f.user("clerk", roles=["reviewer"]))
    assert clerk.get(SEARCH).status_code == 403
    assert clerk.get(event_url(events[0])).status_code == 403
    assert clerk.post(VERIFY).status_code == 403
    assert clerk.get(EXPORT, {"format": "csv"}).status_code == 403
    assert client_for(f.user("boss", is_staff=True)).get(SEARCH).status_code == 200


def test_signed_out_every_audit_page_sends_you_to_log_in(events) -> None:  # type: ignore[no-untyped-def]
    """Signed out, the search, an event, the export and the verification redirect to the login page (with
    the way back), not a bare 403."""
    anonymous = Client()
    for response, path in (
        (anonymous.get(SEARCH), SEARCH),
        (anonymous.get(event_url(events[0])), event_url(events[0])),
        (anonymous.get(EXPORT, {"format": "csv"}), EXPORT),
        (anonymous.post(VERIFY), VERIFY),
    ):
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"/accounts/login/?next={path}"), path


def test_event_page_shows_hashes_neighbours_and_whether_the_hash_recomputes(auditor, events) -> None:  # type: ignore[no-untyped-def]
    """The event page shows both hashes, links its neighbours and says whether the hash still holds."""
    client = client_for(auditor)
    first, middle, last = events
    html = client.get(event_url(middle)).content.decode()
    assert middle.hash in html and middle.prev_hash == first.hash and first.hash in html
    assert 'data-recomputes="true"' in html and 'data-link-holds="true"' in html
    assert f'href="{event_url(first)}"' in html and f'href="{event_url(last)}"' in html
    assert "&quot;EVT-TWO&quot;" in html  # the payload, pretty-printed and escaped
    assert client.get("/audit/events/999999/").status_code == 404

    tamper("UPDATE processes_auditevent SET payload = %s WHERE id = %s", ['{"note": "EVT-FORGED"}', middle.pk])
    html = client.get(event_url(middle)).content.decode()
    assert 'data-recomputes="false"' in html and "EVT-FORGED" in html


def test_verify_reports_ok_then_the_first_broken_event(auditor, events) -> None:  # type: ignore[no-untyped-def]
    """链校验 says the chain holds, then names the first event changed behind its back."""
    client = client_for(auditor)
    assert 'action="/audit/verify/"' in client.get(SEARCH).content.decode()
    html = client.post(VERIFY).content.decode()
    assert 'data-verify="ok"' in html and f"{AuditEvent.objects.count()} " in html

    tamper("UPDATE processes_auditevent SET payload = %s WHERE id = %s", ['{"note": "EVT-FORGED"}', events[1].pk])
    html = client.post(VERIFY, {"query": "actor=zhangsan"}).content.decode()
    assert 'data-verify="broken"' in html and f'data-broken-id="{events[1].pk}"' in html
    assert notes(html) == ["EVT-THREE", "EVT-ONE"]  # the filter survives the post


def test_verify_needs_the_csrf_token(auditor) -> None:  # type: ignore[no-untyped-def]
    """链校验 without the CSRF token is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    assert client.post(VERIFY).status_code == 403


def test_script_in_a_payload_is_escaped(auditor) -> None:  # type: ignore[no-untyped-def]
    """Markup in an actor or a payload shows as text on the search and event pages."""
    (event,) = append({"actor": "<script>alert(1)</script>", "payload": {"x": "<script>alert(2)</script>"}})
    client = client_for(auditor)
    for url in [SEARCH, event_url(event)]:
        html = client.get(url).content.decode()
        assert "<script>alert(" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_export_links_stream_the_current_filter(auditor, events) -> None:  # type: ignore[no-untyped-def]
    """The export links carry the filter and stream CSV, JSON lines and XLSX; the export is audited."""
    client = client_for(auditor)
    html = client.get(SEARCH, {"actor": "lisi"}).content.decode()
    assert f'href="{EXPORT}?format=csv&amp;actor=lisi"' in html
    assert "正在准备导出…" in html
    response = client.get(EXPORT, {"format": "csv", "actor": "lisi", "token": "abc123"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    assert response.cookies["tb_audit_export"].value == "abc123"
    body = response.getvalue()
    assert body.startswith(codecs.BOM_UTF8)
    text = body.decode("utf-8-sig")
    assert "EVT-TWO" in text and "EVT-ONE" not in text
    assert AuditEvent.objects.filter(action="audit_exported", actor="auditor").exists()
    for fmt, start in [("jsonl", b"{"), ("xlsx", b"PK")]:
        response = client.get(EXPORT, {"format": fmt})
        assert response.getvalue().startswith(start)


HX_RESULTS = {"HX-Request": "true", "HX-Target": "tb-audit-results"}


def test_filters_and_pages_swap_the_results_in_place(auditor, events) -> None:  # type: ignore[no-untyped-def]
    """With htmx the filter form and the pager ask for the results block only; the URL follows the filter."""
    client = client_for(auditor)
    page = client.get(SEARCH).content.decode()
    assert 'hx-get="/audit/"' in page and 'hx-target="#tb-audit-results"' in page and 'hx-push-url="true"' in page
    response = client.get(SEARCH, {"actor": "lisi"}, headers=HX_RESULTS)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="tb-audit-results"')
    assert "<html" not in html and notes(html) == ["EVT-TWO"] and "HX-Target" in response["Vary"]
    # The export links and the verify form travel with the block, so they follow the filter.
    assert f'href="{EXPORT}?format=csv&amp;actor=lisi"' in html and 'value="actor=lisi"' in html


def test_verify_in_place_answers_the_result_only(auditor, events) -> None:  # type: ignore[no-untyped-def]
    """链校验 with htmx swaps just the result; the page keeps its filters and rows."""
    client = client_for(auditor)
    page = client.get(SEARCH).content.decode()
    assert 'hx-post="/audit/verify/"' in page and 'hx-target="#tb-audit-verify"' in page
    response = client.post(VERIFY, {"query": "actor=lisi"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tb-audit-verify")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="tb-audit-verify"')
    assert 'data-verify="ok"' in html and "<table" not in html and "<html" not in html


def test_actions_show_readable_labels_with_the_machine_name(auditor, events) -> None:  # type: ignore[no-untyped-def]
    """Auditors read "退回" and still see `task_returned`; an action nobody labelled shows its own name."""
    (odd,) = append({"actor": "x", "action": "zz_unlabelled", "payload": {"note": "EVT-ODD"}})
    client = client_for(auditor)
    html = client.get(SEARCH).content.decode()
    row = html.split(f'data-event-id="{events[1].pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'title="task_returned">退回</span>' in row and '<small class="tb-action-code">task_returned</small>' in row
    assert '<code class="tb-action-code">zz_unlabelled</code>' in html
    event_page = client.get(event_url(events[1])).content.decode()
    assert "· 退回</h1>" in event_page and '<small class="tb-action-code">task_returned</small>' in event_page
    assert "· zz_unlabelled</h1>" in client.get(event_url(odd)).content.decode()
    english = f.in_english(client).get(event_url(events[1])).content.decode()
    assert "· Return</h1>" in english


def test_action_filter_is_a_select_of_known_actions(auditor, events) -> None:  # type: ignore[no-untyped-def]
    """The 操作 filter lists every labelled action by name and machine name; an unknown one asked for stays."""
    client = client_for(auditor)
    html = client.get(SEARCH, {"action": "task_returned"}).content.decode()
    select = html.split('<select name="action"', 1)[1].split("</select>", 1)[0]
    assert '<option value="task_returned" title="task_returned" selected>退回 · task_returned</option>' in select
    assert 'value="login_throttled"' in select and 'value="audit_exported"' in select
    assert notes(html) == ["EVT-TWO"]
    kept = client.get(SEARCH, {"action": "zz_old_name"}).content.decode()
    assert '<option value="zz_old_name" title="zz_old_name" selected>zz_old_name</option>' in kept


def test_department_filter_is_a_select_of_the_department_tree(auditor) -> None:  # type: ignore[no-untyped-def]
    """The 部门 filter lists departments by name in tree order, each level indented, instead of asking for
    an id; the chosen department's id is what the URL and the export links carry."""
    auditors = auditor.memberships.get().department  # 330106, a root
    city = f.department("440100", "广州市")
    district = f.department("440106", "天河区", parent=city)
    bureau = f.department("440106001", "天河区数据局", parent=district)
    other = f.department("440200", "韶关市")
    starter = f.user("starter", roles=["reviewer"], dept=bureau)
    f.deploy(chain("dept_filter", user_task("登记", "reviewer")))
    here = instance_start(process_key="dept_filter", actor=f.actor(starter), department_id=bureau.pk)
    there = instance_start(process_key="dept_filter", actor=f.actor(starter), department_id=other.pk)
    client = client_for(auditor)

    html = client.get(SEARCH, {"department": str(bureau.pk)}).content.decode()
    select = html.split('<select name="department">', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select)
    assert options == [
        ("", "全部部门"),
        (str(auditors.pk), auditors.name),
        (str(city.pk), "广州市"),
        (str(district.pk), "\u3000天河区"),
        (str(bureau.pk), "\u3000\u3000天河区数据局"),
        (str(other.pk), "韶关市"),
    ]
    assert f'<option value="{bureau.pk}" selected>' in select
    assert 'type="number" name="department"' not in html and "部门 ID" not in html
    assert f"/workbench/cases/{here.pk}/" in html and f"/workbench/cases/{there.pk}/" not in html
    assert f"department={bureau.pk}" in html.split('class="mdc-button tb-audit-export"', 1)[1].split(">", 1)[0]

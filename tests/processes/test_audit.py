"""The audit trail: the hash chain verifies, tampering is found, PostgreSQL refuses changes, exports stream."""

import codecs
import csv
import hashlib
import io
import json
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import include, path
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from processes.audit_selectors import audit_events_filtered
from processes.models import AuditEvent
from processes.services.audit import (
    BROKEN_CONTENT,
    BROKEN_LINK,
    GENESIS_HASH,
    AuditBuffer,
    audit_append,
    audit_verify,
    canonical_json,
    event_hash,
)
from processes.services.audit_export import HEADERS, audit_export_csv, audit_export_jsonl, audit_export_xlsx
from tests import factories
from webui.api import audit as audit_api

pytestmark = pytest.mark.django_db

# The views are tested through their own URLconf, mounted where the lead mounts them (/api/).
urlpatterns = [path("api/", include(audit_api.urlpatterns))]


def append_events(count: int, **fields: Any) -> list[AuditEvent]:
    buffer = AuditBuffer()
    for number in range(count):
        buffer.add("task_completed", actor="zhangsan", payload={"n": number, "意见": "同意"}, **fields)
    return buffer.flush()


def instance_stub(pk: int, key: str, department_id: int | None) -> SimpleNamespace:
    """What AuditBuffer reads from an instance; the audit table holds plain ids, not foreign keys."""
    return SimpleNamespace(pk=pk, definition=SimpleNamespace(key=key), department_id=department_id)


ROW_GUARD = "processes_auditevent_append_only"
TRUNCATE_GUARD = "processes_auditevent_no_truncate"


def tamper(sql: str, params: list[Any]) -> None:
    """Change rows behind the application's back, as the table's owner could (the guard is lifted, then restored)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE processes_auditevent DISABLE TRIGGER {ROW_GUARD}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE processes_auditevent ENABLE TRIGGER {ROW_GUARD}")


def drain(chunks: Any) -> bytes:
    return b"".join(chunks)


# --- the chain ---


def test_appended_events_form_an_intact_chain() -> None:
    """Each event links to the previous hash (the first to the genesis hash) and verifies."""
    first = audit_append("definition_deployed", actor="admin", payload={"process_key": "approval"})
    rest = append_events(4)
    assert first.prev_hash == GENESIS_HASH
    assert rest[0].prev_hash == first.hash
    assert audit_verify() == audit_verify(batch_size=2)  # batches are an implementation detail
    result = audit_verify(batch_size=2)
    assert (result.ok, result.checked, result.first_broken_id, result.reason) == (True, 5, None, "")


def test_empty_trail_verifies() -> None:
    result = audit_verify()
    assert result.ok and result.checked == 0


def test_changed_payload_is_reported_at_that_event() -> None:
    events = append_events(5)
    tamper("UPDATE processes_auditevent SET payload = %s WHERE id = %s", ['{"n": 2, "意见": "不同意"}', events[2].pk])
    result = audit_verify(batch_size=2)
    assert not result.ok
    assert result.first_broken_id == events[2].pk
    assert result.reason == BROKEN_CONTENT
    assert "hash mismatch" in result.reason


def test_deleted_event_is_reported_at_the_following_event() -> None:
    events = append_events(5)
    tamper("DELETE FROM processes_auditevent WHERE id = %s", [events[2].pk])
    result = audit_verify()
    assert (result.ok, result.first_broken_id, result.reason) == (False, events[3].pk, BROKEN_LINK)
    assert "deleted or reordered" in result.reason


def test_deleting_the_first_event_breaks_the_genesis_link() -> None:
    events = append_events(3)
    tamper("DELETE FROM processes_auditevent WHERE id = %s", [events[0].pk])
    assert audit_verify().first_broken_id == events[1].pk


def test_a_rehashed_forgery_is_reported_at_the_next_event() -> None:
    """Recomputing the edited event's own hash does not help: the next event still points at the old one."""
    events = append_events(4)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.payload = {"n": 1, "意见": "不同意"}
    new_hash = event_hash(forged.prev_hash, forged)
    tamper(
        "UPDATE processes_auditevent SET payload = %s, hash = %s WHERE id = %s",
        [canonical_json(forged.payload), new_hash, forged.pk],
    )
    result = audit_verify()
    assert (result.first_broken_id, result.reason) == (events[2].pk, BROKEN_LINK)


# --- the PostgreSQL guard ---


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE processes_auditevent SET payload = '{}' WHERE id = %s",
        "DELETE FROM processes_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_update_and_delete(sql: str) -> None:
    event = append_events(1)[0]
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).payload == event.payload


@pytest.mark.postgres
def test_postgresql_refuses_orm_update_and_truncate() -> None:
    append_events(2)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(actor="mallory")
    with pytest.raises(IntegrityError, match="TRUNCATE"), transaction.atomic(), connection.cursor() as cursor:
        # The test database may lift this guard so that transactional tests can empty tables; restore it
        # here, inside this test's transaction, which is rolled back afterwards.
        cursor.execute(f"ALTER TABLE processes_auditevent ENABLE TRIGGER {TRUNCATE_GUARD}")
        cursor.execute("TRUNCATE processes_auditevent")
    assert AuditEvent.objects.filter(actor="zhangsan").count() == 2


# --- filters ---


def test_filters_narrow_the_events() -> None:
    """`since` is inclusive and `until` exclusive; the others match exactly."""
    start = timezone.make_aware(datetime(2024, 5, 1, 9, 0))
    buffer = AuditBuffer()
    buffer.add("instance_started", actor="lisi", instance=instance_stub(7, "approval", 3), at=start)
    buffer.add("task_claimed", actor="lisi", instance=instance_stub(7, "approval", 3), at=start + timedelta(hours=1))
    buffer.add("task_claimed", actor="wangwu", instance=instance_stub(8, "permit", 4), at=start + timedelta(hours=2))
    a, b, c = buffer.flush()

    def ids(**filters: Any) -> list[int]:
        return list(audit_events_filtered(**filters).values_list("id", flat=True))

    assert ids() == [a.pk, b.pk, c.pk]
    assert ids(since=start + timedelta(hours=1)) == [b.pk, c.pk]
    assert ids(until=start + timedelta(hours=1)) == [a.pk]
    assert ids(action="task_claimed", actor="lisi") == [b.pk]
    assert ids(process_key="permit") == ids(department_id=4) == ids(instance_id=8) == [c.pk]
    assert ids(actor="", action=None) == [a.pk, b.pk, c.pk]  # blank means "no filter"


# --- exports ---


def test_csv_export_has_bom_chinese_headers_and_hashes() -> None:
    events = append_events(3)
    data = drain(audit_export_csv(AuditEvent.objects.all()))
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "序号,时间,操作人,操作,流程实例,任务,流程,部门,内容,前一哈希,哈希"
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in rows[1:]] == [str(event.pk) for event in events]
    assert [(row[9], row[10]) for row in rows[1:]] == [(event.prev_hash, event.hash) for event in events]
    assert json.loads(rows[1][8]) == {"n": 0, "意见": "同意"}
    assert rows[1][1].endswith("+08:00")  # local time (Asia/Shanghai), with its offset


def test_spreadsheet_exports_do_not_run_formulas() -> None:
    """A username or key beginning with = is data; Excel must not evaluate it."""
    audit_append("task_completed", actor="=HYPERLINK(1)")
    csv_rows = list(csv.reader(io.StringIO(drain(audit_export_csv(AuditEvent.objects.all())).decode("utf-8-sig"))))
    assert csv_rows[1][2] == "'=HYPERLINK(1)"
    sheet = openpyxl.load_workbook(io.BytesIO(drain(audit_export_xlsx(AuditEvent.objects.all())))).active
    assert sheet.cell(row=2, column=3).value == "=HYPERLINK(1)"
    assert sheet.cell(row=2, column=3).data_type == "s"


def test_jsonl_lines_carry_the_hashed_body() -> None:
    """Each line is enough to recompute its hash without the database."""
    events = append_events(3)
    lines = drain(audit_export_jsonl(AuditEvent.objects.all())).decode("utf-8").splitlines()
    assert len(lines) == 3
    for line, event in zip(lines, events, strict=True):
        record = json.loads(line)
        assert (record["id"], record["prev_hash"], record["hash"]) == (event.pk, event.prev_hash, event.hash)
        body = {k: v for k, v in record.items() if k not in ("id", "prev_hash", "hash")}
        recomputed = hashlib.sha256((record["prev_hash"] + canonical_json(body)).encode("utf-8")).hexdigest()
        assert recomputed == record["hash"]


def test_xlsx_export_opens_and_has_the_rows() -> None:
    events = append_events(3)
    workbook = openpyxl.load_workbook(io.BytesIO(drain(audit_export_xlsx(AuditEvent.objects.all()))))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert [(row[0], row[2], row[9], row[10]) for row in rows[1:]] == [
        (event.pk, "zhangsan", event.prev_hash, event.hash) for event in events
    ]
    assert isinstance(rows[1][1], datetime)


def test_exports_stream_in_several_chunks() -> None:
    """3,000 events come out as a generator of bounded chunks, not one string."""
    append_events(3000)
    chunks = audit_export_csv(AuditEvent.objects.all())
    assert iter(chunks) is chunks  # a lazy iterator: nothing is read until the response is sent
    sizes = [len(chunk) for chunk in chunks]
    assert len(sizes) > 1
    assert max(sizes) < 256 * 1024
    assert len(list(audit_export_jsonl(AuditEvent.objects.all()))) > 1


# --- manage.py audit_verify ---


def test_command_reports_an_intact_chain() -> None:
    append_events(3)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("OK: 3 events, chain intact")


def test_command_fails_with_the_broken_event() -> None:
    events = append_events(3)
    tamper("UPDATE processes_auditevent SET actor = %s WHERE id = %s", ["mallory", events[1].pk])
    with pytest.raises(CommandError, match=rf"BROKEN at event #{events[1].pk}: .*hash mismatch") as caught:
        call_command("audit_verify", "--batch-size", "1")
    assert caught.value.returncode == 1


# --- REST ---


@pytest.fixture
def staff_client() -> APIClient:
    client = APIClient()
    client.force_authenticate(factories.user("auditor_staff", is_staff=True))
    return client


@pytest.mark.urls(__name__)
def test_verify_endpoint_reports_the_chain(staff_client: APIClient) -> None:
    events = append_events(2)
    assert staff_client.get("/api/audit/verify/").json() == {
        "ok": True, "checked": 2, "first_broken_id": None, "reason": "",
    }  # fmt: skip
    tamper("DELETE FROM processes_auditevent WHERE id = %s", [events[0].pk])
    body = staff_client.get("/api/audit/verify/").json()
    assert (body["ok"], body["first_broken_id"]) == (False, events[1].pk)


@pytest.mark.urls(__name__)
def test_export_endpoint_streams_a_file_and_is_itself_audited(staff_client: APIClient) -> None:
    append_events(2)
    audit_append("instance_started", actor="lisi")
    response = staff_client.get("/api/audit/export/", {"format": "csv", "action": "task_completed"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(drain(response.streaming_content).decode("utf-8-sig"))))
    assert [row[3] for row in rows[1:]] == ["task_completed", "task_completed"]
    record = AuditEvent.objects.get(action="audit_exported")
    assert record.actor == "auditor_staff"
    assert record.payload["format"] == "csv"
    assert record.payload["filters"] == {"action": "task_completed"}
    assert record.payload["through_id"] == record.pk - 1
    assert audit_verify().ok


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("fmt", ["xlsx", "jsonl"])
def test_export_endpoint_other_formats(staff_client: APIClient, fmt: str) -> None:
    """The export carries only events that existed before its own audit_exported record."""
    append_events(2)
    response = staff_client.get("/api/audit/export/", {"format": fmt})
    data = drain(response.streaming_content)
    if fmt == "xlsx":
        rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        assert len(rows) == 3
    else:
        assert [json.loads(line)["action"] for line in data.splitlines()] == ["task_completed"] * 2
    assert response["Content-Disposition"].endswith(f'.{fmt}"')


@pytest.mark.urls(__name__)
def test_export_endpoint_rejects_an_unknown_format(staff_client: APIClient) -> None:
    response = staff_client.get("/api/audit/export/", {"format": "pdf"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="audit_exported").exists()


@pytest.mark.urls(__name__)
def test_event_list_filters_and_pages(staff_client: APIClient) -> None:
    append_events(3)
    audit_append("instance_started", actor="lisi")
    first = staff_client.get("/api/audit/events/", {"action": "task_completed", "page_size": 2}).json()
    assert [event["actor"] for event in first["results"]] == ["zhangsan", "zhangsan"]
    assert first["results"][0]["id"] > first["results"][1]["id"]  # newest first
    assert set(first["results"][0]) >= {"prev_hash", "hash", "payload", "process_key", "department_id"}
    second = staff_client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert staff_client.get("/api/audit/events/", {"since": "not a date"}).status_code == 400


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/api/audit/events/", "/api/audit/verify/", "/api/audit/export/?format=csv"])
def test_plain_users_are_refused(url: str) -> None:
    client = APIClient()
    client.force_authenticate(factories.user("clerk", roles=["reviewer"]))
    assert client.get(url).status_code == 403
    assert APIClient().get(url).status_code in (401, 403)  # anonymous: which one depends on the authenticators
    assert not AuditEvent.objects.filter(action="audit_exported").exists()


@pytest.mark.urls(__name__)
def test_holders_of_the_auditor_role_are_let_in() -> None:
    client = APIClient()
    client.force_authenticate(factories.user("shenji", roles=["auditor"]))
    assert client.get("/api/audit/verify/").status_code == 200


def test_openapi_schema_generates_without_warnings() -> None:
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular warned about the audit views"
    assert {"/api/audit/events/", "/api/audit/verify/", "/api/audit/export/"} <= set(schema["paths"])

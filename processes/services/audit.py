"""The hash-chained audit trail: every state change appends one event.

hash = SHA-256(prev_hash + canonical JSON of the event). Appends are serialised (an advisory
lock on PostgreSQL, the database write lock on SQLite) so the chain never forks.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..audit_selectors import audit_events_walk
from ..models import AuditEvent

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x70E6BA4  # arbitrary, constant: "the audit chain"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_body(event: AuditEvent) -> dict[str, Any]:
    """The fields covered by the hash, in a form that survives a database round trip."""
    at = event.at.astimezone(UTC) if timezone.is_aware(event.at) else event.at
    return {
        "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": event.actor,
        "action": event.action,
        "instance_id": event.instance_id,
        "task_id": event.task_id,
        "process_key": event.process_key,
        "department_id": event.department_id,
        "payload": event.payload,
    }


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event_body(event))).encode("utf-8")).hexdigest()


@dataclass
class AuditBuffer:
    """Events of one command, written together at the end of its transaction."""

    events: list[AuditEvent] = field(default_factory=list)
    # (event, instance) of events added before their instance was inserted: the id is filled in at flush.
    pending_ids: list[tuple[AuditEvent, Any]] = field(default_factory=list)

    def add(
        self,
        action: str,
        *,
        actor: str = "",
        instance: Any = None,
        task: Any = None,
        payload: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        self.events.append(
            AuditEvent(
                at=at or timezone.now(),
                actor=actor,
                action=action,
                instance_id=getattr(instance, "pk", None),
                task_id=getattr(task, "pk", None),
                process_key=instance.definition.key if instance is not None else payload_key(payload),
                department_id=getattr(instance, "department_id", None),
                # Round-trip through JSON so the hashed value equals what the database gives back.
                payload=json.loads(canonical_json(payload or {})),
            )
        )
        if instance is not None and instance.pk is None:
            self.pending_ids.append((self.events[-1], instance))

    def flush(self) -> list[AuditEvent]:
        if not self.events:
            return []
        for event, instance in self.pending_ids:
            event.instance_id = instance.pk
        events, self.events, self.pending_ids = self.events, [], []
        return audit_append_many(events)


def payload_key(payload: dict[str, Any] | None) -> str:
    return str((payload or {}).get("process_key", ""))


def audit_append_many(events: list[AuditEvent]) -> list[AuditEvent]:
    if connection.in_atomic_block:
        # Inside the command's transaction already: no savepoint needed, the lock lasts to its commit.
        return _append_locked(events)
    with transaction.atomic():
        return _append_locked(events)


_COLUMNS = (
    "at",
    "actor",
    "action",
    "instance_id",
    "task_id",
    "process_key",
    "department_id",
    "payload",
    "prev_hash",
    "hash",
)


def _append_locked(events: list[AuditEvent]) -> list[AuditEvent]:
    if connection.vendor == "postgresql":
        return _append_locked_pg(events)
    return _append_locked_orm(events)


def _append_locked_pg(events: list[AuditEvent]) -> list[AuditEvent]:
    """The ORM path's steps as plain SQL in two round trips: the ORM's query building costs ~0.3 ms a statement."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        # One round trip, two statements: each statement takes its own snapshot (READ COMMITTED),
        # so the head is read only after the lock is held and sees the previous holder's commit.
        cursor.execute(
            f"SELECT pg_advisory_xact_lock(%s); SELECT hash FROM {table} ORDER BY id DESC LIMIT 1",  # noqa: S608
            [_ADVISORY_LOCK_KEY],
        )
        row = cursor.fetchone()
        prev = row[0] if row else GENESIS_HASH
        for event in events:
            event.prev_hash = prev
            event.hash = event_hash(prev, event)
            prev = event.hash
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)"] * len(events))
        params: list[Any] = []
        for e in events:
            params += [
                e.at,
                e.actor,
                e.action,
                e.instance_id,
                e.task_id,
                e.process_key,
                e.department_id,
                canonical_json(e.payload),
                e.prev_hash,
                e.hash,
            ]
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES {values} RETURNING id",  # noqa: S608
            params,
        )
        for event, (pk,) in zip(events, cursor.fetchall(), strict=True):
            event.pk = pk
    return events


def _append_locked_orm(events: list[AuditEvent]) -> list[AuditEvent]:
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    prev = last or GENESIS_HASH
    for event in events:
        event.prev_hash = prev
        event.hash = event_hash(prev, event)
        prev = event.hash
    return AuditEvent.objects.bulk_create(events)


def audit_append(
    action: str, *, actor: str = "", instance: Any = None, task: Any = None, payload: dict[str, Any] | None = None
) -> AuditEvent:
    buffer = AuditBuffer()
    buffer.add(action, actor=actor, instance=instance, task=task, payload=payload)
    return buffer.flush()[0]


BROKEN_LINK = (
    "前一哈希与上一事件不符（事件被删除或调换顺序）/ "
    "prev_hash does not match previous event (event deleted or reordered)"
)
BROKEN_CONTENT = "哈希不符，事件内容被修改 / hash mismatch: content changed"


@dataclass(frozen=True)
class VerifyResult:
    """`checked` counts the events examined, the broken one included."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def audit_verify(*, batch_size: int = 5000) -> VerifyResult:
    """Walk the whole chain in id order and report the first event whose link or content does not hold.

    Memory stays constant: only the previous hash is kept between batches. A deleted event shows up at
    the event after it (its prev_hash points at a hash that is gone); an edited one at itself.
    """
    prev = GENESIS_HASH
    checked = 0
    for event in audit_events_walk(AuditEvent.objects.all(), batch_size=batch_size):
        checked += 1
        if event.prev_hash != prev:
            return VerifyResult(ok=False, checked=checked, first_broken_id=event.pk, reason=BROKEN_LINK)
        if event.hash != event_hash(prev, event):
            return VerifyResult(ok=False, checked=checked, first_broken_id=event.pk, reason=BROKEN_CONTENT)
        prev = event.hash
    return VerifyResult(ok=True, checked=checked)

"""Reads of the audit trail: filtered searches and constant-memory walks in chain (id) order."""

from collections.abc import Iterator
from datetime import datetime

from django.db.models import QuerySet

from .models import AuditEvent


def audit_events_filtered(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    process_key: str | None = None,
    department_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    instance_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """Events in chain order. `since` is inclusive and `until` exclusive, so consecutive ranges never overlap."""
    events = AuditEvent.objects.order_by("id")
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    exact = {
        "process_key": process_key,
        "department_id": department_id,
        "actor": actor,
        "action": action,
        "instance_id": instance_id,
    }
    return events.filter(**{name: value for name, value in exact.items() if value not in (None, "")})


def audit_events_walk(events: QuerySet[AuditEvent], *, batch_size: int = 2000) -> Iterator[AuditEvent]:
    """Yield `events` in id order, `batch_size` rows per query.

    Keyset pagination rather than `.iterator()`: it needs no server-side cursor (so it works behind
    PgBouncer in transaction mode) and no transaction held open while a slow client downloads.
    """
    last_id = 0
    while True:
        batch = list(events.filter(id__gt=last_id).order_by("id")[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        last_id = batch[-1].pk

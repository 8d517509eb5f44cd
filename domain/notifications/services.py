"""Writes of the notification centre: deliver a message to people on every channel, mark read."""

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.utils import timezone

from processes.errors import NotFound
from processes.ports import SYSTEM, Message
from processes.services.audit import AuditBuffer

from .channels import Channel, channels_enabled
from .models import Notification

log = logging.getLogger(__name__)


def notify(*, user_ids: Iterable[int], kind: str, title: str, body: str, link: str = "") -> int:
    """Deliver to each active user on every enabled channel; returns the number of deliveries.

    Every delivery appends a `notification_delivered` audit event (a channel that cannot reach the
    person, e.g. email without an address, is no delivery); a channel that fails is logged and audited
    as `notification_failed` and does not stop the others.
    """
    return notify_many([Message(user_ids=list(user_ids), kind=kind, title=title, body=body, link=link)])


@transaction.atomic
def notify_many(messages: list[Message]) -> int:
    """The same for several messages: one user query, one audit flush, bulk in-app rows."""
    channels = channels_enabled()
    wanted = {user_id for message in messages for user_id in message.user_ids}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=wanted, is_active=True)}
    audit = AuditBuffer()
    delivered = 0
    for channel in channels:
        batch = getattr(channel, "send_many", None)
        pairs = [(users[i], m) for m in messages for i in sorted(set(m.user_ids)) if i in users]
        if batch is not None:
            delivered += _deliver_many(channel, pairs, audit)
            continue
        delivered += sum(_deliver(channel, user, _fields(m), audit) for user, m in pairs)
    audit.flush()
    return delivered


def _fields(message: Message) -> dict[str, str]:
    return {"kind": message.kind, "title": message.title, "body": message.body, "link": message.link}


def _deliver_many(channel: Any, pairs: list[tuple[Any, Message]], audit: AuditBuffer) -> int:
    channel.send_many([(user, _fields(message)) for user, message in pairs])
    for user, message in pairs:
        audit.add(
            "notification_delivered",
            actor=SYSTEM.username,
            payload={"channel": channel.name, "user": user.get_username(), "kind": message.kind, "link": message.link},
        )
    return len(pairs)


def _deliver(channel: Channel, user: Any, message: dict[str, str], audit: AuditBuffer) -> int:
    record = {"channel": channel.name, "user": user.get_username(), "kind": message["kind"], "link": message["link"]}
    try:
        sent = channel.send(user=user, **message)
    except DatabaseError:
        raise  # the transaction is broken: let the caller's transaction decide
    except Exception as exc:
        log.exception("notification %s to %s over %s failed", message["kind"], user.get_username(), channel.name)
        audit.add("notification_failed", actor=SYSTEM.username, payload={**record, "error": str(exc)[:500]})
        return 0
    if sent:
        audit.add("notification_delivered", actor=SYSTEM.username, payload=record)
    return int(sent)


def notification_mark_read(*, notification_id: int, user: Any) -> Notification:
    """Mark one of the user's notifications read (again is harmless); someone else's is not found."""
    notification = Notification.objects.filter(pk=notification_id, user_id=user.pk).first()
    if notification is None:
        raise NotFound(f"通知 {notification_id} 不存在 / notification {notification_id} not found")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())

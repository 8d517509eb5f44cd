"""Delivery channels. The ladder and every other sender call `services.notify`, which delivers to
the channels named in settings TONGBAN["NOTIFICATION_CHANNELS"]; a new channel (SMS, 政务微信) is a class
with a `name` and `send`, registered with `register_channel` from its app's `ready()`."""

from functools import partial
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import transaction

from .models import Notification


class Channel(Protocol):
    name: str

    def send(self, *, user: Any, kind: str, title: str, body: str, link: str) -> bool:
        """Deliver one message to one person; False when the person cannot be reached this way."""
        ...


_channels: dict[str, Channel] = {}


def register_channel(channel: Channel) -> Channel:
    """Add or replace (tests swap one by name) the channel under its name."""
    _channels[channel.name] = channel
    return channel


def channel_names() -> set[str]:
    return set(_channels)


def channels_enabled() -> list[Channel]:
    names: list[str] = list(settings.TONGBAN["NOTIFICATION_CHANNELS"])
    unknown = [name for name in names if name not in _channels]
    if unknown:
        raise ImproperlyConfigured(
            f"通知渠道未注册 / notification channels not registered: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(_channels))})"
        )
    return [_channels[name] for name in names]


class InAppChannel:
    """The notification centre in the web UI (unread badge, list, mark read)."""

    name = "inapp"

    def send(self, *, user: Any, kind: str, title: str, body: str, link: str) -> bool:
        Notification.objects.create(user=user, kind=kind, title=title[:300], body=body, link=link[:500])
        return True

    def send_many(self, deliveries: list[tuple[Any, dict[str, str]]]) -> None:
        """Many rows in one INSERT (an escalation tick delivers hundreds at once)."""
        Notification.objects.bulk_create(
            Notification(user=user, kind=m["kind"], title=m["title"][:300], body=m["body"], link=m["link"][:500])
            for user, m in deliveries
        )


class EmailChannel:
    """Django's mail backend (SMTP in production, console in dev, locmem in tests)."""

    name = "email"

    def send(self, *, user: Any, kind: str, title: str, body: str, link: str) -> bool:
        if not user.email:
            return False
        if link and link.startswith("/"):
            link = settings.TONGBAN.get("SITE_URL", "").rstrip("/") + link
        message = f"{body}\n\n{link}" if link else body
        # After commit: a rolled-back sender sends nothing, and a slow mail server never holds row locks.
        transaction.on_commit(partial(send_mail, title, message, None, [user.email], fail_silently=False), robust=True)
        return True


register_channel(InAppChannel())
register_channel(EmailChannel())

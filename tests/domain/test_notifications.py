"""The notification centre: `notify` delivers on every configured channel (in-app, email) and audits
each delivery; people read their notifications, the unread count and mark them read over REST."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from rest_framework.test import APIClient

from domain.notifications import channels
from domain.notifications.models import Notification
from domain.notifications.port import NotifierPort
from domain.notifications.services import notify
from processes.models import AuditEvent
from processes.ports import notifier
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "with_mail": f.user("zhang", email="zhang@xihu.gov.cn"),
        "without_mail": f.user("li"),
        "gone": f.user("wang", email="wang@xihu.gov.cn", is_active=False),
    }


def channels_setting(*names: str) -> Any:
    from django.conf import settings

    return override_settings(TONGBAN={**settings.TONGBAN, "NOTIFICATION_CHANNELS": list(names)})


def deliveries() -> list[tuple[str, str, str]]:
    events = AuditEvent.objects.filter(action="notification_delivered").order_by("id")
    return [(e.payload["channel"], e.payload["user"], e.payload["kind"]) for e in events]


def test_the_port_is_registered() -> None:
    assert isinstance(notifier(), NotifierPort)


def test_notify_delivers_in_app_and_by_email_and_audits_each_delivery(people: dict[str, Any]) -> None:
    """Email only reaches people with an address; inactive people get nothing."""
    users = [people["with_mail"].pk, people["without_mail"].pk, people["gone"].pk]
    count = notify(user_ids=users, kind="task_reminded", title="催办：请尽快办理", body="正文", link="/api/tasks/1/")
    assert count == 3
    assert set(Notification.objects.values_list("user__username", "title")) == {
        ("zhang", "催办：请尽快办理"),
        ("li", "催办：请尽快办理"),
    }
    assert [(m.to, m.subject) for m in mail.outbox] == [(["zhang@xihu.gov.cn"], "催办：请尽快办理")]
    assert "/api/tasks/1/" in mail.outbox[0].body
    assert sorted(deliveries()) == [
        ("email", "zhang", "task_reminded"),
        ("inapp", "li", "task_reminded"),
        ("inapp", "zhang", "task_reminded"),
    ]


class Failing:
    name = "sms"

    def send(self, *, user: Any, kind: str, title: str, body: str, link: str) -> bool:
        raise ConnectionError("短信网关不可用 / SMS gateway down")


@pytest.fixture
def failing_sms() -> Iterator[None]:
    channels.register_channel(Failing())
    yield
    channels._channels.pop("sms")


def test_a_new_channel_is_one_registration_and_a_failing_one_does_not_stop_the_others(
    people: dict[str, Any], failing_sms: None
) -> None:
    """An SMS channel plugs in by name; its failure is audited and in-app delivery still happens."""
    with channels_setting("sms", "inapp"):
        assert notify(user_ids=[people["with_mail"].pk], kind="k", title="t", body="b") == 1
    failed = AuditEvent.objects.get(action="notification_failed")
    assert failed.payload["channel"] == "sms" and "SMS gateway down" in failed.payload["error"]
    assert deliveries() == [("inapp", "zhang", "k")]


def test_an_unknown_channel_fails_the_system_check_and_notify() -> None:
    with channels_setting("inapp", "wechat"):
        assert [m.id for m in run_checks() if m.id == "notifications.E001"] == ["notifications.E001"]
        with pytest.raises(ImproperlyConfigured, match="wechat"):
            notify(user_ids=[], kind="k", title="t", body="b")


def test_unread_count_list_and_mark_read_over_rest(people: dict[str, Any]) -> None:
    """The bell shows the unread count with the list; one or all can be marked read; someone else's
    notification is not found."""
    zhang, li = people["with_mail"], people["without_mail"]
    for n in range(3):
        notify(user_ids=[zhang.pk], kind="k", title=f"第{n}条", body="")
    notify(user_ids=[li.pk], kind="k", title="li's", body="")
    client = client_for(zhang)

    page = client.get("/api/notifications/").json()
    assert (page["count"], page["unread_count"]) == (3, 3)
    assert [item["title"] for item in page["results"]] == ["第2条", "第1条", "第0条"]

    newest = page["results"][0]["id"]
    read = client.post(f"/api/notifications/{newest}/read/")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.post(f"/api/notifications/{newest}/read/").status_code == 200  # again: harmless
    page = client.get("/api/notifications/", {"unread": "true"}).json()
    assert (page["count"], page["unread_count"]) == (2, 2)

    theirs = Notification.objects.get(user=li).pk
    assert client.post(f"/api/notifications/{theirs}/read/").status_code == 404

    assert client.post("/api/notifications/read-all/").json() == {"marked": 2}
    assert client.get("/api/notifications/").json()["unread_count"] == 0
    assert client_for(li).get("/api/notifications/").json()["unread_count"] == 1


def test_notifications_need_a_login() -> None:
    assert APIClient().get("/api/notifications/").status_code in (401, 403)

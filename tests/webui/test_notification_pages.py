"""通知中心: the bell's unread badge, the notification page (newest first, 全部/未读, pages by id),
mark one or all read in place or by post-redirect-get, 查看 marks read and follows only links on this
site, someone else's notification is not found, CSRF, and a fixed number of queries per page."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from domain.notifications.models import Notification
from domain.notifications.services import notify
from tests import factories as f

pytestmark = pytest.mark.django_db

PAGE, BADGE, READ_ALL = "/notifications/", "/notifications/badge/", "/notifications/read-all/"
RESULTS = {"HX-Request": "true", "HX-Target": "tb-notification-results"}


@pytest.fixture
def clerk():  # type: ignore[no-untyped-def]
    return f.user("clerk", roles=["reviewer"], dept=f.department())


@pytest.fixture
def other():  # type: ignore[no-untyped-def]
    return f.user("other", roles=["reviewer"], dept=f.department("330108", "滨江区数据局"))


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def send(user, title: str = "催办：审核材料", body: str = "请尽快办理", link: str = "/workbench/") -> Notification:  # type: ignore[no-untyped-def]
    notify(user_ids=[user.pk], kind="reminder", title=title, body=body, link=link)
    return Notification.objects.filter(user=user).latest("id")


def ids_shown(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-notification-id="(\d+)"', html)]


def badge(client: Client) -> str:
    match = re.search(r'data-unread="(\d+)"', client.get(BADGE).content.decode())
    return match.group(1) if match else ""


def test_every_page_has_a_bell_that_loads_its_count_after_the_page(clerk) -> None:  # type: ignore[no-untyped-def]
    """The bell is a plain link to the notification page; htmx asks for the count, the page itself does not."""
    send(clerk)
    client = client_for(clerk)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/workbench/").content.decode()
    assert re.search(r'<a class="tb-bell" href="/notifications/"', html)
    assert 'hx-get="/notifications/badge/"' in html and 'hx-trigger="load, every 60s' in html
    assert not any("notifications_notification" in q["sql"] for q in queries.captured_queries)


def test_badge_shows_the_unread_count(clerk, other) -> None:  # type: ignore[no-untyped-def]
    """Two unread, one read, and someone else's: the badge says 2; none unread, no badge at all."""
    first, second = send(clerk), send(clerk)
    send(clerk)
    Notification.objects.filter(user=clerk).exclude(pk__in=[first.pk, second.pk]).update(read_at=first.created_at)
    send(other)
    client = client_for(clerk)
    response = client.get(BADGE)
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    assert badge(client) == "2" and "2 条未读" in response.content.decode()
    Notification.objects.filter(user=clerk).update(read_at=first.created_at)
    assert badge(client) == "" and client.get(BADGE).content.decode().strip() == ""


def test_badge_shows_99_plus_beyond_99(clerk) -> None:  # type: ignore[no-untyped-def]
    Notification.objects.bulk_create(Notification(user=clerk, kind="reminder", title=f"#{i}") for i in range(120))
    html = client_for(clerk).get(BADGE).content.decode()
    assert 'data-unread="120"' in html and ">99+<" in html


def test_badge_is_one_count_query(clerk) -> None:  # type: ignore[no-untyped-def]
    """Asked every minute on every open page: the session, the user and one count."""
    send(clerk)
    client = client_for(clerk)
    with CaptureQueriesContext(connection) as queries:
        client.get(BADGE)
    ours = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(ours) == 1 and "COUNT(" in ours[0].upper()
    assert len(queries) <= 3, [q["sql"] for q in queries.captured_queries]


def test_badge_for_an_ended_session_is_empty_not_the_login_page() -> None:
    response = Client().get(BADGE)
    assert response.status_code == 200 and response.content.decode().strip() == ""


def test_page_lists_my_notifications_newest_first_unread_highlighted(clerk, other) -> None:  # type: ignore[no-untyped-def]
    old = send(clerk, title="旧的通知", body="第一条")
    new = send(clerk, title="新的通知", body="第二条")
    Notification.objects.filter(pk=old.pk).update(read_at=old.created_at)
    send(other, title="别人的通知")
    html = client_for(clerk).get(PAGE).content.decode()
    assert ids_shown(html) == [new.pk, old.pk]
    assert "新的通知" in html and "第二条" in html and "催办" in html and "别人的通知" not in html
    unread = re.search(rf'<li class="([^"]*)" data-notification-id="{new.pk}"', html)
    read = re.search(rf'<li class="([^"]*)" data-notification-id="{old.pk}"', html)
    assert unread and "tb-ntf--unread" in unread.group(1)
    assert read and "tb-ntf--unread" not in read.group(1)
    assert f"{new.created_at.astimezone():%Y-%m-%d}" in html and "<time" in html
    assert "1 条未读" in html


def test_unread_filter_leaves_out_the_read_ones(clerk) -> None:  # type: ignore[no-untyped-def]
    read, unread = send(clerk), send(clerk)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    client = client_for(clerk)
    assert ids_shown(client.get(PAGE, {"show": "unread"}).content.decode()) == [unread.pk]
    assert ids_shown(client.get(PAGE, {"show": "bogus"}).content.decode()) == [unread.pk, read.pk]
    Notification.objects.update(read_at=read.created_at)
    assert "没有未读通知" in client.get(PAGE, {"show": "unread"}).content.decode()


def test_title_and_body_are_escaped(clerk) -> None:  # type: ignore[no-untyped-def]
    send(clerk, title="<script>alert('t')</script>", body="<script>alert('b')</script>")
    html = client_for(clerk).get(PAGE).content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#x27;b&#x27;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "//evil.example/x", "https://evil.example/", "/\\evil.example"]
)
def test_a_link_off_this_site_is_text_never_an_href_or_a_redirect(clerk, link: str) -> None:
    """Only a path on this site is followed; anything else is shown as text and 查看 stays on the page."""
    notification = send(clerk, link=link)
    client = client_for(clerk)
    html = client.get(PAGE).content.decode()
    assert f'href="{link}' not in html and "javascript:" not in html.replace("javascript:alert(1)</span>", "")
    assert f"/notifications/{notification.pk}/open/" not in html
    assert "链接" in html
    response = client.post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302 and response["Location"] == PAGE


def test_open_marks_read_then_goes_to_the_link(clerk) -> None:  # type: ignore[no-untyped-def]
    """查看 on an unread one is a POST that marks it read; once read, 查看 is a plain link."""
    notification = send(clerk, link="/workbench/tasks/7/")
    client = client_for(clerk)
    html = client.get(PAGE).content.decode()
    assert f'action="/notifications/{notification.pk}/open/"' in html
    assert client.get(f"/notifications/{notification.pk}/open/").status_code == 405
    response = client.post(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/workbench/tasks/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'href="/workbench/tasks/7/"' in client.get(PAGE).content.decode()


def test_mark_read_without_js_redirects_back_to_the_same_list(clerk) -> None:  # type: ignore[no-untyped-def]
    first, second = send(clerk), send(clerk)
    client = client_for(clerk)
    response = client.post(f"/notifications/{first.pk}/read/", {"query": "show=unread&x=<b>"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?show=unread"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    html = client.get(response["Location"]).content.decode()
    assert "已标为已读" in html and ids_shown(html) == [second.pk]
    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302, "again is harmless"


def test_mark_read_with_htmx_swaps_the_list_and_tells_the_bell(clerk) -> None:  # type: ignore[no-untyped-def]
    first, second = send(clerk), send(clerk)
    response = client_for(clerk).post(f"/notifications/{first.pk}/read/", {"query": "show=unread"}, headers=RESULTS)
    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Trigger"] == "tb-notifications-changed"
    assert html.lstrip().startswith('<div id="tb-notification-results"') and "<html" not in html
    assert ids_shown(html) == [second.pk] and "已标为已读" in html and "1 条未读" in html


def test_mark_all_read(clerk, other) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        send(clerk)
    theirs = send(other)
    client = client_for(clerk)
    assert "全部标为已读" in client.get(PAGE).content.decode()
    response = client.post(READ_ALL, {"query": ""})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert not Notification.objects.filter(user=clerk, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    html = client.get(PAGE).content.decode()
    assert "已将 3 条通知标为已读" in html and "全部标为已读" not in html and "0 条未读" in html
    in_place = client.post(READ_ALL, headers=RESULTS)
    assert in_place["HX-Trigger"] == "tb-notifications-changed" and "已将 0 条通知标为已读" in in_place.content.decode()


def test_someone_elses_notification_is_not_found(clerk, other) -> None:  # type: ignore[no-untyped-def]
    theirs = send(other, link="/workbench/")
    client = client_for(clerk)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert client.post("/notifications/999999/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_posts_need_the_csrf_token(clerk) -> None:  # type: ignore[no-untyped-def]
    notification = send(clerk)
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    for url in [f"/notifications/{notification.pk}/read/", f"/notifications/{notification.pk}/open/", READ_ALL]:
        assert client.post(url).status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None
    html = client.get(PAGE).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token and html.count('name="csrfmiddlewaretoken"') >= 3
    response = client.post(f"/notifications/{notification.pk}/read/", {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302


def test_anonymous_user_is_sent_to_login() -> None:
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().post(READ_ALL).status_code == 302


def test_pages_of_thirty_by_id(clerk) -> None:  # type: ignore[no-untyped-def]
    Notification.objects.bulk_create(Notification(user=clerk, kind="reminder", title=f"#{i}") for i in range(65))
    ids = list(Notification.objects.order_by("-id").values_list("id", flat=True))
    client = client_for(clerk)
    first = client.get(PAGE).content.decode()
    assert ids_shown(first) == ids[:30] and f'href="/notifications/?before={ids[29]}"' in first
    assert 'rel="prev"' not in first
    second = client.get(PAGE, {"before": str(ids[29])}).content.decode()
    assert ids_shown(second) == ids[30:60] and 'rel="prev"' in second
    last = client.get(PAGE, {"before": str(ids[59])}).content.decode()
    assert ids_shown(last) == ids[60:] and 'rel="next"' not in last
    back = client.get(PAGE, {"after": str(ids[60])}).content.decode()
    assert ids_shown(back) == ids[30:60] and 'rel="prev"' in back and 'rel="next"' in back
    top = client.get(PAGE, {"after": str(ids[10])}).content.decode()
    assert ids_shown(top) == ids[:30] and 'rel="prev"' not in top, "back at the newest: the first page, full"
    unread_pages = client.get(PAGE, {"show": "unread", "before": str(ids[29])}).content.decode()
    assert f'href="/notifications/?show=unread&amp;before={ids[59]}"' in unread_pages
    in_place = client.get(PAGE, {"before": str(ids[29])}, headers=RESULTS).content.decode()
    assert "<html" not in in_place and ids_shown(in_place) == ids[30:60]


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    assert response.status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_rows(clerk) -> None:  # type: ignore[no-untyped-def]
    """1 notification, 30 (a full page), or a full page with more behind it: the same number of SQL queries."""
    client = client_for(clerk)
    send(clerk)
    client.get(PAGE)  # warm up (content types, session)
    counts = [_queries(client)]
    for more in (29, 11):
        Notification.objects.bulk_create(Notification(user=clerk, kind="reminder", title=f"#{i}") for i in range(more))
        counts.append(_queries(client))
        assert len(ids_shown(client.get(PAGE).content.decode())) == 30
    assert len(set(counts)) == 1, counts


def test_the_page_and_the_badge_speak_english(clerk) -> None:  # type: ignore[no-untyped-def]
    send(clerk, link="/workbench/")
    client = client_for(clerk)
    client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    html = client.get(PAGE).content.decode()
    assert "Notifications" in html and "Mark all read" in html and "Mark read" in html and ">Open<" in html
    assert "1 unread" in html and "标为已读" not in html
    assert "1 unread" in client.get(BADGE).content.decode()


def test_our_notifications_read_in_the_readers_language(clerk) -> None:  # type: ignore[no-untyped-def]
    """A reassignment sent from an English page is stored in the platform's language (what email carries) and
    shown to each reader in theirs; a supervisor's own words and unknown texts stay as typed."""
    from django.utils import translation

    from processes.notification_texts import ESCALATED_BODY, ESCALATED_RED, REASSIGNED, REASSIGNED_BODY, compose

    with translation.override("en"):
        title, body = compose(REASSIGNED, task="审核材料"), compose(REASSIGNED_BODY, actor="boss")
    assert (title, body) == ("改派：审核材料", "boss 将任务改派给您。")
    send(clerk, title=title, body=f"{body}\n请今天办完")
    send(
        clerk,
        title=compose(ESCALATED_RED, task="核查"),
        body=compose(ESCALATED_BODY, process="审批", due="2026-06-08 18:00"),
    )
    send(clerk, title="系统维护通知", body="今晚停机")

    english = f.in_english(client_for(clerk)).get(PAGE).content.decode()
    assert "Reassigned: 审核材料" in english and "boss reassigned this task to you.\n请今天办完" in english
    assert "[Overdue] Task “核查” is past its time limit" in english and "Process: 审批" in english
    assert "改派：" not in english and "将任务改派给您" not in english and "系统维护通知" in english
    chinese = client_for(clerk).get(PAGE).content.decode()
    assert "改派：审核材料" in chinese and "boss 将任务改派给您。" in chinese

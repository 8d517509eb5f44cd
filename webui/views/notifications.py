"""通知中心 — the bell's unread badge, my notifications (全部/未读), mark one or all read, open one.

The badge is a fragment that htmx loads after the page and refreshes, so no page pays a query for it.
The list is keyset-paged by id, newest first, one row more than a page to know whether an older page
exists: no count(*) over the table, and a fixed number of queries whatever the page holds.

A notification's `link` is followed only when it is a path on this site ("/…", not "//host"); anything
else (an absolute URL, `javascript:`) is shown as text and never becomes an href or a redirect.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from domain.notifications.models import Notification
from domain.notifications.selectors import notification_unread_count, notifications_for_user
from domain.notifications.services import notification_mark_read, notifications_mark_all_read
from processes.errors import NotFound
from processes.notification_texts import in_reader_language
from webui.views.paging import int_or_none

NOTIFICATION_PAGE_SIZE = 30
RESULTS_TARGET = "tb-notification-results"
# The bell listens for this event (sent in an HX-Trigger header) to refresh its count at once.
CHANGED_EVENT = "tb-notifications-changed"
SHOWS = [("all", gettext_lazy("全部")), ("unread", gettext_lazy("未读"))]
KIND_LABELS = {
    "reminder": gettext_lazy("催办"),
    "reassigned": gettext_lazy("改派"),
    "delegated": gettext_lazy("转办"),
    "task_escalated_blue": gettext_lazy("提醒"),
    "task_escalated_yellow": gettext_lazy("预警"),
    "task_escalated_red": gettext_lazy("逾期"),
}


def safe_link(link: str) -> str:
    """The link if it is a path on this site, else "" (shown as text, never followed)."""
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return link
    return ""


def _list_state(data: QueryDict) -> QueryDict:
    """Only the list's own parameters (filter and cursor), for the pager, the forms and the way back."""
    state = QueryDict(mutable=True)
    show = data.get("show")
    if show in dict(SHOWS) and show != "all":
        state["show"] = show
    for key in ("before", "after"):
        value = int_or_none(data.get(key))
        if value is not None:
            state[key] = str(value)
            break
    return state


def _list_url(query: QueryDict) -> str:
    return f"{reverse('notifications:index')}?{query.urlencode()}" if query else reverse("notifications:index")


def _url(state: QueryDict, **cursor: int) -> str:
    """The list with the same filter, starting at another cursor."""
    query = state.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    for key, value in cursor.items():
        query[key] = str(value)
    return _list_url(query)


def _page(user: Any, state: QueryDict) -> tuple[list[Notification], str, str]:
    """One page newest first, `before` (older) or `after` (newer) an id; with the older and newer urls."""
    notifications = notifications_for_user(user=user, unread_only=state.get("show") == "unread")
    before, after = int_or_none(state.get("before")), int_or_none(state.get("after"))
    if after is not None:
        found = list(notifications.filter(id__gt=after).order_by("id")[: NOTIFICATION_PAGE_SIZE + 1])
        if len(found) > NOTIFICATION_PAGE_SIZE:
            page = found[:NOTIFICATION_PAGE_SIZE][::-1]
            return page, _url(state, before=page[-1].pk), _url(state, after=page[0].pk)
        before = None  # back at the newest: the first page as it is now, full
    elif before is not None:
        notifications = notifications.filter(id__lt=before)
    found = list(notifications.order_by("-id")[: NOTIFICATION_PAGE_SIZE + 1])
    page = found[:NOTIFICATION_PAGE_SIZE]
    older = _url(state, before=page[-1].pk) if len(found) > NOTIFICATION_PAGE_SIZE else ""
    newer = _url(state, after=page[0].pk) if page and before is not None else ""
    return page, older, newer


def _context(request: HttpRequest, data: QueryDict, **extra: Any) -> dict[str, Any]:
    state = _list_state(data)
    page, older_url, newer_url = _page(request.user, state)
    rows = [
        {
            "notification": n,
            "kind": KIND_LABELS.get(n.kind, n.kind),
            "href": safe_link(n.link),
            # Stored in the platform's language; shown in the reader's where the text is one of ours.
            "title": in_reader_language(n.title),
            "body": in_reader_language(n.body),
        }
        for n in page
    ]
    return {
        "shows": SHOWS,
        "show": state.get("show", "all"),
        "rows": rows,
        "unread_count": notification_unread_count(user=request.user),
        "older_url": older_url,
        "newer_url": newer_url,
        "query": state.urlencode(),
        "target": RESULTS_TARGET,
        **extra,
    }


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    context = _context(request, request.GET)
    if request.headers.get("HX-Target") == RESULTS_TARGET:
        return render(request, "webui/notifications/results.html", context)
    return render(request, "webui/notifications/list.html", context)


@never_cache
@require_GET
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The bell's count; empty (no badge) for nobody unread or a session that has ended."""
    count = notification_unread_count(user=request.user) if request.user.is_authenticated else 0
    return render(request, "webui/notifications/badge.html", {"count": count})


def _after_change(request: HttpRequest, notice: str) -> HttpResponse:
    """The list again in place for htmx (and the bell told to refresh); post, redirect, get otherwise."""
    data = QueryDict(request.POST.get("query", ""))
    if request.headers.get("HX-Target") == RESULTS_TARGET:
        response = render(request, "webui/notifications/results.html", _context(request, data, notice=notice))
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    messages.success(request, notice)
    return redirect(_list_url(_list_state(data)))


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """标为已读; someone else's notification is a 404, as if it did not exist."""
    try:
        notification_mark_read(notification_id=notification_id, user=request.user)
    except NotFound as error:
        raise Http404(error.message) from error
    return _after_change(request, _("已标为已读。"))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    marked = notifications_mark_all_read(user=request.user)
    return _after_change(request, _("已将 %(count)s 条通知标为已读。") % {"count": marked})


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """查看: mark read, then go to what it is about (a POST, as it changes state; a link off-site is not followed)."""
    try:
        notification = notification_mark_read(notification_id=notification_id, user=request.user)
    except NotFound as error:
        raise Http404(error.message) from error
    return redirect(safe_link(notification.link) or reverse("notifications:index"))

"""流程 — operator pages: process definitions by key, the BPMN download of a version, and the incidents
list with 重试 / 跳过. The versions of one key, their diff and migration are in flows_versions.py.

Staff only, the REST API's rule (`IsAdminUser`); a signed-in non-staff user gets a 403 page saying why.
Retry and skip go through processes.services.jobs; what happened is shown as a message (post, redirect,
get), or, when htmx posts the form, in the incident's row, which is swapped in place.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from rest_framework.permissions import IsAdminUser

from processes.errors import NotFound, ProcessError
from processes.models import Incident
from processes.ports import directory
from processes.selectors_definitions import (
    definition_summaries,
    incident_error_codes,
    incident_row,
    incidents_filtered,
)
from processes.services.jobs import incident_retry, incident_skip
from webui.i18n import one_language
from webui.views.paging import keyset_page, page_number

View = Callable[..., HttpResponse]
DEFINITIONS_PAGE_SIZE = 50
INCIDENTS_PAGE_SIZE = 50
SUMMARY_LENGTH = 160
STATUS_FILTERS = [("open", gettext_lazy("未处理")), ("resolved", gettext_lazy("已处理")), ("all", gettext_lazy("全部"))]
_KEPT_QUERY = ("status", "before", "after")


class SkipForm(forms.Form):
    result = forms.CharField(label=gettext_lazy("结果 (JSON 对象，可选)"), required=False, max_length=20000)

    def clean_result(self) -> dict[str, Any] | None:
        text = self.cleaned_data["result"].strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(_("结果不是有效的 JSON：%(error)s") % {"error": error}) from error
        if not isinstance(value, dict):
            raise forms.ValidationError(_('结果必须是 JSON 对象，例如 {"id": 1}。'))
        return value


def is_staff(request: HttpRequest) -> bool:
    """The API's rule, applied to a plain Django request (it reads only `request.user`)."""
    return IsAdminUser().has_permission(cast(Any, request), cast(Any, None))


def staff_only(view: View) -> View:
    """Anonymous: to the login page. Signed in without staff rights: 403 with the reason."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff(request):
            return render(request, "webui/flows/not_staff.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(guarded)


def _with(data: QueryDict, **values: Any) -> str:
    query = data.copy()
    for name, value in values.items():
        query[name] = str(value)
    return f"?{query.urlencode()}"


@staff_only
@require_GET
def definitions(request: HttpRequest) -> HttpResponse:
    """流程定义: one row per key, the latest version first in each, searched by key or name."""
    search = request.GET.get("q", "").strip()[:200]
    page = page_number(request.GET)
    found = definition_summaries(
        search=search, offset=(page - 1) * DEFINITIONS_PAGE_SIZE, limit=DEFINITIONS_PAGE_SIZE + 1
    )
    query = QueryDict(mutable=True)
    if search:
        query["q"] = search
    context = {
        "rows": found[:DEFINITIONS_PAGE_SIZE],
        "search": search,
        "next_url": _with(query, page=page + 1) if len(found) > DEFINITIONS_PAGE_SIZE else "",
        "previous_url": _with(query, page=page - 1) if page > 1 else "",
    }
    return render(request, "webui/flows/definitions.html", context)


def _row(incident: Incident, codes: dict[int, str]) -> dict[str, Any]:
    """What one table row shows: the message's first line as a summary, the rest on demand."""
    message = incident.message or ""
    summary = message.splitlines()[0] if message else ""
    if len(summary) > SUMMARY_LENGTH:
        summary = summary[: SUMMARY_LENGTH - 1] + "…"
    return {
        "incident": incident,
        "code": codes.get(incident.pk, ""),
        "summary": summary,
        "has_more": summary != message,
        "is_open": incident.status == Incident.Status.OPEN,
    }


def _status(data: QueryDict) -> str:
    status = data.get("status", "")
    return status if status in dict(STATUS_FILTERS) else "open"


def _kept(query: str) -> QueryDict:
    """The list's own parameters from a posted querystring (anything else is dropped)."""
    given = QueryDict(query)
    kept = QueryDict(mutable=True)
    for name in _KEPT_QUERY:
        if given.get(name):
            kept[name] = given[name]
    return kept


@staff_only
@require_GET
def incidents(request: HttpRequest) -> HttpResponse:
    """异常事件: open ones by default, newest first, 50 a page, each open one with 重试 and 跳过."""
    status = _status(request.GET)
    # Keyset-paged like the audit search: newest first, `before` (older) or `after` (newer) an id.
    page, older, newer = keyset_page(incidents_filtered(status=status), request.GET, INCIDENTS_PAGE_SIZE)
    codes = incident_error_codes(page)
    base = QueryDict(mutable=True)
    base["status"] = status
    context = {
        "statuses": STATUS_FILTERS,
        "status": status,
        "rows": [_row(incident, codes) for incident in page],
        "older_url": _with(base, before=older) if older is not None else "",
        "newer_url": _with(base, after=newer) if newer is not None else "",
        "query": _kept(request.GET.urlencode()).urlencode(),
    }
    return render(request, "webui/flows/incidents.html", context)


def _outcome(request: HttpRequest, incident_id: int, level: int, text: str) -> HttpResponse:
    """htmx: the row again, with what happened in it. Otherwise: a message, back to the list."""
    query = _kept(request.POST.get("query", ""))
    if request.headers.get("HX-Request"):
        context: dict[str, Any] = {
            "query": query.urlencode(),
            "outcome": {"ok": level == messages.SUCCESS, "text": text},
        }
        try:
            incident = incident_row(incident_id=incident_id)
        except NotFound:
            context["missing_id"] = incident_id
        else:
            context["row"] = _row(incident, incident_error_codes([incident]))
        return render(request, "webui/flows/incident_row.html", context)
    messages.add_message(request, level, text)
    url = reverse("flows:incidents")
    return redirect(f"{url}?{query.urlencode()}" if query else url)


def _resolve(request: HttpRequest, incident_id: int, action: Callable[[], object], done: str) -> HttpResponse:
    try:
        action()
    except ProcessError as error:
        return _outcome(request, incident_id, messages.ERROR, f"#{incident_id}：{one_language(error.message)}")
    return _outcome(request, incident_id, messages.SUCCESS, done)


@staff_only
@require_POST
def retry(request: HttpRequest, incident_id: int) -> HttpResponse:
    """重试: the failed job is queued again (attempts reset); the incident is resolved as retried."""
    actor = directory().actor_for(request.user)
    return _resolve(
        request,
        incident_id,
        lambda: incident_retry(incident_id=incident_id, actor=actor),
        _("异常 #%(id)s 已重试，作业已重新排队。") % {"id": incident_id},
    )


@staff_only
@require_POST
def skip(request: HttpRequest, incident_id: int) -> HttpResponse:
    """跳过: the service task completes with the given JSON object (or {}) as its result; the flow moves on."""
    form = SkipForm(request.POST)
    if not form.is_valid():
        errors = "；".join(str(error) for error in form.errors.get("result", []))
        return _outcome(request, incident_id, messages.ERROR, f"#{incident_id}：{errors}")
    actor = directory().actor_for(request.user)
    return _resolve(
        request,
        incident_id,
        lambda: incident_skip(incident_id=incident_id, actor=actor, result=form.cleaned_data["result"]),
        _("异常 #%(id)s 已跳过，流程继续。") % {"id": incident_id},
    )

"""审计 — search the audit trail, read one event with its hash and neighbours, verify the chain, export.

Signed out, every page sends you to log in; signed in, only auditors (the API's `IsAuditor` rule,
processes.selectors.actor_is_auditor: staff, superuser or role "auditor") get in; others get 403.
The search is keyset-paged newest first, one row more than a page to know whether another exists: no
count(*) and a fixed number of queries whatever the page holds. With htmx, filters and pages swap the
results block in place (the URL follows) and the chain verification answers in place; without
JavaScript the same forms load whole pages.
"""

import json
import re
from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from processes.audit_selectors import audit_events_filtered
from processes.models import AuditEvent
from processes.services.audit import GENESIS_HASH, VerifyResult, audit_verify, canonical_json, event_hash
from processes.services.audit_export import FORMATS, audit_export
from webui.api.audit import IsAuditor
from webui.audit_labels import audit_action_choices
from webui.forms import department_tree_choices
from webui.views.paging import keyset_page

AUDIT_PAGE_SIZE = 50
PAYLOAD_PREVIEW = 120
EXPORT_COOKIE = "tb_audit_export"
RESULTS_TARGET = "tb-audit-results"
VERIFY_TARGET = "tb-audit-verify"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")
FILTER_NAMES = ("since", "until", "process", "department", "actor", "action")
_LOCAL = "%Y-%m-%dT%H:%M:%S"  # what <input type="datetime-local"> shows; read in the current time zone
_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class AuditFilterForm(forms.Form):
    since = forms.DateTimeField(label=_("起始时间"), required=False, input_formats=_DATETIME_FORMATS)
    until = forms.DateTimeField(label=_("截止时间"), required=False, input_formats=_DATETIME_FORMATS)
    process = forms.CharField(label=_("流程"), required=False, max_length=200)
    # The id, chosen from the department tree (department_tree_choices) on the page.
    department = forms.IntegerField(label=_("部门"), required=False, min_value=1)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.CharField(label=_("操作"), required=False, max_length=100)

    def selector_filters(self) -> dict[str, Any]:
        """The valid filters as the selector's keyword arguments; an invalid field is left out (and shown)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "since": data.get("since"),
            "until": data.get("until"),
            "process_key": data.get("process") or None,
            "department_id": data.get("department"),
            "actor": data.get("actor") or None,
            "action": data.get("action") or None,
        }

    def query(self) -> QueryDict:
        """The valid filters as a querystring, for the pager and the export links."""
        self.is_valid()
        query = QueryDict(mutable=True)
        for name in FILTER_NAMES:
            value = getattr(self, "cleaned_data", {}).get(name)
            if value not in (None, ""):
                query[name] = timezone.localtime(value).strftime(_LOCAL) if isinstance(value, datetime) else str(value)
        return query


def is_auditor(request: HttpRequest) -> bool:
    """The API's rule, applied to a plain Django request (it reads only `request.user`)."""
    return IsAuditor().has_permission(cast(Any, request), cast(Any, None))


def _require_auditor(request: HttpRequest) -> None:
    if not is_auditor(request):
        raise PermissionDenied(IsAuditor.message)


def _preview(payload: Any) -> str:
    text = canonical_json(payload)
    return text if len(text) <= PAYLOAD_PREVIEW else text[: PAYLOAD_PREVIEW - 1] + "…"


def _search_context(request: HttpRequest, data: QueryDict) -> dict[str, Any]:
    form = AuditFilterForm(data)
    filters = form.selector_filters()
    events, older, newer = keyset_page(audit_events_filtered(**filters), data, AUDIT_PAGE_SIZE)
    query = form.query()

    def link(**extra: int) -> str:
        q = query.copy()
        for name, value in extra.items():
            q[name] = str(value)
        return f"?{q.urlencode()}"

    return {
        "form": form,
        "rows": [{"event": e, "preview": _preview(e.payload)} for e in events],
        "older_url": link(before=older) if older is not None else "",
        "newer_url": link(after=newer) if newer is not None else "",
        "query": query.urlencode(),
        "formats": sorted(FORMATS),
        "action_choices": _action_choices(form),
        "department_choices": _department_choices(form),
        "export_cookie": EXPORT_COOKIE,
        "target": RESULTS_TARGET,
        "verify_target": VERIFY_TARGET,
    }


def _department_choices(form: AuditFilterForm) -> list[tuple[int, str]]:
    """The department tree for the filter's select; an id asked for that is not in it stays selectable."""
    choices = department_tree_choices()
    asked = getattr(form, "cleaned_data", {}).get("department")
    if asked is not None and asked not in dict(choices):
        choices.append((asked, f"#{asked}"))
    return choices


def _action_choices(form: AuditFilterForm) -> list[tuple[str, str]]:
    """The known actions for the filter's select; an unknown one asked for stays selectable (old events)."""
    choices = audit_action_choices()
    asked = getattr(form, "cleaned_data", {}).get("action") or ""
    if asked and asked not in dict(choices):
        choices.append((asked, asked))
    return choices


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, template, context)
    # The same URL answers a whole page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@require_GET
def audit_search(request: HttpRequest) -> HttpResponse:
    """审计检索: filters in the querystring, 50 events a page, newest first."""
    _require_auditor(request)
    context = _search_context(request, request.GET)
    if request.headers.get("HX-Target") == RESULTS_TARGET:
        return _render(request, "webui/audit/results.html", context)
    return _render(request, "webui/audit/search.html", context)


@login_required
@require_POST
def audit_verify_chain(request: HttpRequest) -> HttpResponse:
    """链校验: walk the whole chain; the result in place (htmx) or on the search page, filters kept."""
    _require_auditor(request)
    result: VerifyResult = audit_verify()
    if request.headers.get("HX-Target") == VERIFY_TARGET:
        return _render(request, "webui/audit/verify.html", {"verify": result, "verify_target": VERIFY_TARGET})
    data = QueryDict(request.POST.get("query", ""))
    return _render(request, "webui/audit/search.html", {**_search_context(request, data), "verify": result})


@login_required
@require_GET
def audit_event(request: HttpRequest, event_id: int) -> HttpResponse:
    """事件详情: every field, the payload pretty-printed, the hashes and whether they hold, the neighbours."""
    _require_auditor(request)
    event = get_object_or_404(AuditEvent, pk=event_id)
    previous = AuditEvent.objects.filter(id__lt=event.pk).order_by("-id").only("id", "hash").first()
    following = AuditEvent.objects.filter(id__gt=event.pk).order_by("id").only("id").first()
    context = {
        "event": event,
        "payload": json.dumps(event.payload, ensure_ascii=False, indent=2, sort_keys=True),
        "recomputes": event_hash(event.prev_hash, event) == event.hash,
        "link_holds": event.prev_hash == (previous.hash if previous else GENESIS_HASH),
        "previous": previous,
        "following": following,
    }
    return render(request, "webui/audit/event.html", context)


@login_required
@require_GET
def audit_export_download(request: HttpRequest) -> StreamingHttpResponse:
    """导出: the current filter as CSV, XLSX or JSON lines, streamed; the export itself is audited.

    A `token` in the query comes back as a cookie when the download starts, so the page can hide its
    "preparing" indicator.
    """
    _require_auditor(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        fmt = "csv"
    form = AuditFilterForm(request.GET)
    export = audit_export(actor=request.user.get_username(), fmt=fmt, filters=form.selector_filters())
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    token = request.GET.get("token", "")
    if _TOKEN_RE.match(token):
        response.set_cookie(EXPORT_COOKIE, token, max_age=60, samesite="Lax")
    return response

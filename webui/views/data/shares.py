"""数据通 — 共享申请: apply for a published resource on behalf of one's department (purpose, scenario, the
信息项 wanted), which starts the share_request process through the domain service; and the lists of both
sides — 我部门申请的 and 向我部门申请的, each with its status and case — with the grants each department holds
and has given (granted_to_department / granted_from_department).

无条件 resources are granted by the process at once; 有条件 ones wait for the compliance check and the
provider's decision, which are worked in the inbox. A 不予共享 resource has no apply button: the page says
why, and a POST is refused with the same reason.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from domain.catalog import services as catalog_services
from domain.catalog.errors import CatalogError, EntryInvalid, NotPermitted
from domain.catalog.models import CatalogEntry, ShareRequest
from domain.catalog.selectors import granted_from_department, granted_to_department, share_requests_in_progress
from domain.catalog.services.sharing import SHARE_PROCESS
from domain.directory.models import Department
from processes.models import ProcessInstance
from processes.ports import Actor
from webui.views.paging import int_or_none, paginate

from .catalog_access import actor_of, department_ids, forbidden, is_admin, share_closed_reason, share_departments
from .catalog_entry import entry_or_404

PAGE_SIZE = 25
GRANTS_SHOWN = 50


def _scope(actor: Actor) -> list[int] | None:
    """The departments whose requests one sees (None: all of them, for an administrator of no department)."""
    own = sorted(department_ids(actor))
    return None if not own and is_admin(actor) else own


def shares_in_progress_for(actor: Actor) -> QuerySet[ShareRequest]:
    """The requests still being decided that the share lists show the actor (the overview counts these)."""
    return share_requests_in_progress(department_ids=_scope(actor))


def _page(rows: QuerySet[ShareRequest], data: QueryDict, param: str) -> dict[str, Any]:
    """One page of a list whose page number travels as `param` (two lists page independently)."""
    context = paginate(rows, data, PAGE_SIZE, param)
    page = context["page"]
    page.object_list = list(page.object_list)  # evaluated once: the view annotates the rows the page shows
    return context


def _requests() -> QuerySet[ShareRequest]:
    return ShareRequest.objects.select_related(
        "entry", "entry__provider", "applicant_department", "applicant"
    ).order_by("-created_at", "-pk")


def _cases(requests: list[ShareRequest]) -> dict[int, int]:
    """Request id → its share_request case, for the link to the case page (one query)."""
    keys = {f"share-{r.pk}": r.pk for r in requests}
    rows = ProcessInstance.objects.filter(definition__key=SHARE_PROCESS, business_key__in=list(keys))
    return {keys[key]: pk for key, pk in rows.values_list("business_key", "pk")}


def _grants(scope: list[int] | None) -> list[dict[str, Any]]:
    """Per department of the user: what it was granted, and what it granted to others."""
    if not scope:
        return []
    departments = Department.objects.filter(pk__in=scope).order_by("path")
    return [
        {
            "department": department,
            "received": list(granted_to_department(department_id=department.pk)[:GRANTS_SHOWN]),
            "given": list(granted_from_department(department_id=department.pk)[:GRANTS_SHOWN]),
        }
        for department in departments
    ]


@login_required
@require_GET
def shares_index(request: HttpRequest) -> HttpResponse:
    scope = _scope(actor_of(request))
    outgoing, incoming = _requests(), _requests()
    if scope is not None:
        outgoing = outgoing.filter(applicant_department_id__in=scope)
        incoming = incoming.filter(entry__provider_id__in=scope)
    mine, theirs = _page(outgoing, request.GET, "out_page"), _page(incoming, request.GET, "in_page")
    grants = _grants(scope)
    shown = [*mine["page"].object_list, *theirs["page"].object_list]
    shown += [r for g in grants for r in (*g["received"], *g["given"])]
    cases = _cases(shown)
    for share in shown:
        share.case_id = cases.get(share.pk)  # type: ignore[attr-defined]
    context = {
        "section": "shares",
        "mine": mine,
        "theirs": theirs,
        "grants": grants,
        "no_department": scope == [],
    }
    return render(request, "webui/data/shares/index.html", context)


def _apply_errors(error: CatalogError) -> tuple[dict[str, list[str]], str, int]:
    """(errors per field, the reason for the whole request, status) of a refused application."""
    if isinstance(error, EntryInvalid):
        return error.errors, "", 400
    if isinstance(error, NotPermitted):
        return {}, error.message, 403
    return {}, error.message, 409


def _posted(data: QueryDict, items: list[str]) -> dict[str, Any]:
    return {
        "department": int_or_none(data.get("department")),
        "purpose": data.get("purpose", "").strip()[:2000],
        "scenario": data.get("scenario", "").strip()[:2000],
        "fields": data.getlist("fields")[: len(items) + 1],
    }


def _submit(
    entry: CatalogEntry, actor: Actor, values: dict[str, Any], departments: list[Department]
) -> CatalogError | None:
    """Apply through the service; a 不予共享 or unpublished entry is refused there, with its reason."""
    closed = share_closed_reason(entry)
    if not closed and values["department"] not in {d.pk for d in departments}:
        return EntryInvalid({"department": [_("请选择申请部门。")]})
    try:
        catalog_services.share_request_submit(
            entry_id=entry.pk,
            department_id=values["department"] or 0,
            purpose=values["purpose"],
            scenario=values["scenario"],
            fields=values["fields"],
            actor=actor,
        )
    except CatalogError as error:
        return error
    return None


@login_required
@require_http_methods(["GET", "POST"])
def share_apply(request: HttpRequest, entry_id: int) -> HttpResponse:
    """申请共享 of a published entry for one of the user's departments (not the provider)."""
    entry = entry_or_404(request, entry_id)
    actor = actor_of(request)
    departments = list(share_departments(actor, entry))
    items = list(entry.items.order_by("order").values_list("name", flat=True))
    values: dict[str, Any] = {"department": None, "purpose": "", "scenario": "", "fields": items}
    errors: dict[str, list[str]] = {}
    refused, status = share_closed_reason(entry), 200
    if request.method == "POST":
        if not departments and not refused:
            return forbidden(request, entry, _("只有提供方以外部门的人员可以申请共享。"))
        values = _posted(request.POST, items)
        error = _submit(entry, actor, values, departments)
        if error is None:
            messages.success(request, _("已提交共享申请：%(name)s") % {"name": entry.name})
            return redirect("data:shares")
        errors, refused, status = _apply_errors(error)
    context = {
        "section": "shares",
        "entry": entry,
        "departments": departments,
        "items": items,
        "values": values,
        "errors": errors,
        "refused": refused,
    }
    return render(request, "webui/data/shares/apply.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("shares/", shares_index, name="shares"),
    path("shares/apply/<int:entry_id>/", share_apply, name="share_apply"),
]

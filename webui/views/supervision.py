"""督办: at-risk and overdue lists over the supervised department subtree with 催办 and bulk reassign,
extension approvals (延期审批), and the monthly league table (晾晒) with its chart and XLSX download.

Every action goes through processes.services.supervision, which checks the subtree. With htmx, filters
and pages swap the results block in place, 催办 and a 延期 decision swap their row, bulk reassign swaps
the block, each with its outcome inside what was swapped; without JavaScript the same forms post,
redirect and get, the outcome travelling as a message. A user who supervises nothing sees why, with 403.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from domain.directory.models import Department
from processes.errors import Conflict, ProcessError
from processes.league import league_table, league_xlsx
from processes.models import ExtensionRequest
from processes.ports import Actor, directory
from processes.selectors import supervision_task_rows
from processes.services.supervision import (
    extension_decide,
    supervised_department_ids,
    task_remind,
    tasks_reassign,
    tasks_supervised,
)
from webui.forms import selected_task_ids
from webui.i18n import one_language
from webui.views.paging import int_or_none, page_number, page_url
from webui.views.supervision_items_access import list_scope
from webui.views.workbench import task_row

PAGE_SIZE = 25
RESULTS_TARGET = "tb-sv-results"
TASK_ROW_PREFIX = "tb-sv-task-"
EXTENSION_ROW_PREFIX = "tb-sv-ext-"
KINDS = [("at_risk", gettext_lazy("预警")), ("overdue", gettext_lazy("逾期"))]
LEVELS = [(1, gettext_lazy("提醒")), (2, gettext_lazy("预警")), (3, gettext_lazy("逾期"))]


@dataclass(frozen=True)
class Outcome:
    """What an action did, shown where the action was taken (or as a message after a redirect)."""

    ok: bool
    text: str


def _scope(actor: Actor) -> list[int] | None:
    """The supervised department ids (None: all, for a superuser); [] means the user supervises nothing."""
    return None if actor.is_superuser else sorted(supervised_department_ids(actor))


def _not_a_supervisor(request: HttpRequest) -> HttpResponse:
    return render(request, "webui/supervision/not_supervisor.html", status=403)


def _hx_target(request: HttpRequest) -> str:
    return request.headers.get("HX-Target", "")


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    response = render(request, template, context)
    # The same URL answers a whole page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _flash(request: HttpRequest, outcome: Outcome) -> None:
    (messages.success if outcome.ok else messages.error)(request, outcome.text)


def _departments(scope: list[int] | None) -> list[tuple[int, str]]:
    departments = Department.objects.order_by("path")
    if scope is not None:
        departments = departments.filter(pk__in=scope)
    return list(departments.values_list("pk", "name"))


def _back(request: HttpRequest, name: str) -> HttpResponse:
    """Back to the list the form was posted from, filters and tab kept."""
    query = request.POST.get("query", "")
    url = reverse(name)
    target = f"{url}?{query}" if query else url
    return redirect(target if url_has_allowed_host_and_scheme(target, allowed_hosts=None) else url)


def _kind(data: QueryDict) -> str:
    kind = data.get("kind") or ""
    return kind if kind in dict(KINDS) else "at_risk"


def _supervised(actor: Actor, data: QueryDict, now: Any) -> Any:
    """The open tasks the list's filters select, with what a row shows joined in."""
    assignee = (data.get("assignee") or "").strip()
    assignee_id = directory().user_id_for_username(assignee) if assignee else None
    tasks = tasks_supervised(
        actor,
        kind=_kind(data),
        process_key=(data.get("process") or "").strip(),
        department_id=int_or_none(data.get("department")),
        level=int_or_none(data.get("level")),
        assignee_id=-1 if assignee and assignee_id is None else assignee_id,
        now=now,
    )
    return supervision_task_rows(tasks)


def _list_context(actor: Actor, scope: list[int] | None, data: QueryDict) -> dict[str, Any]:
    page = page_number(data)
    now = timezone.now()
    start = (page - 1) * PAGE_SIZE
    found = list(_supervised(actor, data, now)[start : start + PAGE_SIZE + 1])
    return {
        "kinds": KINDS,
        "kind": _kind(data),
        "levels": LEVELS,
        "departments": _departments(scope),
        "filters": {
            "process": data.get("process", ""),
            "department": int_or_none(data.get("department")),
            "level": int_or_none(data.get("level")),
            "assignee": (data.get("assignee") or "").strip(),
        },
        "rows": [task_row(task, now) for task in found[:PAGE_SIZE]],
        "next_url": page_url(data, page + 1) if len(found) > PAGE_SIZE else "",
        "previous_url": page_url(data, page - 1) if page > 1 else "",
        "query": data.urlencode(),
        "target": RESULTS_TARGET,
    }


@login_required
@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    actor = directory().actor_for(request.user)
    scope = _scope(actor)
    if scope == [] and not list_scope(actor).nothing:
        return redirect("supervision:items")  # 督办's home for the office and the units: their 任务清单
    if scope == []:
        return _not_a_supervisor(request)
    context = _list_context(actor, scope, request.GET)
    if _hx_target(request) == RESULTS_TARGET:
        return _render(request, "webui/supervision/results.html", context)
    return _render(request, "webui/supervision/list.html", context)


def _remind(actor: Actor, task_id: int, message: str) -> Outcome:
    try:
        reminder = task_remind(task_id=task_id, actor=actor, message=message)
    except Conflict as error:
        minutes = error.detail.get("retry_after_minutes") if isinstance(error.detail, dict) else None
        if minutes is not None:
            return Outcome(False, _("该任务刚催办过，请 %(minutes)s 分钟后再试。") % {"minutes": minutes})
        return Outcome(False, one_language(error.message))
    except ProcessError as error:
        return Outcome(False, one_language(error.message))
    return Outcome(True, _("已催办：%(name)s") % {"name": reminder.task.name})


@login_required
@require_POST
def supervision_remind(request: HttpRequest, task_id: int) -> HttpResponse:
    """催办 one task; a second one within the interval says how many minutes to wait."""
    actor = directory().actor_for(request.user)
    outcome = _remind(actor, task_id, request.POST.get("message", "").strip()[:1000])
    if _hx_target(request) == f"{TASK_ROW_PREFIX}{task_id}":
        # The row again, as the list shows it now; a task that left the list leaves only the outcome.
        data = QueryDict(request.POST.get("query", ""))
        now = timezone.now()
        task = _supervised(actor, data, now).filter(pk=task_id).first()
        context = {"row": task_row(task, now) if task else None, "task_id": task_id, "outcome": outcome}
        return _render(request, "webui/supervision/task_row.html", {**context, "query": data.urlencode()})
    _flash(request, outcome)
    return _back(request, "supervision:index")


def _reassign(actor: Actor, task_ids: list[int], target: str, as_role: bool) -> Outcome:
    if not task_ids:
        return Outcome(False, _("请先勾选要改派的任务。"))
    if not target:
        return Outcome(False, _("请填写改派给的用户名或角色。"))
    try:
        tasks = tasks_reassign(
            task_ids=task_ids, actor=actor, to_username="" if as_role else target, to_role=target if as_role else ""
        )
    except ProcessError as error:
        return Outcome(False, one_language(error.message))
    return Outcome(True, _("已改派 %(count)s 个任务给 %(target)s。") % {"count": len(tasks), "target": target})


@login_required
@require_POST
def supervision_reassign(request: HttpRequest) -> HttpResponse:
    """批量改派 the ticked tasks to one person or to a role; all or nothing (one transaction)."""
    actor = directory().actor_for(request.user)
    target = request.POST.get("target", "").strip()
    as_role = request.POST.get("target_kind") == "role"
    outcome = _reassign(actor, selected_task_ids(request.POST), target, as_role)
    if _hx_target(request) == RESULTS_TARGET:
        scope = _scope(actor)
        if scope == []:
            return _not_a_supervisor(request)
        context = _list_context(actor, scope, QueryDict(request.POST.get("query", "")))
        return _render(request, "webui/supervision/results.html", {**context, "outcome": outcome})
    _flash(request, outcome)
    return _back(request, "supervision:index")


def _extension_requests(scope: list[int] | None) -> Any:
    # The row links to the case by the task's instance id: the instance itself (its state) is not loaded.
    requests = ExtensionRequest.objects.select_related("task__department", "requested_by", "decided_by").order_by(
        "created_at", "pk"
    )
    return requests if scope is None else requests.filter(task__department_id__in=scope)


def _extension_row(item: ExtensionRequest, now: Any) -> dict[str, Any]:
    return {"request": item, "row": task_row(item.task, now)}


@login_required
@require_GET
def extensions(request: HttpRequest) -> HttpResponse:
    actor = directory().actor_for(request.user)
    scope = _scope(actor)
    if scope == []:
        return _not_a_supervisor(request)
    pending = _extension_requests(scope).filter(status=ExtensionRequest.Status.PENDING)
    now = timezone.now()
    return _render(
        request, "webui/supervision/extensions.html", {"rows": [_extension_row(item, now) for item in pending[:200]]}
    )


def _decide(actor: Actor, request_id: int, approve: bool, note: str) -> Outcome:
    try:
        decided = extension_decide(request_id=request_id, actor=actor, approve=approve, note=note)
    except ProcessError as error:
        return Outcome(False, one_language(error.message))
    if not approve:
        return Outcome(True, _("已驳回延期申请。"))
    due = timezone.localtime(decided.task.due_at).strftime("%Y-%m-%d %H:%M") if decided.task.due_at else "—"
    return Outcome(True, _("已批准延期，新的截止时间：%(due)s") % {"due": due})


@login_required
@require_POST
def extension_decision(request: HttpRequest, request_id: int) -> HttpResponse:
    """批准 or 驳回 one extension request; with htmx its row shows the decision (or why it failed)."""
    actor = directory().actor_for(request.user)
    approve = request.POST.get("decision") == "approve"
    outcome = _decide(actor, request_id, approve, request.POST.get("note", "").strip()[:2000])
    if _hx_target(request) == f"{EXTENSION_ROW_PREFIX}{request_id}":
        scope = _scope(actor)
        found = None if scope == [] else _extension_requests(scope).filter(pk=request_id).first()
        context = {"item": _extension_row(found, timezone.now()) if found else None, "request_id": request_id}
        return _render(request, "webui/supervision/extension_row.html", {**context, "outcome": outcome})
    _flash(request, outcome)
    return redirect("supervision:extensions")


def _month(text: str) -> date:
    """YYYY-MM, or last month when absent or malformed."""
    try:
        year, month = (int(part) for part in text.split("-"))
        if 1970 <= year <= 9998:
            return date(year, month, 1)
    except ValueError:
        pass
    first = timezone.localdate().replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def _league(request: HttpRequest) -> tuple[date, list[dict[str, Any]]] | None:
    scope = _scope(directory().actor_for(request.user))
    if scope == []:
        return None
    month = _month(request.GET.get("month", ""))
    return month, league_table(month=month, department_ids=scope)


@login_required
@require_GET
def league(request: HttpRequest) -> HttpResponse:
    found = _league(request)
    if found is None:
        return _not_a_supervisor(request)
    month, table = found
    for row in table:
        row["on_time_percent"] = f"{row['on_time_rate'] * 100:.1f}%"
    chart = {
        "departments": [row["department"] for row in table],
        "rates": [round(row["on_time_rate"] * 100, 1) for row in table],
        "label": _("按时率 (%)"),
    }
    context = {"month": month, "table": table, "chart": chart}
    return render(request, "webui/supervision/league.html", context)


@login_required
@require_GET
def league_download(request: HttpRequest) -> HttpResponse:
    found = _league(request)
    if found is None:
        return _not_a_supervisor(request)
    month, table = found
    response = HttpResponse(
        league_xlsx(table, month=month),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="league-{month:%Y-%m}.xlsx"'
    return response

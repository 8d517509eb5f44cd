"""督办: at-risk and overdue lists over the supervised department subtree with 催办 and bulk reassign,
extension approvals (延期审批), and the monthly league table (晾晒) with its chart and XLSX download.

Every action goes through processes.services.supervision, which checks the subtree; the pages only
show what happened as messages (post, redirect, get). A user who supervises nothing sees why, with 403.
"""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from domain.directory.models import Department
from processes.errors import Conflict, ProcessError
from processes.league import league_table, league_xlsx
from processes.models import ExtensionRequest
from processes.ports import Actor, directory
from processes.services.supervision import (
    extension_decide,
    supervised_department_ids,
    task_remind,
    tasks_reassign,
    tasks_supervised,
)
from webui.forms import selected_task_ids
from webui.views.workbench import task_row

PAGE_SIZE = 25
KINDS = [("at_risk", gettext_lazy("预警")), ("overdue", gettext_lazy("逾期"))]
LEVELS = [(1, gettext_lazy("提醒")), (2, gettext_lazy("预警")), (3, gettext_lazy("逾期"))]


def _scope(actor: Actor) -> list[int] | None:
    """The supervised department ids (None: all, for a superuser); [] means the user supervises nothing."""
    return None if actor.is_superuser else sorted(supervised_department_ids(actor))


def _not_a_supervisor(request: HttpRequest) -> HttpResponse:
    return render(request, "webui/supervision/not_supervisor.html", status=403)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _departments(scope: list[int] | None) -> list[tuple[int, str]]:
    departments = Department.objects.order_by("path")
    if scope is not None:
        departments = departments.filter(pk__in=scope)
    return list(departments.values_list("pk", "name"))


def _page_url(data: QueryDict, page: int) -> str:
    query = data.copy()
    query["page"] = str(page)
    return f"?{query.urlencode()}"


def _back(request: HttpRequest, name: str) -> HttpResponse:
    """Back to the list the form was posted from, filters and tab kept."""
    query = request.POST.get("query", "")
    url = reverse(name)
    target = f"{url}?{query}" if query else url
    return redirect(target if url_has_allowed_host_and_scheme(target, allowed_hosts=None) else url)


@login_required
@require_GET
def supervision_list(request: HttpRequest) -> HttpResponse:
    actor = directory().actor_for(request.user)
    scope = _scope(actor)
    if scope == []:
        return _not_a_supervisor(request)
    data = request.GET
    kind = data.get("kind") or ""
    kind = kind if kind in dict(KINDS) else "at_risk"
    department_id = _int(data.get("department"))
    level = _int(data.get("level"))
    assignee = (data.get("assignee") or "").strip()
    assignee_id = directory().user_id_for_username(assignee) if assignee else None
    page = max(_int(data.get("page")) or 1, 1)
    now = timezone.now()
    tasks = tasks_supervised(
        actor,
        kind=kind,
        process_key=(data.get("process") or "").strip(),
        department_id=department_id,
        level=level,
        assignee_id=-1 if assignee and assignee_id is None else assignee_id,
        now=now,
    ).select_related("department")
    start = (page - 1) * PAGE_SIZE
    found = list(tasks[start : start + PAGE_SIZE + 1])
    context: dict[str, Any] = {
        "kinds": KINDS,
        "kind": kind,
        "levels": LEVELS,
        "departments": _departments(scope),
        "filters": {
            "process": data.get("process", ""),
            "department": department_id,
            "level": level,
            "assignee": assignee,
        },
        "rows": [task_row(task, now) for task in found[:PAGE_SIZE]],
        "next_url": _page_url(data, page + 1) if len(found) > PAGE_SIZE else "",
        "previous_url": _page_url(data, page - 1) if page > 1 else "",
        "query": data.urlencode(),
    }
    return render(request, "webui/supervision/list.html", context)


@login_required
@require_POST
def supervision_remind(request: HttpRequest, task_id: int) -> HttpResponse:
    """催办 one task; a second one within the interval says how many minutes to wait."""
    actor = directory().actor_for(request.user)
    try:
        reminder = task_remind(task_id=task_id, actor=actor, message=request.POST.get("message", "").strip()[:1000])
    except Conflict as error:
        minutes = (error.detail or {}).get("retry_after_minutes") if isinstance(error.detail, dict) else None
        if minutes is not None:
            messages.error(request, _("该任务刚催办过，请 %(minutes)s 分钟后再试。") % {"minutes": minutes})
        else:
            messages.error(request, error.message)
    except ProcessError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已催办：%(name)s") % {"name": reminder.task.name})
    return _back(request, "supervision:index")


@login_required
@require_POST
def supervision_reassign(request: HttpRequest) -> HttpResponse:
    """批量改派 the ticked tasks to one person or to a role; all or nothing (one transaction)."""
    actor = directory().actor_for(request.user)
    task_ids = selected_task_ids(request.POST)
    target = request.POST.get("target", "").strip()
    as_role = request.POST.get("target_kind") == "role"
    if not task_ids:
        messages.error(request, _("请先勾选要改派的任务。"))
    elif not target:
        messages.error(request, _("请填写改派给的用户名或角色。"))
    else:
        try:
            tasks = tasks_reassign(
                task_ids=task_ids,
                actor=actor,
                to_username="" if as_role else target,
                to_role=target if as_role else "",
            )
        except ProcessError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("已改派 %(count)s 个任务给 %(target)s。") % {"count": len(tasks), "target": target}
            )
    return _back(request, "supervision:index")


@login_required
@require_GET
def extensions(request: HttpRequest) -> HttpResponse:
    actor = directory().actor_for(request.user)
    scope = _scope(actor)
    if scope == []:
        return _not_a_supervisor(request)
    pending = (
        ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
        .select_related("task__department", "task__instance", "requested_by")
        .order_by("created_at", "pk")
    )
    if scope is not None:
        pending = pending.filter(task__department_id__in=scope)
    now = timezone.now()
    rows = [{"request": item, "row": task_row(item.task, now)} for item in pending[:200]]
    return render(request, "webui/supervision/extensions.html", {"rows": rows})


@login_required
@require_POST
def extension_decision(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = directory().actor_for(request.user)
    approve = request.POST.get("decision") == "approve"
    try:
        decided = extension_decide(
            request_id=request_id, actor=actor, approve=approve, note=request.POST.get("note", "").strip()[:2000]
        )
    except ProcessError as error:
        messages.error(request, error.message)
    else:
        if approve:
            due = timezone.localtime(decided.task.due_at).strftime("%Y-%m-%d %H:%M") if decided.task.due_at else "—"
            messages.success(request, _("已批准延期，新的截止时间：%(due)s") % {"due": due})
        else:
            messages.success(request, _("已驳回延期申请。"))
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

"""工作台 — 我的待办: four tabs (mine, group, done, started), filters, search, sort and pages; bulk claim.

Pages are keyset pages (processes/keyset.py): a link names the row the next page starts after, so a
deep page costs what the first does, and claiming tasks on one page does not shift the next. No
count(*) over the table, and a fixed number of queries whatever the page holds.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from domain.directory.models import Department
from processes.errors import ProcessError
from processes.keyset import Page, keyset_page
from processes.models import HumanTask, TaskStatus
from processes.ports import Actor, directory
from processes.selectors import (
    INSTANCE_SORT_KEYS,
    TASK_SORT_KEYS,
    inbox_for_actor,
    inbox_process_choices,
    inbox_tab_tasks,
    saved_filters_for,
    started_instances,
    task_list_filter,
    visible_tasks,
)
from processes.services.inbox import human_task_claim
from processes.services.saved_filters import saved_filter_delete, saved_filter_query, saved_filter_save
from webui.forms import TAB_CHOICES, InboxFilterForm, selected_task_ids
from webui.i18n import one_language

INBOX_PAGE_SIZE = 25
RESULTS_TARGET = "tb-inbox-results"
# The deadline ladder (issue 3): level → colour and label. An overdue open task is red whatever its level.
LADDER = {1: ("blue", _("提醒")), 2: ("yellow", _("预警")), 3: ("red", _("逾期"))}


@dataclass(frozen=True)
class TaskRow:
    task: HumanTask
    ladder: str = ""
    ladder_label: str = ""
    overdue: bool = False


@dataclass
class ClaimReport:
    claimed: list[int] = field(default_factory=list)
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # (task id, task name or "", message)


def task_row(task: HumanTask, now: datetime) -> TaskRow:
    overdue = task.status == TaskStatus.OPEN and task.due_at is not None and task.due_at < now
    level = 3 if overdue else min(task.escalation_level, 3)
    colour, label = LADDER.get(level, ("", ""))
    return TaskRow(task=task, ladder=colour, ladder_label=str(label), overdue=overdue)


def _filter_form(data: QueryDict, actor: Actor) -> InboxFilterForm:
    department_ids = sorted({dept for dept, _role in actor.memberships})
    departments = list(Department.objects.filter(pk__in=department_ids).order_by("path").values_list("pk", "name"))
    return InboxFilterForm(data, departments=departments, processes=inbox_process_choices())


def _page_url(data: QueryDict, *, after: str = "", before: str = "") -> str:
    query = data.copy()
    for name in ("after", "before", "page"):
        query.pop(name, None)
    query["after" if after else "before"] = after or before
    return f"?{query.urlencode()}"


def _results(actor: Actor, form: InboxFilterForm, data: QueryDict) -> dict[str, Any]:
    """The current page of the chosen tab: rows (tasks) or instances, and the neighbouring pages' links."""
    tab, filters = form.current_tab, form.filters()
    after, before = form.cursors
    context: dict[str, Any] = {"tab": tab, "rows": [], "instances": []}
    page: Page[Any]
    if tab == "started":
        page = keyset_page(
            started_instances(actor, filters), INSTANCE_SORT_KEYS, size=INBOX_PAGE_SIZE, after=after, before=before
        )
        context["instances"] = page.rows
    else:
        now = timezone.now()
        tasks = task_list_filter(inbox_tab_tasks(actor, tab=tab), filters, now=now)
        keys = TASK_SORT_KEYS[form.current_sort]
        page = keyset_page(tasks, keys, size=INBOX_PAGE_SIZE, after=after, before=before)
        context["rows"] = [task_row(task, now) for task in page.rows]
    context["next_url"] = _page_url(data, after=page.next_cursor) if page.next_cursor else ""
    context["previous_url"] = _page_url(data, before=page.previous_cursor) if page.previous_cursor else ""
    context["query"] = data.urlencode()
    return context


def _render_inbox(request: HttpRequest, data: QueryDict, extra: dict[str, Any] | None = None) -> HttpResponse:
    actor = directory().actor_for(request.user)
    form = _filter_form(data, actor)
    context = {"form": form, "tabs": TAB_CHOICES, "target": RESULTS_TARGET, **_results(actor, form, data)}
    context.update(extra or {})
    # The results block carries the 保存筛选 form's query and the saved views (which one is current), so
    # both follow the filters when htmx swaps the block alone.
    context["saved_filters"] = list(saved_filters_for(user_id=_user_id(request)))
    context["saved_query"] = saved_filter_query(data.urlencode())
    # htmx asks for the results only when it swaps them in place (filters, pages, bulk claim).
    fragment = request.headers.get("HX-Target") == RESULTS_TARGET
    response = render(request, "webui/inbox/fragment.html" if fragment else "webui/inbox.html", context)
    # The same URL answers a whole page or a fragment: caches (and the browser's Back) must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if not data.get("tab"):
        # Land where the work is: my tasks, or the ones waiting to be claimed when I hold none.
        data["tab"] = "mine" if inbox_for_actor(directory().actor_for(request.user), scope="mine").exists() else "group"
    return _render_inbox(request, data)


def bulk_claim(actor: Actor, task_ids: list[int]) -> ClaimReport:
    """Claim each task on its own: a 409 or 403 on one is reported and the others still go through.

    A task the person may not see is reported as every page reports it, not found: nothing of it (who
    holds it, whose it is) is told."""
    names = dict(visible_tasks(actor).filter(pk__in=task_ids).values_list("pk", "name"))
    report = ClaimReport()
    for task_id in task_ids:
        if task_id not in names:
            report.failed.append((task_id, "", str(_("任务不存在或无权查看"))))
            continue
        try:
            human_task_claim(task_id=task_id, actor=actor)
        except ProcessError as error:
            report.failed.append((task_id, names.get(task_id, ""), str(error)))
        else:
            report.claimed.append(task_id)
    return report


@login_required
@require_POST
def inbox_claim(request: HttpRequest) -> HttpResponse:
    """签收 the ticked group tasks, then show the 待签收 list again (in place with htmx) with what happened."""
    report = bulk_claim(directory().actor_for(request.user), selected_task_ids(request.POST))
    data = QueryDict(request.POST.get("query", ""), mutable=True)
    data["tab"] = "group"
    for name in ("page", "after", "before"):
        data.pop(name, None)
    if request.headers.get("HX-Target") == RESULTS_TARGET:
        return _render_inbox(request, data, {"claim_report": report})
    # Without htmx: post, redirect, get; the report travels as messages.
    if report.claimed:
        messages.success(request, _("已签收 %(count)s 个任务。") % {"count": len(report.claimed)})
    for task_id, name, message in report.failed:
        messages.error(request, f"#{task_id} {name}：{one_language(message)}")
    return redirect(f"{reverse('workbench:index')}?{data.urlencode()}")


def _user_id(request: HttpRequest) -> int:
    user_id = request.user.pk
    assert isinstance(user_id, int), "login_required lets only signed-in users through"
    return user_id


@login_required
@require_POST
def inbox_filter_save(request: HttpRequest) -> HttpResponse:
    """保存筛选: name the current view; it then shows above the inbox as a link."""
    query = request.POST.get("query", "")
    try:
        saved = saved_filter_save(user_id=_user_id(request), name=request.POST.get("name", ""), query=query)
    except ProcessError as error:
        messages.error(request, one_language(error.message))
        return redirect(f"{reverse('workbench:index')}?{saved_filter_query(query)}")
    messages.success(request, _("已保存常用筛选“%(name)s”。") % {"name": saved.name})
    return redirect(f"{reverse('workbench:index')}?{saved.query}")


@login_required
@require_POST
def inbox_filter_delete(request: HttpRequest, filter_id: int) -> HttpResponse:
    try:
        saved_filter_delete(user_id=_user_id(request), filter_id=filter_id)
    except ProcessError as error:
        messages.error(request, one_language(error.message))
    return redirect(reverse("workbench:index"))

"""Reads: the inbox and who may see or act on a task. Indexed columns only; no workflow is loaded."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from .errors import NotFound
from .keyset import SortKey
from .models import AuditEvent, HumanTask, ProcessInstance, SavedTaskFilter, TaskCandidate, TaskStatus
from .ports import Actor


def _candidate_q(actor: Actor) -> Q:
    """Unassigned tasks the actor may take: a candidate user, or a candidate role held in the task's department."""
    q = Q(Exists(TaskCandidate.objects.filter(task=OuterRef("pk"), username=actor.username)))
    for department_id, roles in actor.roles_by_department().items():
        q |= Q(department_id=department_id) & Q(
            Exists(TaskCandidate.objects.filter(task=OuterRef("pk"), role_code__in=sorted(roles)))
        )
    if actor.role_codes:
        # A task without a department scope is open to holders of the role anywhere.
        q |= Q(department__isnull=True) & Q(
            Exists(TaskCandidate.objects.filter(task=OuterRef("pk"), role_code__in=sorted(actor.role_codes)))
        )
    return Q(assignee__isnull=True) & q


def visible_tasks(actor: Actor) -> QuerySet[HumanTask]:
    """Tasks the actor may see: assigned to them, or open to them as a candidate."""
    tasks = HumanTask.objects.all()
    if actor.is_superuser:
        return tasks
    return tasks.filter(Q(assignee_id=actor.user_id) | _candidate_q(actor) | Q(completed_by_id=actor.user_id))


def inbox_for_actor(actor: Actor, *, scope: str = "all") -> QuerySet[HumanTask]:
    """Open tasks: `mine` (assigned to me), `group` (unclaimed, open to my roles), or `all` of both."""
    tasks = HumanTask.objects.filter(status=TaskStatus.OPEN)
    if scope == "mine":
        tasks = tasks.filter(assignee_id=actor.user_id)
    elif scope == "group":
        tasks = tasks.filter(_candidate_q(actor))
    else:
        tasks = tasks.filter(Q(assignee_id=actor.user_id) | _candidate_q(actor))
    return tasks.select_related("instance").order_by("due_at", "-priority", "id")


def task_can_act(actor: Actor, task: HumanTask) -> bool:
    if task.assignee_id is not None:
        return task.assignee_id == actor.user_id
    if actor.username in (task.candidate_users or []):
        return True
    roles = set(task.candidate_roles or [])
    if task.department_id is None:
        return bool(roles & actor.role_codes)
    return any(dept == task.department_id and role in roles for dept, role in actor.memberships)


def task_for_actor(*, task_id: int, actor: Actor) -> HumanTask:
    """The task if the actor may see it; 404 otherwise (no hint that it exists)."""
    task = visible_tasks(actor).select_related("instance", "instance__definition").filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在或无权查看 / task {task_id} not found")
    return task


def instance_history(*, instance: ProcessInstance) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(instance_id=instance.pk).order_by("id")


# --- The web inbox's tabs: light rows (no workflow state, no form data), filtered in SQL. ---

INBOX_TABS = ("mine", "group", "done", "started")
_HEAVY_TASK_FIELDS = ("documentation", "draft", "submitted_data", "escalation_policy", "instance__state")


@dataclass(frozen=True)
class TaskListFilters:
    """What a person narrowed the list to; None or "" means no restriction."""

    process_key: str = ""
    department_id: int | None = None
    due_window: str = ""  # "overdue" | "today" | "week"
    min_priority: int | None = None
    search: str = ""


def inbox_tab_tasks(actor: Actor, *, tab: str) -> QuerySet[HumanTask]:
    """`mine`, `group` (as `inbox_for_actor`) or `done` (tasks I completed), with their instance and department."""
    if tab == "done":
        tasks = HumanTask.objects.filter(status=TaskStatus.COMPLETED, completed_by_id=actor.user_id)
    else:
        tasks = inbox_for_actor(actor, scope=tab)
    return tasks.select_related("instance", "department").defer(*_HEAVY_TASK_FIELDS)


def _due_window_q(window: str, now: datetime) -> Q:
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if window == "overdue":
        return Q(due_at__lt=now)
    if window == "today":
        return Q(due_at__gte=today, due_at__lt=today + timedelta(days=1))
    if window == "week":
        next_monday = today + timedelta(days=7 - today.weekday())
        return Q(due_at__gte=today - timedelta(days=today.weekday()), due_at__lt=next_monday)
    return Q()


def task_list_filter(tasks: QuerySet[HumanTask], filters: TaskListFilters, *, now: datetime) -> QuerySet[HumanTask]:
    if filters.process_key:
        tasks = tasks.filter(process_key__startswith=filters.process_key)
    if filters.department_id is not None:
        tasks = tasks.filter(department_id=filters.department_id)
    if filters.min_priority is not None:
        tasks = tasks.filter(priority__gte=filters.min_priority)
    if filters.search:
        # icontains for now; a trigram or full-text index replaces it when lists grow.
        tasks = tasks.filter(Q(name__icontains=filters.search) | Q(instance__business_key__icontains=filters.search))
    return tasks.filter(_due_window_q(filters.due_window, now))


_DUE = SortKey("due_at", kind=datetime, nullable=True)
_PRIORITY = SortKey("priority", descending=True)
TASK_SORT_KEYS: dict[str, tuple[SortKey, ...]] = {
    "due": (_DUE, _PRIORITY, SortKey("id")),
    "priority": (_PRIORITY, _DUE, SortKey("id")),
    "created": (SortKey("created_at", descending=True, kind=datetime), SortKey("id", descending=True)),
    # Completed tasks always have completed_at: no nulls clause, so the task_done_by index gives the order.
    "completed": (SortKey("completed_at", descending=True, kind=datetime), SortKey("id", descending=True)),
}
INSTANCE_SORT_KEYS = (SortKey("started_at", descending=True, kind=datetime), SortKey("id", descending=True))


def started_instances(actor: Actor, filters: TaskListFilters) -> QuerySet[ProcessInstance]:
    """Instances the actor started (paged in INSTANCE_SORT_KEYS order), each with its open tasks in
    `open_tasks` (one extra query)."""
    open_tasks = (
        HumanTask.objects.filter(status=TaskStatus.OPEN)
        .only("id", "instance", "name", "due_at", "escalation_level", "status", "priority")
        .order_by("due_at", "id")
    )
    instances = ProcessInstance.objects.filter(started_by_id=actor.user_id)
    if filters.process_key:
        instances = instances.filter(definition__key__startswith=filters.process_key)
    if filters.department_id is not None:
        instances = instances.filter(department_id=filters.department_id)
    if filters.search:
        instances = instances.filter(business_key__icontains=filters.search)
    return (
        instances.select_related("definition", "department")
        .only("id", "business_key", "status", "started_at", "definition__key", "department__name")
        .prefetch_related(Prefetch("human_tasks", queryset=open_tasks, to_attr="open_tasks"))
    )


def instance_tasks(*, instance: ProcessInstance) -> QuerySet[HumanTask]:
    """Every human task of an instance, oldest first (open and finished)."""
    return instance.human_tasks.order_by("created_at", "id")


def saved_filters_for(*, user_id: int) -> QuerySet[SavedTaskFilter]:
    return SavedTaskFilter.objects.filter(user_id=user_id).order_by("name")

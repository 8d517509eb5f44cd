"""Reads: the inbox and who may see or act on a task. Indexed columns only; no workflow is loaded."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from .errors import NotFound
from .keyset import SortKey
from .models import (
    AuditEvent,
    ExtensionRequest,
    HumanTask,
    ProcessDefinition,
    ProcessInstance,
    SavedTaskFilter,
    TaskCandidate,
    TaskComment,
    TaskStatus,
)
from .ports import Actor, Person, directory


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


def task_can_comment(actor: Actor, task: HumanTask) -> bool:
    """Whoever may act on the task, whoever completed it, and superusers may comment on it."""
    return task_can_act(actor, task) or task.completed_by_id == actor.user_id or actor.is_superuser


def task_comments(*, instance_id: int) -> QuerySet[TaskComment]:
    """The comments on every task of a case, oldest first, with author and task name (one query)."""
    return (
        TaskComment.objects.filter(task__instance_id=instance_id)
        .select_related("author", "task")
        .only("text", "created_at", "author__username", "author__first_name", "author__last_name", "task__name")
        .order_by("created_at", "id")
    )


def task_delegate_choices(actor: Actor, task: HumanTask) -> list[Person]:
    """Who the task may be handed to (转办): whoever could hold it — a holder of one of its candidate roles
    in its department (in any department when it has none) or one of its candidate users — except the
    person handing it on and its current assignee. One query."""
    people = directory().people_who_may_hold(
        role_codes=list(task.candidate_roles or []),
        department_id=task.department_id,
        usernames=list(task.candidate_users or []),
    )
    return [p for p in people if p.user_id not in (actor.user_id, task.assignee_id)]


def task_extension_latest(*, task_id: int) -> ExtensionRequest | None:
    """The task's most recent extension request (延期申请), pending or decided; None if never asked."""
    return ExtensionRequest.objects.filter(task_id=task_id).order_by("-created_at", "-id").first()


def instance_history(*, instance: ProcessInstance) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(instance_id=instance.pk).order_by("id")


# --- Who may open a case (an instance): one rule for the case page, its attachments and the API. ---

AUDITOR_ROLE = "auditor"


def actor_is_auditor(actor: Actor) -> bool:
    """Who reads the audit trail (审计): staff, superusers and holders of the auditor role in any department."""
    return actor.is_staff or actor.is_superuser or AUDITOR_ROLE in actor.role_codes


def supervised_department_ids(actor: Actor) -> set[int]:
    """The departments the actor supervises (督办): the subtree under each department where they hold
    TONGBAN["SUPERVISOR_ROLE"]."""
    role = settings.TONGBAN["SUPERVISOR_ROLE"]
    ids: set[int] = set()
    for department_id, code in actor.memberships:
        if code == role:
            ids.update(directory().department_subtree_ids(department_id))
    return ids


def instance_visible_to(actor: Actor) -> QuerySet[ProcessInstance]:
    """The cases the actor may open: every case for staff and auditors; otherwise the ones they started,
    the ones with a task they may see, and the ones in — or with a task in — a department they supervise."""
    instances = ProcessInstance.objects.all()
    if actor.user_id is None:
        return instances.none()
    if actor_is_auditor(actor):
        return instances
    tasks = visible_tasks(actor)
    visible = Q(started_by_id=actor.user_id) | Q(Exists(tasks.filter(instance_id=OuterRef("pk"))))
    supervised = sorted(supervised_department_ids(actor))
    if supervised:
        in_subtree = HumanTask.objects.filter(instance_id=OuterRef("pk"), department_id__in=supervised)
        visible |= Q(department_id__in=supervised) | Q(Exists(in_subtree))
    return instances.filter(visible)


def instance_for_actor(*, instance_id: int, actor: Actor) -> ProcessInstance:
    """The case if the actor may open it (with its definition); NotFound otherwise (no hint that it exists)."""
    instance = instance_visible_to(actor).select_related("definition").filter(pk=instance_id).first()
    if instance is None:
        raise NotFound(f"流程实例 {instance_id} 不存在或无权查看 / instance {instance_id} not found")
    return instance


# --- The web inbox's tabs: light rows (no workflow state, no form data), filtered in SQL. ---

INBOX_TABS = ("mine", "group", "done", "started")
# What a row shows and sorts on: never the form data, the workflow state or the diagram (bpmn_xml, extra_files).
_INBOX_TASK_COLUMNS = (
    "name",
    "process_key",
    "priority",
    "due_at",
    "status",
    "escalation_level",
    "created_at",
    "completed_at",
    "instance",
    "instance__business_key",
    "instance__definition",
    "instance__definition__key",
    "instance__definition__name",
    "department",
    "department__name",
)


@dataclass(frozen=True)
class TaskListFilters:
    """What a person narrowed the list to; None or "" means no restriction."""

    process_key: str = ""
    department_id: int | None = None
    due_window: str = ""  # "overdue" | "today" | "week"
    min_priority: int | None = None
    search: str = ""


def _inbox_tab_base(actor: Actor, tab: str) -> QuerySet[HumanTask]:
    if tab == "done":
        return HumanTask.objects.filter(status=TaskStatus.COMPLETED, completed_by_id=actor.user_id)
    return inbox_for_actor(actor, scope=tab)


def inbox_tab_tasks(actor: Actor, *, tab: str) -> QuerySet[HumanTask]:
    """`mine`, `group` (as `inbox_for_actor`) or `done` (tasks I completed), with their instance, its
    process's name and the department, in the same query."""
    return _inbox_tab_base(actor, tab).select_related("instance__definition", "department").only(*_INBOX_TASK_COLUMNS)


def supervision_task_rows(tasks: QuerySet[HumanTask]) -> QuerySet[HumanTask]:
    """The 督办 list's rows (`tasks_supervised`): what the inbox's rows show, and the assignee's name."""
    return (
        tasks.select_related(None)
        .select_related("instance__definition", "department", "assignee")
        .only(*_INBOX_TASK_COLUMNS, "assignee", "assignee__username", "assignee__first_name", "assignee__last_name")
    )


def inbox_process_choices() -> list[tuple[str, str]]:
    """(key, name) of every deployed process (its latest version's name), by name, for the 流程 filter.

    Not only the processes a tab has rows in: probing the tab's rows per process grew with the table
    (11.5 ms for 待签收 at 100,000 tasks, tests/benchmarks/inbox.py); this reads the definitions only."""
    newer = ProcessDefinition.objects.filter(key=OuterRef("key"), version__gt=OuterRef("version"))
    found = ProcessDefinition.objects.filter(~Exists(newer)).values_list("key", "name")
    return sorted(((key, name or key) for key, name in found), key=lambda choice: (choice[1], choice[0]))


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
        tasks = tasks.filter(process_key=filters.process_key)
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
        instances = instances.filter(definition__key=filters.process_key)
    if filters.department_id is not None:
        instances = instances.filter(department_id=filters.department_id)
    if filters.search:
        instances = instances.filter(business_key__icontains=filters.search)
    return (
        instances.select_related("definition", "department")
        .only("id", "business_key", "status", "started_at", "definition__key", "definition__name", "department__name")
        .prefetch_related(Prefetch("human_tasks", queryset=open_tasks, to_attr="open_tasks"))
    )


def instance_tasks(*, instance: ProcessInstance) -> QuerySet[HumanTask]:
    """Every human task of an instance, oldest first (open and finished)."""
    return instance.human_tasks.order_by("created_at", "id")


def saved_filters_for(*, user_id: int) -> QuerySet[SavedTaskFilter]:
    return SavedTaskFilter.objects.filter(user_id=user_id).order_by("name")

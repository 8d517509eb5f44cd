"""Reads: the inbox and who may see or act on a task. Indexed columns only; no workflow is loaded."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from .errors import NotFound
from .models import AuditEvent, HumanTask, ProcessInstance, TaskCandidate, TaskStatus
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

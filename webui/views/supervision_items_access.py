"""Who may do what with 督查事项 and the 问题清单: one small function per rule, each the rule the domain's
services enforce (domain.supervision.access), so a page never offers a button the service would refuse.

The office (督查员, role "supervision_office" in the office department) registers, dispatches, splits and
sees the items of its office; a unit's 承办人 (role "supervision_handler") sees the items its department
handles; a superuser sees everything."""

from dataclasses import dataclass

from django.http import HttpRequest

from domain.directory.models import Department
from domain.supervision.access import HANDLER_ROLE, OFFICE_ROLE, is_office, is_unit_handler
from domain.supervision.models import Problem, SupervisionItem
from processes.ports import Actor, directory


def actor_of(request: HttpRequest) -> Actor:
    return directory().actor_for(request.user)


def office_ids(actor: Actor) -> list[int]:
    """The offices the actor is a 督查员 of."""
    return sorted(dept for dept, role in actor.memberships if role == OFFICE_ROLE)


def handler_department_ids(actor: Actor) -> list[int]:
    """The units the actor is a 承办人 of."""
    return sorted(dept for dept, role in actor.memberships if role == HANDLER_ROLE)


def may_register(actor: Actor) -> bool:
    """立项: a 督查员 of some office, or a superuser."""
    return actor.is_superuser or bool(office_ids(actor))


def registering_offices(actor: Actor) -> list[Department]:
    """The offices the actor may register an item for (any department for a superuser)."""
    departments = Department.objects.order_by("path")
    if actor.is_superuser:
        return list(departments)
    return list(departments.filter(pk__in=office_ids(actor)))


@dataclass(frozen=True)
class Scope:
    """What the task list may show: None for a filter means "no restriction"; `nothing` means 403."""

    office_id: int | None
    department_id: int | None
    nothing: bool = False


def list_scope(actor: Actor) -> Scope:
    """A superuser sees all; an office its items; a unit handler its department's items."""
    if actor.is_superuser:
        return Scope(None, None)
    offices = office_ids(actor)
    if offices:
        return Scope(offices[0], None)
    units = handler_department_ids(actor)
    if units:
        return Scope(None, units[0])
    return Scope(None, None, nothing=True)


def may_see_item(actor: Actor, item: SupervisionItem) -> bool:
    """The item's office, a handler of one of its units (or of a sub-item's unit), or a superuser."""
    if is_office(actor, item.office_id) or is_unit_handler(actor, item):
        return True
    return any(is_unit_handler(actor, child) for child in item.children.all())


def may_manage_item(actor: Actor, item: SupervisionItem) -> bool:
    """交办, 拆分, attachments and milestones: the item's office (domain: ensure_office)."""
    return is_office(actor, item.office_id)


def may_resolve_problem(actor: Actor, problem: Problem) -> bool:
    """The office, or a handler of one of the item's units (domain: problem_resolve)."""
    return is_office(actor, problem.item.office_id) or is_unit_handler(actor, problem.item)


def may_assign_problem(actor: Actor, problem: Problem) -> bool:
    """Naming the owner is the office's (domain: problem_assign)."""
    return is_office(actor, problem.item.office_id)

"""Who may do what in 绩效通: one small function per rule.

The domain (domain.performance) has no roles of its own yet, so the rule lives here: an organiser (组织方)
is a superuser, a 督查员 (role "supervision_office") or holder of the role "performance_organiser"; a unit's
people (any role in the assessed department) enter its data and read its result."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from domain.performance.models import RoundUnit
from processes.ports import Actor, directory

ORGANISER_ROLES = frozenset({"supervision_office", "performance_organiser"})


def actor_of(request: HttpRequest) -> Actor:
    return directory().actor_for(request.user)


def may_organise(actor: Actor) -> bool:
    """Build systems, run rounds, score, open rectification."""
    return actor.is_superuser or bool(actor.role_codes & ORGANISER_ROLES)


def in_unit(actor: Actor, unit: RoundUnit) -> bool:
    return any(dept == unit.department_id for dept, _role in actor.memberships)


def may_enter_values(actor: Actor, unit: RoundUnit) -> bool:
    """The organiser, or the unit's own people."""
    return may_organise(actor) or in_unit(actor, unit)


def may_see_result(actor: Actor, unit: RoundUnit) -> bool:
    """The organiser, or the unit's own people (its report, its 对标)."""
    return may_organise(actor) or in_unit(actor, unit)


def forbidden(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "webui/performance/forbidden.html", {"reason": reason}, status=403)

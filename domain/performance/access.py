"""Who may do what in 绩效通: one small function per rule, used by the pages and enforced by the services.

An organiser (组织方) is a superuser, a 督查员 (role "supervision_office") or a holder of the role
"performance_organiser": they build systems, run rounds, score and open rectification. An expert (专家,
role "performance_expert") enters expert scores, as the organiser may, but not for their own department.
A unit's people (any role in the assessed department) enter its data and read its result. The services
that change a round call the `ensure_*` functions themselves, so a caller that skips the page is refused
all the same."""

from django.utils.translation import gettext as _

from processes.ports import Actor

from .errors import NotPermitted
from .models import RoundUnit

ORGANISER_ROLES = frozenset({"supervision_office", "performance_organiser"})
EXPERT_ROLE = "performance_expert"


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


def may_score_manually(actor: Actor) -> bool:
    """专家评分: the organiser, or an expert (any unit of any round but their own, see own_unit_refusal)."""
    return may_organise(actor) or EXPERT_ROLE in actor.role_codes


def own_unit_refusal(actor: Actor, unit: RoundUnit) -> str:
    """Why the actor may not give expert scores to this unit ("" when they may): an expert is not to score
    their own department (回避, conflict of interest); the organiser may, being answerable for the round."""
    if may_organise(actor) or not in_unit(actor, unit):
        return ""
    return _("评审专家不能为本单位评分（回避）。")


def ensure_organiser(actor: Actor) -> None:
    if not may_organise(actor):
        raise NotPermitted(_("只有评估组织方可以进行此操作。"))


def ensure_manual_scorer(actor: Actor) -> None:
    if not may_score_manually(actor):
        raise NotPermitted(_("只有评估组织方或评审专家可以录入专家评分。"))

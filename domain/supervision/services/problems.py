"""The issue pool (问题清单): the office gives a problem an owner and marks it resolved."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from processes.ports import Actor

from ..access import ensure_office, is_office, is_unit_handler
from ..choices import ProblemStatus
from ..errors import ItemInvalid, NotPermitted, WrongStatus
from ..models import Problem


@transaction.atomic
def problem_assign(*, problem_id: int, owner: str, actor: Actor) -> Problem:
    """The office names who is responsible for solving the problem."""
    problem = Problem.objects.select_for_update().select_related("item").get(pk=problem_id)
    ensure_office(actor, problem.item.office_id)
    if not owner.strip():
        raise ItemInvalid({"owner": [_("请填写责任人。")]})
    problem.owner = owner.strip()[:100]
    problem.save(update_fields=["owner"])
    return problem


@transaction.atomic
def problem_resolve(*, problem_id: int, resolution: str, actor: Actor) -> Problem:
    """The office, or a handler of the item's units, records how the problem was solved."""
    problem = Problem.objects.select_for_update().select_related("item").get(pk=problem_id)
    if not (is_office(actor, problem.item.office_id) or is_unit_handler(actor, problem.item)):
        raise NotPermitted(_("只有督查机构或承办单位可以处理问题。"))
    if problem.status == ProblemStatus.RESOLVED:
        raise WrongStatus(_("该问题已解决。"))
    if not resolution.strip():
        raise ItemInvalid({"resolution": [_("请填写解决情况。")]})
    problem.status, problem.resolution = ProblemStatus.RESOLVED, resolution.strip()
    problem.resolved_at, problem.resolved_by_id = timezone.now(), actor.user_id
    problem.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
    return problem

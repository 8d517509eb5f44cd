"""Who may do what: the supervision office (督查室) registers and reviews, units' handlers (承办人) report.

The role codes are the ones bpmn/supervision_task.bpmn names as candidate groups."""

from django.utils.translation import gettext as _

from processes.ports import Actor

from .errors import NotPermitted
from .models import SupervisionItem

OFFICE_ROLE = "supervision_office"
HANDLER_ROLE = "supervision_handler"


def is_office(actor: Actor, office_id: int) -> bool:
    return actor.is_superuser or (office_id, OFFICE_ROLE) in actor.memberships


def ensure_office(actor: Actor, office_id: int) -> None:
    if not is_office(actor, office_id):
        raise NotPermitted(_("只有督查机构的督查员可以办理此事项。"))


def is_unit_handler(actor: Actor, item: SupervisionItem) -> bool:
    departments = set(item.units.values_list("department_id", flat=True))
    return any((dept, HANDLER_ROLE) in actor.memberships for dept in departments)

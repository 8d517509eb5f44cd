"""`{% supervision_tabs as tabs %}`: the 督办 tabs the signed-in person can use, so each page of the suite
shows one tab bar, without links that would only answer 403.

督办列表, 延期审批 and 办件晾晒 are the supervisors' (TONGBAN["SUPERVISOR_ROLE"]); 督查事项 and 问题清单 the
supervision office's and the units' 承办人; 进展报告 the 督查员 of the office the reports are about; 督查晾晒
everyone's (published rankings are public inside the platform; the live one is the office's). A superuser
sees them all."""

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from domain.supervision.access import HANDLER_ROLE, OFFICE_ROLE, is_office
from domain.supervision.ranking import office_department
from processes.ports import Actor, directory

register = template.Library()


def _of_the_office(actor: Actor) -> bool:
    """A 督查员 of the office the reports are about (TONGBAN["SUPERVISION_OFFICE_DEPARTMENT"])."""
    office = office_department()
    return office is not None and is_office(actor, office.pk)


@register.simple_tag(takes_context=True)
def supervision_tabs(context: Any) -> list[dict[str, str]]:
    user = context["request"].user
    actor = directory().actor_for(user)
    roles = {role for _department, role in actor.memberships}
    everything = actor.is_superuser
    supervises = everything or settings.TONGBAN["SUPERVISOR_ROLE"] in roles
    handles = everything or bool(roles & {OFFICE_ROLE, HANDLER_ROLE})
    office = everything or (OFFICE_ROLE in roles and _of_the_office(actor))
    tabs = [
        ("list", "supervision:index", _("督办列表"), supervises),
        ("extensions", "supervision:extensions", _("延期审批"), supervises),
        ("items", "supervision:items", _("督查事项"), handles),
        ("problems", "supervision:problems", _("问题清单"), handles),
        ("league", "supervision:league", _("办件晾晒"), supervises),
        # The live ranking is the office's; everyone else reads the published ones.
        ("ranking", "supervision:ranking" if office else "supervision:ranking_snapshots", _("督查晾晒"), True),
        ("reports", "supervision:reports", _("进展报告"), office),
    ]
    return [{"key": key, "url": reverse(name), "label": label} for key, name, label, shown in tabs if shown]

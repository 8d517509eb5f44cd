"""整改 → 督查督办: a rectification opened on a low score (domain.performance) becomes a supervision item
(督查事项) for the assessed unit, dispatched to it through `supervision_task`.

The item is registered in the name of the person who opened the rectification, who must therefore hold
the supervision office role (督查员) in the office department, TONGBAN["SUPERVISION_OFFICE_DEPARTMENT"]
(default "330106-DCS"). We do not register it as the system: `rectification_open` only checks that the
person organises assessments, and a system actor would let every organiser put items on units in the
office's name — access.py rightly refuses the system actor anyway. The refusal raises inside the requesting transaction
(the signal is sent there), so no rectification is left claiming a supervision that does not exist.

When the item is closed (办结), its rectification is closed too (已办结).

Imported once by SupervisionConfig.ready(): the @receivers below connect on import."""

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from domain.directory.models import Department
from domain.performance.choices import RectificationStatus
from domain.performance.choices import UnitRole as AssessedRole
from domain.performance.models import Rectification
from domain.performance.signals import rectification_requested
from processes.errors import NotFound
from processes.ports import Actor
from processes.services.definitions import definition_latest

from .access import is_office
from .choices import Source
from .errors import NotPermitted, SupervisionError, WrongStatus
from .models import SupervisionItem
from .ranking import office_department, office_department_code
from .services import PROCESS_KEY, ItemFields, item_create, item_dispatch
from .signals import item_closed


def _office_for(actor: Actor, *, benchmark: bool) -> Department:
    """The office that will register the item, once the asker may: refused for a benchmark (对标) unit,
    without an office, or for someone who is not a 督查员 of it."""
    if benchmark:
        raise WrongStatus(_("对标单位不参与整改。"))
    office = office_department()
    if office is None:
        raise SupervisionError(
            _("未找到督查机构（部门编码 %(code)s），无法发起整改督办；请在设置 SUPERVISION_OFFICE_DEPARTMENT 中配置。")
            % {"code": office_department_code()}
        )
    if not is_office(actor, office.pk):
        raise NotPermitted(
            _("整改将作为督查事项交办给被评估单位，只有%(office)s的督查员可以发起。") % {"office": office.name}
        )
    return office


def rectification_refusal(actor: Actor, *, benchmark: bool) -> str:
    """The reason 开启整改 would fail for this person ("" when it can go ahead): pages show it instead of a
    button that would fail, by the very rule rectification_supervise applies."""
    try:
        _office_for(actor, benchmark=benchmark)
    except SupervisionError as exc:
        return exc.message
    return ""


def _deployed() -> bool:
    try:
        definition_latest(PROCESS_KEY)
    except NotFound:
        return False
    return True


def _fields(rectification: Rectification) -> ItemFields:
    title = _("整改：%(node)s（%(round)s）") % {"node": rectification.node.name, "round": rectification.round.name}
    return ItemFields(
        title=title[:300],
        source=Source.KEY_TASK,
        requirements=rectification.requirement,
        lead_department_id=rectification.unit.department_id,
        source_reference=rectification.round.name[:200],
    )


@transaction.atomic
def rectification_supervise(*, rectification_id: int, actor: Actor) -> SupervisionItem:
    """Open the supervision item of a rectification and dispatch it (when `supervision_task` is deployed;
    otherwise it waits in 立项 for the office to dispatch). Once per rectification."""
    rectification = (
        Rectification.objects.select_for_update().select_related("round", "unit", "node").get(pk=rectification_id)
    )
    if rectification.supervision_ref:
        return SupervisionItem.objects.get(pk=int(rectification.supervision_ref))
    office = _office_for(actor, benchmark=rectification.unit.role == AssessedRole.BENCHMARK)
    item = item_create(fields=_fields(rectification), office_id=office.pk, actor=actor)
    if _deployed():
        item = item_dispatch(item_id=item.pk, actor=actor)
    rectification.supervision_ref, rectification.status = str(item.pk), RectificationStatus.OPENED
    rectification.save(update_fields=["supervision_ref", "status"])
    return item


@receiver(rectification_requested, dispatch_uid="supervision.rectification_requested")
def on_rectification_requested(sender: Any, *, rectification: Rectification, actor: Actor, **kwargs: Any) -> None:
    rectification_supervise(rectification_id=rectification.pk, actor=actor)
    # The sender returns this very object: let it show what supervision made of it.
    rectification.refresh_from_db(fields=["status", "supervision_ref"])


@receiver(item_closed, dispatch_uid="supervision.rectification_item_closed")
def on_item_closed(sender: Any, *, item: SupervisionItem, **kwargs: Any) -> None:
    """The unit has rectified: the supervision item opened for it is done."""
    Rectification.objects.filter(supervision_ref=str(item.pk), status=RectificationStatus.OPENED).update(
        status=RectificationStatus.CLOSED
    )

"""Rectification (整改) on a low score: recorded here, handed to supervision (督查督办) by a signal."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from processes.ports import Actor

from ..access import ensure_organiser
from ..choices import RectificationStatus
from ..errors import NodeInvalid, WrongStatus
from ..models import AssessmentRound, IndicatorNode, Rectification, RoundUnit, UnitScore
from ..rules import plain
from ..signals import rectification_requested

DEFAULT_BELOW = "0.6"


def rectification_below() -> Decimal:
    """A node scoring under this share of its full score may be sent to rectification (default 60 %)."""
    return Decimal(str(getattr(settings, "TONGBAN", {}).get("RECTIFICATION_BELOW", DEFAULT_BELOW)))


def under_line(score: Decimal, full: Decimal, below: Decimal) -> bool:
    """Whether a node scoring `score` of `full` is low enough for rectification; the result page marks it."""
    return score < full * below


def _score_of(unit: RoundUnit, node: IndicatorNode) -> Decimal:
    result = UnitScore.objects.filter(unit=unit).only("scores").first()
    if result is None or str(node.pk) not in result.scores:
        raise WrongStatus(_("该单位本轮尚未评分"))
    return Decimal(result.scores[str(node.pk)])


@transaction.atomic
def rectification_open(*, round_id: int, unit_id: int, node_id: int, actor: Actor, note: str = "") -> Rectification:
    """Ask the unit to rectify a low-scoring node; `rectification_requested` lets supervision open an item.

    Refused when the node scores at or above the rectification line, or when one is already open; the
    organiser only (supervision then also wants a 督查员 of its office, see domain.supervision.rectification).
    """
    ensure_organiser(actor)
    assessment = AssessmentRound.objects.get(pk=round_id)
    unit = RoundUnit.objects.select_related("department").get(pk=unit_id, round=assessment)
    node = IndicatorNode.objects.get(pk=node_id, system_id=assessment.system_id)
    score, below = _score_of(unit, node), rectification_below()
    if not under_line(score, node.weight, below):
        raise NodeInvalid(
            _("“%(node)s” 得分 %(score)s，不低于满分 %(max)s 的 %(percent)s%%，无需整改")
            % {"node": node.name, "score": score, "max": plain(node.weight), "percent": plain(below * 100)}
        )
    open_statuses = (RectificationStatus.REQUESTED, RectificationStatus.OPENED)
    if Rectification.objects.filter(unit=unit, node=node, status__in=open_statuses).exists():
        raise WrongStatus(_("“%(node)s” 已在整改中") % {"node": node.name})
    requirement = _("%(unit)s 在 “%(round)s” 中 “%(node)s” 得分 %(score)s（满分 %(max)s），请整改。") % {
        "unit": unit.department.name,
        "round": assessment.name,
        "node": node.name,
        "score": score,
        "max": plain(node.weight),
    }
    rectification = Rectification.objects.create(
        round=assessment,
        unit=unit,
        node=node,
        score=score,
        max_score=node.weight,
        requirement=f"{requirement}\n{note.strip()}".strip(),
        requested_by_id=actor.user_id,
    )
    rectification_requested.send(
        sender=Rectification, rectification=rectification, round=assessment, unit=unit, node=node, actor=actor
    )
    return rectification

"""专家评分: an expert (or the organiser) scores units on the manual scoring points, one at a time or a whole
grid at once. A grid is saved all or nothing: one bad cell and every bad cell is reported, nothing stored.

Several experts share one grid, so a grid cell carries what its page showed when it was loaded: a cell
left as shown is not touched (another expert's score stays theirs), and a cell someone else changed in
the meantime is refused rather than silently overwritten or withdrawn."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from processes.ports import Actor

from ..access import ensure_manual_scorer, own_unit_refusal
from ..choices import NodeKind, RoundStatus, RuleKind
from ..errors import NodeInvalid, NotPermitted, PerformanceError
from ..models import AssessmentRound, IndicatorNode, ManualScore, RoundUnit
from ..rules import plain
from .rounds import round_for_update

OPEN_STATUSES = (RoundStatus.COLLECTING, RoundStatus.SCORING)
# ASCII digits only: Decimal() also takes "1_0" (10) and other scripts' digits, which nobody means as a score.
# A leading minus passes here so that "-1" is told the range rather than "not a number".
SCORE_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class ManualCell:
    """One cell of the grid as typed, with what the grid showed in it when loaded (`orig_*`, blank for an
    empty cell). A blank score and comment withdraw the unit's score on the point."""

    unit_id: int
    node_id: int
    score: str
    comment: str
    orig_score: str
    orig_comment: str

    def untouched(self) -> bool:
        return (_text(self.score), _text(self.comment)) == (_text(self.orig_score), _text(self.orig_comment))


def _text(value: str) -> str:
    # A browser drops line breaks from a text input's value: compare as it would post the stored text.
    return value.replace("\r", "").replace("\n", "").strip()


def _shows(entry: ManualScore | None, score: str, comment: str) -> bool:
    """Whether the stored entry is what a grid showing (score, comment) saw."""
    if entry is None:
        return not _text(score) and not _text(comment)
    if not SCORE_TEXT.fullmatch(_text(score)):
        return False
    return Decimal(_text(score)) == entry.score and _text(comment) == _text(entry.comment)


@dataclass(frozen=True)
class CellError:
    unit_id: int
    node_id: int
    unit_name: str
    node_name: str
    message: str

    def __str__(self) -> str:
        return f"{self.unit_name} · {self.node_name}: {self.message}"


class ManualScoresInvalid(PerformanceError):
    """Some cells of a grid are wrong; `errors` names each by unit and scoring point. Nothing was saved."""

    def __init__(self, errors: list[CellError]) -> None:
        self.errors = errors
        super().__init__(_("专家评分有误，未保存：%(list)s") % {"list": "；".join(str(e) for e in errors)})


def manual_points(*, system_id: int) -> list[IndicatorNode]:
    """The system's scoring points scored by experts, in tree order of their indicator."""
    return list(
        IndicatorNode.objects.filter(system_id=system_id, kind=NodeKind.POINT, rule=RuleKind.MANUAL).order_by(
            "parent__parent__order", "parent__order", "order", "pk"
        )
    )


def _score_value(raw: Any, maximum: Decimal) -> Decimal:
    text = str(raw).strip()
    try:
        if not SCORE_TEXT.fullmatch(text):
            raise InvalidOperation
        value = Decimal(text)
    except InvalidOperation:
        raise NodeInvalid(_("得分 “%(value)s” 不是数值") % {"value": raw}, field="score") from None
    if not value.is_finite() or not Decimal(0) <= value <= maximum:
        raise NodeInvalid(_("得分应在 0 到 %(max)s 之间") % {"max": plain(maximum)}, field="score")
    # The column keeps 4 decimals: a score it would round is not the one the expert meant.
    if value != value.quantize(Decimal("0.0001")):
        raise NodeInvalid(_("得分最多 4 位小数"), field="score")
    return value


def _entry(score: Any, comment: str, node: IndicatorNode) -> tuple[Decimal, str]:
    """The checked (score, comment) of one entry; raises NodeInvalid naming the field that is wrong."""
    if not str(score).strip():
        raise NodeInvalid(_("请填写得分"), field="score")
    value = _score_value(score, node.weight)
    if not comment.strip():
        raise NodeInvalid(_("请填写评分意见"), field="comment")
    return value, comment.strip()


def _manual_node(unit: RoundUnit, node_id: int) -> IndicatorNode:
    node = IndicatorNode.objects.filter(pk=node_id, system__rounds=unit.round_id).first()
    if node is None or node.kind != NodeKind.POINT or node.rule != RuleKind.MANUAL:
        raise NodeInvalid(_("这不是本轮指标体系中由专家评分的评分点"), field="node_id")
    return node


@transaction.atomic
def manual_score_enter(
    *, unit_id: int, node_id: int, score: Decimal | str | int, comment: str, actor: Actor
) -> ManualScore:
    """An expert (or the organiser) scores a unit on a manual point (0 … the point's full score), with a comment."""
    ensure_manual_scorer(actor)
    unit = RoundUnit.objects.select_related("round").get(pk=unit_id)
    refusal = own_unit_refusal(actor, unit)
    if refusal:
        raise NotPermitted(refusal)
    assessment = round_for_update(unit.round_id, *OPEN_STATUSES)
    node = _manual_node(unit, node_id)
    value, text = _entry(score, comment, node)
    entry = ManualScore.objects.filter(unit=unit, node=node).first()
    if entry is not None and (entry.score, entry.comment) == (value, text):
        return entry  # the same score again: nothing to rescore
    entry, _created = ManualScore.objects.update_or_create(
        unit=unit, node=node, defaults={"score": value, "comment": text, "expert_id": actor.user_id}
    )
    _touched(assessment)
    return entry


def _touched(assessment: AssessmentRound) -> None:
    assessment.manual_changed_at = timezone.now()
    assessment.save(update_fields=["manual_changed_at"])


@dataclass
class _Changes:
    new: list[ManualScore]
    changed: list[ManualScore]
    withdrawn: list[int]

    def count(self) -> int:
        return len(self.new) + len(self.changed) + len(self.withdrawn)


def _cell_change(
    cell: ManualCell, unit: RoundUnit, node: IndicatorNode, stored: ManualScore | None, actor: Actor, changes: _Changes
) -> None:
    """Add the cell's write to `changes`. A cell left as the grid showed it, or already holding what was
    typed, is left alone (its expert stays); one changed by someone else since the grid was loaded is refused."""
    if cell.untouched() or _shows(stored, cell.score, cell.comment):
        return  # as the grid showed it, or already what was typed (a withdrawal someone else made too)
    refusal = own_unit_refusal(actor, unit)
    if refusal:
        raise NodeInvalid(refusal)
    if not _shows(stored, cell.orig_score, cell.orig_comment):
        raise NodeInvalid(_("已被他人修改，请刷新后再保存。"))
    if not cell.score.strip() and not cell.comment.strip():
        if stored is not None:
            changes.withdrawn.append(stored.pk)
        return
    value, text = _entry(cell.score, cell.comment, node)
    if stored is None:
        changes.new.append(ManualScore(unit=unit, node=node, score=value, comment=text, expert_id=actor.user_id))
    elif (stored.score, stored.comment) != (value, text):
        stored.score, stored.comment, stored.expert_id = value, text, actor.user_id
        stored.entered_at = timezone.now()  # bulk_update skips auto_now
        changes.changed.append(stored)


@transaction.atomic
def manual_scores_enter(*, round_id: int, cells: list[ManualCell], actor: Actor) -> int:
    """Save a grid of expert scores of one round; returns how many cells changed.

    Every cell is checked first: any bad one (a wrong value, the expert's own unit, a cell someone else
    changed since the grid was loaded) raises ManualScoresInvalid listing all of them (unit, point, reason)
    and nothing is written. A fixed number of queries, however many units the round has."""
    ensure_manual_scorer(actor)
    assessment = round_for_update(round_id, *OPEN_STATUSES)
    units = {u.pk: u for u in RoundUnit.objects.filter(round=assessment).select_related("department")}
    nodes = {n.pk: n for n in manual_points(system_id=assessment.system_id)}
    stored = {(m.unit_id, m.node_id): m for m in ManualScore.objects.filter(unit__round=assessment)}
    errors: list[CellError] = []
    changes = _Changes([], [], [])
    for cell in cells:
        unit, node = units.get(cell.unit_id), nodes.get(cell.node_id)
        if unit is None or node is None:
            errors.append(CellError(cell.unit_id, cell.node_id, str(cell.unit_id), str(cell.node_id), _missing(unit)))
            continue
        try:
            _cell_change(cell, unit, node, stored.get((unit.pk, node.pk)), actor, changes)
        except NodeInvalid as exc:
            errors.append(CellError(unit.pk, node.pk, unit.department.name, node.name, exc.message))
    if errors:
        raise ManualScoresInvalid(errors)
    ManualScore.objects.filter(pk__in=changes.withdrawn).delete()
    ManualScore.objects.bulk_create(changes.new, batch_size=500)
    ManualScore.objects.bulk_update(changes.changed, ["score", "comment", "expert", "entered_at"], batch_size=500)
    if changes.count():
        _touched(assessment)
    return changes.count()


def _missing(unit: RoundUnit | None) -> str:
    if unit is None:
        return _("不是本轮的评估单位")
    return _("这不是本轮指标体系中由专家评分的评分点")

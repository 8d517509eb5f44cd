"""Assessment rounds (评估轮次): units and benchmarks, data fields, data entry by form, link or Excel."""

import secrets
from collections.abc import Iterable
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from domain.directory.models import Department
from processes.ports import Actor

from ..access import ensure_organiser, may_enter_values
from ..choices import FieldKind, RoundStatus, SystemStatus, UnitRole
from ..errors import NodeInvalid, NotPermitted, TokenInvalid, WrongStatus
from ..excel import values_from_xlsx
from ..models import AssessmentRound, DataField, IndicatorSystem, RoundUnit
from ..values import field_name_problem, values_parsed

TOKEN_BYTES = 24


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def round_for_update(round_id: int, *statuses: str) -> AssessmentRound:
    assessment = AssessmentRound.objects.select_for_update().get(pk=round_id)
    if assessment.status not in statuses:
        raise WrongStatus(
            _("评估轮次 “%(name)s” 当前为 “%(status)s”，不能进行此操作")
            % {"name": assessment.name, "status": assessment.get_status_display()}
        )
    return assessment


@transaction.atomic
def round_create(
    *,
    system_id: int,
    name: str,
    period: str,
    unit_ids: Iterable[int],
    benchmark_ids: Iterable[int] = (),
    actor: Actor,
) -> AssessmentRound:
    """A round of a published system over departments; benchmark units (对标) are scored but not ranked."""
    ensure_organiser(actor)
    system = IndicatorSystem.objects.get(pk=system_id)
    if system.status != SystemStatus.PUBLISHED:
        raise WrongStatus(_("只能用已发布的指标体系开展评估"))
    assessed, benchmarks = list(dict.fromkeys(unit_ids)), list(dict.fromkeys(benchmark_ids))
    if not assessed:
        raise NodeInvalid(_("至少选择一个被评估单位"), field="unit_ids")
    both = set(assessed) & set(benchmarks)
    if both:
        names = "、".join(Department.objects.filter(pk__in=both).values_list("name", flat=True))
        raise NodeInvalid(_("单位不能既是被评估单位又是对标单位：%(names)s") % {"names": names}, field="benchmark_ids")
    assessment = AssessmentRound.objects.create(system=system, name=name, period=period)
    RoundUnit.objects.bulk_create(
        [RoundUnit(round=assessment, department_id=pk, role=UnitRole.ASSESSED, token=_new_token()) for pk in assessed]
        + [
            RoundUnit(round=assessment, department_id=pk, role=UnitRole.BENCHMARK, token=_new_token())
            for pk in benchmarks
        ]
    )
    return assessment


@transaction.atomic
def round_field_add(
    *, round_id: int, name: str, label: str, kind: str = FieldKind.NUMBER, required: bool = True, actor: Actor
) -> DataField:
    """A datum every unit submits; `name` is the variable formulas use (e.g. shared_count)."""
    ensure_organiser(actor)
    assessment = round_for_update(round_id, RoundStatus.COLLECTING)
    problem = field_name_problem(name)
    if problem:
        raise NodeInvalid(problem, field="name")
    if kind not in FieldKind.values:
        raise NodeInvalid(_("未知的字段类型 “%(kind)s”") % {"kind": kind}, field="kind")
    if assessment.fields.filter(name=name).exists():
        raise NodeInvalid(_("本轮已有变量名为 “%(name)s” 的字段") % {"name": name}, field="name")
    if assessment.fields.filter(label=label).exists():
        raise NodeInvalid(_("本轮已有名称为 “%(name)s” 的字段") % {"name": label}, field="label")
    order = assessment.fields.count() + 1
    return DataField.objects.create(round=assessment, name=name, label=label, kind=kind, required=required, order=order)


def _store(unit: RoundUnit, raw: dict[str, Any], via: str) -> RoundUnit:
    unit.values = values_parsed(DataField.objects.filter(round_id=unit.round_id), raw)
    unit.submitted_at = timezone.now()
    unit.submitted_via = via
    unit.save(update_fields=["values", "submitted_at", "submitted_via"])
    return unit


@transaction.atomic
def values_submit(*, unit_id: int, values: dict[str, Any], actor: Actor, via: str = "form") -> RoundUnit:
    """Replace a unit's data with `values` (field name → raw value); raises ValuesInvalid naming every bad field.

    The organiser or the unit's own people; the questionnaire link has its own path (values_submit_by_token)."""
    unit = RoundUnit.objects.select_for_update().get(pk=unit_id)
    if not may_enter_values(actor, unit):
        raise NotPermitted(_("只有评估组织方或本单位人员可以填报本单位的数据。"))
    round_for_update(unit.round_id, RoundStatus.COLLECTING)
    return _store(unit, values, via)


@transaction.atomic
def values_submit_by_token(*, token: str, values: dict[str, Any]) -> RoundUnit:
    """The questionnaire link (问卷链接): a unit submits its data without login, by the token in its URL."""
    unit = RoundUnit.objects.select_for_update().filter(token=token).first() if token else None
    if unit is None:
        raise TokenInvalid(_("问卷链接无效"))
    if AssessmentRound.objects.get(pk=unit.round_id).status != RoundStatus.COLLECTING:
        raise TokenInvalid(_("本轮评估已停止收集数据"))
    return _store(unit, values, "link")


@transaction.atomic
def unit_token_renew(*, unit_id: int, actor: Actor) -> RoundUnit:
    """A new questionnaire link for the unit; the old one stops working (e.g. it was forwarded too widely)."""
    ensure_organiser(actor)
    unit = RoundUnit.objects.select_for_update().get(pk=unit_id)
    unit.token = _new_token()
    unit.save(update_fields=["token"])
    return unit


@transaction.atomic
def values_import(*, round_id: int, rows: dict[int, dict[str, Any]], actor: Actor) -> int:
    """Store already-checked values for many units (unit id → canonical values); the Excel import's write.

    The organiser only: the questionnaire link does not come here but through values_submit_by_token, whose
    token is its authority, so no caller reaches a unit's data without either."""
    ensure_organiser(actor)
    round_for_update(round_id, RoundStatus.COLLECTING)
    units = list(RoundUnit.objects.select_for_update().filter(round_id=round_id, pk__in=rows))
    now = timezone.now()
    for unit in units:
        unit.values, unit.submitted_at, unit.submitted_via = rows[unit.pk], now, "excel"
    RoundUnit.objects.bulk_update(units, ["values", "submitted_at", "submitted_via"], batch_size=500)
    return len(units)


@transaction.atomic
def values_upload(*, round_id: int, file: IO[bytes], actor: Actor) -> int:
    """Import the round's Excel sheet; raises ValuesImportError listing every bad row, importing nothing."""
    ensure_organiser(actor)
    round_for_update(round_id, RoundStatus.COLLECTING)
    return values_import(round_id=round_id, rows=values_from_xlsx(round_id=round_id, file=file), actor=actor)


@transaction.atomic
def round_collection_close(*, round_id: int, actor: Actor) -> AssessmentRound:
    """Stop data entry (links and uploads); scoring can start."""
    ensure_organiser(actor)
    assessment = round_for_update(round_id, RoundStatus.COLLECTING)
    assessment.status = RoundStatus.SCORING
    assessment.save(update_fields=["status"])
    return assessment


@transaction.atomic
def round_publish(*, round_id: int, actor: Actor) -> AssessmentRound:
    """Publish the scores; a published round is no longer rescored."""
    ensure_organiser(actor)
    assessment = round_for_update(round_id, RoundStatus.SCORING)
    if assessment.scored_at is None:
        raise WrongStatus(_("尚未评分，不能发布"))
    assessment.status = RoundStatus.PUBLISHED
    assessment.published_at = timezone.now()
    assessment.save(update_fields=["status", "published_at"])
    return assessment

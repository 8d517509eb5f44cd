"""晾晒: units ranked by on-time rate, then fewest overdue, then quickest average handling (working days),
over a month or a quarter — live (`ranking_for`) and as published snapshots that cannot change silently.

Publishing freezes the rows as JSON with the SHA-256 of their canonical JSON, and appends a
`ranking_published` event carrying that hash, the office, the period and the version to the hash-chained
audit trail (append-only). `ranking_verify` recomputes the hash and compares it with the stored one and
with the audit event's: rewriting the rows shows, and so does rewriting the rows *and* the stored hash.

A period is published once. A correction (a late review changed a unit's record) is an explicit new
version with a reason; the earlier version stays, and both are in the audit trail. Replacing a public
ranking quietly is exactly what this module exists to prevent, so there is no overwrite."""

import hashlib
import io
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from domain.directory.models import Department
from domain.spreadsheet import append_row
from processes.audit_selectors import audit_events_filtered
from processes.ports import SYSTEM, Actor
from processes.services.audit import audit_append, canonical_json, event_hash

from .access import ensure_office
from .errors import SupervisionError, WrongStatus
from .models import RankingSnapshot, SupervisionItem
from .periods import RankingPeriod, previous_month
from .selectors import UnitPerformance, period_bounds, unit_performance

log = logging.getLogger(__name__)
AUDIT_ACTION = "ranking_published"
DEFAULT_OFFICE_DEPARTMENT = "330106-DCS"


class RankingPeriodInvalid(SupervisionError):
    """The period is not a whole month or quarter, or has not ended yet."""


class RankingAlreadyPublished(WrongStatus):
    """The period's ranking is published; a new version needs a correction reason."""


def office_department_code() -> str:
    """The supervision office (督查室) that rectifications go to and rankings default to."""
    return str(getattr(settings, "TONGBAN", {}).get("SUPERVISION_OFFICE_DEPARTMENT", DEFAULT_OFFICE_DEPARTMENT))


def office_department() -> Department | None:
    """The department of office_department_code; None when none has that code (a set-up mistake each caller
    reports in its own words)."""
    return Department.objects.filter(code=office_department_code()).first()


def ranking_period(year: int, *, month: int | None = None, quarter: int | None = None) -> RankingPeriod:
    if (month is None) == (quarter is None):
        raise RankingPeriodInvalid(_("请选择一个月份或一个季度。"))
    start, end = period_bounds(year, month=month, quarter=quarter)
    return RankingPeriod(start, end)


def _period_check(start: datetime, end: datetime) -> RankingPeriod:
    """The period if [start, end) is exactly a month or a quarter."""
    local = timezone.localtime(start)
    candidates = [period_bounds(local.year, month=local.month)]
    if local.month % 3 == 1:
        candidates.append(period_bounds(local.year, quarter=(local.month - 1) // 3 + 1))
    if (start, end) not in candidates:
        raise RankingPeriodInvalid(_("晾晒期间必须是一个完整的月份或季度。"))
    return RankingPeriod(start, end)


@dataclass(frozen=True)
class RankingRow:
    """One unit's line, JSON-safe as published: decimals as fixed-point text so a database round trip
    (PostgreSQL jsonb rewrites numbers) never changes the hashed form."""

    rank: int
    department_id: int
    department_code: str
    department_name: str
    on_time: int
    overdue: int
    on_time_rate: str | None  # percent, two decimals
    average_handling_working_days: str | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _fixed(value: Decimal | float | None) -> str | None:
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _rows(figures: list[UnitPerformance]) -> list[RankingRow]:
    """Ranks in the order unit_performance gives; units equal on all three keys share a rank (1, 1, 3)."""
    rows, previous, rank = [], None, 0
    for index, unit in enumerate(figures, start=1):
        key = (unit.on_time_rate, unit.overdue, unit.average_handling_working_days)
        if key != previous:
            rank, previous = index, key
        judged = unit.on_time + unit.overdue
        rate = Decimal(unit.on_time * 100) / Decimal(judged) if judged else None
        rows.append(
            RankingRow(
                rank=rank,
                department_id=unit.department_id,
                department_code=unit.department_code,
                department_name=unit.department_name,
                on_time=unit.on_time,
                overdue=unit.overdue,
                on_time_rate=_fixed(rate),
                average_handling_working_days=_fixed(unit.average_handling_working_days),
            )
        )
    return rows


def ranking_for(
    period: RankingPeriod, *, office_id: int | None = None, now: datetime | None = None
) -> list[RankingRow]:
    """The live ranking of the units of `office_id`'s items (every office's when None)."""
    return _rows(unit_performance(start=period.start, end=period.end, now=now, office_id=office_id))


def rows_sha256(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json(rows).encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _office_id(office_id: int | None) -> int:
    if office_id is not None:
        return office_id
    found = office_department()
    if found is None:
        raise SupervisionError(_("未找到督查机构（部门编码 %(code)s）。") % {"code": office_department_code()})
    return int(found.pk)


def _next_version(office_id: int, period: RankingPeriod, correction_reason: str) -> int:
    same = RankingSnapshot.objects.filter(office_id=office_id, period_start=period.start, period_end=period.end)
    latest = same.aggregate(v=Max("version"))["v"]
    if latest is None:
        return 1
    if not correction_reason.strip():
        raise RankingAlreadyPublished(
            _("%(period)s 的晾晒排名已发布（第 %(version)s 版）；如需更正，请填写更正理由后发布新版本。")
            % {"period": period.label, "version": latest}
        )
    return int(latest) + 1


@transaction.atomic
def ranking_publish(
    *,
    period_start: datetime,
    period_end: datetime,
    actor: Actor,
    office_id: int | None = None,
    correction_reason: str = "",
) -> RankingSnapshot:
    """Freeze the office's ranking for an ended month or quarter and record its hash in the audit trail.

    The office defaults to TONGBAN["SUPERVISION_OFFICE_DEPARTMENT"]. Refused for a period already published
    unless `correction_reason` is given, which publishes the next version."""
    office = _office_id(office_id)
    ensure_office(actor, office)
    period = _period_check(period_start, period_end)
    if period.end > timezone.now():
        raise RankingPeriodInvalid(_("%(period)s 尚未结束，不能发布晾晒排名。") % {"period": period.label})
    version = _next_version(office, period, correction_reason)
    return _publish(office, period, version, actor, correction_reason.strip(), ranking_for(period, office_id=office))


def _publish(
    office: int, period: RankingPeriod, version: int, actor: Actor, correction_reason: str, ranked: list[RankingRow]
) -> RankingSnapshot:
    rows = [row.as_json() for row in ranked]
    try:
        with transaction.atomic():
            snapshot = RankingSnapshot.objects.create(
                office_id=office,
                period_start=period.start,
                period_end=period.end,
                period_label=period.label,
                version=version,
                rows=rows,
                sha256=rows_sha256(rows),
                correction_reason=correction_reason,
                published_by_id=actor.user_id,
                published_at=timezone.now(),
                frozen_by_system=actor == SYSTEM,
            )
    except IntegrityError as exc:  # someone published the same version a moment earlier
        raise RankingAlreadyPublished(_("%(period)s 的晾晒排名刚刚已被发布。") % {"period": period.label}) from exc
    audit_append("ranking_published", actor=actor.username, payload=_audit_payload(snapshot))
    return snapshot


def freeze_after_days() -> int:
    return int(getattr(settings, "TONGBAN", {}).get("RANKING_FREEZE_AFTER_DAYS", 5))


def rankings_freeze_due(*, today: date | None = None) -> list[RankingSnapshot]:
    """晾晒 frozen monthly: last month's ranking of every office whose units were judged in it, published by
    the system when the office has not published it within TONGBAN["RANKING_FREEZE_AFTER_DAYS"] (5) days
    after the month ended (the office may still publish a corrected version).

    Safe to run often (the beat entry runs it hourly): a month is frozen once per office. One office's
    failure is logged and does not stop the others."""
    today = today or timezone.localdate()
    if today.day <= freeze_after_days():
        return []  # the office's own days to publish the first version
    last_month = previous_month(today)
    period = ranking_period(last_month.year, month=last_month.month)
    frozen = RankingSnapshot.objects.filter(period_start=period.start, period_end=period.end)
    offices = (
        SupervisionItem.objects.filter(created_at__lt=period.end)
        .exclude(office_id__in=frozen.values("office_id"))
        .values_list("office_id", flat=True)
        .distinct()
    )
    published = []
    for office in sorted(set(offices)):
        ranked = ranking_for(period, office_id=office)
        if not ranked:
            continue  # no unit of the office was judged that month: nothing to show
        try:
            with transaction.atomic():
                published.append(_publish(office, period, 1, SYSTEM, "", ranked))
        except RankingAlreadyPublished:
            continue  # an office member published it a moment ago
        except Exception:
            log.exception("freezing the ranking of office %s for %s failed", office, period.label)
    return published


def _audit_payload(snapshot: RankingSnapshot) -> dict[str, Any]:
    return {
        "snapshot_id": snapshot.pk,
        "office_id": snapshot.office_id,
        "period_start": _iso(snapshot.period_start),
        "period_end": _iso(snapshot.period_end),
        "version": snapshot.version,
        "rows": len(snapshot.rows),
        "sha256": snapshot.sha256,
        "correction_reason": snapshot.correction_reason,
    }


@dataclass(frozen=True)
class RankingVerification:
    """ok when the rows, the stored hash and the audit trail agree; `problems` says what differs."""

    snapshot_id: int
    ok: bool
    computed_sha256: str
    stored_sha256: str
    audited_sha256: str | None
    problems: list[str]


def _audit_problems(snapshot: RankingSnapshot, computed: str) -> tuple[str | None, list[str]]:
    events = list(audit_events_filtered(action=AUDIT_ACTION).filter(payload__snapshot_id=snapshot.pk)[:2])
    if not events:
        return None, [_("审计日志中没有该排名的发布记录。")]
    # The first event is the publication; a second one claiming the same snapshot was not written by us.
    event, problems = events[0], []
    if len(events) > 1:
        problems.append(_("审计日志中有多条该排名的发布记录。"))
    if event_hash(event.prev_hash, event) != event.hash:
        problems.append(_("审计日志中的发布记录本身被修改。"))
    audited = str(event.payload.get("sha256", ""))
    if audited != computed:
        problems.append(_("排名数据与审计日志记录的哈希不符。"))
    if audited != snapshot.sha256:
        problems.append(_("保存的哈希与审计日志记录的哈希不符。"))
    expected = _audit_payload(snapshot)
    for field in ("office_id", "period_start", "period_end", "version"):
        if event.payload.get(field) != expected[field]:
            problems.append(_("%(field)s 与审计日志记录不符。") % {"field": field})
    return audited, problems


def ranking_verify(snapshot_id: int) -> RankingVerification:
    """Recompute the snapshot's hash; compare it with the stored hash and with the audit event's."""
    snapshot = RankingSnapshot.objects.get(pk=snapshot_id)
    computed = rows_sha256(snapshot.rows)
    problems = []
    if computed != snapshot.sha256:
        problems.append(_("排名数据与保存的哈希不符：发布后被修改。"))
    audited, audit_problems = _audit_problems(snapshot, computed)
    problems += audit_problems
    return RankingVerification(
        snapshot_id=snapshot.pk,
        ok=not problems,
        computed_sha256=computed,
        stored_sha256=snapshot.sha256,
        audited_sha256=audited,
        problems=problems,
    )


def ranking_snapshots(*, office_id: int | None = None) -> QuerySet[RankingSnapshot]:
    """Published rankings, newest period first, each period's versions newest first; lazy, to be counted
    and sliced by a page, and without their rows (a list never shows them)."""
    snapshots = RankingSnapshot.objects.select_related("office", "published_by").defer("rows")
    if office_id is not None:
        snapshots = snapshots.filter(office_id=office_id)
    return snapshots.order_by("-period_start", "period_end", "-version")


def rate_text(rate: object) -> str:
    """A row's on-time rate as shown: with a percent sign, a dash where nothing was judged."""
    return f"{rate}%" if rate is not None else "—"


def ranking_snapshot_xlsx(snapshot: RankingSnapshot) -> bytes:
    """The frozen rows as one sheet, headed by the period in the reader's language and the version, ending
    with the hash. Cells go through append_row, so a unit named "=..." stays text; rows altered after
    publishing (校验 shows it) are written as they are, so nothing here may fail on them."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("晾晒排名")
    append_row(sheet, [snapshot.period.label, _("第 %(version)s 版") % {"version": snapshot.version}])
    append_row(sheet, [_("排名"), _("单位"), _("按时办结"), _("逾期"), _("按时率"), _("平均办理工作日")])
    for row in snapshot.rows:
        cells = [row.get("rank"), row.get("department_name"), row.get("on_time"), row.get("overdue")]
        days = row.get("average_handling_working_days") or "—"
        append_row(sheet, [*cells, rate_text(row.get("on_time_rate")), days])
    append_row(sheet, ["SHA-256", snapshot.sha256])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""晾晒: units ranked by on-time rate, then fewest overdue, then quickest; published rankings frozen with
their hash in the audit trail, so that changing one afterwards — even together with its hash — shows."""

from typing import Any

import pytest
import time_machine

from domain.supervision.errors import NotPermitted
from domain.supervision.models import RankingSnapshot
from domain.supervision.ranking import (
    RankingAlreadyPublished,
    RankingPeriodInvalid,
    ranking_for,
    ranking_period,
    ranking_publish,
    ranking_verify,
    rows_sha256,
)
from processes.models import AuditEvent
from processes.services.audit import audit_verify
from tests import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db
JULY_2 = b.at(7, 2)


def june(w: b.World) -> None:
    """June: an urgent instruction (due 8 June) led by market regulation with civil affairs — both finish
    in time, after 2 and 4 working days; a normal one (due 22 June) led by civil affairs with market
    regulation — market regulation finishes after 7 working days, civil affairs never does; an urgent one
    for the education bureau alone, finished after 3 working days."""
    with time_machine.travel(b.at(6, 1), tick=False):
        urgent = b.running_item(w, b.at(6, 1), source="leader_instruction", urgency="urgent")
        normal = b.running_item(
            w, b.at(6, 1), source="leader_instruction", lead_department_id=w.co.pk, co_department_ids=[w.lead.pk]
        )
        alone = b.running_item(
            w,
            b.at(6, 1),
            source="leader_instruction",
            urgency="urgent",
            lead_department_id=w.outsider_department.pk,
            co_department_ids=[],
        )
    b.finish(b.unit_of(urgent, w.lead), b.at(6, 3), key="u-lead")
    b.finish(b.unit_of(urgent, w.co), b.at(6, 5), key="u-co")
    b.finish(b.unit_of(normal, w.lead), b.at(6, 10), key="n-lead")
    b.finish(b.unit_of(alone, w.outsider_department), b.at(6, 4), key="alone")


def publish_june(w: b.World, **kwargs: Any) -> RankingSnapshot:
    period = ranking_period(2026, month=6)
    with time_machine.travel(JULY_2, tick=False):
        return ranking_publish(period_start=period.start, period_end=period.end, actor=w.office_actor, **kwargs)


def test_units_rank_by_on_time_rate_then_overdue_then_average_days() -> None:
    """Education (1 of 1 on time, 3 days) before market regulation (2 of 2, 4.5 days on average): equal
    rates and no overdue, so the quicker ranks first; civil affairs (1 on time, 1 overdue: 50 %) last."""
    w = b.world()
    june(w)
    rows = ranking_for(ranking_period(2026, month=6), office_id=w.office.pk, now=JULY_2)
    assert [
        (r.rank, r.department_name, r.on_time, r.overdue, r.on_time_rate, r.average_handling_working_days) for r in rows
    ] == [
        (1, "西湖区教育局", 1, 0, "100.00", "3.00"),
        (2, "西湖区市场监管局", 2, 0, "100.00", "4.50"),
        (3, "西湖区民政局", 1, 1, "50.00", "4.00"),
    ]
    quarter = ranking_for(ranking_period(2026, quarter=2), office_id=w.office.pk, now=JULY_2)
    assert [r.department_name for r in quarter] == [r.department_name for r in rows]
    assert ranking_for(ranking_period(2026, month=5), office_id=w.office.pk, now=JULY_2) == []


def test_units_equal_on_every_key_share_a_rank() -> None:
    """Two units that each finished one item on time in the same number of days are both first."""
    w = b.world()
    with time_machine.travel(b.at(6, 1), tick=False):
        item = b.running_item(w, b.at(6, 1), source="leader_instruction", urgency="urgent")
    b.finish(b.unit_of(item, w.lead), b.at(6, 3), key="a")
    b.finish(b.unit_of(item, w.co), b.at(6, 3), key="b")
    rows = ranking_for(ranking_period(2026, month=6), now=JULY_2)
    assert [r.rank for r in rows] == [1, 1]


def test_publishing_freezes_the_rows_and_records_their_hash_in_the_audit_trail() -> None:
    """The default office (SUPERVISION_OFFICE_DEPARTMENT, 330106-DCS) publishes June on 2 July: the snapshot
    holds the live rows, their SHA-256, who and when; the audit event carries the same hash; it verifies."""
    w = b.world()
    june(w)
    snapshot = publish_june(w)
    live = ranking_for(ranking_period(2026, month=6), office_id=w.office.pk, now=JULY_2)
    snapshot.refresh_from_db()
    assert snapshot.rows == [row.as_json() for row in live]
    assert (snapshot.office, snapshot.version, snapshot.period_label) == (w.office, 1, "2026年6月")
    assert (snapshot.published_by, snapshot.published_at) == (w.inspector, JULY_2)
    assert snapshot.sha256 == rows_sha256(snapshot.rows)
    event = AuditEvent.objects.get(action="ranking_published")
    assert (event.actor, event.payload["sha256"], event.payload["snapshot_id"]) == (
        "inspector",
        snapshot.sha256,
        snapshot.pk,
    )
    outcome = ranking_verify(snapshot.pk)
    assert (outcome.ok, outcome.problems, outcome.audited_sha256) == (True, [], snapshot.sha256)
    assert audit_verify().ok


def test_a_period_is_published_once_unless_a_correction_with_a_reason_makes_a_new_version() -> None:
    """Publishing June again is refused; with a reason it becomes version 2 and version 1 stays as it was."""
    w = b.world()
    june(w)
    first = publish_june(w)
    with pytest.raises(RankingAlreadyPublished) as refused:
        publish_june(w)
    assert "第 1 版" in refused.value.message
    second = publish_june(w, correction_reason="民政局延期申请经复核予以认可")
    assert (second.version, second.correction_reason) == (2, "民政局延期申请经复核予以认可")
    assert RankingSnapshot.objects.filter(pk=first.pk, version=1, sha256=first.sha256).exists()
    assert ranking_verify(first.pk).ok and ranking_verify(second.pk).ok
    assert AuditEvent.objects.filter(action="ranking_published").count() == 2


def test_only_the_office_publishes_and_only_a_whole_month_or_quarter_that_has_ended() -> None:
    """A unit's handler may not publish; July cannot be published on 2 July; nor can an arbitrary span."""
    w = b.world()
    june(w)
    june_period, july = ranking_period(2026, month=6), ranking_period(2026, month=7)
    with time_machine.travel(JULY_2, tick=False):
        with pytest.raises(NotPermitted):
            ranking_publish(period_start=june_period.start, period_end=june_period.end, actor=f.actor(w.lead_handler))
        with pytest.raises(RankingPeriodInvalid):
            ranking_publish(period_start=july.start, period_end=july.end, actor=w.office_actor)
        with pytest.raises(RankingPeriodInvalid):
            ranking_publish(period_start=b.at(6, 3, 0), period_end=july.start, actor=w.office_actor)
        quarter = ranking_period(2026, quarter=2)
        snapshot = ranking_publish(period_start=quarter.start, period_end=quarter.end, actor=w.office_actor)
    assert snapshot.period_label == "2026年第2季度"
    assert not RankingSnapshot.objects.filter(period_start=june_period.start, period_end=june_period.end).exists()


def _improved(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Civil affairs' record, quietly made spotless."""
    changed = [dict(row) for row in rows]
    changed[-1].update(overdue=0, on_time_rate="100.00", rank=1)
    return changed


def test_rows_changed_in_the_database_after_publishing_are_reported_as_tampered() -> None:
    """An UPDATE of the frozen rows: the recomputed hash matches neither the stored one nor the audit's."""
    w = b.world()
    june(w)
    snapshot = publish_june(w)
    RankingSnapshot.objects.filter(pk=snapshot.pk).update(rows=_improved(snapshot.rows))
    outcome = ranking_verify(snapshot.pk)
    assert not outcome.ok
    assert outcome.stored_sha256 == outcome.audited_sha256 == snapshot.sha256 != outcome.computed_sha256
    assert "排名数据与保存的哈希不符：发布后被修改。" in outcome.problems
    assert "排名数据与审计日志记录的哈希不符。" in outcome.problems


def test_rows_and_stored_hash_changed_together_are_still_caught_by_the_audit_event() -> None:
    """Whoever rewrites the rows and recomputes the stored hash cannot rewrite the audit trail: the stored
    hash now agrees with the rows, and both disagree with the hash the audit event recorded."""
    w = b.world()
    june(w)
    snapshot = publish_june(w)
    forged = _improved(snapshot.rows)
    RankingSnapshot.objects.filter(pk=snapshot.pk).update(rows=forged, sha256=rows_sha256(forged))
    outcome = ranking_verify(snapshot.pk)
    assert not outcome.ok
    assert outcome.computed_sha256 == outcome.stored_sha256 != outcome.audited_sha256
    assert outcome.audited_sha256 == snapshot.sha256
    assert outcome.problems == ["排名数据与审计日志记录的哈希不符。", "保存的哈希与审计日志记录的哈希不符。"]


def test_a_snapshot_moved_to_another_period_or_without_its_audit_event_is_tampered() -> None:
    """Relabelling June's snapshot as May's shows against the audit event; a snapshot the audit trail never
    saw published (inserted directly) has no event to agree with."""
    w = b.world()
    june(w)
    snapshot = publish_june(w)
    may = ranking_period(2026, month=5)
    RankingSnapshot.objects.filter(pk=snapshot.pk).update(period_start=may.start, period_end=may.end)
    moved = ranking_verify(snapshot.pk)
    assert not moved.ok and {"period_start 与审计日志记录不符。", "period_end 与审计日志记录不符。"} <= set(
        moved.problems
    )
    smuggled = RankingSnapshot.objects.create(
        office=w.office,
        period_start=may.start,
        period_end=may.end,
        period_label="2026年5月",
        version=2,
        rows=[],
        sha256=rows_sha256([]),
        published_at=JULY_2,
    )
    outcome = ranking_verify(smuggled.pk)
    assert (outcome.ok, outcome.problems) == (False, ["审计日志中没有该排名的发布记录。"])


def test_last_month_is_frozen_by_the_system_once_unless_the_office_published_it() -> None:
    """June's first five days after it ended are the office's to publish it; on 6 July the hourly job
    publishes June for the office as version 1 by the system, with its audit event, and it verifies; the next
    run adds nothing. An office with nothing judged gets no empty snapshot."""
    from domain.supervision import tasks

    w = b.world()
    june(w)
    with time_machine.travel(b.at(7, 5, 23), tick=False):
        assert tasks.monthly_rankings() == 0
    with time_machine.travel(b.at(7, 6, 1), tick=False):
        assert tasks.monthly_rankings() == 1
        assert tasks.monthly_rankings() == 0
    snapshot = RankingSnapshot.objects.get()
    assert (snapshot.version, snapshot.published_by_id, snapshot.office_id) == (1, None, w.office.pk)
    assert snapshot.frozen_by_system
    live = ranking_for(ranking_period(2026, month=6), office_id=w.office.pk, now=JULY_2)
    assert snapshot.rows == [row.as_json() for row in live] and len(live) == 3
    assert AuditEvent.objects.get(action="ranking_published").actor == "system"
    assert ranking_verify(snapshot.pk).ok
    with time_machine.travel(b.at(8, 6, 1), tick=False):
        assert tasks.monthly_rankings() == 0, "nothing was judged in July"


def test_a_month_the_office_published_is_not_frozen_again() -> None:
    """The office published June on 2 July: the job run on 6 July leaves it as it is."""
    w = b.world()
    june(w)
    assert not publish_june(w).frozen_by_system
    with time_machine.travel(b.at(7, 6, 2), tick=False):
        from domain.supervision.ranking import rankings_freeze_due

        assert rankings_freeze_due() == []
    assert RankingSnapshot.objects.count() == 1

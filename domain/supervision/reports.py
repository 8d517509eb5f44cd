"""进展报告: the supervision office's progress report — its items by status and colour, the overdue ones
with the unit responsible, the latest progress of each item and the counts — as XLSX and PDF, on demand
and stored once a month (MonthlyReport).

The report covers one calendar month: the items in play during it (registered before it ended and not
closed before it began), coloured as at its end (or now, for the month under way). Statuses are as they
stand when the report is made: the monthly run makes it on the first days of the next month, when they
still are the month's."""

import io
import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from domain.directory.models import Department
from domain.spreadsheet import append_row
from processes.ports import calendar

from .choices import Colour, ItemStatus, UnitStatus
from .models import MonthlyReport, ProgressReport, SupervisionItem
from .periods import previous_month
from .selectors import ItemRow, item_list, period_bounds, unit_late

log = logging.getLogger(__name__)

# Bar fills of the charts, by colour key (the warning ladder's own colours).
_FILLS: dict[str, str] = {
    Colour.GREEN: "#3a9a5b",
    Colour.BLUE: "#2f6fd0",
    Colour.YELLOW: "#e0a800",
    Colour.RED: "#c8342c",
}
_STATUS_FILL = "#5b7bb0"
BAR_MAX_WIDTH = 300  # px in the PDF's charts


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class ItemLine:
    """One item as the report lists it, with its latest progress (of any of its units or sub-items)."""

    title: str
    status: str
    status_label: str
    colour: str | None
    colour_label: str
    lead_unit: str
    units: str
    due_at: datetime | None
    overdue: bool
    latest_unit: str
    latest_percent: int | None
    latest_text: str
    latest_at: datetime | None


@dataclass(frozen=True)
class OverdueLine:
    """A unit past its due time without a completion report sent in time."""

    title: str
    unit: str
    role_label: str
    due_at: datetime
    overdue_working_days: float


@dataclass(frozen=True)
class ReportData:
    office_id: int
    office_name: str
    month: date
    period_label: str
    as_of: datetime
    generated_at: datetime
    items: list[ItemLine]
    overdue: list[OverdueLine]
    by_status: list[Count]
    by_colour: list[Count]
    total: int
    overdue_items: int
    new_in_period: int
    closed_in_period: int

    def counts(self) -> dict[str, int]:
        """The figures as plain data (what MonthlyReport keeps)."""
        figures = {
            "total": self.total,
            "overdue_items": self.overdue_items,
            "overdue_units": len(self.overdue),
            "new": self.new_in_period,
            "closed": self.closed_in_period,
        }
        figures.update({f"status_{c.key}": c.count for c in self.by_status})
        figures.update({f"colour_{c.key}": c.count for c in self.by_colour})
        return figures


def _in_play(row: ItemRow, start: datetime, end: datetime) -> bool:
    item = row.item
    return item.created_at < end and (item.closed_at is None or item.closed_at >= start)


def _latest_reports(item_ids: list[int], as_of: datetime) -> dict[int, ProgressReport]:
    """Per item, its newest report (its own units' or its sub-items') made by `as_of`: two queries."""
    newest = (
        ProgressReport.objects.filter(Q(item=OuterRef("pk")) | Q(item__parent=OuterRef("pk")), submitted_at__lte=as_of)
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    latest = dict(
        SupervisionItem.objects.filter(pk__in=item_ids)
        .annotate(latest=Subquery(newest))
        .exclude(latest=None)
        .values_list("pk", "latest")
    )
    reports = ProgressReport.objects.select_related("unit__department").in_bulk(list(latest.values()))
    return {item_id: reports[report_id] for item_id, report_id in latest.items()}


def _item_line(row: ItemRow, report: ProgressReport | None) -> ItemLine:
    lead = next((u.unit for u in row.units if u.unit.role == "lead"), None)
    return ItemLine(
        title=row.item.title,
        status=row.item.status,
        status_label=str(row.item.get_status_display()),
        colour=row.colour,
        colour_label=str(Colour(row.colour).label) if row.colour else "",
        lead_unit=lead.department.name if lead else "",
        units="、".join(dict.fromkeys(u.unit.department.name for u in row.units)),
        due_at=row.item.due_at,
        overdue=row.overdue,
        latest_unit=report.unit.department.name if report else "",
        latest_percent=report.percent if report else None,
        latest_text=report.text if report else "",
        latest_at=report.submitted_at if report else None,
    )


def _overdue_lines(rows: list[ItemRow], as_of: datetime) -> list[OverdueLine]:
    lines = []
    for row in rows:
        for unit_row in row.units:
            unit = unit_row.unit
            if unit.due_at is None or not unit_late(unit, as_of):
                continue
            until = unit.submitted_at if unit.status == UnitStatus.IN_REVIEW and unit.submitted_at else as_of
            lines.append(
                OverdueLine(
                    title=row.item.title,
                    unit=unit.department.name,
                    role_label=str(unit.get_role_display()),
                    due_at=unit.due_at,
                    overdue_working_days=calendar().working_days_between(unit.due_at, until),
                )
            )
    return sorted(lines, key=lambda line: (line.due_at, line.title, line.unit))


def month_start(day: date) -> date:
    return day.replace(day=1)


def progress_report(*, office_id: int, month: date | None) -> ReportData:
    """The office's report for the month holding `month` (None: the month under way, up to now)."""
    now = timezone.now()
    first = month_start(month or timezone.localdate(now))
    start, end = period_bounds(first.year, month=first.month)
    as_of = min(now, end)
    rows = [row for row in item_list(office_id=office_id, now=as_of) if _in_play(row, start, end)]
    latest = _latest_reports([row.item.pk for row in rows], as_of)
    status_counts = {status: 0 for status in ItemStatus.values}
    colour_counts = {colour: 0 for colour in Colour.values}
    for row in rows:
        status_counts[row.item.status] += 1
        if row.colour:
            colour_counts[row.colour] += 1
    return ReportData(
        office_id=office_id,
        office_name=Department.objects.get(pk=office_id).name,
        month=first,
        period_label=_("%(year)s年%(month)s月") % {"year": first.year, "month": first.month},
        as_of=as_of,
        generated_at=now,
        items=[_item_line(row, latest.get(row.item.pk)) for row in rows],
        overdue=_overdue_lines(rows, as_of),
        by_status=[Count(s, str(ItemStatus(s).label), n) for s, n in status_counts.items()],
        by_colour=[Count(c, str(Colour(c).label), n) for c, n in colour_counts.items()],
        total=len(rows),
        overdue_items=sum(row.overdue for row in rows),
        new_in_period=sum(start <= row.item.created_at < as_of for row in rows),
        closed_in_period=sum(row.item.closed_at is not None and start <= row.item.closed_at < as_of for row in rows),
    )


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def report_summary(data: ReportData) -> list[tuple[str, int]]:
    """The headline counts, labelled, as the PDF, the workbook and the report page show them."""
    return [
        (_("事项总数"), data.total),
        (_("逾期事项"), data.overdue_items),
        (_("逾期单位次数"), len(data.overdue)),
        (_("本月新立项"), data.new_in_period),
        (_("本月办结"), data.closed_in_period),
    ]


def _bold_last_row(sheet: Worksheet) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _summary_sheet(sheet: Worksheet, data: ReportData) -> None:
    sheet.title = _("汇总")
    title = _("%(office)s 督查事项进展报告（%(period)s）") % {"office": data.office_name, "period": data.period_label}
    append_row(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, [_("统计截至"), _local(data.as_of)])
    for label, count in report_summary(data):
        append_row(sheet, [label, count])
    for heading, counts in ((_("按状态"), data.by_status), (_("按预警颜色"), data.by_colour)):
        append_row(sheet, [])
        append_row(sheet, [heading, _("事项数")])
        _bold_last_row(sheet)
        for c in counts:
            append_row(sheet, [c.label, c.count])
    sheet.column_dimensions["A"].width = 24


def _widths(sheet: Worksheet, widths: tuple[int, ...]) -> None:
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width


def _items_sheet(sheet: Worksheet, data: ReportData) -> None:
    headers = [_("事项名称"), _("状态"), _("预警"), _("牵头单位"), _("承办单位"), _("办理期限")]
    append_row(sheet, [*headers, _("最新进展单位"), _("完成比例"), _("最新进展"), _("报告时间")])
    _bold_last_row(sheet)
    for line in data.items:
        percent = line.latest_percent if line.latest_percent is not None else ""
        append_row(
            sheet,
            [line.title, line.status_label, line.colour_label, line.lead_unit, line.units, _local(line.due_at)]
            + [line.latest_unit, percent, line.latest_text, _local(line.latest_at)],
        )
    _widths(sheet, (36, 10, 10, 20, 30, 17, 20, 10, 50, 17))


def _overdue_sheet(sheet: Worksheet, data: ReportData) -> None:
    append_row(sheet, [_("事项名称"), _("责任单位"), _("承办角色"), _("办理期限"), _("逾期工作日")])
    _bold_last_row(sheet)
    for o in data.overdue:
        append_row(sheet, [o.title, o.unit, o.role_label, _local(o.due_at), o.overdue_working_days])
    _widths(sheet, (36, 20, 10, 17, 12))


def progress_report_xlsx(data: ReportData) -> bytes:
    """Three sheets: the counts, the items with their latest progress, the overdue units. Every text cell
    goes through domain.spreadsheet.append_row: an item titled "=..." stays text."""
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    _summary_sheet(summary, data)
    _items_sheet(workbook.create_sheet(_("事项进展")), data)
    _overdue_sheet(workbook.create_sheet(_("逾期事项")), data)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bars(counts: list[Count], fills: dict[str, str] | None = None) -> list[dict[str, object]]:
    """What the template draws: one bar per count, the longest BAR_MAX_WIDTH wide."""
    top = max((c.count for c in counts), default=0) or 1
    return [
        {
            "label": c.label,
            "count": c.count,
            "width": round(BAR_MAX_WIDTH * c.count / top, 1),
            "fill": (fills or {}).get(c.key, _STATUS_FILL),
            "y": index * 22,
        }
        for index, c in enumerate(counts)
    ]


def report_charts(data: ReportData) -> dict[str, object]:
    """What supervision/progress_report_charts.html draws (items by status and by colour as SVG bars): the PDF
    and the report page show the same charts."""
    return {
        "status_bars": _bars(data.by_status),
        "colour_bars": _bars(data.by_colour, _FILLS),
        "status_height": 22 * len(data.by_status),
        "colour_height": 22 * len(data.by_colour),
    }


def progress_report_html(data: ReportData) -> str:
    return render_to_string(
        "supervision/progress_report.html", {"data": data, "summary": report_summary(data), **report_charts(data)}
    )


def progress_report_pdf(data: ReportData) -> bytes:
    """The report as a PDF (WeasyPrint; Noto Sans CJK SC for the Chinese text, charts as inline SVG)."""
    from weasyprint import HTML  # imported on use: it loads Pango and fonts, which most requests never need

    pdf = HTML(string=progress_report_html(data)).write_pdf()
    assert pdf is not None
    return bytes(pdf)


@transaction.atomic
def monthly_report_store(*, office_id: int, month: date) -> MonthlyReport:
    """Make and keep the office's report for `month` once (a second call returns the stored one)."""
    first = month_start(month)
    stored = MonthlyReport.objects.filter(office_id=office_id, month=first).first()
    if stored is not None:
        return stored
    data = progress_report(office_id=office_id, month=first)
    record = MonthlyReport(office_id=office_id, month=first, counts=data.counts(), generated_at=data.generated_at)
    name = f"progress-{first:%Y-%m}"
    record.xlsx.save(f"{name}.xlsx", ContentFile(progress_report_xlsx(data)), save=False)
    record.pdf.save(f"{name}.pdf", ContentFile(progress_report_pdf(data)), save=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # Another run stored it meanwhile: keep theirs, drop our files.
        record.xlsx.storage.delete(record.xlsx.name)
        record.pdf.storage.delete(record.pdf.name)
        return MonthlyReport.objects.get(office_id=office_id, month=first)
    return record


def monthly_reports_store_due(*, today: date | None = None) -> list[MonthlyReport]:
    """Store last month's report of every office that had items by then and has no report for it yet.

    Safe to run often (the beat entry runs it hourly): an office's report is made once. One office's
    failure is logged and does not stop the others."""
    month = previous_month(today or timezone.localdate())
    _start, end = period_bounds(month.year, month=month.month)
    done = MonthlyReport.objects.filter(month=month).values_list("office_id", flat=True)
    offices = (
        SupervisionItem.objects.filter(created_at__lt=end)
        .exclude(office_id__in=done)
        .values_list("office_id", flat=True)
        .distinct()
    )
    stored = []
    for office_id in sorted(set(offices)):
        try:
            stored.append(monthly_report_store(office_id=office_id, month=month))
        except Exception:
            log.exception("monthly progress report of office %s for %s failed", office_id, month)
    return stored

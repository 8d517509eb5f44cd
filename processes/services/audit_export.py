"""Audit trail exports (CSV, JSON lines, XLSX) that stream with constant memory and carry the chain hashes.

JSON lines is the verbatim format: each line holds exactly the hashed body, so anyone can recompute
hash = SHA-256(prev_hash + canonical JSON of the line without id, prev_hash and hash). CSV and XLSX are
for people: local time, and cells defused against spreadsheet formula injection.
"""

import codecs
import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ..audit_selectors import audit_events_filtered, audit_events_walk
from ..errors import ValidationFailed
from ..models import AuditEvent
from .audit import audit_append, canonical_json, event_body

HEADERS = ["序号", "时间", "操作人", "操作", "流程实例", "任务", "流程", "部门", "内容", "前一哈希", "哈希"]
CHUNK_BYTES = 64 * 1024
_BATCH = 2000
# Excel's limits: rows per sheet (header included) and characters per cell.
_XLSX_MAX_ROWS = 1_048_576
_XLSX_MAX_CELL = 32_767
# A cell starting with one of these is run as a formula by Excel/WPS (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _row(event: AuditEvent) -> list[Any]:
    return [
        event.pk,
        timezone.localtime(event.at) if timezone.is_aware(event.at) else event.at,
        event.actor,
        event.action,
        event.instance_id,
        event.task_id,
        event.process_key,
        event.department_id,
        canonical_json(event.payload),
        event.prev_hash,
        event.hash,
    ]


def _defuse(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula; the JSON lines export keeps the verbatim value."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Join small pieces into ~CHUNK_BYTES chunks: one write per row would flood the socket with tiny frames."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) >= CHUNK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _csv_lines(events: QuerySet[AuditEvent]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    yield codecs.BOM_UTF8  # Excel reads UTF-8 without a BOM as the local code page and garbles Chinese.
    writer.writerow(HEADERS)
    for event in audit_events_walk(events, batch_size=_BATCH):
        row = _row(event)
        row[1] = row[1].isoformat()
        writer.writerow([_defuse(value) for value in row])
        yield out.getvalue().encode("utf-8")
        out.seek(0)
        out.truncate()
    yield out.getvalue().encode("utf-8")


def audit_export_csv(events: QuerySet[AuditEvent]) -> Iterator[bytes]:
    """UTF-8 with BOM and a Chinese header row, one event per row in chain order."""
    return _chunked(_csv_lines(events))


def _jsonl_lines(events: QuerySet[AuditEvent]) -> Iterator[bytes]:
    for event in audit_events_walk(events, batch_size=_BATCH):
        line = {"id": event.pk, **event_body(event), "prev_hash": event.prev_hash, "hash": event.hash}
        yield (json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def audit_export_jsonl(events: QuerySet[AuditEvent]) -> Iterator[bytes]:
    """One JSON object per line: id, the hashed body (UTC time), prev_hash and hash."""
    return _chunked(_jsonl_lines(events))


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)  # Excel has no time zones; the value is already local time.
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:_XLSX_MAX_CELL]
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=..." as a formula; data is never a formula.
    return cell


def _xlsx_new_sheet(workbook: Workbook, number: int) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(title="审计事件" if number == 1 else f"审计事件{number}")
    sheet.append(HEADERS)
    return sheet


def _xlsx_write(workbook: Workbook, events: QuerySet[AuditEvent]) -> None:
    """Rows go straight to openpyxl's temporary sheet files; a new sheet starts when one is full."""
    sheets, rows = 1, 1
    sheet = _xlsx_new_sheet(workbook, sheets)
    for event in audit_events_walk(events, batch_size=_BATCH):
        if rows == _XLSX_MAX_ROWS:
            sheets, rows = sheets + 1, 1
            sheet = _xlsx_new_sheet(workbook, sheets)
        sheet.append([_xlsx_cell(sheet, value) for value in _row(event)])
        rows += 1


def audit_export_xlsx(events: QuerySet[AuditEvent]) -> Iterator[bytes]:
    """An .xlsx built in a temporary file (a zip cannot be streamed as it is written), then sent in chunks."""
    with tempfile.TemporaryFile(suffix=".xlsx") as file:
        workbook = Workbook(write_only=True)
        _xlsx_write(workbook, events)
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(CHUNK_BYTES):
            yield chunk


@dataclass(frozen=True)
class AuditExport:
    filename: str
    content_type: str
    chunks: Iterator[bytes]


_WRITERS = {"csv": audit_export_csv, "jsonl": audit_export_jsonl, "xlsx": audit_export_xlsx}


def audit_export(*, actor: str, fmt: str, filters: dict[str, Any]) -> AuditExport:
    """Record who exported what, then return the export, lazily streamed.

    The export stops at the last event that existed before the `audit_exported` event, so the file
    matches exactly what the record says was exported (`through_id`).
    """
    if fmt not in FORMATS:
        message = f"不支持的导出格式 / unsupported export format: {fmt}"
        raise ValidationFailed(message, detail={"format": sorted(FORMATS)})
    events = audit_events_filtered(**filters)
    through_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    audit_append(
        "audit_exported",
        actor=actor,
        payload={"format": fmt, "filters": _json_safe(filters), "through_id": through_id},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return AuditExport(
        filename=f"audit-{stamp}.{fmt}",
        content_type=FORMATS[fmt],
        chunks=_WRITERS[fmt](events.filter(id__lte=through_id)),
    )


def _json_safe(filters: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in filters.items()
        if value not in (None, "")
    }

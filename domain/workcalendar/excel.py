"""Overrides from Excel: 日期 | 是否工作日 (是/否) | 说明, one date per row under a header row.

The whole file is checked before anything is written; every bad row is reported with its row number
(as Excel shows it), and one bad row means nothing is imported.
"""

import io
from datetime import date, datetime
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from domain.spreadsheet import RowError, TooManyRows, WorkbookUnreadable, blank_cell, data_rows, open_first_sheet

from .services import OverrideRow

HEADERS = ("日期", "是否工作日", "说明")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
_NOTE_MAX = 200


class OverrideImportError(Exception):
    """The file cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"是": True, "否": False}.get(str(value).strip())


def _header_columns(header: tuple[Any, ...]) -> dict[str, int] | RowError:
    names = [str(cell).strip() if cell is not None else "" for cell in header]
    missing = [name for name in HEADERS[:2] if name not in names]
    if missing:
        return RowError(1, "", _("表头缺少列：%(columns)s") % {"columns": "、".join(missing)})
    return {name: names.index(name) for name in HEADERS if name in names}


def _parse_row(number: int, cells: tuple[Any, ...], columns: dict[str, int]) -> OverrideRow | list[RowError]:
    def cell(name: str) -> Any:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    errors: list[RowError] = []
    day, flag, note = _parse_date(cell("日期")), _parse_flag(cell("是否工作日")), cell("说明")
    if blank_cell(cell("日期")) or day is None:
        message = _("无法识别的日期 “%(value)s”，请用 2027-01-01 的格式")
        errors.append(RowError(number, "日期", message % {"value": cell("日期") or ""}))
    if flag is None:
        message = _("应填 “是” 或 “否”，而不是 “%(value)s”")
        errors.append(RowError(number, "是否工作日", message % {"value": cell("是否工作日") or ""}))
    note_text = "" if note is None else str(note).strip()
    if len(note_text) > _NOTE_MAX:
        errors.append(RowError(number, "说明", _("超过 %(max)s 个字") % {"max": _NOTE_MAX}))
    if errors or day is None or flag is None:
        return errors
    return OverrideRow(day=day, is_working_day=flag, note=note_text)


def overrides_from_xlsx(file: IO[bytes]) -> list[OverrideRow]:
    """The rows of the first sheet; raises OverrideImportError listing every bad row."""
    try:
        sheet = open_first_sheet(file)
    except WorkbookUnreadable as refused:
        raise OverrideImportError([RowError(0, "", refused.message)]) from None
    rows = sheet.iter_rows(values_only=True)
    columns = _header_columns(next(rows, ()))
    if isinstance(columns, RowError):
        raise OverrideImportError([columns])
    parsed, errors = _parse_rows(rows, columns)
    if not parsed and not errors:
        errors.append(RowError(0, "", _("文件中没有数据行")))
    if errors:
        raise OverrideImportError(errors)
    return parsed


def _parse_rows(rows: Any, columns: dict[str, int]) -> tuple[list[OverrideRow], list[RowError]]:
    parsed: list[OverrideRow] = []
    errors: list[RowError] = []
    first_seen: dict[date, int] = {}
    try:
        for number, cells in data_rows(rows):
            result = _parse_row(number, cells, columns)
            if isinstance(result, list):
                errors.extend(result)
            elif result.day in first_seen:
                message = _("与第 %(row)s 行日期重复") % {"row": first_seen[result.day]}
                errors.append(RowError(number, "日期", message))
            else:
                first_seen[result.day] = number
                parsed.append(result)
    except TooManyRows as over:
        errors.append(RowError(over.row, "", over.message))
    return parsed, errors


def overrides_template_xlsx() -> bytes:
    """An empty import file: the header row, date-formatted column A, and a sheet of instructions."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "工作日调整"
    sheet.append(list(HEADERS))
    for column, width in zip("ABC", (14, 12, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for row in range(2, 400):
        sheet.cell(row=row, column=1).number_format = "yyyy-mm-dd"
    help_sheet = workbook.create_sheet("填写说明")
    for line in (
        ("日期", "一行一个日期，如 2027-02-06"),
        ("是否工作日", "填 “是”（上班，如调休补班的周六）或 “否”（放假）"),
        ("说明", "可选，如 “春节” “春节调休上班”，不超过 200 字"),
        ("注意", "只导入第一个工作表；任何一行有误则整份文件不导入，并列出出错的行号"),
    ):
        help_sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

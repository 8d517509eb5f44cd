"""Data entry by Excel: a per-round template (one row per unit, one column per field) and its import.

The whole file is checked before anything is written; every bad row and cell is reported with the
row number as Excel shows it, and one bad row means nothing is imported.
"""

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from domain.spreadsheet import TooManyRows, WorkbookUnreadable, append_row, data_rows, open_first_sheet

from .choices import FieldKind, UnitRole
from .errors import RowError, ValuesImportError
from .models import AssessmentRound, DataField, RoundUnit
from .values import blank, parse_value

CODE, NAME = "单位编码", "单位名称"
_KIND_HELP = {
    FieldKind.NUMBER: "数值，如 1200 或 3.5",
    FieldKind.PERCENT: "百分比，填 95 或 95%（表示 95%），0–100",
    FieldKind.TEXT: "文本",
    FieldKind.BOOL: "填 “是” 或 “否”",
}


def _shown(field: DataField, value: Any) -> Any:
    if value is None:
        return None
    if field.kind == FieldKind.BOOL:
        return "是" if value else "否"
    return float(Decimal(value)) if field.kind in (FieldKind.NUMBER, FieldKind.PERCENT) else value


def values_template_xlsx(*, round_id: int) -> bytes:
    """The round's data sheet: unit code and name filled in, one column per field, current values shown."""
    assessment = AssessmentRound.objects.get(pk=round_id)
    fields = list(DataField.objects.filter(round=assessment))
    units = RoundUnit.objects.filter(round=assessment).select_related("department").order_by("role", "department__code")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "数据填报"
    append_row(sheet, [CODE, NAME, *(f.label for f in fields)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for unit in units:
        append_row(
            sheet, [unit.department.code, unit.department.name, *(_shown(f, unit.values.get(f.name)) for f in fields)]
        )
        if unit.role == UnitRole.BENCHMARK:
            sheet.cell(row=sheet.max_row, column=2).fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 16, 28
    help_sheet = workbook.create_sheet("填写说明")
    help_sheet.append(["列名", "变量名", "类型与填法", "必填"])
    for f in fields:
        append_row(help_sheet, [f.label, f.name, _KIND_HELP[FieldKind(f.kind)], "是" if f.required else "否"])
    help_sheet.append(
        ["注意", "", "按单位编码匹配；任何一行有误则整份文件不导入，并列出出错的行号；黄色为对标单位", ""]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _columns(header: list[Any], fields: list[DataField]) -> dict[str, int] | list[RowError]:
    names = [str(v).strip() if v is not None else "" for v in header]
    if CODE not in names:
        return [RowError(1, "", _("表头缺少列：%(columns)s") % {"columns": CODE})]
    columns, errors = {CODE: names.index(CODE)}, []
    for field in fields:
        index = next((i for i, n in enumerate(names) if n in (field.label, field.name)), None)
        if index is not None:
            columns[field.name] = index
        elif field.required:
            errors.append(RowError(1, "", _("表头缺少列：%(columns)s") % {"columns": field.label}))
    known = {CODE, NAME, *(f.label for f in fields), *(f.name for f in fields)}
    errors += [RowError(1, n, _("不是本轮的采集字段")) for n in names if n and n not in known]
    return errors or columns


def _cell_value(field: DataField, cell: Any) -> Any:
    value = getattr(cell, "value", None)
    # A cell formatted as a percentage holds 0.95 for 95 %.
    percent_cell = "%" in str(getattr(cell, "number_format", "") or "")
    if (
        field.kind == FieldKind.PERCENT
        and percent_cell
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
    ):
        return Decimal(repr(value)) * 100
    return value


def _row(
    number: int, cells: tuple[Any, ...], fields: list[DataField], columns: dict[str, int]
) -> tuple[dict[str, Any], list[RowError]]:
    values, errors = {}, []
    for field in fields:
        index = columns.get(field.name)
        cell = cells[index] if index is not None and index < len(cells) else None
        raw = _cell_value(field, cell)
        if blank(raw):
            if field.required:
                errors.append(RowError(number, field.label, _("必填")))
            continue
        try:
            values[field.name] = parse_value(field.kind, raw)
        except ValueError as exc:
            errors.append(RowError(number, field.label, str(exc)))
    return values, errors


def _workbook_rows(file: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    try:
        sheet = open_first_sheet(file, data_only=False)
    except WorkbookUnreadable as refused:
        raise ValuesImportError([RowError(0, "", refused.message)]) from None
    return (tuple(row) for row in sheet.iter_rows())


def _cell_blank(cell: Any) -> bool:
    return blank(getattr(cell, "value", None))


def values_from_xlsx(*, round_id: int, file: IO[bytes]) -> dict[int, dict[str, Any]]:
    """Unit id → canonical values from an uploaded sheet; raises ValuesImportError listing every bad row."""
    fields = list(DataField.objects.filter(round_id=round_id))
    units = {u.department.code: u.pk for u in RoundUnit.objects.filter(round_id=round_id).select_related("department")}
    rows = _workbook_rows(file)
    header = next(rows, ())
    columns = _columns([c.value for c in header], fields)
    if isinstance(columns, list):
        raise ValuesImportError(columns)
    parsed: dict[int, dict[str, Any]] = {}
    errors: list[RowError] = []
    first_seen: dict[str, int] = {}
    try:
        for number, cells in data_rows(rows, is_blank=_cell_blank):
            code = str(cells[columns[CODE]].value or "").strip() if columns[CODE] < len(cells) else ""
            values, row_errors = _row(number, cells, fields, columns)
            if code not in units:
                message = _("“%(code)s” 不是本轮的评估或对标单位") % {"code": code}
                row_errors.insert(0, RowError(number, CODE, message))
            elif code in first_seen:
                message = _("与第 %(row)s 行单位重复") % {"row": first_seen[code]}
                row_errors.insert(0, RowError(number, CODE, message))
            else:
                first_seen[code] = number
            errors += row_errors
            if not row_errors:
                parsed[units[code]] = values
    except TooManyRows as over:
        errors.append(RowError(over.row, "", over.message))
    if not parsed and not errors:
        errors.append(RowError(0, "", _("文件中没有数据行")))
    if errors:
        raise ValuesImportError(errors)
    return parsed

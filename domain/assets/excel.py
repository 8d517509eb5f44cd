"""普查 Excel: download the template (or a department's registry in the same layout) and import it back.

The whole workbook is checked before anything is written; every bad row is reported with its sheet and
row number (as Excel shows it), and one bad row means nothing is imported. Rows are matched on their
natural keys (system name in the department, database in the system, table, column), so importing the
same file again updates instead of duplicating. Assets missing from the file are left alone.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from domain.directory.models import Department
from domain.spreadsheet import RowError, TooManyRows, WorkbookUnreadable, append_row, data_rows, open_workbook

from .excel_layout import COLUMNS, DATABASES, SHEETS, SYSTEMS, TABLES, CellInvalid, SheetSpec
from .models import Column, Database, DataTable, InformationSystem
from .services import asset_get

_TEMPLATE_ROWS = 2000
MAX_ERRORS = 500  # listed; the rest are counted


class AssetImportError(Exception):
    """The workbook cannot be imported; `errors` lists the first MAX_ERRORS problems, `more` counts the rest."""

    def __init__(self, errors: list[RowError], *, uncounted: int = 0) -> None:
        self.errors = errors[:MAX_ERRORS]
        self.more = len(errors) - len(self.errors) + uncounted
        self.total = len(self.errors) + self.more
        text = "; ".join(str(error) for error in self.errors)
        if self.more:
            text += "; " + _("还有 %(count)s 个错误") % {"count": self.more}
        super().__init__(text)


class _Problems:
    """The errors found so far, at most MAX_ERRORS kept per sheet (a file full of bad rows must not fill
    the memory with messages nobody reads); the others are only counted."""

    def __init__(self) -> None:
        self.kept: dict[str, list[RowError]] = {}
        self.dropped = 0

    def __bool__(self) -> bool:
        return bool(self.kept)

    def append(self, error: RowError) -> None:
        kept = self.kept.setdefault(error.sheet, [])
        if len(kept) < MAX_ERRORS:
            kept.append(error)
        else:
            self.dropped += 1

    def raise_if_any(self) -> None:
        if not self.kept:
            return
        order = {spec.title: number for number, spec in enumerate(SHEETS)}
        found = sorted(
            (error for errors in self.kept.values() for error in errors),
            key=lambda error: (order.get(error.sheet, -1), error.row),
        )
        raise AssetImportError(found, uncounted=self.dropped)


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, Any]

    def key(self, spec: SheetSpec) -> tuple[str, ...]:
        return tuple(self.values[attr] for attr in spec.key)


# -- reading ---------------------------------------------------------------------------------------


def _read_sheet(book: Any, spec: SheetSpec, errors: _Problems) -> list[Row]:
    if spec.title not in book.sheetnames:
        if spec is SYSTEMS:
            errors.append(RowError(0, "", _("缺少工作表"), sheet=spec.title))
        return []
    rows = book[spec.title].iter_rows(values_only=True)
    names = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    missing = [col.header for col in spec.columns if col.required and col.header not in names]
    if missing:
        message = _("表头缺少列：%(columns)s") % {"columns": "、".join(missing)}
        errors.append(RowError(1, "", message, sheet=spec.title))
        return []
    index = {col.header: names.index(col.header) for col in spec.columns if col.header in names}
    parsed: list[Row] = []
    seen: dict[tuple[str, ...], int] = {}
    try:
        for number, cells in data_rows(rows):
            row = _parse_row(spec, number, cells, index, errors)
            if row is None:
                continue
            if row.key(spec) in seen:
                message = _("与第 %(row)s 行重复") % {"row": seen[row.key(spec)]}
                errors.append(RowError(number, spec.columns[len(spec.key) - 1].header, message, sheet=spec.title))
                continue
            seen[row.key(spec)] = number
            parsed.append(row)
    except TooManyRows as over:
        errors.append(RowError(over.row, "", over.message, sheet=spec.title))
    return parsed


def _parse_row(
    spec: SheetSpec, number: int, cells: tuple[Any, ...], index: dict[str, int], errors: _Problems
) -> Row | None:
    values: dict[str, Any] = {}
    ok = True
    for col in spec.columns:
        position = index.get(col.header)
        raw = cells[position] if position is not None and position < len(cells) else None
        try:
            value = col.parse(raw)
        except CellInvalid as problem:
            errors.append(RowError(number, col.header, str(problem), sheet=spec.title))
            ok = False
            continue
        if col.required and value in (None, ""):
            errors.append(RowError(number, col.header, _("必填"), sheet=spec.title))
            ok = False
        values[col.attr] = value
    return Row(number, values) if ok else None


def _check_parents(department: Department, sheets: dict[str, list[Row]], errors: _Problems) -> None:
    """Each child row must name a parent in the file or already in the department's registry."""
    systems = {row.values["name"] for row in sheets[SYSTEMS.title]}
    systems |= set(InformationSystem.objects.filter(department=department).values_list("name", flat=True))
    databases = {row.key(DATABASES) for row in sheets[DATABASES.title]}
    databases |= set(Database.objects.filter(system__department=department).values_list("system__name", "name"))
    tables = {row.key(TABLES) for row in sheets[TABLES.title]}
    registered = DataTable.objects.filter(database__system__department=department)
    tables |= set(registered.values_list("database__system__name", "database__name", "name"))
    parents = ((DATABASES, systems, "所属系统", 1), (TABLES, databases, "数据库名称", 2), (COLUMNS, tables, "表名", 3))
    for spec, known, header, depth in parents:
        for row in sheets[spec.title]:
            key = row.key(spec)[:depth]
            if (key[0] if depth == 1 else key) not in known:
                message = _("找不到 “%(name)s”") % {"name": " / ".join(key)}
                errors.append(RowError(row.number, header, message, sheet=spec.title))


def assets_from_xlsx(file: IO[bytes], *, department: Department) -> dict[str, list[Row]]:
    """Every sheet's parsed rows; raises AssetImportError listing every bad row of every sheet."""
    try:
        book = open_workbook(file)
    except WorkbookUnreadable as refused:
        raise AssetImportError([RowError(0, "", refused.message, sheet=_("文件"))]) from None
    errors = _Problems()
    sheets = {spec.title: _read_sheet(book, spec, errors) for spec in SHEETS}
    _check_parents(department, sheets, errors)
    if not errors and not any(sheets.values()):
        errors.append(RowError(0, "", _("文件中没有数据行"), sheet=_("文件")))
    errors.raise_if_any()
    return sheets


# -- writing the registry --------------------------------------------------------------------------


def _upsert(model: Any, summary: ImportSummary, lookup: dict[str, Any], values: dict[str, Any]) -> Any:
    obj, created = model.objects.update_or_create(**lookup, defaults=values)
    counts = summary.created if created else summary.updated
    counts[model._meta.model_name] = counts.get(model._meta.model_name, 0) + 1
    return obj


def _fields(row: Row, spec: SheetSpec) -> dict[str, Any]:
    return {attr: value for attr, value in row.values.items() if attr not in spec.key}


@transaction.atomic
def assets_import_xlsx(*, file: IO[bytes], department_id: int) -> ImportSummary:
    """Import a 普查 workbook into one department's registry, all or nothing."""
    department = asset_get(Department, department_id)
    sheets = assets_from_xlsx(file, department=department)
    summary = ImportSummary()
    systems = {s.name: s for s in InformationSystem.objects.filter(department=department)}
    for row in sheets[SYSTEMS.title]:
        systems[row.values["name"]] = _upsert(
            InformationSystem, summary, {"department": department, "name": row.values["name"]}, _fields(row, SYSTEMS)
        )
    databases = {
        (d.system.name, d.name): d
        for d in Database.objects.filter(system__department=department).select_related("system")
    }
    for row in sheets[DATABASES.title]:
        system, name = row.key(DATABASES)
        databases[(system, name)] = _upsert(
            Database, summary, {"system": systems[system], "name": name}, _fields(row, DATABASES)
        )
    tables: dict[tuple[str, ...], DataTable] = {
        (t.database.system.name, t.database.name, t.name): t
        for t in DataTable.objects.filter(database__system__department=department).select_related("database__system")
    }
    for row in sheets[TABLES.title]:
        system, database, name = row.key(TABLES)
        values = {**_fields(row, TABLES), "removed_at": None}
        tables[(system, database, name)] = _upsert(
            DataTable, summary, {"database": databases[(system, database)], "name": name}, values
        )
    positions: dict[tuple[str, ...], int] = {}
    for row in sheets[COLUMNS.title]:
        parent = row.key(COLUMNS)[:3]
        positions[parent] = positions.get(parent, 0) + 1
        values = {**_fields(row, COLUMNS), "removed_at": None}
        values["position"] = values["position"] if values["position"] is not None else positions[parent]
        _upsert(Column, summary, {"table": tables[parent], "name": row.values["name"]}, values)
    return summary


# -- the template ----------------------------------------------------------------------------------


def _sheet(book: Workbook, spec: SheetSpec, first: bool) -> Any:
    sheet = book.active if first else book.create_sheet()
    sheet.title = spec.title
    sheet.append(spec.headers())
    sheet.freeze_panes = "A2"
    for number, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = max(12, len(col.header) * 2 + 4)
        note = (_("必填。") if col.required else "") + col.note
        if note:
            sheet.cell(row=1, column=number).comment = Comment(note, "通办")
        if col.options:
            rule = DataValidation(type="list", formula1='"' + ",".join(col.options) + '"', allow_blank=not col.required)
            rule.error, rule.errorTitle = _("请从下拉列表中选择"), col.header
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{_TEMPLATE_ROWS}")
    return sheet


def _label(mapping: dict[str, Any], value: Any) -> str:
    return next((label for label, stored in mapping.items() if stored == value), "")


def _rows(department: Department) -> dict[str, list[list[Any]]]:
    from .excel_layout import CYCLES, DEPLOYMENT, ENGINES, STATUS, YES_NO

    yes = lambda flag: _label(YES_NO, flag)  # noqa: E731
    systems = InformationSystem.objects.filter(department=department).order_by("name")
    databases = Database.objects.filter(system__in=systems).select_related("system").order_by("system__name", "name")
    tables = DataTable.objects.filter(database__in=databases, removed_at__isnull=True).select_related(
        "database__system"
    )
    columns = Column.objects.filter(table__in=tables, removed_at__isnull=True).select_related("table__database__system")
    return {
        SYSTEMS.title: [
            [
                s.name,
                _label(STATUS, s.status),
                _label(DEPLOYMENT, s.deployment),
                s.users,
                s.user_count,
                s.vendor,
                yes(s.on_cloud),
                s.description,
            ]
            for s in systems
        ],
        DATABASES.title: [
            [d.system.name, d.name, _label(ENGINES, d.engine), d.host, d.size_mb, d.description] for d in databases
        ],
        TABLES.title: [
            [t.database.system.name, t.database.name, t.name, t.comment, t.rows, _label(CYCLES, t.update_cycle)]
            for t in tables.order_by("database__system__name", "database__name", "name")
        ],
        COLUMNS.title: [
            [
                c.table.database.system.name,
                c.table.database.name,
                c.table.name,
                c.name,
                c.data_type,
                c.length,
                yes(c.nullable),
                c.comment,
                c.position,
            ]
            for c in columns.order_by(
                "table__database__system__name", "table__database__name", "table__name", "position"
            )
        ],
    }


def assets_template_xlsx(*, department_id: int | None = None) -> bytes:
    """The 普查 workbook: empty, or filled with a department's registry (which imports back unchanged)."""
    book = Workbook()
    filled = _rows(asset_get(Department, department_id)) if department_id is not None else {}
    for number, spec in enumerate(SHEETS):
        sheet = _sheet(book, spec, number == 0)
        for values in filled.get(spec.title, []):
            append_row(sheet, [float(v) if isinstance(v, Decimal) else v for v in values])
    help_sheet = book.create_sheet(_("填写说明"))
    for line in (
        (_("顺序"), _("先填 信息系统，再填 数据库、数据表、字段；下级表用名称指向上级")),
        (_("更新"), _("再次导入同一文件会按名称更新已有资产，不会重复新增；文件中没有的资产保持不变")),
        (_("校验"), _("任何一行有误则整份文件不导入，并列出出错的工作表和行号")),
    ):
        help_sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

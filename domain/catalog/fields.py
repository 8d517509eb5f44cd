"""The catalog's 信息项 as a 清洗比对 field source ("catalog.item"), streamed; an accepted mapping sets their
数据元 (InfoItem.data_element)."""

from collections.abc import Iterator

from domain.standards.cleansing.records import FieldRecord
from domain.standards.sources import field_source, on_fields_mapped

from .models import InfoItem

SOURCE = "catalog.item"


@field_source(SOURCE)
def catalog_items() -> Iterator[FieldRecord]:
    rows = InfoItem.objects.order_by("pk").values_list("pk", "name", "data_type", "length")
    for pk, name, data_type, length in rows.iterator(chunk_size=5000):
        yield FieldRecord(source=SOURCE, source_id=pk, name=name, data_type=data_type, length=length)


@on_fields_mapped(SOURCE)
def catalog_items_mapped(ids: list[int], element_id: int) -> None:
    InfoItem.objects.filter(pk__in=ids).update(data_element_id=element_id)

"""The catalog's 信息项 as a 清洗比对 field source ("catalog.item"), streamed."""

from collections.abc import Iterator

from domain.standards.cleansing.records import FieldRecord
from domain.standards.sources import field_source

from .models import InfoItem

SOURCE = "catalog.item"


@field_source(SOURCE)
def catalog_items() -> Iterator[FieldRecord]:
    rows = InfoItem.objects.order_by("pk").values_list("pk", "name", "data_type", "length")
    for pk, name, data_type, length in rows.iterator(chunk_size=5000):
        yield FieldRecord(source=SOURCE, source_id=pk, name=name, data_type=data_type, length=length)

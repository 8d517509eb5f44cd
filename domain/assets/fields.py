"""The registry's columns as a 清洗比对 field source ("assets.column"): every column still present in its
table, streamed, with its comment (an ASCII column name is matched by the Chinese name it is commented with)."""

from collections.abc import Iterator

from domain.standards.cleansing.records import FieldRecord
from domain.standards.sources import field_source

from .models import Column

SOURCE = "assets.column"


@field_source(SOURCE)
def registered_columns() -> Iterator[FieldRecord]:
    rows = (
        Column.objects.filter(removed_at__isnull=True, table__removed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "name", "comment", "data_type", "length")
    )
    for pk, name, comment, data_type, length in rows.iterator(chunk_size=5000):
        yield FieldRecord(source=SOURCE, source_id=pk, name=name, comment=comment, data_type=data_type, length=length)

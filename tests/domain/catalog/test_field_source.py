"""The catalog's 信息项 take part in 清洗比对 as the "catalog.item" field source."""

import pytest

from domain.catalog import services as catalog_services
from domain.standards.sources import field_source_get

from . import builders as b

pytestmark = pytest.mark.django_db


def test_every_information_item_is_a_field_record() -> None:
    """Each 信息项 of every entry, with its name, type code and length."""
    entry = catalog_services.entry_create(fields=b.fields(), actor=b.clerk_actor())
    records = [r for r in field_source_get("catalog.item")() if r.source_id in {i.pk for i in entry.items.all()}]
    assert [(r.name, r.data_type, r.length) for r in records] == [("姓名", "C", 50), ("公民身份号码", "C", 18)]

"""Drafting an entry from a probed table: one 信息项 per column, linked to the column and, where known,
to the standard data element."""

import pytest

from domain.assets.models import Column, Database, DataTable, InformationSystem
from domain.catalog import services as catalog_services
from domain.catalog.errors import NotPermitted
from domain.catalog.services.from_table import item_data_type
from domain.catalog.validation import entry_fields_check
from domain.catalog.versions import entry_fields
from domain.standards.models import DataElement, FieldMapping
from tests import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db


def probed_table() -> DataTable:
    system = InformationSystem.objects.create(department=b.provider(), name="婚姻登记系统")
    database = Database.objects.create(system=system, name="hydj", engine="oracle")
    table = DataTable.objects.create(database=database, name="t_hyjl", comment="婚姻登记记录", update_cycle="daily")
    rows = [
        ("xm", "varchar(50)", 50, "姓名", None),
        ("sfzh", "char(18)", 18, "公民身份号码", None),
        ("djrq", "date", None, "登记日期", None),
        ("old_flag", "bit", None, "", "2026-01-01T00:00:00Z"),  # dropped from the source: not an item
        ("bz", "text", None, "", None),
    ]
    for position, (name, data_type, length, comment, removed) in enumerate(rows):
        Column.objects.create(
            table=table,
            name=name,
            data_type=data_type,
            length=length,
            comment=comment,
            position=position,
            removed_at=removed,
        )
    return table


def test_a_table_becomes_a_draft_with_one_item_per_live_column() -> None:
    """Items follow the column order with mapped types and lengths; the draft obeys every rule."""
    table = probed_table()
    entry = catalog_services.entry_create_from_table(
        table_id=table.pk, classification_id=b.population_subject().pk, actor=b.clerk_actor()
    )
    assert (entry.name, entry.status, entry.provider_id, entry.format_type) == (
        "婚姻登记记录",
        "draft",
        b.provider().pk,
        "oracle",
    )
    items = list(entry.items.values_list("name", "data_type", "length", "column__name"))
    assert items == [
        ("姓名", "C", 50, "xm"),
        ("公民身份号码", "C", 18, "sfzh"),
        ("登记日期", "D", None, "djrq"),
        ("bz", "M", None, "bz"),
    ]
    entry_fields_check(entry_fields(entry))


def test_items_link_to_confirmed_or_unambiguous_data_elements() -> None:
    """A steward's field mapping wins; otherwise an element with exactly the column's Chinese name;
    never a guess between two elements of the same name."""
    table = probed_table()
    name = DataElement.objects.create(identifier="DE0001", name_zh="姓名")
    id_number = DataElement.objects.create(identifier="DE0002", name_zh="公民身份号码")
    DataElement.objects.create(identifier="DE0003", name_zh="登记日期")
    DataElement.objects.create(identifier="DE0004", name_zh="登记日期")
    other = DataElement.objects.create(identifier="DE0005", name_zh="证件号码")
    FieldMapping.objects.create(source="assets.column", source_id=table.columns.get(name="sfzh").pk, element=other)
    entry = catalog_services.entry_create_from_table(
        table_id=table.pk, classification_id=b.population_subject().pk, actor=b.clerk_actor()
    )
    links = dict(entry.items.values_list("name", "data_element_id"))
    assert links == {"姓名": name.pk, "公民身份号码": other.pk, "登记日期": None, "bz": None}
    assert id_number.pk not in links.values()


def test_only_the_owning_departments_cataloguer_may_catalogue_the_table() -> None:
    table = probed_table()
    outsider = f.user("outsider", roles=["cataloguer"], dept=b.authority())
    with pytest.raises(NotPermitted):
        catalog_services.entry_create_from_table(
            table_id=table.pk, classification_id=b.population_subject().pk, actor=f.actor(outsider)
        )


@pytest.mark.parametrize(
    ("physical", "expected"),
    [("VARCHAR2(100)", "C"), ("timestamp with time zone", "T"), ("NUMBER(10,2)", "N"), ("bigint", "I"), ("bytea", "G")],
)
def test_physical_types_map_to_item_data_types(physical: str, expected: str) -> None:
    assert item_data_type(physical) == expected

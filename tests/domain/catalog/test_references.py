"""What an entry points at (its classification, each 信息项's column and data element) is checked against the
database by the services, not trusted from the form's hidden inputs."""

from dataclasses import replace

import pytest

from domain.assets.models import Column, Database, DataTable, InformationSystem
from domain.catalog import services as catalog_services
from domain.catalog.errors import EntryInvalid
from domain.catalog.models import CatalogEntry, ClassificationNode
from domain.catalog.validation import ItemFields
from domain.directory.models import Department
from domain.standards.models import DataElement
from tests import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db


def column_of(department: Department, name: str = "sfzh") -> Column:
    system = InformationSystem.objects.create(department=department, name=f"系统-{name}")
    database = Database.objects.create(system=system, name="db", engine="oracle")
    table = DataTable.objects.create(database=database, name="t")
    return Column.objects.create(table=table, name=name, data_type="char(18)")


def refused(**item_links: object) -> dict[str, list[str]]:
    """The errors of drafting the standard fields with the links on the second 信息项."""
    fields = b.fields()
    second = replace(fields.items[1], **item_links)  # type: ignore[arg-type]
    with pytest.raises(EntryInvalid) as caught:
        catalog_services.entry_create(fields=replace(fields, items=(fields.items[0], second)), actor=b.clerk_actor())
    assert not CatalogEntry.objects.exists()
    return caught.value.errors


def test_a_column_of_the_provider_and_a_live_element_are_accepted() -> None:
    """The provider's own column (through its system) and a 现行 element link as given."""
    column = column_of(b.provider())
    element = DataElement.objects.create(identifier="DE0001", name_zh="公民身份号码")
    fields = b.fields(items=(ItemFields("公民身份号码", "C", 18, data_element_id=element.pk, column_id=column.pk),))
    entry = catalog_services.entry_create(fields=fields, actor=b.clerk_actor())
    assert list(entry.items.values_list("column_id", "data_element_id")) == [(column.pk, element.pk)]


def test_another_departments_column_is_refused_on_its_row() -> None:
    """A cataloguer cannot link a 信息项 to a column registered to another department."""
    foreign = column_of(f.department("330106-WJ", "西湖区卫健委"))
    assert list(refused(column_id=foreign.pk)) == ["items[2]"]


def test_a_column_owned_by_the_provider_in_another_departments_system_is_accepted() -> None:
    """The column's own department decides before its system's (the registry's owner rule)."""
    column = column_of(f.department("330106-WJ", "西湖区卫健委"))
    DataTable.objects.filter(pk=column.table_id).update(department=b.provider())
    fields = b.fields(items=(ItemFields("公民身份号码", "C", 18, column_id=column.pk),))
    entry = catalog_services.entry_create(fields=fields, actor=b.clerk_actor())
    assert entry.items.get().column_id == column.pk


def test_a_made_up_or_removed_column_is_refused_on_its_row() -> None:
    """An id that names no column, or a column a probe found removed, is named on its row."""
    assert list(refused(column_id=987654)) == ["items[2]"]
    gone = column_of(b.provider())
    Column.objects.filter(pk=gone.pk).update(removed_at="2026-01-01T00:00:00Z")
    assert "已被探测为删除" in " ".join(refused(column_id=gone.pk)["items[2]"])


def test_a_retired_or_made_up_element_is_refused_on_its_row() -> None:
    """A 废止 data element cannot be linked; nor an id that names none."""
    retired = DataElement.objects.create(identifier="DE0009", name_zh="旧证件号码", status="retired")
    assert "已废止" in " ".join(refused(data_element_id=retired.pk)["items[2]"])
    assert list(refused(data_element_id=987654)) == ["items[2]"]


def test_the_links_of_a_proposed_change_are_checked_too() -> None:
    """A 变更 cannot bring in another department's column either."""
    f.deploy("catalog_approval")
    entry = catalog_services.entry_create(fields=b.fields(), actor=b.clerk_actor())
    CatalogEntry.objects.filter(pk=entry.pk).update(status="published")
    foreign = column_of(f.department("330106-WJ", "西湖区卫健委"))
    fields = b.fields(items=(ItemFields("公民身份号码", "C", 18, column_id=foreign.pk),))
    with pytest.raises(EntryInvalid) as caught:
        catalog_services.change_submit(entry_id=entry.pk, fields=fields, reason="补充", actor=b.clerk_actor())
    assert list(caught.value.errors) == ["items[1]"]


def test_the_classification_must_exist_and_be_below_a_category() -> None:
    """An unknown node or a 门类 (level 1) is refused on the classification field."""
    b.population_subject()
    top = ClassificationNode.objects.filter(level=1).first()
    assert top is not None
    for node_id in (987654, top.pk):
        with pytest.raises(EntryInvalid) as caught:
            catalog_services.entry_create(fields=b.fields(classification_id=node_id), actor=b.clerk_actor())
        assert list(caught.value.errors) == ["classification_id"]
    assert not CatalogEntry.objects.exists()

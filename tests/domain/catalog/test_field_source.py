"""The catalog's 信息项 take part in 清洗比对 as the "catalog.item" field source: their ids stay stable under
edits (so mappings keep pointing at them) and an accepted mapping sets their 数据元."""

from typing import Any

import pytest

from domain.catalog import services as catalog_services
from domain.catalog.models import InfoItem
from domain.catalog.validation import ItemFields
from domain.standards.models import Cluster, FieldMapping
from domain.standards.services import cleansing_run_start, cluster_accept, element_create
from domain.standards.sources import field_source_get
from tests import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db


def test_every_information_item_is_a_field_record() -> None:
    """Each 信息项 of every entry, with its name, type code and length."""
    entry = catalog_services.entry_create(fields=b.fields(), actor=b.clerk_actor())
    records = [r for r in field_source_get("catalog.item")() if r.source_id in {i.pk for i in entry.items.all()}]
    assert [(r.name, r.data_type, r.length) for r in records] == [("姓名", "C", 50), ("公民身份号码", "C", 18)]


def test_editing_a_draft_keeps_the_items_it_did_not_remove_and_their_mappings() -> None:
    """Reordering, retyping and adding 信息项 updates the stored rows in place: a mapping made for 公民身份号码
    still names that item; only a removed item's row goes."""
    entry = catalog_services.entry_create(fields=b.fields(), actor=b.clerk_actor())
    name_row, id_row = entry.items.all()
    element = element_create(actor=None, name_zh="公民身份号码")
    FieldMapping.objects.create(source="catalog.item", source_id=id_row.pk, element=element)
    items = (
        ItemFields(name="公民身份号码", data_type="C", length=20),
        ItemFields(name="出生日期", data_type="D"),
    )

    catalog_services.entry_update(entry_id=entry.pk, fields=b.fields(items=items), actor=b.clerk_actor())

    rows = list(entry.items.all())
    assert [(r.order, r.name, r.length) for r in rows] == [(1, "公民身份号码", 20), (2, "出生日期", None)]
    assert rows[0].pk == id_row.pk and not InfoItem.objects.filter(pk=name_row.pk).exists()
    mapping = FieldMapping.objects.get(source="catalog.item")
    assert InfoItem.objects.get(pk=mapping.source_id).name == "公民身份号码"


def test_accepting_a_cluster_sets_the_data_element_of_its_catalog_items(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A 清洗比对 run over the 信息项; the steward accepts the 公民身份号码 cluster: both entries' items now
    name that data element (InfoItem.data_element), as the mapping rows do."""
    first = catalog_services.entry_create(fields=b.fields(), actor=b.clerk_actor())
    second = catalog_services.entry_create(fields=b.fields(name="低保对象名册"), actor=b.clerk_actor())
    steward = f.actor(f.user("steward"))
    with django_capture_on_commit_callbacks(execute=True):
        run = cleansing_run_start(actor=steward, sources=["catalog.item"])
    cluster = Cluster.objects.filter(run=run, members__name="公民身份号码").distinct().get()

    accepted = cluster_accept(cluster_id=cluster.pk, actor=steward)

    items = InfoItem.objects.filter(entry__in=[first, second], name="公民身份号码")
    assert items.count() == 2 and {i.data_element_id for i in items} == {accepted.element_id}
    assert not InfoItem.objects.filter(name="姓名").exclude(data_element=None).exists()

"""The registry's columns feed 清洗比对: present columns with their comments, removed ones left out."""

import pytest
from django.utils import timezone

from domain.assets.models import Column, Database, DataTable, InformationSystem
from domain.standards.sources import field_source_get

pytestmark = pytest.mark.django_db


def test_registered_columns_are_a_cleansing_source(system: InformationSystem) -> None:
    """Every column still in its table is a field record named and commented as registered."""
    database = Database.objects.create(system=system, name="rk")
    table = DataTable.objects.create(database=database, name="person")
    kept = Column.objects.create(table=table, name="sfzh", comment="身份证号", data_type="varchar", length=18)
    gone = Column.objects.create(table=table, name="old_col", data_type="int", removed_at=timezone.now())

    records = {r.source_id: r for r in field_source_get("assets.column")()}

    assert kept.pk in records and gone.pk not in records
    record = records[kept.pk]
    assert (record.source, record.name, record.comment, record.data_type, record.length) == (
        "assets.column",
        "sfzh",
        "身份证号",
        "varchar",
        18,
    )

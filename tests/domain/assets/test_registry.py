"""The asset registry: register, update and delete by form data; search; the relation map for the graph page."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from domain.assets import selectors, services
from domain.assets.errors import AssetConflict, AssetInvalid, AssetNotFound
from domain.assets.models import Database, ProbeRun, RunStatus
from domain.assets.probing.services import probe_register, probes_enqueue_due
from domain.assets.tasks import probes_due
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def department():
    return factories.department("330106001", "西湖区民政局")


@pytest.fixture
def chain(department):
    system = services.system_register(
        department_id=department.pk,
        data={
            "name": "低保救助系统",
            "status": "in_use",
            "deployment": "gov_cloud",
            "user_count": "120",
            "on_cloud": "是",
        },
    )
    database = services.database_register(
        system_id=system.pk, data={"name": "dibao", "engine": "mysql", "size_mb": "12.5"}
    )
    table = services.table_register(
        database_id=database.pk, data={"name": "family", "comment": "低保家庭", "update_cycle": "daily"}
    )
    column = services.column_register(
        table_id=table.pk,
        data={"name": "sfzh", "data_type": "char", "length": "18", "nullable": "否", "comment": "身份证号"},
    )
    return system, database, table, column


def test_form_data_is_typed_and_stored(chain):
    """Strings from a form become numbers and booleans; a table without its own department belongs to the system's."""
    system, database, table, column = chain

    assert (system.user_count, system.on_cloud, system.status) == (120, True, "in_use")
    assert database.size_mb == Decimal("12.5")
    assert (column.length, column.nullable) == (18, False)
    assert database.owner == system.department


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "status": "in_use"}, "name"),
        ({"name": "x", "status": "建设中"}, "status"),
        ({"name": "x", "user_count": "很多"}, "user_count"),
        ({"name": "x", "on_cloud": "也许"}, "on_cloud"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_invalid_form_data_names_the_field(department, data, field):
    """Each bad value raises AssetInvalid naming the field it came from, and nothing is stored."""
    with pytest.raises(AssetInvalid) as caught:
        services.system_register(department_id=department.pk, data=data)

    assert caught.value.field == field
    assert not selectors.systems_search(department_id=department.pk).exists()


def test_natural_keys_are_unique_within_their_parent(chain, department):
    """A second system of the same name in the department, or table in the database, is refused;
    the same name elsewhere is fine."""
    system, database, table, _column = chain

    with pytest.raises(AssetConflict) as caught:
        services.system_register(department_id=department.pk, data={"name": "低保救助系统"})
    assert caught.value.field == "name"
    with pytest.raises(AssetConflict):
        services.table_register(database_id=database.pk, data={"name": "family"})
    with pytest.raises(AssetConflict):
        services.column_register(table_id=table.pk, data={"name": "sfzh", "data_type": "char"})
    other = factories.department("330106002", "西湖区卫健局")
    assert services.system_register(department_id=other.pk, data={"name": "低保救助系统"}).pk != system.pk


def test_update_reads_only_the_fields_sent_and_rename_is_checked(chain):
    """Updating one field keeps the others; renaming onto a sibling's name is a conflict."""
    system, database, table, _column = chain
    sibling = services.database_register(system_id=system.pk, data={"name": "dibao_bak", "engine": "mysql"})

    updated = services.database_update(database_id=database.pk, data={"host": "10.1.2.3"})
    assert (updated.host, updated.engine, updated.name) == ("10.1.2.3", "mysql", "dibao")
    with pytest.raises(AssetConflict):
        services.database_update(database_id=sibling.pk, data={"name": "dibao"})


def test_delete_cascades_down_and_unknown_ids_are_not_found(chain):
    """Deleting a system removes its databases, tables and columns; a missing id is AssetNotFound."""
    system, database, _table, _column = chain

    services.system_delete(system_id=system.pk)

    assert not Database.objects.filter(pk=database.pk).exists()
    with pytest.raises(AssetNotFound):
        services.system_delete(system_id=system.pk)


def test_a_system_a_probe_uses_cannot_be_deleted(chain, sqlite_dir):
    """The probe must be removed or moved first; the message says so."""
    system = chain[0]
    probe_register(
        department_id=system.department_id,
        system_id=system.pk,
        data={"name": "p", "engine": "sqlite", "database_name": str(sqlite_dir / "x.db")},
    )

    with pytest.raises(AssetConflict) as caught:
        services.system_delete(system_id=system.pk)
    assert "探针" in caught.value.message


def test_search_by_text_department_and_engine(chain, department):
    """Name or 中文名 contains the text; department and engine filters narrow the list."""
    _system, _database, table, column = chain
    other = factories.department("330106002", "西湖区卫健局")
    other_system = services.system_register(department_id=other.pk, data={"name": "家庭医生"})
    other_db = services.database_register(system_id=other_system.pk, data={"name": "fd", "engine": "postgresql"})
    services.table_register(database_id=other_db.pk, data={"name": "family_doctor", "comment": "家庭医生签约"})

    assert set(selectors.tables_search(query="家庭")) == {table, *selectors.tables_search(department_id=other.pk)}
    assert list(selectors.tables_search(query="家庭", department_id=department.pk)) == [table]
    assert list(selectors.tables_search(engine="mysql")) == [table]
    assert list(selectors.columns_search(query="身份证", department_id=department.pk)) == [column]
    assert list(selectors.databases_search(engine="postgresql")) == [other_db]


def test_relation_map_is_json_of_systems_databases_and_tables(chain, department):
    """Nodes for the department's systems, databases and live tables; edges system→database→table."""
    system, database, table, _column = chain
    removed = services.table_register(database_id=database.pk, data={"name": "old"})
    removed.removed_at = timezone.now()
    removed.save()

    graph = json.loads(json.dumps(selectors.relation_map(department_id=department.pk)))

    ids = {node["id"] for node in graph["nodes"]}
    assert ids == {f"system:{system.pk}", f"database:{database.pk}", f"table:{table.pk}"}
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {
        (f"system:{system.pk}", f"database:{database.pk}"),
        (f"database:{database.pk}", f"table:{table.pk}"),
    }
    table_node = next(node for node in graph["nodes"] if node["type"] == "table")
    assert (table_node["label"], table_node["columns"]) == ("family（低保家庭）", 1)
    assert selectors.relation_map(system_id=system.pk) == graph


def test_scheduled_probes_are_queued_when_due_and_moved_forward(chain, sqlite_dir):
    """Beat queues one run per due, enabled, scheduled probe and moves its next time by the period;
    manual and disabled probes are left alone."""
    system = chain[0]

    def probe(name, **extra):
        data = {"name": name, "engine": "sqlite", "database_name": str(sqlite_dir / "a.db"), **extra}
        return probe_register(department_id=system.department_id, system_id=system.pk, data=data)

    daily = probe("daily", schedule="daily")
    probe("manual", schedule="manual")
    probe("off", schedule="hourly", enabled="false")
    now = timezone.now() + timedelta(seconds=1)

    queued = probes_enqueue_due(now=now)

    assert list(ProbeRun.objects.filter(pk__in=queued).values_list("probe__name", "status")) == [
        ("daily", RunStatus.QUEUED)
    ]
    daily.refresh_from_db()
    assert daily.next_run_at == now + timedelta(days=1)
    assert probes_enqueue_due(now=now) == []
    assert probes_due() == 0

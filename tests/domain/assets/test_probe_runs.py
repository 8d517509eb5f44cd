"""Probe runs against real servers: read the schema, diff against the last run, keep the registry current."""

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from domain.assets.models import Column, DataTable, ProbeRun, RunStatus, SchemaChange
from domain.assets.probing.services import probe_run_execute, probe_run_start
from domain.assets.signals import schema_changes_applied

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    schema_changes_applied.connect(receiver, weak=False)
    yield calls
    schema_changes_applied.disconnect(receiver)


def run_now(probe: Any, capture: Any) -> ProbeRun:
    """Start a run as a person would; the worker (Celery, eager here) picks it up after commit."""
    with capture(execute=True):
        run = probe_run_start(probe_id=probe.pk, actor=None)
    run.refresh_from_db()
    return run


def kinds(run: ProbeRun) -> set[tuple[str, str, str]]:
    return set(SchemaChange.objects.filter(run=run).values_list("kind", "table_name", "column_name"))


def column(table: str, name: str) -> Column:
    return Column.objects.get(table__name=table, name=name)


PG_SCHEMA = [
    "CREATE TABLE person (id serial PRIMARY KEY, name varchar(50) NOT NULL, id_card char(18),"
    " salary numeric(10,2), legacy text)",
    "COMMENT ON TABLE person IS '人口基本信息'",
    "COMMENT ON COLUMN person.name IS '姓名'",
    "COMMENT ON COLUMN person.id_card IS '身份证号'",
    "CREATE TABLE org (id int PRIMARY KEY, uscc char(18))",
    "COMMENT ON COLUMN org.uscc IS '统一社会信用代码'",
    "CREATE SCHEMA gis",
    "CREATE TABLE gis.parcel (id int, area numeric(12,3))",
    "CREATE VIEW person_view AS SELECT id FROM person",
]
PG_ALTER = [
    "ALTER TABLE person ADD COLUMN phone varchar(20)",
    "COMMENT ON COLUMN person.phone IS '联系电话'",
    "ALTER TABLE person DROP COLUMN legacy",
    "ALTER TABLE person ALTER COLUMN name TYPE varchar(100)",
    "ALTER TABLE person ALTER COLUMN id_card SET NOT NULL",
    "COMMENT ON COLUMN org.uscc IS '社会信用代码'",
    "ALTER TABLE org ALTER COLUMN id TYPE bigint",
    "DROP TABLE gis.parcel",
    "CREATE TABLE address (id int, detail varchar(200))",
]


def test_postgres_first_run_fills_the_registry_from_the_catalog(
    pg_server, make_probe, django_capture_on_commit_callbacks
):
    """The first run creates the database asset under the probe's system with every table of every
    non-system schema (views left out), their comments, lengths, precision and nullability."""
    pg_server.run(*PG_SCHEMA)
    probe = make_probe(
        engine="postgresql", host="127.0.0.1", port=5432, database_name=pg_server.name, username="postgres"
    )

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.SUCCEEDED, run.error_message
    assert (run.tables_count, run.columns_count) == (3, 9)
    probe.refresh_from_db()
    assert probe.database is not None
    assert (probe.database.name, probe.database.engine, probe.database.system_id) == (
        pg_server.name,
        "postgresql",
        probe.system_id,
    )
    tables = dict(DataTable.objects.filter(database=probe.database).values_list("name", "comment"))
    assert tables == {"person": "人口基本信息", "org": "", "gis.parcel": ""}
    name = column("person", "name")
    assert (name.data_type, name.length, name.nullable, name.comment) == ("character varying", 50, False, "姓名")
    salary = column("person", "salary")
    assert (salary.data_type, salary.length, salary.scale) == ("numeric", 10, 2)
    assert column("person", "id_card").length == 18
    assert kinds(run) == {("table_added", t, "") for t in ("person", "org", "gis.parcel")}
    assert run.duration_ms is not None and run.finished_at is not None


def test_postgres_second_run_records_each_change_and_updates_the_registry(
    pg_server, make_probe, django_capture_on_commit_callbacks, received
):
    """After ALTERs, the next run records exactly what changed, applies it to the registry (removed
    tables and columns are marked, not deleted) and tells the catalog through the signal."""
    pg_server.run(*PG_SCHEMA)
    probe = make_probe(
        engine="postgresql", host="127.0.0.1", port=5432, database_name=pg_server.name, username="postgres"
    )
    first = run_now(probe, django_capture_on_commit_callbacks)
    pg_server.run(*PG_ALTER)

    second = run_now(probe, django_capture_on_commit_callbacks)

    assert second.status == RunStatus.SUCCEEDED, second.error_message
    assert kinds(second) == {
        ("column_added", "person", "phone"),
        ("column_removed", "person", "legacy"),
        ("length_changed", "person", "name"),
        ("nullable_changed", "person", "id_card"),
        ("comment_changed", "org", "uscc"),
        ("type_changed", "org", "id"),
        ("table_removed", "gis.parcel", ""),
        ("table_added", "address", ""),
    }
    length = SchemaChange.objects.get(run=second, kind="length_changed")
    assert (length.before, length.after, length.column_id) == ([50, None], [100, None], column("person", "name").pk)
    assert column("person", "name").length == 100
    assert column("person", "id_card").nullable is False
    assert column("person", "phone").comment == "联系电话"
    assert column("person", "legacy").removed_at is not None
    assert column("org", "id").data_type == "bigint"
    assert column("org", "uscc").comment == "社会信用代码"
    assert DataTable.objects.get(name="gis.parcel").removed_at is not None
    assert column("address", "detail").length == 200
    assert [call["probe_run"].pk for call in received] == [first.pk, second.pk]
    assert {change.kind for change in received[1]["changes"]} == {kind for kind, _t, _c in kinds(second)}


def test_an_unchanged_database_gives_a_run_without_changes_and_no_signal(
    pg_server, make_probe, django_capture_on_commit_callbacks, received
):
    """Running again on an unchanged database succeeds, records nothing and sends nothing."""
    pg_server.run(*PG_SCHEMA[:4])
    probe = make_probe(
        engine="postgresql", host="127.0.0.1", port=5432, database_name=pg_server.name, username="postgres"
    )
    run_now(probe, django_capture_on_commit_callbacks)

    again = run_now(probe, django_capture_on_commit_callbacks)

    assert again.status == RunStatus.SUCCEEDED
    assert again.changes_count == 0 and kinds(again) == set()
    assert len(received) == 1


def test_a_dropped_table_that_returns_is_revived(pg_server, make_probe, django_capture_on_commit_callbacks):
    """A table dropped and created again is the same registry row, no longer marked removed."""
    pg_server.run("CREATE TABLE t (a int)")
    probe = make_probe(
        engine="postgresql", host="127.0.0.1", port=5432, database_name=pg_server.name, username="postgres"
    )
    run_now(probe, django_capture_on_commit_callbacks)
    original = DataTable.objects.get(name="t")
    pg_server.run("DROP TABLE t")
    run_now(probe, django_capture_on_commit_callbacks)
    pg_server.run("CREATE TABLE t (a int, b int)")

    run_now(probe, django_capture_on_commit_callbacks)

    revived = DataTable.objects.get(name="t")
    assert revived.pk == original.pk and revived.removed_at is None
    assert set(revived.columns.values_list("name", flat=True)) == {"a", "b"}


MYSQL_SCHEMA = [
    "CREATE TABLE person (id int PRIMARY KEY, name varchar(50) NOT NULL COMMENT '姓名',"
    " salary decimal(10,2), legacy text) COMMENT='人口基本信息'",
    "INSERT INTO person VALUES (1, '张三', 1.5, NULL), (2, '李四', 2.5, NULL)",
    "CREATE TABLE org (id int, uscc char(18) COMMENT '统一社会信用代码')",
    "CREATE TABLE gone (id int)",
]
MYSQL_ALTER = [
    "ALTER TABLE person ADD COLUMN phone varchar(20) COMMENT '联系电话'",
    "ALTER TABLE person DROP COLUMN legacy",
    "ALTER TABLE person MODIFY name varchar(80) NOT NULL COMMENT '姓名'",
    "DROP TABLE gone",
    "CREATE TABLE address (detail varchar(200) COMMENT '详细地址')",
]


def test_mariadb_runs_read_information_schema_and_diff(mysql_server, make_probe, django_capture_on_commit_callbacks):
    """On MariaDB a probe reads TABLE_COMMENT, COLUMN_COMMENT, lengths and TABLE_ROWS, records the
    asset as MariaDB, and a second run after ALTERs records each change."""
    mysql_server.run(*MYSQL_SCHEMA)
    probe = make_probe(engine="mysql", host="127.0.0.1", port=3306, database_name=mysql_server.name, username="root")

    first = run_now(probe, django_capture_on_commit_callbacks)

    assert first.status == RunStatus.SUCCEEDED, first.error_message
    probe.refresh_from_db()
    assert probe.database.engine == "mariadb"
    person = DataTable.objects.get(name="person")
    assert (person.comment, person.rows) == ("人口基本信息", 2)
    name = column("person", "name")
    assert (name.data_type, name.length, name.nullable, name.comment) == ("varchar", 50, False, "姓名")
    assert (column("person", "salary").length, column("person", "salary").scale) == (10, 2)
    mysql_server.run(*MYSQL_ALTER)

    second = run_now(probe, django_capture_on_commit_callbacks)

    assert kinds(second) == {
        ("column_added", "person", "phone"),
        ("column_removed", "person", "legacy"),
        ("length_changed", "person", "name"),
        ("table_removed", "gone", ""),
        ("table_added", "address", ""),
    }
    assert column("person", "name").length == 80
    assert column("address", "detail").comment == "详细地址"


def test_sqlite_file_is_read_with_pragma_table_info(
    tmp_path: Path, make_probe, django_capture_on_commit_callbacks, sqlite_dir
):
    """A SQLite file: tables from sqlite_master, columns from pragma table_info, rows counted, no comments."""
    path = tmp_path / "zwfw.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, title VARCHAR(120) NOT NULL, fee DECIMAL(8,2))")
        connection.executemany("INSERT INTO item (title) VALUES (?)", [("a",), ("b",), ("c",)])
    probe = make_probe(engine="sqlite", database_name=str(path))

    first = run_now(probe, django_capture_on_commit_callbacks)

    assert first.status == RunStatus.SUCCEEDED, first.error_message
    probe.refresh_from_db()
    assert (probe.database.name, probe.database.engine) == ("zwfw", "sqlite")
    assert DataTable.objects.get(name="item").rows == 3
    title = column("item", "title")
    assert (title.data_type, title.length, title.nullable) == ("varchar", 120, False)
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE item ADD COLUMN note TEXT")

    second = run_now(probe, django_capture_on_commit_callbacks)

    assert kinds(second) == {("column_added", "item", "note")}


def test_a_run_delivered_twice_executes_once(
    tmp_path: Path, make_probe, django_capture_on_commit_callbacks, sqlite_dir
):
    """Celery delivers at least once: a second delivery of a finished run does nothing."""
    path = tmp_path / "one.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE a (x int)")
    probe = make_probe(engine="sqlite", database_name=str(path))
    run = run_now(probe, django_capture_on_commit_callbacks)

    assert probe_run_execute(run_id=run.pk) is None

    assert SchemaChange.objects.filter(run__probe=probe).count() == 1
    assert ProbeRun.objects.filter(probe=probe).count() == 1


def test_starting_a_probe_that_is_already_queued_returns_that_run(make_probe, tmp_path: Path, sqlite_dir):
    """Pressing 采集 twice does not queue two runs of one probe."""
    probe = make_probe(engine="sqlite", database_name=str(tmp_path / "x.sqlite3"))

    first = probe_run_start(probe_id=probe.pk, actor=None)
    second = probe_run_start(probe_id=probe.pk, actor=None)

    assert first.pk == second.pk and first.status == RunStatus.QUEUED


def test_a_run_whose_worker_died_does_not_block_the_probe(make_probe, tmp_path: Path, settings, sqlite_dir):
    """A run left 'running' longer than PROBE_STUCK_SECONDS is failed as interrupted when someone
    starts the probe again, and a new run is queued."""
    probe = make_probe(engine="sqlite", database_name=str(tmp_path / "x.sqlite3"))
    stuck = ProbeRun.objects.create(probe=probe, status=RunStatus.RUNNING)
    ProbeRun.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=1))

    fresh = probe_run_start(probe_id=probe.pk, actor=None)

    stuck.refresh_from_db()
    assert fresh.pk != stuck.pk and fresh.status == RunStatus.QUEUED
    assert stuck.status == RunStatus.FAILED and "采集中断" in stuck.error_message

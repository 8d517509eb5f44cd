"""A probe that cannot read its database says why, in words a person understands, and changes nothing."""

import logging
from typing import Any

import pytest

from domain.assets.errors import AssetInvalid
from domain.assets.models import Column, Database, DataTable, ErrorKind, Probe, RunStatus, SchemaChange, SchemaSnapshot
from domain.assets.probing.services import password_display, probe_run_start, probe_update
from domain.assets.signals import schema_changes_applied

pytestmark = pytest.mark.django_db

SECRET = "Zq9-very-secret-pw"


def run_now(probe: Probe, capture: Any) -> Any:
    with capture(execute=True):
        run = probe_run_start(probe_id=probe.pk, actor=None)
    run.refresh_from_db()
    return run


def registry_size() -> tuple[int, int, int, int, int]:
    return (
        Database.objects.count(),
        DataTable.objects.count(),
        Column.objects.count(),
        SchemaChange.objects.count(),
        SchemaSnapshot.objects.count(),
    )


def assert_failed_without_trace(run: Any, kind: str, before: tuple[int, ...], caplog: Any) -> None:
    assert run.status == RunStatus.FAILED
    assert run.error_kind == kind, run.error_message
    assert run.finished_at is not None and run.duration_ms is not None
    assert " / " in run.error_message  # Chinese first, then English
    assert registry_size() == before
    assert SECRET not in run.error_message
    assert SECRET not in caplog.text


def test_wrong_password_on_mariadb_is_an_auth_failure(
    mysql_server, make_probe, django_capture_on_commit_callbacks, caplog
):
    """A wrong password: 认证失败, the password nowhere in the message or the logs, nothing stored."""
    caplog.set_level(logging.DEBUG)
    probe = make_probe(
        engine="mysql", host="127.0.0.1", port=3306, database_name=mysql_server.name, username="root", password=SECRET
    )
    before = registry_size()

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert_failed_without_trace(run, ErrorKind.AUTH, before, caplog)
    assert "用户名或密码错误" in run.error_message


def test_unknown_postgres_role_is_an_auth_failure(pg_server, make_probe, django_capture_on_commit_callbacks, caplog):
    """A role the server does not know is reported as an authentication problem."""
    caplog.set_level(logging.DEBUG)
    probe = make_probe(
        engine="postgresql",
        host="127.0.0.1",
        port=5432,
        database_name=pg_server.name,
        username="no_such_role_tongban",
        password=SECRET,
    )
    before = registry_size()

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert_failed_without_trace(run, ErrorKind.AUTH, before, caplog)


def test_unknown_postgres_database_is_not_found(make_probe, django_capture_on_commit_callbacks, caplog, db):
    """A database name that does not exist on the server: 数据库不存在."""
    probe = make_probe(
        engine="postgresql", host="127.0.0.1", port=5432, database_name="no_such_db_tongban", username="postgres"
    )
    before = registry_size()

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert_failed_without_trace(run, ErrorKind.NOT_FOUND, before, caplog)


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_closed_port_is_a_network_failure(engine, closed_port, make_probe, django_capture_on_commit_callbacks, caplog):
    """Nothing listens on the port: 网络不通, reported at once."""
    probe = make_probe(
        engine=engine, host="127.0.0.1", port=closed_port, database_name="x", username="u", password=SECRET
    )
    before = registry_size()

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert_failed_without_trace(run, ErrorKind.NETWORK, before, caplog)
    assert "无法连接到数据库服务器" in run.error_message


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_a_server_that_never_answers_times_out(
    engine, black_hole, make_probe, django_capture_on_commit_callbacks, caplog
):
    """A server that accepts the connection but never answers is a timeout after the connect timeout
    (libpq waits at least 2 s), not a hang."""
    probe = make_probe(
        engine=engine,
        host="127.0.0.1",
        port=black_hole,
        database_name="x",
        username="u",
        password=SECRET,
        connect_timeout=1,
    )
    before = registry_size()

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert_failed_without_trace(run, ErrorKind.TIMEOUT, before, caplog)
    assert run.duration_ms < 8000


def test_missing_sqlite_file_is_not_found_and_not_created(
    sqlite_dir, tmp_path, make_probe, django_capture_on_commit_callbacks, caplog
):
    """A SQLite path that does not exist is 数据库不存在; the probe does not create an empty file there."""
    path = tmp_path / "missing.sqlite3"
    probe = make_probe(engine="sqlite", database_name=str(path))

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.error_kind == ErrorKind.NOT_FOUND
    assert not path.exists()


def test_password_is_stored_encrypted_and_never_shown(make_probe, settings):
    """The stored password is a Fernet token; str, repr and the form show only 已设置; an untouched
    password box (posting 已设置 back) keeps it while the connection stays the same, a new one replaces it."""
    probe = make_probe(engine="mysql", host="127.0.0.1", port=3306, database_name="d", username="u", password=SECRET)
    probe.refresh_from_db()

    assert SECRET not in probe.password_encrypted and probe.password_encrypted.startswith("gAAAA")
    assert SECRET not in str(probe) and SECRET not in repr(probe)
    assert password_display(probe) == "已设置"
    token = probe.password_encrypted
    probe_update(probe_id=probe.pk, data={"password": "已设置", "host": "127.0.0.1", "port": "3306", "name": "改名"})
    probe.refresh_from_db()
    assert probe.password_encrypted == token and probe.name == "改名"
    probe_update(probe_id=probe.pk, data={"password": "another"})
    probe.refresh_from_db()
    assert probe.password_encrypted != token


def test_a_password_under_another_key_fails_with_a_clear_message(
    make_probe, settings, django_capture_on_commit_callbacks, tmp_path
):
    """After the key changes (SECRET_KEY rotated without PROBE_KEY), a run asks for the password again."""
    probe = make_probe(engine="mysql", host="127.0.0.1", port=3306, database_name="d", username="u", password=SECRET)
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_KEY": "a-different-key"}

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.FAILED
    assert "重新填写密码" in run.error_message and SECRET not in run.error_message


def test_sqlite_probes_can_be_confined_to_configured_directories(make_probe, settings, tmp_path):
    """With PROBE_SQLITE_DIRS set, a SQLite path outside those directories is refused at registration."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": [str(tmp_path / "allowed")]}

    with pytest.raises(AssetInvalid) as caught:
        make_probe(engine="sqlite", database_name=str(tmp_path / "allowed" / ".." / "db.sqlite3"))

    assert caught.value.field == "database_name"
    assert make_probe(engine="sqlite", database_name=str(tmp_path / "allowed" / "a.sqlite3")).pk


def registry_rows() -> list[tuple[Any, ...]]:
    """Every table and column as stored, with its removal mark, in a stable order."""
    tables = DataTable.objects.order_by("pk").values_list("pk", "name", "comment", "removed_at", "updated")
    columns = Column.objects.order_by("pk").values_list(
        "pk", "table_id", "name", "data_type", "length", "nullable", "comment", "removed_at"
    )
    return [*tables, *columns]


def test_a_failed_run_after_a_successful_one_leaves_the_registry_as_it_was(
    pg_server, closed_port, make_probe, django_capture_on_commit_callbacks, caplog
):
    """A probe that registered tables, then is pointed at a port where nothing listens: the second run
    fails as 网络不通 and the registry keeps what the first run found — no table or column marked removed,
    no change recorded, the last snapshot still the first run's, and the catalog is not told anything."""
    pg_server.run(
        "CREATE TABLE person (id integer PRIMARY KEY, name varchar(50) NOT NULL)",
        "CREATE TABLE org (id integer PRIMARY KEY, uscc char(18))",
    )
    probe = make_probe(
        engine="postgresql", host="127.0.0.1", port=5432, database_name=pg_server.name, username="postgres"
    )
    first = run_now(probe, django_capture_on_commit_callbacks)
    assert first.status == RunStatus.SUCCEEDED, first.error_message
    assert set(DataTable.objects.values_list("name", flat=True)) == {"person", "org"}
    rows, changes = registry_rows(), list(SchemaChange.objects.order_by("pk").values_list("pk", flat=True))
    probe_update(probe_id=probe.pk, data={"port": str(closed_port)})
    sent: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        sent.append(kwargs)

    schema_changes_applied.connect(receiver, weak=False)
    try:
        second = run_now(probe, django_capture_on_commit_callbacks)
    finally:
        schema_changes_applied.disconnect(receiver)

    assert (second.status, second.error_kind) == (RunStatus.FAILED, ErrorKind.NETWORK), second.error_message
    assert registry_rows() == rows
    assert not DataTable.objects.filter(removed_at__isnull=False).exists()
    assert not Column.objects.filter(removed_at__isnull=False).exists()
    assert list(SchemaChange.objects.order_by("pk").values_list("pk", flat=True)) == changes
    assert not SchemaChange.objects.filter(run=second).exists()
    latest = SchemaSnapshot.objects.filter(probe=probe).order_by("-id").first()
    assert latest is not None and latest.run_id == first.pk
    assert sent == []

"""Pointing a probe elsewhere: the stored password does not follow it, and another database starts afresh."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from domain.assets.crypto import password_decrypt
from domain.assets.models import Database, DataTable, Probe, ProbeRun, RunStatus, SchemaChange
from domain.assets.probing import runs
from domain.assets.probing.services import probe_run_start, probe_update

pytestmark = pytest.mark.django_db

SECRET = "Zq9-very-secret-pw"


def run_now(probe: Probe, capture: Any) -> ProbeRun:
    with capture(execute=True):
        run = probe_run_start(probe_id=probe.pk, actor=None)
    run.refresh_from_db()
    return run


def server_probe(make_probe: Any) -> Probe:
    return make_probe(
        engine="postgresql", host="10.0.0.5", port=5432, database_name="rk", username="reader", password=SECRET
    )


def stored_password(probe: Probe) -> str:
    probe.refresh_from_db()
    return password_decrypt(probe.password_encrypted)


@pytest.mark.parametrize(
    "change",
    [
        {"host": "attacker.example"},
        {"port": "6543"},
        {"engine": "mysql"},
        {"username": "someone"},
        {"database_name": "other"},
    ],
)
def test_changing_where_a_probe_connects_drops_the_stored_password(make_probe, change):
    """An editor who points the probe at another server, port, engine, user or database does not get the
    stored password sent there: it is cleared, also when the untouched box posts 已设置 back."""
    probe = server_probe(make_probe)

    probe_update(probe_id=probe.pk, data={"password": "已设置", **change})

    probe.refresh_from_db()
    assert probe.password_encrypted == "" and not probe.has_password


def test_a_new_password_given_with_the_change_is_kept(make_probe):
    """Moving the probe and typing the new server's password in the same update stores that password."""
    probe = server_probe(make_probe)

    probe_update(probe_id=probe.pk, data={"host": "10.0.0.9", "password": "new-server-pw"})

    assert stored_password(probe) == "new-server-pw"


def test_the_same_connection_posted_back_keeps_the_password(make_probe):
    """A form posts every field back as text ("5432"): the same connection with other changes (name,
    schedule) is no change of connection, and the password stays."""
    probe = server_probe(make_probe)
    form = {"engine": "postgresql", "host": "10.0.0.5", "port": "5432", "database_name": "rk", "username": "reader"}

    probe_update(probe_id=probe.pk, data={**form, "password": "", "name": "人口库（新）", "schedule": "daily"})

    assert stored_password(probe) == SECRET


def sqlite_db(path: Path, *statements: str) -> Path:
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    return path


def test_pointing_a_probe_at_another_database_starts_afresh(sqlite_dir, make_probe, django_capture_on_commit_callbacks):
    """After the database name changes, the next run fills a Database asset of the new target (diffed
    against that asset's registry, not against the old target's snapshot) and leaves the old asset as it
    was: none of its tables is marked removed."""
    first = sqlite_db(sqlite_dir / "renkou.sqlite3", "CREATE TABLE person (id int, name varchar(50))")
    second = sqlite_db(sqlite_dir / "faren.sqlite3", "CREATE TABLE org (id int, uscc char(18))")
    probe = make_probe(engine="sqlite", database_name=str(first))
    run_now(probe, django_capture_on_commit_callbacks)
    old_asset = Probe.objects.get(pk=probe.pk).database

    probe_update(probe_id=probe.pk, data={"database_name": str(second)})
    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.SUCCEEDED, run.error_message
    probe.refresh_from_db()
    assert probe.database is not None and probe.database.pk != old_asset.pk
    assert probe.database.name == "faren"
    assert set(SchemaChange.objects.filter(run=run).values_list("kind", "table_name")) == {("table_added", "org")}
    person = DataTable.objects.get(database=old_asset, name="person")
    assert person.removed_at is None and person.columns.filter(removed_at__isnull=False).count() == 0
    assert not DataTable.objects.filter(database=old_asset, name="org").exists()


def test_a_target_pointed_back_is_refound_and_diffed_against_its_registry(
    sqlite_dir, make_probe, django_capture_on_commit_callbacks
):
    """Back on the first database, the probe finds its Database asset again and compares with what the
    registry holds now, not with the snapshot taken before it was pointed away."""
    first = sqlite_db(sqlite_dir / "renkou.sqlite3", "CREATE TABLE person (id int)")
    second = sqlite_db(sqlite_dir / "faren.sqlite3", "CREATE TABLE org (id int)")
    probe = make_probe(engine="sqlite", database_name=str(first))
    run_now(probe, django_capture_on_commit_callbacks)
    asset = Probe.objects.get(pk=probe.pk).database
    probe_update(probe_id=probe.pk, data={"database_name": str(second)})
    run_now(probe, django_capture_on_commit_callbacks)
    DataTable.objects.filter(database=asset, name="person").delete()  # a clerk tidied the registry meanwhile

    probe_update(probe_id=probe.pk, data={"database_name": str(first)})
    run = run_now(probe, django_capture_on_commit_callbacks)

    probe.refresh_from_db()
    assert probe.database_id == asset.pk and Database.objects.filter(name="renkou").count() == 1
    assert set(SchemaChange.objects.filter(run=run).values_list("kind", "table_name")) == {("table_added", "person")}
    assert DataTable.objects.filter(database=asset, name="person", removed_at__isnull=True).exists()


def test_a_run_whose_probe_was_pointed_elsewhere_meanwhile_stores_nothing(sqlite_dir, make_probe, monkeypatch, caplog):
    """A run that read database A while an editor pointed the probe at B does not write A's schema into
    B's asset: it fails saying so, and nothing is registered."""
    first = sqlite_db(sqlite_dir / "renkou.sqlite3", "CREATE TABLE person (id int)")
    second = sqlite_db(sqlite_dir / "faren.sqlite3", "CREATE TABLE org (id int)")
    probe = make_probe(engine="sqlite", database_name=str(first))
    real_read = runs.read_schema

    def read_then_repoint(target: Any) -> Any:
        snapshot = real_read(target)
        probe_update(probe_id=probe.pk, data={"database_name": str(second)})
        return snapshot

    monkeypatch.setattr(runs, "read_schema", read_then_repoint)
    run = ProbeRun.objects.create(probe=probe)

    runs.probe_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "连接目标" in run.error_message
    assert not DataTable.objects.exists() and not Database.objects.exists()

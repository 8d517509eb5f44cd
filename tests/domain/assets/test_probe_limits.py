"""What a probe may open and for how long: SQLite only in configured folders, and a run presumed lost after
PROBE_STUCK_SECONDS never stores its late result."""

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from domain.assets.errors import AssetInvalid
from domain.assets.models import Database, DataTable, ErrorKind, Probe, ProbeRun, RunStatus, SchemaSnapshot
from domain.assets.probing import runs
from domain.assets.probing.services import probe_run_start

pytestmark = pytest.mark.django_db


def sqlite_db(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE secret (token varchar(64))")
    return path


def run_now(probe: Probe, capture: Any) -> ProbeRun:
    with capture(execute=True):
        run = probe_run_start(probe_id=probe.pk, actor=None)
    run.refresh_from_db()
    return run


def test_sqlite_probes_are_refused_when_no_folder_is_configured(make_probe, settings, tmp_path):
    """With PROBE_SQLITE_DIRS empty (the default) no SQLite probe can be saved, and the message names the
    setting an operator has to set."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": []}

    with pytest.raises(AssetInvalid) as caught:
        make_probe(engine="sqlite", database_name=str(sqlite_db(tmp_path / "a.sqlite3")))

    assert caught.value.field == "database_name"
    assert "TONGBAN_PROBE_SQLITE_DIRS" in caught.value.message


def test_a_sqlite_probe_saved_before_the_folders_were_emptied_fails_at_run_time(
    sqlite_dir, make_probe, settings, django_capture_on_commit_callbacks
):
    """The folders are checked again when the probe runs: once the setting no longer allows the file,
    the run fails naming the setting and reads nothing."""
    probe = make_probe(engine="sqlite", database_name=str(sqlite_db(sqlite_dir / "a.sqlite3")))
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": []}

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.FAILED
    assert "TONGBAN_PROBE_SQLITE_DIRS" in run.error_message
    assert not DataTable.objects.exists()


def test_a_symlink_swapped_in_after_saving_cannot_lead_outside_the_folders(
    tmp_path, settings, make_probe, django_capture_on_commit_callbacks
):
    """A path that was a file inside the allowed folder when saved and is now a symlink to a database
    elsewhere: the run resolves the link, refuses the file and registers none of its tables."""
    allowed, outside = tmp_path / "allowed", sqlite_db(tmp_path / "platform" / "own.sqlite3")
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": [str(allowed)]}
    path = sqlite_db(allowed / "db.sqlite3")
    probe = make_probe(engine="sqlite", database_name=str(path))
    path.unlink()
    path.symlink_to(outside)

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.status == RunStatus.FAILED and "允许探测的目录" in run.error_message
    assert not DataTable.objects.filter(name="secret").exists()


def test_a_symlink_out_of_the_folder_is_refused_when_saving(tmp_path, settings, make_probe):
    """A path inside the folder that links to a file outside it is refused at once."""
    allowed, outside = tmp_path / "allowed", sqlite_db(tmp_path / "platform" / "own.sqlite3")
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": [str(allowed)]}
    allowed.mkdir()
    (allowed / "link.sqlite3").symlink_to(outside)

    with pytest.raises(AssetInvalid) as caught:
        make_probe(engine="sqlite", database_name=str(allowed / "link.sqlite3"))

    assert caught.value.field == "database_name"


def test_a_run_presumed_lost_while_reading_does_not_store_its_result(sqlite_dir, make_probe, monkeypatch, caplog):
    """A run still reading after PROBE_STUCK_SECONDS is failed when the probe is started again; when its
    read finally ends, the result is discarded (logged): the run stays FAILED, and no snapshot, asset or
    table is written, so it cannot overwrite a newer run's result."""
    caplog.set_level(logging.WARNING)
    probe = make_probe(engine="sqlite", database_name=str(sqlite_db(sqlite_dir / "a.sqlite3")))
    real_read = runs.read_schema
    newer: list[ProbeRun] = []

    def slow_read(target: Any) -> Any:
        snapshot = real_read(target)
        ProbeRun.objects.filter(status=RunStatus.RUNNING).update(started_at=timezone.now() - timedelta(hours=1))
        newer.append(probe_run_start(probe_id=probe.pk, actor=None))  # someone presses 采集 again
        return snapshot

    monkeypatch.setattr(runs, "read_schema", slow_read)
    late = ProbeRun.objects.create(probe=probe)

    runs.probe_run_execute(run_id=late.pk)

    late.refresh_from_db()
    assert late.status == RunStatus.FAILED and "采集中断" in late.error_message
    assert newer[0].pk != late.pk and newer[0].status == RunStatus.QUEUED
    assert not SchemaSnapshot.objects.exists() and not Database.objects.exists() and not DataTable.objects.exists()
    assert f"run {late.pk}: result discarded" in caplog.text


def test_timeouts_above_the_stuck_limit_are_refused(make_probe, settings):
    """A statement or connect timeout that would let a run outlive PROBE_STUCK_SECONDS (connect plus four
    catalog statements) is refused on the field, with the limit in the message."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_STUCK_SECONDS": 300}
    server = {"engine": "mysql", "host": "127.0.0.1", "port": 3306, "database_name": "d", "username": "u"}

    with pytest.raises(AssetInvalid) as caught:
        make_probe(**server, statement_timeout=300)

    assert caught.value.field == "statement_timeout" and "60" in caught.value.message
    with pytest.raises(AssetInvalid) as caught:
        make_probe(**server, connect_timeout=61)
    assert caught.value.field == "connect_timeout"
    assert make_probe(**server, statement_timeout=60, connect_timeout=60).pk


def test_a_probe_saved_with_long_timeouts_is_held_to_a_lowered_stuck_limit(
    black_hole, make_probe, settings, django_capture_on_commit_callbacks
):
    """Lowering PROBE_STUCK_SECONDS also shortens probes saved earlier: a server that never answers gives
    up after the new cap (here 2 s), not after the probe's own 30 s."""
    probe = make_probe(
        engine="mysql", host="127.0.0.1", port=black_hole, database_name="x", username="u", connect_timeout=30
    )
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_STUCK_SECONDS": 10}

    run = run_now(probe, django_capture_on_commit_callbacks)

    assert run.error_kind == ErrorKind.TIMEOUT, run.error_message
    assert run.duration_ms < 5000

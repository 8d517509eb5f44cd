"""A probe run started by a person is executed by a real `celery worker` process, not in the web process."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.assets import services
from domain.assets.models import Column, DataTable, ProbeRun, RunStatus, SchemaSnapshot
from domain.assets.probing.services import probe_register, probe_run_start
from tests import factories as f
from tests import worker_support as ws

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def sqlite_dir(tmp_path: Path, settings: Any) -> Path:
    """The folder SQLite probes may read, allowed here (registration) and in the worker (the run)."""
    allowed = tmp_path / "probe-files"
    allowed.mkdir()
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": [str(allowed)]}
    return allowed


@pytest.fixture
def probe_workers(tmp_path: Path, sqlite_dir: Path) -> Iterator[ws.Workers]:
    """Like the `workers` fixture, with TONGBAN_PROBE_SQLITE_DIRS in the worker's environment."""
    ws.purge_queue()
    logs = tmp_path / "workers"
    logs.mkdir()
    pool = ws.Workers(logs, extra_env={"TONGBAN_PROBE_SQLITE_DIRS": str(sqlite_dir)})
    try:
        yield pool
    finally:
        pool.stop_all()
        ws.purge_queue()


def test_a_real_worker_reads_a_sqlite_file_and_registers_its_tables(
    sqlite_dir: Path, probe_workers: ws.Workers
) -> None:
    """Started with 立即采集, the run goes through the broker to a worker, ends 成功 with the time it took,
    and the file's tables and columns are in the registry with the snapshot it read."""
    path = sqlite_dir / "zwfw.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, title VARCHAR(120) NOT NULL, fee DECIMAL(8,2))")
        connection.execute("CREATE TABLE applicant (id INTEGER PRIMARY KEY, name VARCHAR(50), id_card CHAR(18))")
        connection.executemany("INSERT INTO item (title) VALUES (?)", [("a",), ("b",)])
    department = f.department()
    system = services.system_register(department_id=department.pk, data={"name": "政务服务系统", "status": "in_use"})
    probe = probe_register(
        department_id=department.pk,
        system_id=system.pk,
        data={"name": "政务服务库探针", "schedule": "manual", "engine": "sqlite", "database_name": str(path)},
    )
    probe_workers.start()

    run = probe_run_start(probe_id=probe.pk, actor=None)

    def finished() -> ProbeRun | None:
        run.refresh_from_db()
        return run if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED) else None

    try:
        ws.wait_for(finished, timeout=60, what=f"probe run {run.pk} to finish")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{probe_workers.logs()[-4000:]}") from None
    assert run.status == RunStatus.SUCCEEDED, f"{run.error_message}\n{probe_workers.logs()[-4000:]}"
    assert run.duration_ms is not None and run.duration_ms > 0
    assert run.finished_at is not None and run.started_at is not None
    assert (run.tables_count, run.columns_count) == (2, 6)
    probe.refresh_from_db()
    assert probe.database is not None and probe.database.name == "zwfw"
    assert set(DataTable.objects.filter(database=probe.database).values_list("name", flat=True)) == {
        "item",
        "applicant",
    }
    title = Column.objects.get(table__name="item", name="title")
    assert (title.data_type, title.length, title.nullable) == ("varchar", 120, False)
    assert DataTable.objects.get(name="item").rows == 2
    assert SchemaSnapshot.objects.get(probe=probe).run_id == run.pk
    assert "assets.tasks.probe_run_execute" in probe_workers.logs()

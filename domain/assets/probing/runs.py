"""Execute one probe run: claim it, read the schema, and store the result only while the run is RUNNING.

The read happens outside any transaction (it may take minutes on a slow server). Storing locks the probe,
then the run (the order `probe_run_start` locks in), and goes ahead only if the run is still RUNNING and
the probe still points where the run read from: a run presumed lost after PROBE_STUCK_SECONDS was failed
and may have been followed by a newer one, so its late result is discarded and logged, never applied.
"""

import logging
import time
from functools import partial
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..crypto import PasswordUnreadable, password_decrypt
from ..models import Database, Engine, Probe, ProbeRun, RunStatus, SchemaSnapshot
from ..signals import schema_changes_applied
from .apply import registry_apply, snapshot_from_registry
from .diff import schema_diff
from .errors import ProbeFailure
from .limits import TARGET_FIELDS, SqliteRefused, fields_of, sqlite_path, time_limits
from .readers import Snapshot, Target, read_schema

log = logging.getLogger(__name__)


def _target(probe: Probe) -> Target:
    database = probe.database_name
    if probe.engine == "sqlite":
        try:
            database = str(sqlite_path(database))  # checked again now: the setting or a symlink may have changed
        except SqliteRefused as refused:
            raise ProbeFailure.of("other", text=refused.text) from None
    try:
        password = password_decrypt(probe.password_encrypted)
    except PasswordUnreadable:
        raise ProbeFailure.of("password") from None
    connect_timeout, statement_timeout = time_limits(probe)
    return Target(
        engine=probe.engine,
        host=probe.host,
        port=probe.port,
        database=database,
        username=probe.username,
        password=password,
        connect_timeout=connect_timeout,
        statement_timeout=statement_timeout,
    )


def probe_run_execute(*, run_id: int) -> ProbeRun | None:
    """Claim the queued run, read, store. None when the run was not queued (a second delivery)."""
    claimed = ProbeRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = ProbeRun.objects.select_related("probe").get(pk=run_id)
    clock = time.monotonic()
    read_from = fields_of(run.probe, TARGET_FIELDS)
    try:
        snapshot = read_schema(_target(run.probe))
        _store(run_id=run.pk, probe_id=run.probe_id, read_from=read_from, snapshot=snapshot, clock=clock)
    except ProbeFailure as failure:
        _fail(run, failure, clock)
    except Exception as error:  # noqa: BLE001 — the run must end failed, whatever broke
        log.exception("probe run %s failed unexpectedly", run.pk)
        _fail(run, ProbeFailure.of("other", None, type(error).__name__), clock)
    run.refresh_from_db()
    return run


def _fail(run: ProbeRun, failure: ProbeFailure, clock: float) -> None:
    failed = ProbeRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED,
        error_kind=failure.kind,
        error_message=failure.message,
        finished_at=timezone.now(),
        duration_ms=int((time.monotonic() - clock) * 1000),
    )
    if failed:
        log.warning("probe %s run %s failed (%s): %s", run.probe_id, run.pk, failure.kind, failure.message)
    else:
        log.warning("probe %s run %s ended (%s) after it was presumed lost", run.probe_id, run.pk, failure.kind)


def _target_database(probe: Probe, snapshot: Snapshot) -> Database:
    if probe.database_id and probe.database:
        return probe.database
    name = Path(probe.database_name).stem if probe.engine == "sqlite" else probe.database_name
    database, _created = Database.objects.get_or_create(
        system=probe.system, name=name[:200], defaults={"engine": snapshot["engine"], "host": probe.host}
    )
    probe.database = database
    probe.save(update_fields=["database"])
    return database


def _baseline(probe: Probe, database: Database) -> dict[str, Any]:
    """The last snapshot of this target, or (first run, or the probe was pointed elsewhere) the registry."""
    previous = SchemaSnapshot.objects.filter(probe=probe)
    if probe.target_changed_at is not None:
        previous = previous.filter(created__gt=probe.target_changed_at)
    last = previous.order_by("-id").first()
    return last.data if last else snapshot_from_registry(database)


@transaction.atomic
def _store(*, run_id: int, probe_id: int, read_from: dict[str, Any], snapshot: Snapshot, clock: float) -> None:
    # Serialises two runs of one probe at the apply step, so each diffs against the other's result.
    probe = Probe.objects.select_for_update(of=("self",)).select_related("database", "system").get(pk=probe_id)
    run = ProbeRun.objects.select_for_update().filter(pk=run_id, status=RunStatus.RUNNING).first()
    if run is None:
        log.warning("probe %s run %s: result discarded, the run was presumed lost meanwhile", probe_id, run_id)
        return
    if fields_of(probe, tuple(read_from)) != read_from:
        raise ProbeFailure.of("other", text="target_changed")
    database = _target_database(probe, snapshot)
    baseline = _baseline(probe, database)
    changes = registry_apply(run=run, database=database, snapshot=snapshot, changes=schema_diff(baseline, snapshot))
    SchemaSnapshot.objects.create(run=run, probe=probe, data=snapshot)
    database.size_mb = snapshot.get("size_mb")
    database.engine = snapshot["engine"] if snapshot["engine"] in Engine.values else database.engine
    database.save(update_fields=["size_mb", "engine", "updated"])
    run.status, run.finished_at = RunStatus.SUCCEEDED, timezone.now()
    run.tables_count = len(snapshot["tables"])
    run.columns_count = sum(len(table["columns"]) for table in snapshot["tables"].values())
    run.changes_count = len(changes)
    run.duration_ms = int((time.monotonic() - clock) * 1000)
    run.save()
    if changes:
        transaction.on_commit(partial(schema_changes_applied.send, sender=ProbeRun, probe_run=run, changes=changes))

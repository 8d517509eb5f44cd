"""Probes (数据探矿): register, start a run, execute it, enqueue the scheduled ones.

A run reads the schema outside any transaction (it may take a minute on a slow server), then in one
transaction stores the snapshot, diffs it against the previous successful one (or, on a probe's first
run, against what the registry already holds), updates the registry and records the changes. A failed
read changes nothing. Celery may deliver a run twice: only a queued run is claimed.
"""

import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from processes.ports import Actor

from ..crypto import PasswordUnreadable, password_decrypt, password_encrypt
from ..errors import AssetInvalid, AssetNotFound
from ..models import Database, Engine, InformationSystem, Probe, ProbeRun, RunStatus, Schedule, SchemaSnapshot
from ..services import asset_get, asset_save, form_fill
from ..signals import schema_changes_applied
from .apply import registry_apply, snapshot_from_registry
from .diff import schema_diff
from .errors import ProbeFailure
from .readers import Snapshot, Target, read_schema

log = logging.getLogger(__name__)

PROBE_FIELDS = (
    "name",
    "engine",
    "host",
    "port",
    "database_name",
    "username",
    "connect_timeout",
    "statement_timeout",
    "schedule",
    "enabled",
)
_PERIODS = {Schedule.HOURLY: timedelta(hours=1), Schedule.DAILY: timedelta(days=1), Schedule.WEEKLY: timedelta(weeks=1)}
_ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def _setting(key: str, default: int) -> int:
    return int(getattr(settings, "TONGBAN", {}).get(key, default))


def password_display(probe: Probe) -> str:
    """What a form shows in the password box: never the password, only whether one is set."""
    return _("已设置") if probe.has_password else ""


def next_run_after(schedule: str, moment: datetime) -> datetime | None:
    period = _PERIODS.get(schedule)  # type: ignore[call-overload]
    return moment + period if period else None


def _sqlite_path_allowed(path: str) -> bool:
    """TONGBAN["PROBE_SQLITE_DIRS"], when set, confines SQLite probes to those directories, so a clerk
    cannot point a probe at the platform's own files."""
    allowed = getattr(settings, "TONGBAN", {}).get("PROBE_SQLITE_DIRS") or []
    resolved = Path(path).resolve()
    return not allowed or any(resolved.is_relative_to(Path(folder).resolve()) for folder in allowed)


def _check(probe: Probe, data: Mapping[str, Any]) -> Probe:
    if "password" in data and str(data["password"] or "") not in ("", _("已设置")):
        # An untouched password box posts back "已设置" or nothing: keep the stored one.
        probe.password_encrypted = password_encrypt(str(data["password"]))
    if data.get("clear_password"):
        probe.password_encrypted = ""
    if probe.engine != "sqlite" and not probe.host:
        raise AssetInvalid(_("请填写主机地址"), field="host")
    if probe.engine == "sqlite" and not _sqlite_path_allowed(probe.database_name):
        raise AssetInvalid(_("SQLite 文件不在允许探测的目录中"), field="database_name")
    if probe.system.department_id != probe.department_id:
        raise AssetInvalid(_("所选信息系统不属于该部门"), field="system")
    if probe.schedule == Schedule.MANUAL:
        probe.next_run_at = None
    elif probe.next_run_at is None:
        probe.next_run_at = timezone.now()
    return asset_save(probe, Probe.objects.filter(department_id=probe.department_id), _("探针"))


@transaction.atomic
def probe_register(*, department_id: int, system_id: int, data: Mapping[str, Any]) -> Probe:
    system = asset_get(InformationSystem, system_id)
    probe = Probe(department_id=department_id, system=system)
    form_fill(probe, data, PROBE_FIELDS)
    return _check(probe, data)


@transaction.atomic
def probe_update(*, probe_id: int, data: Mapping[str, Any]) -> Probe:
    probe = asset_get(Probe, probe_id)
    if "system_id" in data:
        probe.system = asset_get(InformationSystem, int(data["system_id"]))
    form_fill(probe, data, PROBE_FIELDS)
    return _check(probe, data)


@transaction.atomic
def probe_delete(*, probe_id: int) -> None:
    asset_get(Probe, probe_id).delete()


@transaction.atomic
def probe_run_start(*, probe_id: int, actor: Actor | None) -> ProbeRun:
    """A queued run, sent to a worker after commit; a probe already queued or running returns that run."""
    from .. import tasks

    probe = Probe.objects.select_for_update().filter(pk=probe_id).first()
    if probe is None:
        raise AssetNotFound(_("探针 %(id)s 不存在") % {"id": probe_id}, field="probe")
    _abandon_stuck(probe)
    active = ProbeRun.objects.filter(probe=probe, status__in=_ACTIVE).first()
    if active is not None:
        return active
    run = ProbeRun.objects.create(probe=probe, requested_by_id=actor.user_id if actor else None)
    transaction.on_commit(partial(tasks.enqueue_probe_run, run.pk))
    return run


def _abandon_stuck(probe: Probe) -> None:
    """A run whose worker died would block the probe for ever: after PROBE_STUCK_SECONDS it is failed."""
    limit = timezone.now() - timedelta(seconds=_setting("PROBE_STUCK_SECONDS", 900))
    stuck = ProbeRun.objects.filter(probe=probe, status=RunStatus.RUNNING, started_at__lt=limit)
    stuck |= ProbeRun.objects.filter(probe=probe, status=RunStatus.QUEUED, queued_at__lt=limit)
    message = f"{_('采集中断（执行进程未完成），请重新采集')} / the run was interrupted: start it again"
    stuck.update(status=RunStatus.FAILED, error_kind="other", error_message=message, finished_at=timezone.now())


def probes_enqueue_due(*, now: datetime | None = None) -> list[int]:
    """Queue a run for every enabled scheduled probe whose time has come; returns the run ids."""
    now = now or timezone.now()
    due = Probe.objects.filter(enabled=True, next_run_at__lte=now).exclude(schedule=Schedule.MANUAL)
    runs = []
    for probe_id in due.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            probe = Probe.objects.select_for_update(skip_locked=True).filter(pk=probe_id, next_run_at__lte=now).first()
            if probe is None:
                continue
            probe.next_run_at = next_run_after(probe.schedule, now)
            probe.save(update_fields=["next_run_at"])
            runs.append(probe_run_start(probe_id=probe.pk, actor=None).pk)
    return runs


def _target(probe: Probe) -> Target:
    try:
        password = password_decrypt(probe.password_encrypted)
    except PasswordUnreadable:
        raise ProbeFailure.of("password") from None
    return Target(
        engine=probe.engine,
        host=probe.host,
        port=probe.port,
        database=probe.database_name,
        username=probe.username,
        password=password,
        connect_timeout=probe.connect_timeout or _setting("PROBE_CONNECT_TIMEOUT", 10),
        statement_timeout=probe.statement_timeout or _setting("PROBE_STATEMENT_TIMEOUT", 60),
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
    try:
        snapshot = read_schema(_target(run.probe))
        _store(run_id=run.pk, snapshot=snapshot, clock=clock)
    except ProbeFailure as failure:
        return _fail(run, failure, clock)
    except Exception as error:  # noqa: BLE001 — the run must end failed, whatever broke
        log.exception("probe run %s failed unexpectedly", run.pk)
        return _fail(run, ProbeFailure.of("other", None, type(error).__name__), clock)
    run.refresh_from_db()
    return run


def _fail(run: ProbeRun, failure: ProbeFailure, clock: float) -> ProbeRun:
    run.status, run.error_kind, run.error_message = RunStatus.FAILED, failure.kind, failure.message
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - clock) * 1000)
    run.save(update_fields=["status", "error_kind", "error_message", "finished_at", "duration_ms"])
    log.warning("probe %s run %s failed (%s): %s", run.probe_id, run.pk, failure.kind, failure.message)
    return run


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


@transaction.atomic
def _store(*, run_id: int, snapshot: Snapshot, clock: float) -> list[Any]:
    run = ProbeRun.objects.select_related("probe").get(pk=run_id)
    # Serialises two runs of one probe at the apply step, so each diffs against the other's result.
    probe = Probe.objects.select_for_update(of=("self",)).select_related("database", "system").get(pk=run.probe_id)
    database = _target_database(probe, snapshot)
    previous = SchemaSnapshot.objects.filter(probe=probe).order_by("-id").first()
    baseline = previous.data if previous else snapshot_from_registry(database)
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
    return changes

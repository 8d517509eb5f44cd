"""Probes (数据探矿): register, update, start a run, enqueue the scheduled ones (runs.py executes a run).

A run reads the schema outside any transaction (it may take a minute on a slow server), then in one
transaction stores the snapshot, diffs it against the previous successful one (or, on a probe's first
run, against what the registry already holds), updates the registry and records the changes. A failed
read changes nothing. Celery may deliver a run twice: only a queued run is claimed. A run's result is
stored only while the run is still RUNNING: one presumed lost after PROBE_STUCK_SECONDS (and failed) is
discarded when it finally ends, so it cannot apply an older snapshot after a newer run.

Pointing a probe elsewhere (engine, host, port, database name or user) drops its stored password unless a
new one comes with the change. Pointing it at another database (or system) starts afresh: the next run
finds or creates the Database asset of the new target and diffs against that asset's registry, not against
the previous target's snapshot.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from processes.ports import Actor

from ..crypto import password_encrypt
from ..errors import AssetInvalid, AssetNotFound
from ..models import InformationSystem, Probe, ProbeRun, RunStatus, Schedule
from ..services import asset_get, asset_save, asset_validate, form_fill
from .limits import CONNECTION_FIELDS, TARGET_FIELDS, SqliteRefused, fields_of, setting, sqlite_path, timeout_cap
from .runs import probe_run_execute as probe_run_execute  # re-exported: callers start and execute here

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


def password_display(probe: Probe) -> str:
    """What a form shows in the password box: never the password, only whether one is set."""
    return _("已设置") if probe.has_password else ""


def next_run_after(schedule: str, moment: datetime) -> datetime | None:
    period = _PERIODS.get(schedule)  # type: ignore[call-overload]
    return moment + period if period else None


def _new_password(data: Mapping[str, Any]) -> str:
    """The password typed in this update; "" when the box came back untouched (empty or 已设置)."""
    password = str(data.get("password") or "")
    return "" if password == _("已设置") else password


def _follow_connection(probe: Probe, data: Mapping[str, Any], before: dict[str, Any]) -> None:
    """A new connection drops the old password; a new target also drops the old asset and snapshot."""
    changed = {name for name, value in before.items() if getattr(probe, name) != value}
    if changed & set(CONNECTION_FIELDS) and not _new_password(data):
        probe.password_encrypted = ""
    if changed & set(TARGET_FIELDS):
        probe.database = None
        probe.target_changed_at = timezone.now()


def _check_limits(probe: Probe) -> None:
    if probe.engine == "sqlite":
        try:
            sqlite_path(probe.database_name)
        except SqliteRefused as refused:
            message = _("未配置允许探测的 SQLite 目录（设置 TONGBAN_PROBE_SQLITE_DIRS），不能使用 SQLite 探针")
            if refused.text == "sqlite_outside":
                message = _("SQLite 文件不在允许探测的目录中（设置 TONGBAN_PROBE_SQLITE_DIRS）")
            raise AssetInvalid(message, field="database_name") from None
    cap = timeout_cap()
    for name in ("connect_timeout", "statement_timeout"):
        if (getattr(probe, name) or 0) > cap:
            message = _("不能超过 %(max)s 秒（采集超过 %(stuck)s 秒即视为中断）") % {
                "max": cap,
                "stuck": setting("PROBE_STUCK_SECONDS", 900),
            }
            raise AssetInvalid(message, field=name)


def _check(probe: Probe, data: Mapping[str, Any], before: dict[str, Any] | None = None) -> Probe:
    asset_validate(probe)  # typed values from here on ("5432" → 5432), so a comparison means something
    if before is not None:
        _follow_connection(probe, data, before)
    if _new_password(data):
        probe.password_encrypted = password_encrypt(_new_password(data))
    if data.get("clear_password"):
        probe.password_encrypted = ""
    if probe.engine != "sqlite" and not probe.host:
        raise AssetInvalid(_("请填写主机地址"), field="host")
    _check_limits(probe)
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
    before = fields_of(probe, (*CONNECTION_FIELDS, *TARGET_FIELDS))
    if "system_id" in data:
        probe.system = asset_get(InformationSystem, int(data["system_id"]))
    form_fill(probe, data, PROBE_FIELDS)
    return _check(probe, data, before)


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
    limit = timezone.now() - timedelta(seconds=int(setting("PROBE_STUCK_SECONDS", 900)))
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

"""Moving running instances to a newer version of their process, and back.

A dry run says, per running or suspended instance of an older version, whether it can move and
why not. A run moves every instance that can, each through the one locked path (lock, load,
migrate, step, sync the inbox/timer/message rows, save, audit), keeping the state it had before so
the batch can be rolled back. Instances that cannot move stay on their version and keep working.

Each instance is committed on its own: a batch over many instances never holds every row lock (and
the audit chain) at once. A rollback restores every instance of the batch that has not moved on
since; one that has (a task completed, a timer fired) keeps the new version and is reported, the
others are still rolled back.

Inbox rows of tasks that survive keep their ids, assignee, claim, draft and deadline; a name,
documentation, lane, candidates, form or priority that the new version changed is applied to them
(a change made to the row itself, such as a supervisor's 改派, stays unless the diagram changed it).
"""

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..engine import expressions
from ..engine.migrate import ActiveElement, Finding, MigrationVerdict, Migrator, progress_mark
from ..engine.runtime import Workflow
from ..errors import Conflict, NotFound, ProcessError
from ..models import (
    HumanTask,
    InstanceMigration,
    InstanceStatus,
    MigrationBatch,
    ProcessDefinition,
    ProcessInstance,
    TaskCandidate,
)
from ..ports import Actor
from .audit import audit_append
from .deadlines import attribute_value
from .definitions import HEAVY_FIELDS, compiled_for
from .runner import Step, apply, time_limit

MIGRATABLE_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)


@dataclass(frozen=True)
class InstanceVerdict:
    """One instance in a dry run."""

    instance_id: int
    business_key: str
    status: str
    from_definition_id: int
    from_version: int
    active: list[ActiveElement]
    migratable: bool
    reasons: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RollbackResult:
    batch: MigrationBatch
    rolled_back: list[int]
    # (instance id, why it stays on the new version)
    kept: list[tuple[int, str]]


class NotMigratable(Conflict):
    """The instance changed since the dry run and can no longer move."""


class MigrationLocked(Conflict):
    """Another migration or rollback of the same process holds its lock."""


class Progress:
    """Where a run or rollback says how far it got. This one tells nobody; the background job's
    (services.migration_jobs) keeps its row up to date for the page's progress bar."""

    # A batch an earlier, interrupted attempt of the same job created: the run goes on filling it.
    existing_batch: MigrationBatch | None = None

    def begin(self, total: int) -> None:
        """`total` instances are about to be tried."""

    def step(self, instance_id: int, *, reason: str | None = None) -> None:
        """One instance done: moved (no reason) or left where it was (why)."""

    def batch_created(self, batch: MigrationBatch) -> None:
        """Called inside the transaction that creates the batch row."""


class _Migrators:
    """One Migrator per (source version, target): the spec diff is computed once per pair."""

    def __init__(self, target: ProcessDefinition) -> None:
        self.target = compiled_for(target)
        self._items: dict[tuple[int, str], Migrator] = {}

    def for_definition(self, source: ProcessDefinition) -> Migrator:
        key = (source.pk, source.content_hash)
        if key not in self._items:
            self._items[key] = Migrator(compiled_for(source), self.target)
        return self._items[key]


def _target(target_definition_id: int) -> ProcessDefinition:
    target = ProcessDefinition.objects.defer(*HEAVY_FIELDS).filter(pk=target_definition_id).first()
    if target is None:
        raise NotFound(f"流程版本 {target_definition_id} 不存在 / definition {target_definition_id} not found")
    return target


def migration_candidates(target: ProcessDefinition) -> Any:
    """Running and suspended instances of older versions of the target's process, oldest first."""
    return (
        ProcessInstance.objects.filter(
            definition__key=target.key, definition__version__lt=target.version, status__in=MIGRATABLE_STATUSES
        )
        .select_related("definition")
        .defer(*(f"definition__{name}" for name in HEAVY_FIELDS))
        .order_by("pk")
    )


def _verdict(instance: ProcessInstance, verdict: MigrationVerdict) -> InstanceVerdict:
    return InstanceVerdict(
        instance_id=instance.pk,
        business_key=instance.business_key,
        status=instance.status,
        from_definition_id=instance.definition_id,
        from_version=instance.definition.version,
        active=verdict.active,
        migratable=verdict.migratable,
        reasons=verdict.reasons,
        notes=verdict.notes,
    )


def migration_dry_run(*, target_definition_id: int) -> list[InstanceVerdict]:
    """Per instance of an older version: can it move to the target version, and if not, why not.

    Nothing is written; each instance is checked by migrating a copy of its state in memory."""
    target = _target(target_definition_id)
    migrators = _Migrators(target)
    verdicts = []
    for instance in migration_candidates(target).iterator(chunk_size=200):
        outcome = migrators.for_definition(instance.definition).migrate(
            instance.state, step=instance.status == InstanceStatus.RUNNING, time_limit=time_limit()
        )
        verdicts.append(_verdict(instance, outcome.verdict))
    return verdicts


# pg_try_advisory_lock(namespace, key): the namespace keeps these apart from any other advisory lock.
LOCK_NAMESPACE = 0x7462_6D67  # "tbmg"


def migration_lock_id(key: str) -> int:
    """The advisory lock key (an int4) of one process's migrations."""
    return zlib.crc32(key.encode("utf-8")) - 2**31


@contextmanager
def _process_lock(key: str) -> Iterator[None]:
    """Hold the per-process migration lock for the whole run or rollback (each instance still commits on
    its own). A second run for the same process is refused rather than interleaved. Session-level, so it
    outlives the per-instance transactions; PostgreSQL only (SQLite runs one writer at a time anyway)."""
    if connection.vendor != "postgresql":
        yield
        return
    lock_id = migration_lock_id(key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, lock_id])
        if not cursor.fetchone()[0]:
            raise MigrationLocked(
                f"流程 {key} 的另一次迁移或回滚正在进行，请稍后再试 / "
                f"another migration or rollback of {key} is running; try again shortly"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, lock_id])


class _LazyBatch:
    """The batch row, created inside the first instance's own transaction: if that instance is skipped
    (its transaction rolled back) the row goes with it, so a run that moves nothing leaves no batch."""

    def __init__(self, target: ProcessDefinition, actor: Actor, progress: Progress) -> None:
        self.target, self.actor, self.progress = target, actor, progress
        self.row: MigrationBatch | None = progress.existing_batch

    def get(self) -> MigrationBatch:
        if self.row is None:
            self.row = MigrationBatch.objects.create(target=self.target, created_by_id=self.actor.user_id)
            self.progress.batch_created(self.row)
        return self.row


def migration_run(*, target_definition_id: int, actor: Actor, progress: Progress | None = None) -> MigrationBatch:
    """Move every migratable instance of an older version to the target, as one audited batch.

    Each instance is checked again under its lock; one that can no longer move is skipped (and
    named in the batch's audit event). Raises Conflict when no instance can move (then no batch is
    left behind), or MigrationLocked when another run or rollback of the same process is under way."""
    target = _target(target_definition_id)
    progress = progress or Progress()
    with _process_lock(target.key):
        candidates = [v for v in migration_dry_run(target_definition_id=target.pk) if v.migratable]
        progress.begin(len(candidates))
        if not candidates and progress.existing_batch is None:
            raise Conflict("没有可迁移的流程实例 / no running instance can be migrated to this version")
        batch = _LazyBatch(target, actor, progress)
        migrators = _Migrators(target)
        migrated, skipped = [], []
        for candidate in candidates:
            had_row = batch.row is not None
            try:
                apply(candidate.instance_id, actor, _migrate_command(batch, target, migrators), allow_suspended=True)
                migrated.append(candidate.instance_id)
                progress.step(candidate.instance_id)
            except ProcessError as exc:  # changed since the dry run, ended, or its rows cannot be built
                skipped.append({"instance_id": candidate.instance_id, "reason": exc.message})
                progress.step(candidate.instance_id, reason=exc.message)
                if not had_row:
                    batch.row = None  # created in the transaction that was just rolled back
        if batch.row is None:
            reasons = "; ".join(f"#{s['instance_id']}: {s['reason']}" for s in skipped)
            raise Conflict(
                f"没有实例被迁移（自试运行以来已变化） / no instance could be migrated after all: {reasons}",
                detail=skipped,
            )
        audit_append(
            "migration_batch_run",
            actor=actor.username,
            payload={
                "batch_id": batch.row.pk,
                "process_key": target.key,
                "to_version": target.version,
                "migrated": migrated,
                "skipped": skipped,
            },
        )
    return batch.row


def _migrate_command(lazy: _LazyBatch, target: ProcessDefinition, migrators: _Migrators) -> Any:
    def command(step: Step) -> None:
        instance = step.instance
        source = instance.definition
        if source.key != target.key or source.version >= target.version:
            raise NotMigratable(f"实例已在版本 {source.version} / the instance is on version {source.version}")
        outcome = migrators.for_definition(source).migrate(
            instance.state, step=instance.status == InstanceStatus.RUNNING, time_limit=time_limit()
        )
        if outcome.workflow is None:
            reasons = "; ".join(reason.message for reason in outcome.verdict.reasons)
            raise NotMigratable(f"实例无法迁移 / the instance cannot be migrated: {reasons}")
        batch = lazy.get()
        InstanceMigration.objects.create(
            batch=batch,
            instance=instance,
            from_definition_id=source.pk,
            state_before=instance.state,
            serializer_version_before=instance.serializer_version,
            progress_after=progress_mark(outcome.workflow),
        )
        _switch(step, outcome.workflow, target)
        step.audit.add(
            "instance_migrated",
            actor=step.actor.username,
            instance=instance,
            payload={
                "batch_id": batch.pk,
                "from_version": source.version,
                "to_version": target.version,
                "active": [a.element_id for a in outcome.verdict.active],
                "notes": [n.message for n in outcome.verdict.notes],
            },
        )

    return command


_REFRESHED = ("name", "documentation", "lane", "candidate_roles", "candidate_users", "form_key", "priority")


def _switch(step: Step, workflow: Workflow, definition: ProcessDefinition) -> None:
    """Pin the locked instance to `definition` with `workflow`; save() then syncs and stores it."""
    before = _task_settings(step.workflow)
    step.workflow = workflow
    step.instance.definition = definition
    ProcessInstance.objects.filter(pk=step.instance.pk).update(definition=definition)
    _refresh_open_tasks(step, before)


def _task_settings(workflow: Workflow) -> dict[str, dict[str, Any]]:
    """What the diagram says about each open human task, by spiff task id."""
    settings = {}
    for view in workflow.human_tasks():
        people = view.people
        settings[view.task_id] = {
            "name": view.name,
            "documentation": view.documentation,
            "lane": view.lane,
            "candidate_roles": list(people.get("candidate_roles") or []) or ([view.lane] if view.lane else []),
            "candidate_users": list(people.get("candidate_users") or []),
            "form_key": people.get("form_key", ""),
            "priority": _priority(people.get("priority", ""), view.data),
        }
    return settings


def _refresh_open_tasks(step: Step, before: dict[str, dict[str, Any]]) -> None:
    """Surviving inbox rows take each setting the new version changed; what was done to the row
    itself (a supervisor's 改派 to another role, a claim) stays unless the diagram changed that setting."""
    after = _task_settings(step.workflow)
    rows = HumanTask.objects.filter(instance=step.instance, status="open", spiff_task_id__in=list(after))
    changed, recandidate = [], []
    for row in rows:
        old, new = before.get(str(row.spiff_task_id), {}), after[str(row.spiff_task_id)]
        names = [name for name, value in new.items() if old.get(name) != value and getattr(row, name) != value]
        for name in names:
            setattr(row, name, new[name])
        if names:
            changed.append(row)
        if {"candidate_roles", "candidate_users"} & set(names):
            recandidate.append(row)
    if changed:
        HumanTask.objects.bulk_update(changed, list(_REFRESHED))
    if recandidate:
        TaskCandidate.objects.filter(task__in=recandidate).delete()
        TaskCandidate.objects.bulk_create(
            [TaskCandidate(task=row, role_code=role) for row in recandidate for role in row.candidate_roles]
            + [TaskCandidate(task=row, username=user) for row in recandidate for user in row.candidate_users]
        )


def _priority(raw: str, data: dict[str, Any]) -> int:
    try:
        return int(attribute_value(raw, data)) if raw else 50
    except (TypeError, ValueError, expressions.ExpressionError):
        return 50


def migration_rollback(*, batch_id: int, actor: Actor, progress: Progress | None = None) -> RollbackResult:
    """Put every instance of the batch back on the version and state it had before.

    An instance that moved on since the migration (or ended) stays where it is and is listed in
    `kept`; the others are rolled back. Raises Conflict if the batch was already rolled back or
    no instance could be."""
    batch = MigrationBatch.objects.select_related("target").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"迁移批次 {batch_id} 不存在 / migration batch {batch_id} not found")
    with _process_lock(batch.target.key):
        return _rollback(batch, actor, progress or Progress())


def _rollback(batch: MigrationBatch, actor: Actor, progress: Progress) -> RollbackResult:
    batch_id = batch.pk
    batch.refresh_from_db(fields=["rolled_back_at"])  # a rollback that held the lock before us may have ended
    if batch.rolled_back_at is not None:
        raise Conflict(f"迁移批次 {batch_id} 已回滚 / migration batch {batch_id} was already rolled back")
    rolled_back, kept = [], []
    # The snapshots are read one at a time (in the command): thousands of saved states need not sit in memory.
    records = list(
        batch.instances.filter(rolled_back_at__isnull=True).select_related("from_definition").defer("state_before")
    )
    progress.begin(len(records))
    for record in records:
        try:
            apply(record.instance_id, actor, _rollback_command(record, batch), allow_suspended=True)
            rolled_back.append(record.instance_id)
            progress.step(record.instance_id)
        except ProcessError as exc:
            kept.append((record.instance_id, exc.message))
            progress.step(record.instance_id, reason=exc.message)
    if not rolled_back:
        detail = "; ".join(f"#{instance_id}: {reason}" for instance_id, reason in kept)
        raise Conflict(f"没有实例可以回滚 / no instance of the batch can be rolled back: {detail}", detail=kept)
    with transaction.atomic():
        MigrationBatch.objects.filter(pk=batch.pk).update(
            rolled_back_at=timezone.now(), rolled_back_by_id=actor.user_id
        )
        audit_append(
            "migration_batch_rolled_back",
            actor=actor.username,
            payload={
                "batch_id": batch.pk,
                "process_key": batch.target.key,
                "rolled_back": rolled_back,
                "kept": [{"instance_id": i, "reason": r} for i, r in kept],
            },
        )
    batch.refresh_from_db()
    return RollbackResult(batch=batch, rolled_back=rolled_back, kept=kept)


def _rollback_command(record: InstanceMigration, batch: MigrationBatch) -> Any:
    def command(step: Step) -> None:
        instance = step.instance
        if instance.definition_id != batch.target_id:
            raise Conflict(f"实例已不在版本 {batch.target.version} / the instance left version {batch.target.version}")
        if progress_mark(step.workflow) != record.progress_after:
            raise Conflict("实例在迁移后已继续办理，无法回滚 / the instance moved on after the migration")
        source = record.from_definition
        state_before = InstanceMigration.objects.values_list("state_before", flat=True).get(pk=record.pk)
        previous = Workflow.load(compiled_for(source), state_before, time_limit=time_limit())
        _switch(step, previous, source)
        InstanceMigration.objects.filter(pk=record.pk).update(rolled_back_at=timezone.now())
        step.audit.add(
            "instance_migration_rolled_back",
            actor=step.actor.username,
            instance=instance,
            payload={"batch_id": batch.pk, "from_version": batch.target.version, "to_version": source.version},
        )

    return command

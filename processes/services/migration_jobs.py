"""迁移 and 回滚 as background jobs: the page asks for one, a Celery worker runs it, the page shows its progress.

Moving an instance costs a few milliseconds of database work, so a batch over ten thousand instances takes
minutes: far too long for a web request. `migration_job_start` / `migration_rollback_job_start` record the job
and enqueue it after the commit; `migration_job_execute` (the Celery task's one call) runs the same
`migration_run` / `migration_rollback` as before, reporting each instance to the job row.

A job delivered twice (acks_late after a worker died) carries on where it stopped: the migration's dry run
no longer lists the instances already moved, the batch it had created is reused, and a rollback only looks
at instances not yet rolled back. While one attempt still holds the process's lock, a duplicate leaves it be.
"""

import logging
import time
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from ..errors import Conflict, NotFound, ProcessError
from ..models import MigrationBatch, MigrationJob, MigrationJobStatus, ProcessDefinition
from ..ports import SYSTEM, Actor, directory
from .migration import MigrationLocked, Progress, migration_rollback, migration_run

log = logging.getLogger(__name__)

UNFINISHED = (MigrationJobStatus.QUEUED, MigrationJobStatus.RUNNING)
FLUSH_SECONDS = 0.5  # how often the progress bar's numbers are written while a job runs


def migration_job_start(*, target_definition_id: int, actor: Actor) -> MigrationJob:
    """Ask for every migratable instance of an older version to move to the target, in the background."""
    target = ProcessDefinition.objects.filter(pk=target_definition_id).only("pk", "key").first()
    if target is None:
        raise NotFound(f"流程版本 {target_definition_id} 不存在 / definition {target_definition_id} not found")
    return _start(key=target.key, action=MigrationJob.Action.MIGRATE, target_id=target.pk, batch=None, actor=actor)


def migration_rollback_job_start(*, batch_id: int, actor: Actor) -> MigrationJob:
    """Ask for a batch to be rolled back in the background; refused at once if it already was."""
    batch = MigrationBatch.objects.select_related("target").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"迁移批次 {batch_id} 不存在 / migration batch {batch_id} not found")
    if batch.rolled_back_at is not None:
        raise Conflict(f"迁移批次 {batch_id} 已回滚 / migration batch {batch_id} was already rolled back")
    return _start(
        key=batch.target.key, action=MigrationJob.Action.ROLLBACK, target_id=batch.target_id, batch=batch, actor=actor
    )


@transaction.atomic
def _start(*, key: str, action: str, target_id: int, batch: MigrationBatch | None, actor: Actor) -> MigrationJob:
    running = MigrationJob.objects.filter(process_key=key, status__in=UNFINISHED).order_by("pk").first()
    if running is not None:
        raise Conflict(
            f"流程 {key} 的迁移任务 #{running.pk} 尚未结束 / migration job #{running.pk} of {key} has not finished",
            detail={"job_id": running.pk},
        )
    job = MigrationJob.objects.create(
        process_key=key, action=action, target_id=target_id, batch=batch, created_by_id=actor.user_id
    )
    from .. import tasks  # tasks imports the services: import it when needed

    transaction.on_commit(partial(tasks.enqueue_migration_job, job.pk))
    return job


def migration_job_execute(*, job_id: int) -> str:
    """Run a queued job (or carry on with one a lost worker left running) and record how it ended."""
    claimed = MigrationJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(
        status=MigrationJobStatus.RUNNING, started_at=Coalesce("started_at", Now())
    )
    if not claimed:
        return "finished already"
    job = MigrationJob.objects.select_related("created_by").get(pk=job_id)
    progress = JobProgress(job)
    try:
        message = _execute(job, progress)
        status = MigrationJobStatus.DONE
    except MigrationLocked as locked:
        if not _other_job_holds_the_lock(job):
            return "another attempt of this job is running"
        status, message = MigrationJobStatus.FAILED, locked.message
    except ProcessError as error:
        status, message = MigrationJobStatus.FAILED, error.message
    except Exception:
        log.exception("migration job %s failed", job_id)
        progress.finish(MigrationJobStatus.FAILED, "内部错误，详见服务器日志 / internal error, see the server log")
        raise
    progress.finish(status, message)
    return status


def _execute(job: MigrationJob, progress: "JobProgress") -> str:
    actor = directory().actor_for(job.created_by) if job.created_by else SYSTEM
    if job.action == MigrationJob.Action.MIGRATE:
        batch = migration_run(target_definition_id=job.target_id, actor=actor, progress=progress)
        return f"批次 #{batch.pk} / batch #{batch.pk}"
    if job.batch_id is None:
        raise NotFound("要回滚的批次已删除 / the batch to roll back no longer exists")
    result = migration_rollback(batch_id=job.batch_id, actor=actor, progress=progress)
    return f"批次 #{result.batch.pk} 已回滚 / batch #{result.batch.pk} rolled back"


def _other_job_holds_the_lock(job: MigrationJob) -> bool:
    """The lock is held by another job of the process (then this one fails with the reason), not by an
    earlier delivery of this same job still at work (then this delivery leaves it be)."""
    return (
        MigrationJob.objects.filter(process_key=job.process_key, status=MigrationJobStatus.RUNNING)
        .exclude(pk=job.pk)
        .exists()
    )


class JobProgress(Progress):
    """Keeps the job row's counters up to date, at most every FLUSH_SECONDS and at the end."""

    def __init__(self, job: MigrationJob) -> None:
        self.job_id = job.pk
        self.existing_batch = job.batch if job.action == MigrationJob.Action.MIGRATE else None
        # A job carried on after a lost worker keeps what it had counted.
        self.done_before, self.processed, self.moved = job.processed, job.processed, job.moved
        self.skipped: list[dict[str, Any]] = list(job.skipped)
        self.total = job.total
        self.flushed_at = 0.0

    def begin(self, total: int) -> None:
        self.total = self.done_before + total
        self._flush()

    def step(self, instance_id: int, *, reason: str | None = None) -> None:
        self.processed += 1
        if reason is None:
            self.moved += 1
        else:
            self.skipped.append({"instance_id": instance_id, "reason": reason})
        if time.monotonic() - self.flushed_at >= FLUSH_SECONDS:
            self._flush()

    def batch_created(self, batch: MigrationBatch) -> None:
        MigrationJob.objects.filter(pk=self.job_id).update(batch=batch)

    def finish(self, status: str, message: str) -> None:
        self._flush(status=status, message=message, finished_at=timezone.now())

    def _flush(self, **extra: Any) -> None:
        MigrationJob.objects.filter(pk=self.job_id).update(
            total=max(self.total, self.processed),
            processed=self.processed,
            moved=self.moved,
            skipped=self.skipped,
            **extra,
        )
        self.flushed_at = time.monotonic()

"""Reads for the migration part of the versions page: past batches of a process and their instances.

One query per list, whatever it holds; the saved workflow states (the rollback snapshots) are never loaded.
"""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from .models import InstanceMigration, MigrationBatch, MigrationJob, MigrationJobStatus


@dataclass(frozen=True)
class BatchSummary:
    batch_id: int
    target_definition_id: int
    target_version: int
    created_at: datetime
    created_by: str
    rolled_back_at: datetime | None
    rolled_back_by: str
    instance_count: int
    rolled_back_count: int


@dataclass(frozen=True)
class MigratedInstance:
    instance_id: int
    business_key: str
    status: str
    from_definition_id: int
    from_version: int
    rolled_back_at: datetime | None


def migration_batches(*, process_key: str, limit: int | None = None, batch_id: int | None = None) -> list[BatchSummary]:
    """Batches that moved instances of `process_key`, newest first (at most `limit`; only `batch_id` when
    given), with how many instances each moved and how many of those were rolled back."""
    batches = MigrationBatch.objects.filter(target__key=process_key)
    if batch_id is not None:
        batches = batches.filter(pk=batch_id)
    rows = (
        batches.annotate(
            instance_count=Count("instances"),
            rolled_back_count=Count("instances", filter=Q(instances__rolled_back_at__isnull=False)),
        )
        .order_by("-created_at", "-id")
        .values_list(
            "id",
            "target_id",
            "target__version",
            "created_at",
            "created_by__username",
            "rolled_back_at",
            "rolled_back_by__username",
            "instance_count",
            "rolled_back_count",
        )
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        BatchSummary(pk, target, version, created, by or "", back_at, back_by or "", count, back_count)
        for pk, target, version, created, by, back_at, back_by, count, back_count in rows
    ]


def migration_batch_instances(*, batch_id: int) -> list[MigratedInstance]:
    """The instances a batch moved, by instance id: the version each came from, whether it went back."""
    rows = (
        InstanceMigration.objects.filter(batch_id=batch_id)
        .order_by("instance_id")
        .values_list(
            "instance_id",
            "instance__business_key",
            "instance__status",
            "from_definition_id",
            "from_definition__version",
            "rolled_back_at",
        )
    )
    return [MigratedInstance(*row) for row in rows]


@dataclass(frozen=True)
class JobSummary:
    job_id: int
    process_key: str
    action: str
    status: str
    target_version: int
    batch_id: int | None
    total: int
    processed: int
    moved: int
    skipped: list[dict[str, Any]]
    message: str
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in (MigrationJobStatus.DONE, MigrationJobStatus.FAILED)

    @property
    def percent(self) -> int:
        return 100 if self.finished else (self.processed * 100 // self.total if self.total else 0)


_JOB_FIELDS = (
    "id",
    "process_key",
    "action",
    "status",
    "target__version",
    "batch_id",
    "total",
    "processed",
    "moved",
    "skipped",
    "message",
    "created_by__username",
    "created_at",
    "started_at",
    "finished_at",
)


def _job(row: tuple[Any, ...]) -> JobSummary:
    """A row of _JOB_FIELDS (in JobSummary's field order) as a JobSummary; a deleted user shows as ""."""
    values = dict(zip((f.name for f in fields(JobSummary)), row, strict=True))
    values["created_by"] = values["created_by"] or ""
    return JobSummary(**values)


def migration_job(*, process_key: str, job_id: int) -> JobSummary | None:
    """One job of `process_key` (None when there is no such job of that process)."""
    row = MigrationJob.objects.filter(pk=job_id, process_key=process_key).values_list(*_JOB_FIELDS).first()
    return _job(row) if row else None


def migration_jobs(*, process_key: str, limit: int) -> list[JobSummary]:
    """The latest jobs of `process_key`, newest first (those not finished yet among them)."""
    rows = MigrationJob.objects.filter(process_key=process_key).order_by("-created_at", "-id")[:limit]
    return [_job(row) for row in rows.values_list(*_JOB_FIELDS)]

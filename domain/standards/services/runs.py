"""清洗比对 runs: start (queued, executed by Celery after commit) and execute (collect, cluster, store)."""

import logging
import time
from collections.abc import Iterator
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from processes.ports import Actor

from ..choices import RunStatus
from ..cleansing import EngineConfig, EngineResult, FieldRecord, cluster_fields
from ..models import CleansingRun, Cluster, ClusterLink, ClusterMember
from ..selectors import synonym_sets_for_engine
from ..sources import field_source_get, field_source_names

log = logging.getLogger(__name__)
BATCH = 5000
STALE_AFTER = timedelta(hours=2)  # 250,000 fields take about a minute; a run this old lost its worker


@transaction.atomic
def cleansing_run_start(*, actor: Actor | None, sources: list[str] | None = None) -> CleansingRun:
    """Queue a run over the named field sources (all registered ones by default); it executes after commit."""
    names = sources if sources is not None else field_source_names()
    for name in names:
        field_source_get(name)  # an unknown name fails here, where the steward sees it
    run = CleansingRun.objects.create(sources=names, created_by_id=actor.user_id if actor else None)
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from ..tasks import cleansing_run_execute as task

    task.delay(run_id)


def _claim(run_id: int) -> CleansingRun | None:
    """Mark a queued run running; None when it is not queued (a redelivered message must not run it twice),
    unless it has been running for longer than STALE_AFTER: then its worker died and it runs again."""
    with transaction.atomic():
        run = CleansingRun.objects.select_for_update().get(pk=run_id)
        stale = run.status == RunStatus.RUNNING and run.started_at and run.started_at < timezone.now() - STALE_AFTER
        if run.status != RunStatus.QUEUED and not stale:
            return None
        run.status, run.started_at = RunStatus.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    return run


def _collect(sources: list[str]) -> Iterator[FieldRecord]:
    for name in sources:
        yield from field_source_get(name)()


def cleansing_run_execute(*, run_id: int, config: EngineConfig | None = None) -> CleansingRun:
    """Collect the fields of the run's sources, cluster them and store clusters, members and links in one
    transaction. A failure marks the run failed with the error; nothing half-written stays."""
    run = _claim(run_id)
    if run is None:
        return CleansingRun.objects.get(pk=run_id)
    started = time.monotonic()
    try:
        records = list(_collect(run.sources))
        result = cluster_fields(records, synonym_sets=synonym_sets_for_engine(), config=config or EngineConfig())
        with transaction.atomic():
            _store(run, records, result)
            run.status = RunStatus.DONE
            run.fields_scanned, run.clusters_found = result.fields_scanned, len(result.clusters)
            _finish(run, started)
    except Exception as exc:  # the run records any failure for the steward; the worker must not die
        log.exception("cleansing run %s failed", run_id)
        run.status, run.error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
        _finish(run, started)
    return run


def _finish(run: CleansingRun, started: float) -> None:
    run.finished_at = timezone.now()
    run.duration = round(time.monotonic() - started, 3)
    run.save()


def _store(run: CleansingRun, records: list[FieldRecord], result: EngineResult) -> None:
    clusters = Cluster.objects.bulk_create(
        [
            Cluster(
                run=run,
                confidence=c.confidence,
                reasons=[r.as_dict() for r in c.reasons],
                suggested_name=c.suggested_name[:200],
                concept=c.concept or "",
            )
            for c in result.clusters
        ],
        batch_size=BATCH,
    )
    members: list[ClusterMember] = []
    for cluster, proposed in zip(clusters, result.clusters, strict=True):
        for index in proposed.members:
            record = records[index]
            reason = proposed.member_reasons.get(index)
            members.append(
                ClusterMember(
                    cluster=cluster,
                    source=record.source,
                    source_id=record.source_id,
                    name=record.name[:200],
                    data_type=record.data_type[:64],
                    length=record.length,
                    reasons=[reason.as_dict()] if reason else [],
                )
            )
        if len(members) >= BATCH:
            ClusterMember.objects.bulk_create(members, batch_size=BATCH)
            members = []
    ClusterMember.objects.bulk_create(members, batch_size=BATCH)
    ClusterLink.objects.bulk_create(
        [
            ClusterLink(run=run, a=clusters[link.a], b=clusters[link.b], reason=link.reason.as_dict())
            for link in result.links
        ],
        batch_size=BATCH,
    )

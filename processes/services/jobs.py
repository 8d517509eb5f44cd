"""Service jobs: run a handler outside any transaction, then feed the result back through the
one locked path. Incidents: retry or skip. The sweeper re-enqueues jobs whose message was lost."""

import logging
import traceback
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from handlers.registry import HandlerError, ServiceCall, TransientHandlerError, UnknownHandler, get_handler

from .. import store
from ..engine.runtime import TaskNotActive
from ..errors import Conflict, EngineFailure, NotFound
from ..models import Incident, InstanceStatus, JobStatus, ServiceJob, TimerSchedule
from ..ports import SYSTEM, Actor
from .audit import audit_append
from .runner import Step, apply

log = logging.getLogger(__name__)
FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class RetryLater(Exception):
    """Raised to the Celery task: try again after `countdown` seconds."""

    def __init__(self, countdown: float) -> None:
        super().__init__(f"retry in {countdown:.1f}s")
        self.countdown = countdown


def job_execute(*, job_id: int, dispatch: int | None = None) -> str:
    """Run one job. Returns its final status; raises RetryLater for a transient failure.

    The claim commits on its own before the handler runs, so a worker killed mid-job leaves a count.
    """
    claimed = store.job_claim(job_id, dispatch)
    if claimed is None:
        return "skipped"
    job, business_key = claimed
    call = ServiceCall(
        operator=job.operator,
        params=job.params,
        instance_id=job.instance_id,
        task_id=str(job.spiff_task_id),
        idempotency_key=job.idempotency_key,
        business_key=business_key,
        queued_by_id=job.queued_by_id,
    )
    try:
        result = get_handler(job.operator).func(call)
    except TransientHandlerError as exc:
        return _transient(job, exc)
    except HandlerError as exc:
        return _failed(job, code=exc.code, message=str(exc))
    except UnknownHandler:
        return _failed(job, code="", message=f"no handler registered for '{job.operator}'", routable=False)
    except Exception as exc:  # a bug in a handler: keep the trace for the operator, never lose the job
        log.exception("handler %s crashed on job %s", job.operator, job.pk)
        return _failed(
            job, code="", message=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}", routable=False
        )
    return _succeeded(job, result if isinstance(result, dict) else {"value": result})


def _succeeded(job: ServiceJob, result: dict[str, Any]) -> str:
    def command(step: Step) -> str:
        # Under the instance lock: only a job not yet finished moves on (a redelivery updates nothing).
        unfinished = ServiceJob.objects.filter(pk=job.pk).exclude(status__in=FINISHED)
        if not unfinished.update(status=JobStatus.DONE, result=result, updated_at=timezone.now()):
            return str(ServiceJob.objects.values_list("status", flat=True).get(pk=job.pk))
        status = JobStatus.DONE
        try:
            step.workflow.complete_job(str(job.spiff_task_id), result, job.result_variable)
        except TaskNotActive:
            status = JobStatus.CANCELLED  # its task was interrupted meanwhile
            ServiceJob.objects.filter(pk=job.pk).update(status=status)
        step.audit.add(
            "job_done" if status == JobStatus.DONE else "job_cancelled",
            actor=SYSTEM.username,
            instance=step.instance,
            payload={"job_id": job.pk, "operator": job.operator, "attempts": job.attempts},
        )
        return status

    return _apply_or_park(job, command)


def _apply_or_park(job: ServiceJob, command: Any) -> str:
    try:
        return str(apply(job.instance_id, SYSTEM, command, job=job))
    except Conflict:
        # The instance was suspended or ended while the handler ran: park the job (resume re-runs it;
        # the handler is idempotent under the same key).
        ServiceJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED)
        return "parked"
    except EngineFailure as exc:
        # The step after the job failed (apply rolled it back and opened an incident for this job):
        # the job waits as failed for the operator to retry or skip, it is not run again by itself.
        ServiceJob.objects.filter(pk=job.pk).exclude(status__in=FINISHED).update(
            status=JobStatus.FAILED, error=exc.message[:4000], updated_at=timezone.now()
        )
        return "engine_failure"


def _transient(job: ServiceJob, exc: Exception) -> str:
    max_attempts = int(settings.TONGBAN["JOB_MAX_ATTEMPTS"])
    if job.attempts >= max_attempts:
        return _failed(job, code="", message=f"gave up after {job.attempts} attempts: {exc}", routable=False)
    countdown = float(settings.TONGBAN["JOB_BACKOFF_SECONDS"]) * (2 ** (job.attempts - 1))
    ServiceJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RETRYING, error=str(exc), next_attempt_at=timezone.now() + timedelta(seconds=countdown)
    )
    raise RetryLater(countdown)


def _failed(job: ServiceJob, *, code: str, message: str, routable: bool = True) -> str:
    def command(step: Step) -> str:
        locked = ServiceJob.objects.select_for_update(of=("self",)).get(pk=job.pk)
        if locked.status in FINISHED:
            return locked.status
        try:
            routed = routable and step.workflow.fail_job(str(job.spiff_task_id), code=code, message=message)
        except TaskNotActive:
            routed = True
        locked.status, locked.error = JobStatus.FAILED, message
        locked.save(update_fields=["status", "error", "updated_at"])
        payload = {"job_id": job.pk, "operator": job.operator, "code": code, "message": message[:2000]}
        step.audit.add(
            "job_failed",
            actor=SYSTEM.username,
            instance=step.instance,
            payload={**payload, "routed_to_boundary": routed},
        )
        if not routed:
            # The task stays STARTED; the incident, in the same transaction, lets an operator retry or skip.
            incident = Incident.objects.create(
                instance=step.instance, job=locked, element_id=job.element_id, message=message
            )
            step.audit.add(
                "incident_opened",
                actor=SYSTEM.username,
                instance=step.instance,
                payload={"incident_id": incident.pk, "element_id": job.element_id, "message": message[:2000]},
            )
        return "routed" if routed else "incident"

    return _apply_or_park(job, command)


def incident_retry(*, incident_id: int, actor: Actor) -> ServiceJob:
    with transaction.atomic():
        incident = _open_incident(incident_id)
        if incident.job is None:
            raise Conflict("此异常没有可重试的作业 / this incident has no job to retry")
        job = incident.job
        job.status, job.attempts, job.error, job.enqueued_at = JobStatus.QUEUED, 0, "", timezone.now()
        job.save(update_fields=["status", "attempts", "error", "enqueued_at", "updated_at"])
        _resolve(incident, Incident.Status.RETRIED, actor)
        jobs_resend([job.pk])
    return job


def incident_skip(*, incident_id: int, actor: Actor, result: dict[str, Any] | None = None) -> Incident:
    """Complete the failed service task as if the handler had returned `result` (default {})."""
    incident = _open_incident(incident_id)
    job = incident.job
    if job is None:
        raise Conflict("此异常没有可跳过的作业 / this incident has no job to skip")

    def command(step: Step) -> Incident:
        locked = _open_incident(incident_id)
        step.workflow.complete_job(str(job.spiff_task_id), result or {}, job.result_variable)
        ServiceJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, result=result or {})
        _resolve(locked, Incident.Status.SKIPPED, actor, audit=step)
        return locked

    return apply(incident.instance_id, actor, command)


def _open_incident(incident_id: int) -> Incident:
    incident = Incident.objects.select_related("job", "instance__definition").filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"异常 {incident_id} 不存在 / incident {incident_id} not found")
    if incident.status != Incident.Status.OPEN:
        raise Conflict(f"异常已处理 / incident is already {incident.status}")
    return incident


def _resolve(incident: Incident, status: str, actor: Actor, audit: Step | None = None) -> None:
    updated = Incident.objects.filter(pk=incident.pk, status=Incident.Status.OPEN).update(
        status=status, resolved_at=timezone.now(), resolved_by_id=actor.user_id
    )
    if not updated:
        raise Conflict("异常已被他人处理 / the incident was resolved meanwhile")
    payload = {"incident_id": incident.pk, "resolution": status}
    if audit is not None:
        audit.audit.add("incident_resolved", actor=actor.username, instance=audit.instance, payload=payload)
    else:
        audit_append("incident_resolved", actor=actor.username, instance=incident.instance, payload=payload)


def jobs_sweep() -> list[int]:
    """Re-enqueue jobs whose broker message was lost (queued or running for too long)."""
    now = timezone.now()
    stuck_before = now - timedelta(seconds=int(settings.TONGBAN["JOB_STUCK_SECONDS"]))
    # A running job is presumed dead (worker killed) only after a much longer time: a slow handler
    # must not get a second, concurrent execution every JOB_STUCK_SECONDS.
    running_before = now - timedelta(seconds=int(settings.TONGBAN["JOB_RUNNING_STUCK_SECONDS"]))
    # Retries are Celery's (countdown); the sweeper only catches those whose message was lost.
    due_retries = ServiceJob.objects.filter(status=JobStatus.RETRYING, next_attempt_at__lte=now - timedelta(minutes=1))
    stuck = ServiceJob.objects.filter(instance__status=InstanceStatus.RUNNING).filter(
        Q(status=JobStatus.QUEUED, updated_at__lte=stuck_before)
        | Q(status=JobStatus.RUNNING, updated_at__lte=running_before)
    )
    job_ids = sorted(set(stuck.values_list("pk", flat=True)) | set(due_retries.values_list("pk", flat=True)))
    jobs_resend(job_ids)
    return job_ids


@transaction.atomic
def jobs_resend(job_ids: list[int]) -> None:
    """Send jobs to the broker again under a new dispatch number (older messages become stale)."""
    from .. import tasks

    if not job_ids:
        return
    now = timezone.now()
    ServiceJob.objects.filter(pk__in=job_ids).update(dispatch=F("dispatch") + 1, enqueued_at=now, updated_at=now)
    for job_id, dispatch in ServiceJob.objects.filter(pk__in=job_ids).values_list("pk", "dispatch"):
        transaction.on_commit(partial(tasks.enqueue_job, job_id, dispatch))


def timers_due(now: Any = None, limit: int = 500) -> list[int]:
    """Running instances with a timer due now (indexed on due_at)."""
    now = now or timezone.now()
    rows = (
        TimerSchedule.objects.filter(due_at__lte=now, instance__status=InstanceStatus.RUNNING)
        .order_by("due_at")
        .values_list("instance_id", flat=True)[:limit]
    )
    return list(dict.fromkeys(rows))


def timers_postpone(*, instance_id: int, minutes: int = 5) -> None:
    """A timer whose step failed is retried later; the read model row is rebuilt on the next success."""
    now = timezone.now()
    TimerSchedule.objects.filter(instance_id=instance_id, due_at__lte=now).update(
        due_at=now + timedelta(minutes=minutes)
    )

"""Thin Celery tasks: take ids, call one service, own the retry policy."""

import logging
from typing import Any

from celery import shared_task

from .errors import ProcessError
from .ports import SYSTEM
from .services import instances as instance_services
from .services import jobs as job_services

log = logging.getLogger(__name__)


@shared_task(bind=True, name="processes.tasks.run_service_job", acks_late=True, max_retries=None)
def run_service_job(self: Any, job_id: int, dispatch: int | None = None) -> str:
    try:
        return job_services.job_execute(job_id=job_id, dispatch=dispatch)
    except job_services.RetryLater as retry:
        if self.request.is_eager:
            # Embedded mode has no broker to hold a countdown; the sweeper picks the job up when due.
            return "retrying"
        raise self.retry(countdown=retry.countdown) from None


@shared_task(name="processes.tasks.timers_fire_due")
def timers_fire_due() -> int:
    fired = 0
    for instance_id in job_services.timers_due():
        try:
            instance_services.instance_fire_timers(instance_id=instance_id, actor=SYSTEM)
            fired += 1
        except ProcessError as exc:
            # An incident is open (once); look again later rather than failing every poll.
            job_services.timers_postpone(instance_id=instance_id)
            log.warning("timers of instance %s: %s", instance_id, exc)
    return fired


@shared_task(name="processes.tasks.jobs_sweep")
def jobs_sweep() -> int:
    return len(job_services.jobs_sweep())


@shared_task(name="processes.tasks.deliver_message")
def deliver_message(name: str, correlation: dict[str, Any], payload: Any, source_instance_id: int | None) -> int:
    """A message thrown by one instance, routed to the others waiting for it."""
    try:
        return len(
            instance_services.message_correlate(
                name=name, actor=SYSTEM, correlation=correlation, payload=payload, source_instance_id=source_instance_id
            )
        )
    except ProcessError as exc:
        log.warning("message %s from instance %s not delivered: %s", name, source_instance_id, exc)
        return 0


def enqueue_job(job_id: int, dispatch: int = 1) -> None:
    run_service_job.delay(job_id, dispatch)


def enqueue_message(name: str, correlation: dict[str, Any], payload: Any, source_instance_id: int) -> None:
    deliver_message.delay(name, correlation, payload, source_instance_id)


@shared_task(name="processes.tasks.escalation_tick")
def escalation_tick() -> int:
    """Move due tasks up the escalation ladder (beat: every minute)."""
    from .services.escalation import escalation_tick as tick

    return tick()


@shared_task(name="processes.tasks.migration_job_execute", acks_late=True)
def migration_job_execute(job_id: int) -> str:
    """迁移 or 回滚 of many instances, off the web request (the page polls the job's progress)."""
    from .services.migration_jobs import migration_job_execute as execute

    return execute(job_id=job_id)


def enqueue_migration_job(job_id: int) -> None:
    migration_job_execute.delay(job_id)

"""Thin Celery tasks for probes: take ids, call one service."""

from celery import shared_task

from .probing import runs, services


@shared_task(name="assets.tasks.probe_run_execute", acks_late=True)
def probe_run_execute(run_id: int) -> str:
    run = runs.probe_run_execute(run_id=run_id)
    return "skipped" if run is None else run.status


@shared_task(name="assets.tasks.probes_due")
def probes_due() -> int:
    """Queue runs of scheduled probes whose time has come (beat: every minute is plenty)."""
    return len(services.probes_enqueue_due())


def enqueue_probe_run(run_id: int) -> None:
    probe_run_execute.delay(run_id)

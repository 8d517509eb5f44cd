"""Thin Celery task: take the run id, call the service."""

from celery import shared_task

from .services.runs import cleansing_run_execute as execute


@shared_task(name="standards.tasks.cleansing_run_execute")
def cleansing_run_execute(run_id: int) -> str:
    return str(execute(run_id=run_id).status)

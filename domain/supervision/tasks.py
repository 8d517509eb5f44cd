"""Thin Celery tasks of 督查督办: call one service."""

from celery import shared_task

from .reports import monthly_reports_store_due


@shared_task(name="supervision.tasks.monthly_reports")
def monthly_reports() -> int:
    """Store last month's progress report of each office that lacks it (beat: hourly; each is made once)."""
    return len(monthly_reports_store_due())

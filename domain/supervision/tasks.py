"""Thin Celery tasks of 督查督办: call one service."""

from celery import shared_task

from .ranking import rankings_freeze_due
from .reports import monthly_reports_store_due


@shared_task(name="supervision.tasks.monthly_reports")
def monthly_reports() -> int:
    """Store last month's progress report of each office that lacks it (beat: hourly; each is made once)."""
    return len(monthly_reports_store_due())


@shared_task(name="supervision.tasks.monthly_rankings")
def monthly_rankings() -> int:
    """Freeze last month's 晾晒 of each office nobody published it for (beat: hourly; each once)."""
    return len(rankings_freeze_due())

"""The embedded timer loop for `make run` (SQLite, no beat): a daemon thread that does what Celery beat
does in production — it runs every entry of CELERY_BEAT_SCHEDULE (by task name) at that entry's interval,
so a periodic task added to the schedule (e.g. the probes' `assets.tasks.probes_due`) runs here too."""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)
_started = False


def start(interval: float) -> None:
    global _started
    if _started:
        return
    _started = True
    threading.Thread(target=_loop, args=(interval,), name="tongban-timers", daemon=True).start()
    log.info("embedded timer loop started (every %.1fs)", interval)


def due_entries(schedule: dict[str, dict[str, Any]], last_run: dict[str, float], now: float) -> list[str]:
    """The schedule entries whose interval has passed since they last ran (all of them at first)."""
    return [
        name
        for name, entry in schedule.items()
        if now - last_run.get(name, float("-inf")) >= entry["schedule"].total_seconds()
    ]


def scheduled_tasks(schedule: dict[str, dict[str, Any]]) -> dict[str, Callable[[], Any]]:
    """Each schedule entry's task. Under runserver nothing has imported the apps' tasks modules yet: import
    them as a worker does (Celery's autodiscovery), so every task beat would send is registered."""
    from celery import current_app

    current_app.loader.import_default_modules()
    return {name: current_app.tasks[entry["task"]] for name, entry in schedule.items()}


def _loop(interval: float) -> None:
    schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
    tasks = scheduled_tasks(schedule)
    last_run: dict[str, float] = {}
    while True:
        time.sleep(interval)
        now = time.monotonic()
        for name in due_entries(schedule, last_run, now):
            last_run[name] = now
            # One failing entry must not starve the others.
            _run(name, tasks[name])


def _run(name: str, task: Callable[[], Any]) -> None:
    try:
        close_old_connections()
        task()
    except Exception:
        log.exception("embedded schedule entry %s failed", name)
    finally:
        close_old_connections()

"""The embedded timer loop (`make run`, no beat) runs what beat runs: every schedule entry at its interval."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from processes.timer_loop import due_entries

ROOT = Path(__file__).resolve().parents[2]


def test_every_entry_runs_at_first_then_at_its_own_interval() -> None:
    """At start every entry is due; later only those whose interval has passed since they last ran."""
    schedule = {"fast": {"schedule": timedelta(seconds=5)}, "slow": {"schedule": timedelta(seconds=60)}}
    assert due_entries(schedule, {}, now=100.0) == ["fast", "slow"]
    last = {"fast": 100.0, "slow": 100.0}
    assert due_entries(schedule, last, now=104.0) == []
    assert due_entries(schedule, last, now=105.0) == ["fast"]
    assert due_entries(schedule, last, now=160.0) == ["fast", "slow"]


def test_a_fresh_server_process_finds_every_scheduled_task() -> None:
    """In a process that has only set Django up (as runserver has when the loop starts: no tasks module
    imported yet), every entry beat would send resolves to its task — the probes' schedule too."""
    script = (
        "import django; django.setup(); "
        "from django.conf import settings; from processes.timer_loop import scheduled_tasks; "
        "tasks = scheduled_tasks(settings.CELERY_BEAT_SCHEDULE); "
        "print(sorted(task.name for task in tasks.values()))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.test"}
    env.pop("CELERY_BROKER_URL", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "assets.tasks.probes_due" in names
    assert done.stdout.strip() == str(sorted(names))

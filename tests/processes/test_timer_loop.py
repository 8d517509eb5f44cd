"""The embedded timer loop (`make run`, no beat) runs what beat runs: every schedule entry at its interval."""

from datetime import timedelta

from django.conf import settings

from processes.timer_loop import due_entries


def test_every_entry_runs_at_first_then_at_its_own_interval() -> None:
    """At start every entry is due; later only those whose interval has passed since they last ran."""
    schedule = {"fast": {"schedule": timedelta(seconds=5)}, "slow": {"schedule": timedelta(seconds=60)}}
    assert due_entries(schedule, {}, now=100.0) == ["fast", "slow"]
    last = {"fast": 100.0, "slow": 100.0}
    assert due_entries(schedule, last, now=104.0) == []
    assert due_entries(schedule, last, now=105.0) == ["fast"]
    assert due_entries(schedule, last, now=160.0) == ["fast", "slow"]


def test_the_loop_covers_the_beat_schedule_including_the_probes() -> None:
    """Whatever beat would send is a registered task the loop can call by name (the probes' schedule too)."""
    from settings.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "assets.tasks.probes_due" in names
    assert names <= set(app.tasks)

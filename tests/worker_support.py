"""A real Celery worker (and, on demand, a real `celery beat`) in subprocesses, for the `worker` tests.

The worker runs `celery -A settings worker` in its own process group (so the main process and its
prefork children can be killed together), with the test settings, the pytest-django *test* database,
the same broker, a short visibility timeout, and tests.worker_handlers loaded.

`Workers.start_beat()` adds `celery -A settings beat` with the same environment, its own process group,
a schedule file in the test's directory and the "fire-due-timers" entry polling every second
(TONGBAN_TIMER_POLL_SECONDS, read by settings/base.py).
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
CELERY = BASE_DIR / ".venv" / "bin" / "celery"
VISIBILITY_TIMEOUT = 5  # seconds before redis hands an unacknowledged message to another worker
BEAT_TIMER_POLL_SECONDS = 1.0  # the beat's "fire-due-timers" interval in these tests (production: 5 s)


def wait_for(predicate: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll `predicate` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def worker_database_url() -> str:
    """The URL of the database this test process uses: pytest-django's `test_<name>`, not `<name>`."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("worker tests need PostgreSQL")
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    host = quote(host, safe="") if host.startswith("/") else host  # a unix socket directory
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(db['NAME'], safe='')}"


def queue_name() -> str:
    return str(settings.CELERY_TASK_DEFAULT_QUEUE)


def purge_queue() -> int:
    """Drop the messages waiting in the worker queue; returns how many there were.

    Also forgets the queue's unacknowledged messages that a killed worker left behind in redis: the
    test database is re-created each session, so an old message could otherwise run a new job.
    Call it only while none of this session's workers is running."""
    from settings.celery import app

    queue = queue_name()
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        purged = int(channel.queue_purge(queue) or 0)
        client = getattr(channel, "client", None)
        if client is not None and hasattr(channel, "unacked_key"):
            for tag, raw in client.hgetall(channel.unacked_key).items():
                _message, exchange, routing_key = json.loads(raw)
                if queue in (exchange, routing_key):
                    client.zrem(channel.unacked_index_key, tag)
                    client.hdel(channel.unacked_key, tag)
    return purged


@dataclass
class CeleryProcess:
    """A `celery` subprocess leading its own process group, logging to `log_path`."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group: the main process and its (prefork) children."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        # The children are reparented when the main process dies; wait until the group is empty.
        wait_for(lambda: not _group_alive(self.pid), timeout=10, what=f"process group {self.pid} to die")

    def stop(self, timeout: float = 10) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL whatever is left of the group."""
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if _group_alive(self.pid):
            self.kill()
        elif self.process.returncode is None:
            self.process.wait(timeout=timeout)


class Worker(CeleryProcess):
    """`celery -A settings worker`."""


class Beat(CeleryProcess):
    """`celery -A settings beat`."""

    def sent(self, task: str) -> int:
        """How many times the beat has logged sending `task` (a task name) to the broker."""
        return len(re.findall(rf"Sending due task \S+ \({re.escape(task)}\)", self.log()))


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group: orphans may never be reaped in a container."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def _group_alive(pgid: int) -> bool:
    return bool(group_members(pgid))


class Workers:
    """Starts workers on demand and makes sure every one of them is gone at the end."""

    def __init__(self, directory: Path, *, extra_env: dict[str, str] | None = None) -> None:
        self.directory = directory
        self.started: list[Worker] = []
        self.beats: list[Beat] = []
        broker = os.environ.get("CELERY_BROKER_URL") or str(settings.CELERY_BROKER_URL)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "PYTEST_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE") or "settings.test",
                "DATABASE_URL": worker_database_url(),
                "CELERY_BROKER_URL": broker,
                "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
                "CELERY_TASK_DEFAULT_QUEUE": queue_name(),
                "TONGBAN_EXTRA_HANDLER_MODULES": "tests.worker_handlers",
                "TONGBAN_TEST_RECORD_DIR": str(directory),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")])),
                "PYTHONUNBUFFERED": "1",
                **(extra_env or {}),
            }
        )
        self.env = env

    @staticmethod
    def _spawn(arguments: list[str], log_path: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
        celery = [str(CELERY)] if CELERY.exists() else [sys.executable, "-m", "celery"]
        with log_path.open("wb") as log:
            return subprocess.Popen(
                [*celery, "-A", "settings", *arguments],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @staticmethod
    def _wait_ready(proc: CeleryProcess, marker: str, timeout: float) -> None:
        def ready() -> bool:
            if not proc.alive():
                raise AssertionError(f"{proc.name} exited with {proc.process.returncode}")
            return marker in proc.log()

        try:
            wait_for(ready, timeout=timeout, what=f"{proc.name} to be ready")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{proc.log()[-4000:]}") from None

    def start(self, *, timeout: float = 30) -> Worker:
        index = len(self.started) + 1
        name = f"tongban-test-{os.getpid()}-{index}@%h"
        log_path = self.directory / f"worker-{index}.log"
        options = "-l info -c 1 -P prefork --without-heartbeat --without-mingle --without-gossip".split()
        process = self._spawn(["worker", "-Q", queue_name(), "-n", name, *options], log_path, self.env)
        worker = Worker(name=name, process=process, log_path=log_path)
        self.started.append(worker)
        self._wait_ready(worker, " ready.", timeout)
        return worker

    def start_beat(
        self, *, timer_poll_seconds: float = BEAT_TIMER_POLL_SECONDS, wait: bool = True, timeout: float = 30
    ) -> Beat:
        """Start `celery beat` on the same broker, queue and database as the workers.

        The schedule file lives in the test's directory, so no state survives from an earlier run.
        With `wait=False` it returns at once (start a worker meanwhile, then call `beat_ready`)."""
        index = len(self.beats) + 1
        log_path = self.directory / f"beat-{index}.log"
        schedule = self.directory / f"beat-{index}-schedule"
        env = {**self.env, "TONGBAN_TIMER_POLL_SECONDS": str(timer_poll_seconds)}
        process = self._spawn(["beat", "-l", "info", "--schedule", str(schedule)], log_path, env)
        beat = Beat(name=f"beat-{index}", process=process, log_path=log_path)
        self.beats.append(beat)
        if wait:
            self.beat_ready(beat, timeout=timeout)
        return beat

    def beat_ready(self, beat: Beat, *, timeout: float = 30) -> Beat:
        self._wait_ready(beat, "beat: Starting...", timeout)
        return beat

    def stop_all(self) -> None:
        # The beats first, so that nothing is sent to workers that are going away.
        for proc in [*self.beats, *self.started]:
            proc.stop()

    def logs(self) -> str:
        return "\n".join(f"----- {p.name} (pid {p.pid})\n{p.log()}" for p in [*self.started, *self.beats])

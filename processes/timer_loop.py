"""The embedded timer loop for `make run` (SQLite, no beat): a daemon thread that does what
Celery beat does in production."""

import logging
import threading
import time

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


def _loop(interval: float) -> None:
    from .tasks import escalation_tick, jobs_sweep, timers_fire_due

    rounds = 0
    while True:
        time.sleep(interval)
        try:
            close_old_connections()
            timers_fire_due()
            rounds += 1
            if rounds % 12 == 0:
                jobs_sweep()
            # Last: a failing tick must not starve the timers or the sweep.
            escalation_tick()
        except Exception:
            log.exception("timer loop round failed")
        finally:
            close_old_connections()

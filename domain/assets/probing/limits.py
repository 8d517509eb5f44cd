"""What a probe may connect to and for how long: the SQLite directories, the time limits, its target.

SQLite probes open files on the platform's own server, so they are refused unless the operator names the
directories they may read (TONGBAN["PROBE_SQLITE_DIRS"], env TONGBAN_PROBE_SQLITE_DIRS); the path is
resolved (symlinks followed) when the probe is saved and again when it runs, and the run opens the resolved
path. A run's connect and statement timeouts are kept small enough that it ends before PROBE_STUCK_SECONDS,
after which a run still "running" is presumed lost and its result would be thrown away.
"""

from pathlib import Path
from typing import Any

from django.conf import settings

from ..models import Probe

# Fields that say where a probe connects and as whom: changing any of them drops the stored password, so
# nobody can point a probe at their own server and have it send the password there.
CONNECTION_FIELDS = ("engine", "host", "port", "database_name", "username")
# Fields that say which database a probe reads: changing any of them makes it a probe of another database.
TARGET_FIELDS = ("engine", "host", "port", "database_name", "system_id")

# Catalog statements a run makes after connecting (PostgreSQL 3, MySQL 3 plus two instant SETs), each
# bounded by the statement timeout: connect + reads ≤ (READS + 1) × cap ≤ PROBE_STUCK_SECONDS.
READS = 4


def setting(key: str, default: Any) -> Any:
    return getattr(settings, "TONGBAN", {}).get(key, default)


class SqliteRefused(Exception):
    """`text` names the message (see errors._MESSAGES): no directory configured, or the path outside."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def sqlite_path(path: str) -> Path:
    """The file a SQLite probe may open, symlinks resolved; SqliteRefused when it may not."""
    allowed = setting("PROBE_SQLITE_DIRS", []) or []
    if not allowed:
        raise SqliteRefused("sqlite_unset")
    resolved = Path(path).resolve()
    if not any(resolved.is_relative_to(Path(folder).resolve()) for folder in allowed):
        raise SqliteRefused("sqlite_outside")
    return resolved


def timeout_cap() -> int:
    """The longest connect or statement timeout a run may use, in seconds."""
    return max(1, int(setting("PROBE_STUCK_SECONDS", 900)) // (READS + 1))


def time_limits(probe: Probe) -> tuple[int, int]:
    """(connect, statement) timeouts of a run: the probe's own or the defaults, never above the cap
    (a probe saved before PROBE_STUCK_SECONDS was lowered is held to the new cap)."""
    cap = timeout_cap()
    connect = probe.connect_timeout or int(setting("PROBE_CONNECT_TIMEOUT", 10))
    statement = probe.statement_timeout or int(setting("PROBE_STATEMENT_TIMEOUT", 60))
    return min(connect, cap), min(statement, cap)


def fields_of(probe: Probe, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(probe, name) for name in names}

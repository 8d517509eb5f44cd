"""Handlers for the real-worker tests (tests/processes/test_worker.py).

The worker imports this module through TONGBAN_EXTRA_HANDLER_MODULES; the test process imports it so
that deploying tests/fixtures/{slow,flaky}_service.bpmn finds the operators. Every execution appends
one JSON line to `executions.jsonl` in TONGBAN_TEST_RECORD_DIR, so a test can count executions across
worker processes (and see which process ran one, to kill it). The domain effect is one DecisionRecord
per idempotency key: however often a job runs, the row is written once.

Keep this module free of pytest imports: it is loaded by the worker.
"""

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from domain.approvals.services import decision_record
from handlers.registry import ServiceCall, TransientHandlerError, handler

RECORD_FILE = "executions.jsonl"


def record_dir() -> Path:
    return Path(os.environ.get("TONGBAN_TEST_RECORD_DIR") or tempfile.gettempdir())


def executions(directory: Path, key: str | None = None, event: str = "start") -> list[dict[str, Any]]:
    """The recorded executions (or their ends), optionally of one idempotency key."""
    path = directory / RECORD_FILE
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [row for row in rows if row["event"] == event and (key is None or row["key"] == key)]


def _record(call: ServiceCall, event: str) -> int:
    """Append one line (a single O_APPEND write, so processes do not interleave); return the key's count."""
    line = json.dumps(
        {"event": event, "operator": call.operator, "key": call.idempotency_key, "pid": os.getpid(), "at": time.time()}
    )
    fd = os.open(record_dir() / RECORD_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)
    return len(executions(record_dir(), call.idempotency_key, event))


def _write_row(call: ServiceCall, note: str) -> dict[str, Any]:
    record = decision_record(
        business_key=call.business_key, approved=True, opinion=note, idempotency_key=call.idempotency_key
    )
    return {"record_id": record.pk}


@handler("testing/slow_record")
def slow_record(call: ServiceCall) -> dict[str, Any]:
    """Params: seconds:int. The first execution of a key sleeps `seconds` (time to kill its worker);
    a redelivery runs at once. Writes one DecisionRecord per key. Result: {"record_id", "execution"}."""
    execution = _record(call, "start")
    if execution == 1:
        time.sleep(call.int("seconds"))
    result = _write_row(call, "slow_record")
    _record(call, "end")
    return {**result, "execution": execution}


@handler("testing/flaky_record")
def flaky_record(call: ServiceCall) -> dict[str, Any]:
    """Params: failures:int. Raises TransientHandlerError on the first `failures` executions of a key,
    then writes one DecisionRecord. Result: {"record_id", "execution"}."""
    execution = _record(call, "start")
    if execution <= call.int("failures"):
        raise TransientHandlerError(f"flaky: failing execution {execution} of {call.int('failures')}")
    result = _write_row(call, "flaky_record")
    _record(call, "end")
    return {**result, "execution": execution}

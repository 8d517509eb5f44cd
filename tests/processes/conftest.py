"""Fixtures shared by the tests that run a real Celery worker (and beat)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import worker_support as ws


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[ws.Workers]:
    ws.purge_queue()
    pool = ws.Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()
        ws.purge_queue()

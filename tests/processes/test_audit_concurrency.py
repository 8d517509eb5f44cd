"""Concurrent appends from many connections keep one unbroken chain (PostgreSQL row/advisory locks)."""

import threading

import pytest
from django.db import connection, transaction

from processes.models import AuditEvent
from processes.services.audit import AuditBuffer, audit_verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_appends_never_fork_the_chain() -> None:
    threads, per_thread = 6, 15
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    buffer = AuditBuffer()
                    buffer.add("test_event", actor=f"t{n}", payload={"i": i})
                    buffer.add("test_event", actor=f"t{n}", payload={"i": i, "second": True})
                    buffer.flush()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    assert AuditEvent.objects.count() == threads * per_thread * 2
    result = audit_verify()
    assert result.ok and result.checked == threads * per_thread * 2

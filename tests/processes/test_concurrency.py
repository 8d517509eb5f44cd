"""Two clerks acting on the same task at the same moment, on PostgreSQL: exactly one wins.

Each race runs in two threads (each with its own database connection). A barrier placed just after
the services' unlocked pre-checks makes both threads see the task open and then race for the lock
(completion: the instance row lock of the one locked path; claim: the conditional UPDATE), which is
the interleaving that a plain "start both threads" test would only hit by chance.
"""

import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from domain.approvals.models import DecisionRecord
from domain.directory.models import Department
from processes.errors import Conflict
from processes.models import AuditEvent, HumanTask, InstanceStatus, ServiceJob, TaskStatus
from processes.services import inbox
from processes.services.instances import instance_start
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


def race(*calls: Callable[[], Any], barrier: threading.Barrier) -> list[Any]:
    """Run each call in its own thread; return what each returned or raised."""
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            outcomes[index] = call()
        except Exception as exc:  # the outcome under test
            outcomes[index] = exc
            barrier.abort()  # never leave the other thread waiting on a barrier we will not reach
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a racing thread hung"
    return outcomes


def after_barrier(func: Callable[..., Any], barrier: threading.Barrier) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = func(*args, **kwargs)
        barrier.wait(timeout=10)
        return result

    return wrapper


def before_barrier(func: Callable[..., Any], barrier: threading.Barrier) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        barrier.wait(timeout=10)
        return func(*args, **kwargs)

    return wrapper


Setup = tuple[Department, list[Any], Any]


@pytest.fixture
def setup() -> Setup:
    dept = f.department()
    clerks = [f.user("clerk_a", roles=["reviewer"], dept=dept), f.user("clerk_b", roles=["reviewer"], dept=dept)]
    applicant = f.user("applicant")
    f.deploy("approval")
    return dept, clerks, applicant


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_threads_completing_the_same_task_advance_the_instance_once(setup: Setup, round_: int) -> None:
    dept, clerks, applicant = setup
    instance = instance_start(
        process_key="approval", actor=f.actor(applicant), business_key=f"RACE-{round_}", department_id=dept.pk
    )
    task = HumanTask.objects.get(instance=instance)
    barrier = threading.Barrier(2)

    def complete(clerk: Any) -> Callable[[], Any]:
        return lambda: inbox.human_task_complete(
            task_id=task.pk, actor=f.actor(clerk), data={"approved": True, "opinion": f"{clerk.username} 同意"}
        )

    # Both threads pass the unlocked checks (task open, may act, form valid), then race for the lock.
    with mock.patch.object(inbox, "apply", before_barrier(inbox.apply, barrier)):
        outcomes = race(complete(clerks[0]), complete(clerks[1]), barrier=barrier)

    winners = [o for o in outcomes if isinstance(o, HumanTask)]
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    winner = winners[0].completed_by

    instance.refresh_from_db()
    task.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert task.status == TaskStatus.COMPLETED and task.completed_by == winner
    actions = list(AuditEvent.objects.filter(instance_id=instance.pk).values_list("action", flat=True))
    assert actions.count("task_completed") == 1
    assert actions.count("instance_completed") == 1
    assert ServiceJob.objects.filter(instance=instance).count() == 1
    [record] = DecisionRecord.objects.filter(business_key=f"RACE-{round_}")
    assert record.opinion == f"{winner.username} 同意"


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_threads_claiming_the_same_task_exactly_one_wins(setup: Setup, round_: int) -> None:
    dept, clerks, applicant = setup
    instance = instance_start(process_key="approval", actor=f.actor(applicant), department_id=dept.pk)
    task = HumanTask.objects.get(instance=instance)
    barrier = threading.Barrier(2)

    def claim(clerk: Any) -> Callable[[], Any]:
        return lambda: inbox.human_task_claim(task_id=task.pk, actor=f.actor(clerk))

    # The permission check is the last one before the conditional UPDATE: both threads pass it.
    with mock.patch.object(inbox, "task_can_act", after_barrier(inbox.task_can_act, barrier)):
        outcomes = race(claim(clerks[0]), claim(clerks[1]), barrier=barrier)

    winners = [o for o in outcomes if isinstance(o, HumanTask)]
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    task.refresh_from_db()
    assert task.assignee_id == winners[0].assignee_id
    assert task.assignee_id in {c.pk for c in clerks}
    assert AuditEvent.objects.filter(instance_id=instance.pk, action="task_claimed").count() == 1

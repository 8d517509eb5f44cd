"""Service jobs on a real `celery worker` process, through a real broker (CI: PostgreSQL + Redis).

Each test starts its worker(s) from tests/worker_support.py against pytest-django's test database,
drives instances from this process (jobs are enqueued on commit, as in production) and polls the
database for the outcome. The handlers (tests/worker_handlers.py) log every execution to a file, so
"ran twice, completed once" is observable across processes.
"""

import os
import re
import signal
import time

import pytest
from django.conf import settings as django_settings
from pytest_django.fixtures import Settings

import tests.worker_handlers  # noqa: F401  (registers testing/* so the fixture diagrams deploy)
from domain.approvals.models import DecisionRecord
from processes.models import AuditEvent, HumanTask, InstanceStatus, JobStatus, ProcessInstance, ServiceJob
from processes.ports import Actor
from processes.services import jobs as job_services
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from tests import worker_support as ws
from tests.worker_handlers import executions

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

COMPLETION_TIMEOUT = 60


@pytest.fixture
def applicant() -> Actor:
    return f.actor(f.user("applicant"))


def wait_completed(instance: ProcessInstance, workers: ws.Workers, timeout: float = COMPLETION_TIMEOUT) -> None:
    def completed() -> bool:
        instance.refresh_from_db()
        return instance.status == InstanceStatus.COMPLETED

    try:
        ws.wait_for(completed, timeout=timeout, what=f"instance {instance.pk} to complete")
    except AssertionError as exc:
        jobs = list(ServiceJob.objects.filter(instance=instance).values("status", "attempts", "error"))
        raise AssertionError(f"{exc}; jobs: {jobs}\n{workers.logs()[-6000:]}") from None


def audit_actions(instance: ProcessInstance) -> list[str]:
    return list(AuditEvent.objects.filter(instance_id=instance.pk).values_list("action", flat=True))


def assert_completed_once(instance: ProcessInstance, *, attempts: int) -> ServiceJob:
    """One domain row, one finished job, one completion: however many times the handler ran."""
    job = ServiceJob.objects.get(instance=instance)
    assert job.status == JobStatus.DONE
    assert job.attempts == attempts
    assert DecisionRecord.objects.filter(idempotency_key=job.idempotency_key).count() == 1
    assert DecisionRecord.objects.count() == 1
    actions = audit_actions(instance)
    assert actions.count("job_done") == 1
    assert actions.count("instance_completed") == 1
    assert actions[-1] == "instance_completed"
    return job


def test_approval_runs_to_completion_on_the_worker(workers: ws.Workers) -> None:
    worker = workers.start()
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    applicant = f.user("applicant")
    f.deploy("approval")
    instance = instance_start(
        process_key="approval",
        actor=f.actor(applicant),
        business_key="REQ-W1",
        data={"title": "申请"},
        department_id=dept.pk,
    )
    task = HumanTask.objects.get(instance=instance)
    human_task_complete(task_id=task.pk, actor=f.actor(clerk), data={"approved": True, "opinion": "同意"})

    wait_completed(instance, workers)
    job = assert_completed_once(instance, attempts=1)
    assert DecisionRecord.objects.get().business_key == "REQ-W1"
    assert job.result is not None and job.result["record_id"] == DecisionRecord.objects.get().pk
    # It really ran on the worker, not in this process.
    assert "processes.tasks.run_service_job" in worker.log() and " succeeded in " in worker.log()


def test_prefork_child_killed_mid_job_is_redelivered_and_completes_once(workers: ws.Workers, applicant: Actor) -> None:
    """acks_late + reject_on_worker_lost: the main process requeues the message of the child it lost."""
    worker = workers.start()
    f.deploy("slow_service")
    instance = instance_start(process_key="slow_service", actor=applicant, business_key="SLOW-1", data={"seconds": 60})
    [first] = ws.wait_for(lambda: executions(workers.directory), timeout=30, what="the handler to start")
    assert first["pid"] != worker.pid  # the prefork child, not the main process
    os.kill(first["pid"], signal.SIGKILL)

    wait_completed(instance, workers)
    job = assert_completed_once(instance, attempts=2)
    runs = executions(workers.directory, job.idempotency_key)
    assert len(runs) == 2 and runs[1]["pid"] != first["pid"]
    assert len(executions(workers.directory, job.idempotency_key, "end")) == 1
    assert worker.alive()
    assert "WorkerLostError" in worker.log() or "SIGKILL" in worker.log()


def test_whole_worker_killed_mid_job_message_is_redelivered_to_a_new_worker(
    workers: ws.Workers, applicant: Actor
) -> None:
    """SIGKILL to the whole worker: nobody acks or requeues; redis hands the unacknowledged message
    to the next worker once the visibility timeout has passed."""
    first_worker = workers.start()
    f.deploy("slow_service")
    instance = instance_start(process_key="slow_service", actor=applicant, business_key="SLOW-2", data={"seconds": 60})
    [first] = ws.wait_for(lambda: executions(workers.directory), timeout=30, what="the handler to start")
    first_worker.kill()

    job = ServiceJob.objects.get(instance=instance)
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.RUNNING and DecisionRecord.objects.count() == 0

    # A new worker restores unacknowledged messages older than the visibility timeout when it starts.
    time.sleep(max(0.0, first["at"] + ws.VISIBILITY_TIMEOUT + 0.5 - time.time()))
    second_worker = workers.start()
    wait_completed(instance, workers)
    job = assert_completed_once(instance, attempts=2)
    runs = executions(workers.directory, job.idempotency_key)
    assert len(runs) == 2 and runs[1]["pid"] in ws.group_members(second_worker.pid)
    assert len(executions(workers.directory, job.idempotency_key, "end")) == 1


def test_lost_message_is_re_enqueued_by_the_sweeper(workers: ws.Workers, applicant: Actor, settings: Settings) -> None:
    """The broker lost the message of a queued job: the sweeper enqueues it again."""
    settings.TONGBAN = {**settings.TONGBAN, "JOB_STUCK_SECONDS": 2}
    f.deploy("slow_service")
    instance = instance_start(process_key="slow_service", actor=applicant, business_key="SLOW-3", data={"seconds": 0})
    assert ws.purge_queue() == 1  # the message is lost before any worker saw it
    job = ServiceJob.objects.get(instance=instance)
    assert job.status == JobStatus.QUEUED
    assert job_services.jobs_sweep() == []  # not stuck yet

    workers.start()
    swept = ws.wait_for(job_services.jobs_sweep, timeout=10, what="the sweeper to see the stuck job")
    assert swept == [job.pk]
    wait_completed(instance, workers)
    assert_completed_once(instance, attempts=1)
    assert len(executions(workers.directory, job.idempotency_key)) == 1


def test_transient_errors_are_retried_with_backoff_then_succeed(workers: ws.Workers, applicant: Actor) -> None:
    worker = workers.start()
    f.deploy("flaky_service")
    instance = instance_start(
        process_key="flaky_service", actor=applicant, business_key="FLAKY-1", data={"failures": 2}
    )
    wait_completed(instance, workers)
    job = assert_completed_once(instance, attempts=3)
    runs = executions(workers.directory, job.idempotency_key)
    assert len(runs) == 3
    assert runs[0]["at"] < runs[1]["at"] < runs[2]["at"]
    # Retried through the broker (Celery's retry with a countdown), the countdown doubling each time.
    backoff = float(django_settings.TONGBAN["JOB_BACKOFF_SECONDS"])  # the worker runs the same settings module
    countdowns = [float(m) for m in re.findall(r"retry: Retry in ([0-9.]+)s", worker.log())]
    assert countdowns == pytest.approx([backoff, 2 * backoff]), worker.log()

"""The sweeper re-enqueues jobs whose broker message was lost, and never doubles a slow handler."""

from datetime import timedelta

import pytest
from django.utils import timezone

from processes.models import ServiceJob
from processes.services import jobs as job_services
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain

pytestmark = pytest.mark.django_db(transaction=True)

SERVICE = (
    '<bpmn:serviceTask id="svc" name="svc"><bpmn:extensionElements>'
    '<spiffworkflow:serviceTaskOperator id="approvals/decision_record" resultVariable="r">'
    "<spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>"
    "</bpmn:extensionElements></bpmn:serviceTask>"
)


def queued_job(monkeypatch: pytest.MonkeyPatch) -> ServiceJob:
    from processes import tasks

    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id, dispatch=1: None)  # the broker "loses" the message
    f.deploy(chain("svc_only", SERVICE))
    with pytest.MonkeyPatch.context() as m:
        m.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: None)
        instance_start(process_key="svc_only", actor=f.actor(f.user("u")))
    return ServiceJob.objects.get()


def age(job: ServiceJob, seconds: int, status: str) -> None:
    ServiceJob.objects.filter(pk=job.pk).update(status=status, updated_at=timezone.now() - timedelta(seconds=seconds))


def test_lost_queued_job_is_re_enqueued_after_the_stuck_time(monkeypatch: pytest.MonkeyPatch, settings) -> None:  # type: ignore[no-untyped-def]
    job = queued_job(monkeypatch)
    sent: list[int] = []
    from processes import tasks

    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id, dispatch: sent.append((job_id, dispatch)))
    assert job_services.jobs_sweep() == []
    age(job, settings.TONGBAN["JOB_STUCK_SECONDS"] + 5, "queued")
    assert job_services.jobs_sweep() == [job.pk] and sent == [(job.pk, 2)], "sent again under a new dispatch"
    assert job_services.jobs_sweep() == [], "the sweep itself refreshes the job, so it is not sent twice at once"


def test_slow_running_handler_is_not_run_a_second_time(monkeypatch: pytest.MonkeyPatch, settings) -> None:  # type: ignore[no-untyped-def]
    job = queued_job(monkeypatch)
    age(job, settings.TONGBAN["JOB_STUCK_SECONDS"] + 5, "running")
    assert job_services.jobs_sweep() == []
    age(job, settings.TONGBAN["JOB_RUNNING_STUCK_SECONDS"] + 5, "running")
    assert job_services.jobs_sweep() == [job.pk], "a worker that died mid-job is presumed dead eventually"


def test_a_stale_message_is_skipped_and_the_current_one_runs(monkeypatch: pytest.MonkeyPatch, settings) -> None:  # type: ignore[no-untyped-def]
    """A backlog: the first message is still queued when the sweeper sends the job again. Whichever
    arrives first, the job runs once: the older dispatch number is refused."""
    job = queued_job(monkeypatch)
    age(job, settings.TONGBAN["JOB_STUCK_SECONDS"] + 5, "queued")
    job_services.jobs_sweep()
    assert job_services.job_execute(job_id=job.pk, dispatch=1) == "skipped"
    assert job_services.job_execute(job_id=job.pk, dispatch=2) == "done"
    assert job_services.job_execute(job_id=job.pk, dispatch=2) == "skipped", "a redelivery after success does nothing"
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 1

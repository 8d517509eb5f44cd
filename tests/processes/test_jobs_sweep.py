"""The sweeper re-enqueues jobs whose broker message was lost, and never doubles a slow handler."""

from datetime import timedelta

import pytest
from django.utils import timezone

from processes.models import ServiceJob
from processes.services import jobs as job_services
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain

pytestmark = pytest.mark.django_db

SERVICE = (
    '<bpmn:serviceTask id="svc" name="svc"><bpmn:extensionElements>'
    '<spiffworkflow:serviceTaskOperator id="approvals/decision_record" resultVariable="r">'
    "<spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>"
    "</bpmn:extensionElements></bpmn:serviceTask>"
)


def queued_job(monkeypatch: pytest.MonkeyPatch) -> ServiceJob:
    from processes import tasks

    monkeypatch.setattr(tasks, "enqueue_job", lambda job_id: None)  # the broker "loses" the message
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

    monkeypatch.setattr(tasks, "enqueue_job", sent.append)
    assert job_services.jobs_sweep() == []
    age(job, settings.TONGBAN["JOB_STUCK_SECONDS"] + 5, "queued")
    assert job_services.jobs_sweep() == [job.pk] and sent == [job.pk]
    assert job_services.jobs_sweep() == [], "the sweep itself refreshes the job, so it is not sent twice at once"


def test_slow_running_handler_is_not_run_a_second_time(monkeypatch: pytest.MonkeyPatch, settings) -> None:  # type: ignore[no-untyped-def]
    job = queued_job(monkeypatch)
    age(job, settings.TONGBAN["JOB_STUCK_SECONDS"] + 5, "running")
    assert job_services.jobs_sweep() == []
    age(job, settings.TONGBAN["JOB_RUNNING_STUCK_SECONDS"] + 5, "running")
    assert job_services.jobs_sweep() == [job.pk], "a worker that died mid-job is presumed dead eventually"

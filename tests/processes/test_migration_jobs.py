"""迁移 and 回滚 as background jobs: one job per process at a time, progress counted instance by instance,
a job that a lost worker left half done carries on into the same batch, a duplicate delivery leaves the
running attempt alone, and a real Celery worker runs a job to the end."""

from typing import Any

import pytest

from processes.errors import Conflict
from processes.models import InstanceMigration, MigrationBatch, MigrationJob, ProcessInstance
from processes.services import migration_jobs
from processes.services.migration import migration_rollback
from processes.services.migration_jobs import (
    migration_job_execute,
    migration_job_start,
    migration_rollback_job_start,
)
from tests import factories as f
from tests import worker_support as ws
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "mig_job"


@pytest.fixture(autouse=True)
def _held(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A started job stays queued until the test runs it (embedded Celery would run it on commit);
    the worker test keeps the real enqueue."""
    if "worker" not in request.keywords:
        monkeypatch.setattr("processes.tasks.enqueue_migration_job", lambda job_id: None)


@pytest.fixture
def people() -> tuple[Any, Any]:
    dept = f.department()
    return f.user("clerk", roles=["clerk", "reviewer"], dept=dept), f.user("ops", is_staff=True)


def old_instances(clerk: Any, count: int) -> tuple[list[ProcessInstance], Any]:
    """`count` instances on v1 at review, and v2 (review kept) to move them to."""
    f.deploy(chain(KEY, user_task("review")))
    instances = [_start(clerk, n) for n in range(count)]
    return instances, f.deploy(chain(KEY, user_task("review"), user_task("approve")))


def _start(clerk: Any, n: int) -> ProcessInstance:
    from processes.services.instances import instance_start

    return instance_start(process_key=KEY, actor=f.actor(clerk), business_key=f"J-{n}", department_id=f.department().pk)


def versions(instances: list[ProcessInstance]) -> list[int]:
    return [ProcessInstance.objects.select_related("definition").get(pk=i.pk).definition.version for i in instances]


def test_a_job_moves_every_instance_and_counts_them(people: tuple[Any, Any]) -> None:
    """The job runs the migration, counts total/processed/moved, links the batch it made, ends 已完成;
    delivered again it does nothing."""
    clerk, ops = people
    instances, v2 = old_instances(clerk, 3)
    job = migration_job_start(target_definition_id=v2.pk, actor=f.actor(ops))
    assert job.status == "queued"

    assert migration_job_execute(job_id=job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.moved, job.skipped) == ("done", 3, 3, 3, [])
    assert job.batch_id == MigrationBatch.objects.get().pk and job.started_at and job.finished_at
    assert versions(instances) == [2, 2, 2]
    assert migration_job_execute(job_id=job.pk) == "finished already"


def test_one_job_per_process_at_a_time(people: tuple[Any, Any]) -> None:
    """While a job of the process is queued or running, a second is refused naming the first; a rollback
    of a batch already rolled back is refused at once."""
    clerk, ops = people
    _instances, v2 = old_instances(clerk, 1)
    first = migration_job_start(target_definition_id=v2.pk, actor=f.actor(ops))
    with pytest.raises(Conflict, match=f"#{first.pk}") as refused:
        migration_job_start(target_definition_id=v2.pk, actor=f.actor(ops))
    assert refused.value.detail == {"job_id": first.pk}
    migration_job_execute(job_id=first.pk)
    batch = MigrationBatch.objects.get()
    migration_rollback(batch_id=batch.pk, actor=f.actor(ops))
    with pytest.raises(Conflict, match="already rolled back"):
        migration_rollback_job_start(batch_id=batch.pk, actor=f.actor(ops))


def test_a_rollback_job_puts_the_instances_back(people: tuple[Any, Any]) -> None:
    """A rollback job restores every instance of its batch and counts them."""
    clerk, ops = people
    instances, v2 = old_instances(clerk, 2)
    migration_job_execute(job_id=migration_job_start(target_definition_id=v2.pk, actor=f.actor(ops)).pk)
    batch = MigrationBatch.objects.get()

    job = migration_rollback_job_start(batch_id=batch.pk, actor=f.actor(ops))
    migration_job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert (job.action, job.status, job.total, job.moved, job.batch_id) == ("rollback", "done", 2, 2, batch.pk)
    assert versions(instances) == [1, 1]


def test_a_job_a_lost_worker_left_running_carries_on_into_the_same_batch(
    people: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker dies after the first of three instances (the job row still says running, its batch and
    count saved); the job delivered again moves the other two into the same batch and counts all three."""
    clerk, ops = people
    instances, v2 = old_instances(clerk, 3)
    job = migration_job_start(target_definition_id=v2.pk, actor=f.actor(ops))
    monkeypatch.setattr(migration_jobs, "FLUSH_SECONDS", 0)
    real_step = migration_jobs.JobProgress.step

    def dies_after_one(self: Any, instance_id: int, *, reason: str | None = None) -> None:
        real_step(self, instance_id, reason=reason)
        raise KeyboardInterrupt  # not an Exception: nothing marks the job, as when the process is killed

    with monkeypatch.context() as patch:
        patch.setattr(migration_jobs.JobProgress, "step", dies_after_one)
        with pytest.raises(KeyboardInterrupt):
            migration_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.processed, job.moved) == ("running", 1, 1) and job.batch_id
    assert sorted(versions(instances)) == [1, 1, 2]

    assert migration_job_execute(job_id=job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.moved) == ("done", 3, 3, 3)
    assert MigrationBatch.objects.count() == 1 and InstanceMigration.objects.count() == 3
    assert versions(instances) == [2, 2, 2]


def test_an_unexpected_error_ends_the_job_as_not_finished(
    people: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug or a lost database connection: the job ends 未完成 pointing at the server log (never left
    running for ever) and the error still reaches Celery."""
    clerk, ops = people
    _instances, v2 = old_instances(clerk, 1)
    job = migration_job_start(target_definition_id=v2.pk, actor=f.actor(ops))

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(migration_jobs, "migration_run", broken)
    with pytest.raises(RuntimeError):
        migration_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "server log" in job.message and job.finished_at


@pytest.mark.postgres
def test_a_duplicate_delivery_leaves_the_running_attempt_alone_and_another_job_is_told_why(
    people: tuple[Any, Any],
) -> None:
    """The process's lock is held (an attempt at work elsewhere): a second delivery of that same job returns
    without touching it; a different job of the process, arriving meanwhile, ends 未完成 with the reason."""
    import psycopg2
    from django.conf import settings

    from processes.services.migration import LOCK_NAMESPACE, migration_lock_id

    clerk, ops = people
    _instances, v2 = old_instances(clerk, 1)
    job = migration_job_start(target_definition_id=v2.pk, actor=f.actor(ops))
    db = settings.DATABASES["default"]
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"] or None
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, migration_lock_id(KEY)])
        MigrationJob.objects.filter(pk=job.pk).update(status="running")
        assert migration_job_execute(job_id=job.pk) == "another attempt of this job is running"
        job.refresh_from_db()
        assert job.status == "running"
        second = MigrationJob.objects.create(process_key=KEY, action="migrate", target_id=v2.pk)
        assert migration_job_execute(job_id=second.pk) == "failed"
        second.refresh_from_db()
        assert "another migration or rollback" in second.message
    finally:
        other.close()


@pytest.mark.worker
def test_a_real_worker_runs_the_job(people: tuple[Any, Any], workers: ws.Workers) -> None:
    """Enqueued on commit through the broker, the job runs on a `celery worker` process to 已完成."""
    clerk, ops = people
    instances, v2 = old_instances(clerk, 2)
    workers.start()
    job = migration_job_start(target_definition_id=v2.pk, actor=f.actor(ops))

    def finished() -> bool:
        job.refresh_from_db()
        return job.status in ("done", "failed")

    try:
        ws.wait_for(finished, timeout=60, what=f"migration job {job.pk} to finish")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{workers.logs()[-4000:]}") from None
    assert (job.status, job.moved) == ("done", 2)
    assert versions(instances) == [2, 2]

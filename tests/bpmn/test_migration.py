"""Moving running instances to a new version: the dry run says who can move and why not, the run
moves them (their inbox rows follow), instances that cannot move keep working on their version,
and a rollback puts them back unless they moved on since."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from processes.engine.compile import compile_process
from processes.engine.migrate import Migrator
from processes.engine.runtime import Workflow
from processes.errors import Conflict
from processes.models import (
    AuditEvent,
    HumanTask,
    InstanceMigration,
    InstanceStatus,
    MigrationBatch,
    ProcessInstance,
    TaskCandidate,
    TimerSchedule,
)
from processes.services.inbox import human_task_claim, human_task_complete
from processes.services.instances import instance_start, instance_suspend
from processes.services.migration import migration_dry_run, migration_rollback, migration_run
from processes.tasks import timers_fire_due
from tests import factories as f
from tests.bpmn.diagrams import HEADER, chain, user_task

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "mig"


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    dept = f.department()
    clerk = f.user("clerk", roles=["clerk", "reviewer"], dept=dept)
    admin = f.user("designer", is_staff=True)
    return clerk, admin


def start(user):  # type: ignore[no-untyped-def]
    return instance_start(process_key=KEY, actor=f.actor(user), business_key="B-1", department_id=f.department().pk)


def open_task(instance):  # type: ignore[no-untyped-def]
    return HumanTask.objects.get(instance=instance, status="open")


def complete(instance, user, data=None):  # type: ignore[no-untyped-def]
    human_task_complete(task_id=open_task(instance).pk, actor=f.actor(user), data=data or {})


def test_instance_on_a_task_kept_by_the_new_version_moves_and_follows_the_new_path(people) -> None:  # type: ignore[no-untyped-def]
    """A dry run lists the old instance as migratable; after the run its open task keeps its id, its
    assignee and claim, and completing it leads to the step the new version added."""
    clerk, admin = people
    v1 = f.deploy(chain(KEY, user_task("review")))
    instance = start(clerk)
    task = human_task_claim(task_id=open_task(instance).pk, actor=f.actor(clerk))
    v2 = f.deploy(chain(KEY, user_task("review"), user_task("approve")))

    [verdict] = migration_dry_run(target_definition_id=v2.pk)
    assert verdict.instance_id == instance.pk and verdict.business_key == "B-1"
    assert verdict.migratable and verdict.reasons == [] and verdict.from_version == 1
    assert [a.element_id for a in verdict.active] == ["review"]
    assert verdict.as_dict()["active"] == [{"element_id": "review", "name": "review"}]

    batch = migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    instance.refresh_from_db()
    assert instance.definition_id == v2.pk
    moved = open_task(instance)
    assert (moved.pk, moved.spiff_task_id, moved.assignee_id) == (task.pk, task.spiff_task_id, clerk.pk)
    snapshot = InstanceMigration.objects.get(batch=batch, instance=instance)
    assert snapshot.from_definition_id == v1.pk and snapshot.state_before and snapshot.serializer_version_before

    complete(instance, clerk)
    assert open_task(instance).element_id == "approve"
    migrated = AuditEvent.objects.get(action="instance_migrated", instance_id=instance.pk)
    assert migrated.payload["from_version"] == 1 and migrated.payload["to_version"] == 2
    run = AuditEvent.objects.get(action="migration_batch_run")
    assert run.payload["migrated"] == [instance.pk] and run.payload["batch_id"] == batch.pk
    assert migration_dry_run(target_definition_id=v2.pk) == [], "nothing older is left to move"


def test_instance_whose_active_task_was_removed_stays_and_keeps_working(people) -> None:  # type: ignore[no-untyped-def]
    """An instance waiting on a task the new version removed is reported with the reason, is not
    moved, and can still be finished on its own version; the others in the batch move."""
    clerk, admin = people
    v1 = f.deploy(chain(KEY, user_task("review"), user_task("check")))
    at_review = start(clerk)
    at_check = start(clerk)
    complete(at_check, clerk)
    v2 = f.deploy(chain(KEY, user_task("review"), user_task("approve")))

    verdicts = {v.instance_id: v for v in migration_dry_run(target_definition_id=v2.pk)}
    assert verdicts[at_review.pk].migratable
    stuck = verdicts[at_check.pk]
    assert not stuck.migratable
    [reason] = stuck.reasons
    assert reason.element_id == "check"
    assert (
        reason.message.startswith("当前任务 check 在新版本中已删除")
        and "active task check was removed" in reason.message
    )

    migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    at_review.refresh_from_db()
    at_check.refresh_from_db()
    assert (at_review.definition_id, at_check.definition_id) == (v2.pk, v1.pk)
    assert not AuditEvent.objects.filter(action="instance_migrated", instance_id=at_check.pk).exists()
    complete(at_check, clerk)
    at_check.refresh_from_db()
    assert at_check.status == InstanceStatus.COMPLETED


def test_rollback_restores_the_old_version_and_the_instance_continues_on_it(people) -> None:  # type: ignore[no-untyped-def]
    """After a rollback the instance is back on its old version with the same open task, and
    completing it follows the old path (not the step the new version added)."""
    clerk, admin = people
    v1 = f.deploy(chain(KEY, user_task("review"), user_task("check")))
    instance = start(clerk)
    before = open_task(instance)
    v2 = f.deploy(chain(KEY, user_task("review"), user_task("approve")))
    batch = migration_run(target_definition_id=v2.pk, actor=f.actor(admin))

    result = migration_rollback(batch_id=batch.pk, actor=f.actor(admin))
    assert result.rolled_back == [instance.pk] and result.kept == []
    assert result.batch.rolled_back_at is not None and result.batch.rolled_back_by_id == admin.pk
    instance.refresh_from_db()
    assert instance.definition_id == v1.pk
    assert open_task(instance).pk == before.pk
    complete(instance, clerk)
    assert open_task(instance).element_id == "check"
    rolled = AuditEvent.objects.get(action="instance_migration_rolled_back", instance_id=instance.pk)
    assert rolled.payload == {"batch_id": batch.pk, "from_version": 2, "to_version": 1}
    assert AuditEvent.objects.filter(action="migration_batch_rolled_back").count() == 1
    with pytest.raises(Conflict, match="already rolled back"):
        migration_rollback(batch_id=batch.pk, actor=f.actor(admin))


def test_rollback_keeps_an_instance_that_moved_on_and_restores_the_rest(people) -> None:  # type: ignore[no-untyped-def]
    """An instance whose task was completed after the migration stays on the new version (with the
    reason); the untouched one is rolled back. If none can go back, the rollback is refused."""
    clerk, admin = people
    v1 = f.deploy(chain(KEY, user_task("review")))
    untouched, moved_on = start(clerk), start(clerk)
    v2 = f.deploy(chain(KEY, user_task("review"), user_task("approve")))
    batch = migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    complete(moved_on, clerk)

    result = migration_rollback(batch_id=batch.pk, actor=f.actor(admin))
    assert result.rolled_back == [untouched.pk]
    [(kept_id, reason)] = result.kept
    assert kept_id == moved_on.pk and "moved on after the migration" in reason
    untouched.refresh_from_db()
    moved_on.refresh_from_db()
    assert (untouched.definition_id, moved_on.definition_id) == (v1.pk, v2.pk)
    assert open_task(moved_on).element_id == "approve"

    again = migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    complete(untouched, clerk)
    with pytest.raises(Conflict, match="no instance of the batch can be rolled back"):
        migration_rollback(batch_id=again.pk, actor=f.actor(admin))
    assert MigrationBatch.objects.get(pk=again.pk).rolled_back_at is None


def test_open_task_takes_the_new_versions_settings_but_keeps_its_person(people) -> None:  # type: ignore[no-untyped-def]
    """When the new version changes the open task's name and candidate role, the inbox row follows
    (a reviewer now sees it) while its id, assignee and due time stay."""
    clerk, admin = people
    f.deploy(chain(KEY, user_task("review", "clerk", 'tongban:slaWorkingDays="3"')))
    instance = start(clerk)
    row = human_task_claim(task_id=open_task(instance).pk, actor=f.actor(clerk))
    renamed = user_task("review", "reviewer", 'tongban:slaWorkingDays="3"').replace('name="review"', 'name="复核"')
    v2 = f.deploy(chain(KEY, renamed))
    [verdict] = migration_dry_run(target_definition_id=v2.pk)
    assert [n.element_id for n in verdict.notes] == ["review"]

    migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    after = open_task(instance)
    assert (after.pk, after.assignee_id, after.due_at) == (row.pk, clerk.pk, row.due_at)
    assert (after.name, after.candidate_roles) == ("复核", ["reviewer"])
    assert list(TaskCandidate.objects.filter(task=after).values_list("role_code", flat=True)) == ["reviewer"]


BOUNDARY = """
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="review" name="review" camunda:candidateGroups="clerk" />
    <bpmn:boundaryEvent id="sla" attachedToRef="review">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="late" name="late" camunda:candidateGroups="clerk" />
    <bpmn:endEvent id="end" /><bpmn:endEvent id="end_late" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f_late" sourceRef="sla" targetRef="late" />
    <bpmn:sequenceFlow id="f_late_end" sourceRef="late" targetRef="end_late" />
    {tail}
"""


def boundary(tail: str) -> str:
    return HEADER.format(key=KEY, before="", body=BOUNDARY.format(tail=tail))


def test_a_waiting_timer_keeps_its_due_time_and_still_fires_after_migration(people) -> None:  # type: ignore[no-untyped-def]
    """A boundary timer already running is not restarted by a migration, and firing it follows the new version."""
    clerk, admin = people
    f.deploy(boundary('<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />'))
    instance = start(clerk)
    due = TimerSchedule.objects.get(instance=instance).due_at
    v2 = f.deploy(
        boundary(
            '<bpmn:userTask id="approve" name="approve" camunda:candidateGroups="clerk" />'
            '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="approve" />'
            '<bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end" />'
        ).replace('name="late"', 'name="超时处理"')
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=30), tick=False):
        migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    assert TimerSchedule.objects.get(instance=instance).due_at == due
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        timers_fire_due()
    assert (open_task(instance).element_id, open_task(instance).name) == ("late", "超时处理")


def test_adding_a_boundary_event_around_the_active_task_is_refused(people) -> None:  # type: ignore[no-untyped-def]
    """A new boundary event around the task an instance waits on cannot be armed for it: not migratable."""
    clerk, _admin = people
    f.deploy(chain(KEY, user_task("review")))
    start(clerk)
    v2 = f.deploy(boundary('<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />'))
    [verdict] = migration_dry_run(target_definition_id=v2.pk)
    assert not verdict.migratable
    assert "the flow into active task review changed" in verdict.reasons[0].message


def test_a_suspended_instance_moves_and_stays_suspended(people) -> None:  # type: ignore[no-untyped-def]
    """Suspended instances are migrated too, without being resumed."""
    clerk, admin = people
    f.deploy(chain(KEY, user_task("review")))
    instance = start(clerk)
    instance_suspend(instance_id=instance.pk, actor=f.actor(admin))
    v2 = f.deploy(chain(KEY, user_task("review"), user_task("approve")))
    migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    instance.refresh_from_db()
    assert (instance.definition_id, instance.status) == (v2.pk, InstanceStatus.SUSPENDED)


def test_a_run_with_nothing_to_move_is_refused(people) -> None:  # type: ignore[no-untyped-def]
    """Migrating when no instance can move says so instead of recording an empty batch."""
    clerk, admin = people
    f.deploy(chain(KEY, user_task("review")))
    start(clerk)
    v2 = f.deploy(chain(KEY, user_task("check")))
    with pytest.raises(Conflict, match="no running instance can be migrated"):
        migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    assert not MigrationBatch.objects.exists()
    assert ProcessInstance.objects.get().definition.version == 1


def test_a_run_where_nothing_moves_after_all_leaves_no_empty_batch(people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The dry run said the instance could move, but it was completed before 迁移 ran: the run is
    refused saying why, and no empty batch (with a 回滚 button) is left on the page."""
    from processes.services import migration

    clerk, admin = people
    f.deploy(chain(KEY, user_task("review")))
    instance = start(clerk)
    v2 = f.deploy(chain(KEY, user_task("review"), user_task("approve")))
    verdicts = migration_dry_run(target_definition_id=v2.pk)
    assert [v.migratable for v in verdicts] == [True]
    complete(instance, clerk)
    monkeypatch.setattr(migration, "migration_dry_run", lambda **_: verdicts)  # the run saw the old answer

    with pytest.raises(Conflict, match="no instance could be migrated after all") as refused:
        migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    assert refused.value.detail[0]["instance_id"] == instance.pk
    assert not MigrationBatch.objects.exists() and not InstanceMigration.objects.exists()
    assert not AuditEvent.objects.filter(action="migration_batch_run").exists()


def test_a_run_that_skips_the_first_instance_keeps_one_batch_for_the_rest(people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """When the first candidate is skipped (its transaction rolled back with the batch row it created),
    the next one that moves gets a batch of its own, and the run returns that stored batch."""
    from processes.services import migration

    clerk, admin = people
    f.deploy(chain(KEY, user_task("review")))
    gone, stays = start(clerk), start(clerk)
    v2 = f.deploy(chain(KEY, user_task("review"), user_task("approve")))
    verdicts = migration_dry_run(target_definition_id=v2.pk)
    complete(gone, clerk)
    monkeypatch.setattr(migration, "migration_dry_run", lambda **_: verdicts)

    batch = migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    assert MigrationBatch.objects.get().pk == batch.pk
    assert list(InstanceMigration.objects.values_list("instance_id", flat=True)) == [stays.pk]
    event = AuditEvent.objects.get(action="migration_batch_run")
    assert event.payload["batch_id"] == batch.pk and [s["instance_id"] for s in event.payload["skipped"]] == [gone.pk]


def test_a_second_run_for_the_same_process_is_refused_while_one_is_under_way(people) -> None:  # type: ignore[no-untyped-def]
    """Two 迁移 of one process at the same moment do not interleave: the second is told to wait."""
    from django.db import connection

    from processes.services.migration import LOCK_NAMESPACE, _process_lock, migration_lock_id

    if connection.vendor != "postgresql":
        pytest.skip("the per-process lock is a PostgreSQL advisory lock")
    import psycopg2
    from django.conf import settings

    clerk, admin = people
    f.deploy(chain(KEY, user_task("review")))
    start(clerk)
    v2 = f.deploy(chain(KEY, user_task("review"), user_task("approve")))
    db = settings.DATABASES["default"]
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"], port=db["PORT"] or None
    )
    try:
        with other.cursor() as cursor:  # another worker's run holds the lock
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, migration_lock_id(KEY)])
        with pytest.raises(Conflict, match="another migration or rollback"):
            migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
        assert not MigrationBatch.objects.exists()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, migration_lock_id(KEY)])
    finally:
        other.close()
    with _process_lock(KEY):  # released: taken again at once
        pass
    assert migration_run(target_definition_id=v2.pk, actor=f.actor(admin)).pk


MULTI = (
    '<bpmn:userTask id="sign" name="会签" camunda:candidateGroups="clerk">'
    "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality>"
    "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
)


@pytest.mark.django_db(transaction=False)
def test_engine_refuses_an_active_multi_instance_task_and_a_loop_gone_round() -> None:
    """SpiffWorkflow cannot migrate an active multi-instance task, or an instance that went round a loop."""
    old = compile_process(chain(KEY, MULTI))
    new = compile_process(chain(KEY, MULTI.replace("会签", "会签（新）")))
    state, _ = Workflow.start(old, {}).dump()
    verdict = Migrator(old, new).migrate(state).verdict
    assert not verdict.migratable and "multi-instance or loop task sign is active" in verdict.reasons[0].message

    loop = (
        '<bpmn:startEvent id="start" /><bpmn:userTask id="review" name="r" camunda:candidateGroups="c" />'
        '<bpmn:exclusiveGateway id="gw" default="back" /><bpmn:endEvent id="end" />'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />'
        '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="gw" />'
        '<bpmn:sequenceFlow id="done" sourceRef="gw" targetRef="end">'
        "<bpmn:conditionExpression>done</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="back" sourceRef="gw" targetRef="review" />'
    )
    old = compile_process(HEADER.format(key=KEY, before="", body=loop))
    new = compile_process(HEADER.format(key=KEY, before="", body=loop.replace('name="r"', 'name="r2"')))
    workflow = Workflow.start(old, {})
    assert Migrator(old, new).migrate(workflow.dump()[0]).verdict.migratable, "first round: nothing repeated yet"
    workflow.complete_human_task(workflow.human_tasks()[0].task_id, {"done": False})
    verdict = Migrator(old, new).migrate(workflow.dump()[0]).verdict
    assert not verdict.migratable and "review ran 2 times" in verdict.reasons[0].message


def test_a_supervisors_reassignment_survives_when_the_diagram_did_not_change_the_roles(people) -> None:  # type: ignore[no-untyped-def]
    """A task a supervisor moved to another role keeps that role after a migration that changed
    only other settings of the task, and goes back to it after a rollback."""
    clerk, admin = people
    f.deploy(chain(KEY, user_task("review")))
    instance = start(clerk)
    row = open_task(instance)
    HumanTask.objects.filter(pk=row.pk).update(candidate_roles=["leader"])  # as 改派 to a role leaves it
    v2 = f.deploy(chain(KEY, user_task("review").replace('name="review"', 'name="复核"')))
    batch = migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    assert (open_task(instance).name, open_task(instance).candidate_roles) == ("复核", ["leader"])
    migration_rollback(batch_id=batch.pk, actor=f.actor(admin))
    assert (open_task(instance).name, open_task(instance).candidate_roles) == ("review", ["leader"])

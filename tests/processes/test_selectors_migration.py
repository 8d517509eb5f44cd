"""Migration history for the versions page: batches with their counts, and the instances each moved,
read with one query each whatever their size."""

import pytest

from processes.selectors_migration import migration_batch_instances, migration_batches
from processes.services.instances import instance_start
from processes.services.migration import migration_rollback, migration_run
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db(transaction=True)


def test_batches_list_counts_and_instances_without_loading_snapshots(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    """Each batch shows how many instances it moved and how many went back; its instances show the
    version they came from and whether they were rolled back."""
    clerk = f.user("clerk", roles=["clerk"], dept=f.department())
    admin = f.user("designer", is_staff=True)
    f.deploy(chain("sel", user_task("review")))
    first = instance_start(process_key="sel", actor=f.actor(clerk), business_key="K-1")
    second = instance_start(process_key="sel", actor=f.actor(clerk), business_key="K-2")
    v2 = f.deploy(chain("sel", user_task("review"), user_task("approve")))
    batch = migration_run(target_definition_id=v2.pk, actor=f.actor(admin))
    migration_rollback(batch_id=batch.pk, actor=f.actor(admin))
    again = migration_run(target_definition_id=v2.pk, actor=f.actor(admin))

    with django_assert_num_queries(1):
        batches = migration_batches(process_key="sel")
    summary = [(b.batch_id, b.instance_count, b.rolled_back_count, b.target_version, b.created_by) for b in batches]
    assert summary == [(again.pk, 2, 0, 2, "designer"), (batch.pk, 2, 2, 2, "designer")]
    assert batches[1].rolled_back_by == "designer" and batches[1].rolled_back_at is not None
    assert batches[0].rolled_back_by == "" and batches[0].target_definition_id == v2.pk
    with django_assert_num_queries(1):
        moved = migration_batch_instances(batch_id=batch.pk)
    rows = [(m.instance_id, m.business_key, m.from_version, m.rolled_back_at is not None) for m in moved]
    assert rows == [(first.pk, "K-1", 1, True), (second.pk, "K-2", 1, True)]
    assert migration_batches(process_key="other") == []

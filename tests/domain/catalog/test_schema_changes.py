"""A probe finds that a published entry's table changed: a 变更 goes through catalog approval with the
信息项 brought in line (a dropped column's item gone, a new column's item added, a widened column's length
followed); the entry itself stays as published until the reviewers approve."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from domain.assets.models import DataTable, InformationSystem
from domain.assets.probing.services import probe_register, probe_run_start
from domain.catalog import services as catalog_services
from domain.catalog.choices import ChangeKind, ChangeStatus, EntryStatus
from domain.catalog.models import CatalogChange, CatalogEntry
from domain.catalog.services.schema_changes import catalog_changes_for_schema
from processes.models import HumanTask, ProcessInstance
from tests import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db


def run_probe(probe: Any, capture: Any) -> Any:
    with capture(execute=True):
        run = probe_run_start(probe_id=probe.pk, actor=None)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error_message
    return run


@pytest.fixture
def published(tmp_path: Path, django_capture_on_commit_callbacks: Any, settings: Any) -> tuple[Path, Any, CatalogEntry]:
    """A SQLite source with table hyjl (xm, sfzh varchar(18), bz), probed into the registry, catalogued from
    the table and published."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": [str(tmp_path)]}
    f.deploy("catalog_approval")
    b.authority()
    f.user("lead", roles=["data_lead"], dept=b.provider())
    path = tmp_path / "hydj.sqlite3"
    with sqlite3.connect(path) as source:
        source.execute("CREATE TABLE hyjl (xm VARCHAR(50), sfzh VARCHAR(18), bz TEXT)")
    system = InformationSystem.objects.create(department=b.provider(), name="婚姻登记系统")
    probe = probe_register(
        department_id=system.department_id,
        system_id=system.pk,
        data={"name": "婚姻登记库", "schedule": "manual", "engine": "sqlite", "database_name": str(path)},
    )
    run_probe(probe, django_capture_on_commit_callbacks)
    table = DataTable.objects.get(name="hyjl")
    entry = catalog_services.entry_create_from_table(
        table_id=table.pk, classification_id=b.population_subject().pk, actor=b.clerk_actor()
    )
    CatalogEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.PUBLISHED, code="101001/000001")
    return path, probe, entry


def test_a_changed_table_opens_a_change_of_its_published_entry(
    published: tuple[Path, Any, CatalogEntry], django_capture_on_commit_callbacks: Any
) -> None:
    """Drop bz, add djrq: one 变更 with the items xm, sfzh, djrq, under 部门审核; the entry is unchanged."""
    path, probe, entry = published
    with sqlite3.connect(path) as source:
        source.execute("ALTER TABLE hyjl DROP COLUMN bz")
        source.execute("ALTER TABLE hyjl ADD COLUMN djrq DATE")

    run_probe(probe, django_capture_on_commit_callbacks)

    change = CatalogChange.objects.get(entry=entry)
    assert (change.kind, change.status, change.created_by_id) == (ChangeKind.CHANGE, ChangeStatus.IN_REVIEW, None)
    assert [item["name"] for item in change.proposed["items"]] == ["xm", "sfzh", "djrq"]
    assert change.proposed["items"][2]["data_type"] == "D"
    assert "数据探矿" in change.reason and "bz" in change.reason and "djrq" in change.reason
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED and [i.name for i in entry.items.all()] == ["xm", "sfzh", "bz"]
    instance = ProcessInstance.objects.get(definition__key="catalog_approval")
    assert instance.subject == change
    assert HumanTask.objects.filter(instance=instance, status="open").count() == 1


def test_a_comment_change_alone_opens_nothing_and_a_busy_entry_is_left_alone(
    published: tuple[Path, Any, CatalogEntry], django_capture_on_commit_callbacks: Any
) -> None:
    """Only changes that alter the 信息项 count; an entry with a 变更 already under review gets no second one
    (the changes are kept on the open one)."""
    path, probe, entry = published
    run_probe(probe, django_capture_on_commit_callbacks)  # nothing changed
    assert not CatalogChange.objects.exists()
    with sqlite3.connect(path) as source:
        source.execute("ALTER TABLE hyjl DROP COLUMN bz")
    first = run_probe(probe, django_capture_on_commit_callbacks)
    assert CatalogChange.objects.count() == 1

    again = catalog_changes_for_schema(changes=list(first.changes.all()))

    assert again.opened == [] and again.busy == [entry.pk] and CatalogChange.objects.count() == 1
    assert CatalogChange.objects.get().followups == [c.pk for c in first.changes.all()]


def test_a_dropped_table_proposes_taking_its_entry_down(
    published: tuple[Path, Any, CatalogEntry], django_capture_on_commit_callbacks: Any
) -> None:
    """With its table gone no 信息项 is left: a 下线 with the probe's reason goes to 部门审核 (not a 变更 that a
    database resource without 信息项 could never pass); the entry stays published until it is approved."""
    path, probe, entry = published
    with sqlite3.connect(path) as source:
        source.execute("DROP TABLE hyjl")

    run_probe(probe, django_capture_on_commit_callbacks)

    change = CatalogChange.objects.get(entry=entry)
    assert (change.kind, change.status, change.proposed) == (ChangeKind.TAKE_DOWN, ChangeStatus.IN_REVIEW, {})
    assert "数据探矿" in change.reason and "hyjl" in change.reason
    instance = ProcessInstance.objects.get(definition__key="catalog_approval")
    assert instance.subject == change and HumanTask.objects.filter(instance=instance, status="open").count() == 1
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED


def test_one_entry_a_rule_refuses_does_not_hold_up_the_others(
    published: tuple[Path, Any, CatalogEntry], django_capture_on_commit_callbacks: Any
) -> None:
    """Two entries catalogued from the table; the first breaks a rule (有条件共享 without its condition, written
    around the services). A dropped column still opens the second one's 变更, and the result names the first
    entry with what is wrong."""
    path, probe, broken = published
    table = DataTable.objects.get(name="hyjl")
    healthy = catalog_services.entry_create_from_table(
        table_id=table.pk, classification_id=b.population_subject().pk, actor=b.clerk_actor()
    )
    CatalogEntry.objects.filter(pk=healthy.pk).update(status=EntryStatus.PUBLISHED, code="101001/000002")
    CatalogEntry.objects.filter(pk=broken.pk).update(share_type=2)
    with sqlite3.connect(path) as source:
        source.execute("ALTER TABLE hyjl DROP COLUMN bz")

    run = run_probe(probe, django_capture_on_commit_callbacks)

    assert [c.entry_id for c in CatalogChange.objects.all()] == [healthy.pk]
    again = catalog_changes_for_schema(changes=list(run.changes.all()))
    assert again.busy == [healthy.pk] and list(again.refused) == [broken.pk]
    assert "share_condition" in again.refused[broken.pk]


def test_schema_changes_met_while_a_change_is_open_are_followed_up_when_it_is_withdrawn(
    published: tuple[Path, Any, CatalogEntry], django_capture_on_commit_callbacks: Any
) -> None:
    """bz dropped → 变更 #1 opens. sfzh dropped while #1 is open: kept on #1, not lost. #1 is withdrawn →
    a new 变更 follows the sfzh drop (the entry still has bz, as #1 never applied)."""
    path, probe, entry = published
    with sqlite3.connect(path) as source:
        source.execute("ALTER TABLE hyjl DROP COLUMN bz")
    run_probe(probe, django_capture_on_commit_callbacks)
    first = CatalogChange.objects.get(entry=entry)
    with sqlite3.connect(path) as source:
        source.execute("ALTER TABLE hyjl DROP COLUMN sfzh")
    second_run = run_probe(probe, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert CatalogChange.objects.count() == 1
    assert first.followups == list(second_run.changes.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.approval_withdraw(entry_id=entry.pk, change_id=first.pk)

    first.refresh_from_db()
    follow_up = CatalogChange.objects.exclude(pk=first.pk).get(entry=entry)
    assert first.status == ChangeStatus.WITHDRAWN
    assert (follow_up.kind, follow_up.status) == (ChangeKind.CHANGE, ChangeStatus.IN_REVIEW)
    assert [item["name"] for item in follow_up.proposed["items"]] == ["xm", "bz"]

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
def published(tmp_path: Path, django_capture_on_commit_callbacks: Any) -> tuple[Path, Any, CatalogEntry]:
    """A SQLite source with table hyjl (xm, sfzh varchar(18), bz), probed into the registry, catalogued from
    the table and published."""
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
    """Only changes that alter the 信息项 count; an entry with a 变更 already under review gets no second one."""
    path, probe, entry = published
    run_probe(probe, django_capture_on_commit_callbacks)  # nothing changed
    assert not CatalogChange.objects.exists()
    with sqlite3.connect(path) as source:
        source.execute("ALTER TABLE hyjl DROP COLUMN bz")
    first = run_probe(probe, django_capture_on_commit_callbacks)
    assert CatalogChange.objects.count() == 1

    again = catalog_changes_for_schema(changes=list(first.changes.all()))

    assert again.opened == [] and again.busy == [entry.pk] and CatalogChange.objects.count() == 1

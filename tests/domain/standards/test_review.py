"""清洗比对 runs and steward review: sources, stored clusters, accept/split/reject, one element per field."""

from collections.abc import Iterator

import pytest
from django.db import IntegrityError, transaction

from domain.standards.choices import ClusterStatus, ElementStatus, RunStatus
from domain.standards.cleansing import FieldRecord
from domain.standards.errors import ClusterDecided, ClusterSplitInvalid, FieldAlreadyMapped, UnknownFieldSource
from domain.standards.models import CleansingRun, Cluster, FieldMapping, SynonymGroup
from domain.standards.selectors import cluster_members, field_element, reason_texts, run_clusters, run_links
from domain.standards.services import (
    cleansing_run_execute,
    cleansing_run_start,
    cluster_accept,
    cluster_reject,
    cluster_split,
    element_create,
)
from domain.standards.sources import register_field_source, unregister_field_source
from tests import factories

pytestmark = pytest.mark.django_db

COLUMNS = [
    (1, "身份证号码", "varchar"),
    (2, "sfzhm", "varchar"),
    (3, "GMSFHM", "char"),
    (4, "身份证号", "varchar"),
    (5, "法人代表", "varchar"),
    (6, "法定代表人", "varchar"),
    (7, "户籍地址", "varchar"),
    (8, "户籍地址", "varchar"),
    (9, "居住地址", "varchar"),
    (10, "居住地址", "varchar"),
]


def _columns() -> Iterator[FieldRecord]:
    for source_id, name, data_type in COLUMNS:
        yield FieldRecord("test.column", source_id, name, "", data_type, 18, None)


@pytest.fixture
def source():
    register_field_source("test.column", _columns)
    yield "test.column"
    unregister_field_source("test.column")


@pytest.fixture
def steward():
    return factories.actor(factories.user("steward"))


def _run(steward, django_capture_on_commit_callbacks) -> CleansingRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = cleansing_run_start(actor=steward, sources=["test.column"])
    run.refresh_from_db()
    return run


def _cluster(run: CleansingRun, name: str) -> Cluster:
    return Cluster.objects.filter(run=run, split_from=None, members__name=name).distinct().get()


def test_a_run_collects_registered_fields_and_stores_clusters_with_reasons(
    source, steward, django_capture_on_commit_callbacks
):
    """Started by a steward, executed by the Celery task after commit: clusters, members, links and figures."""
    run = _run(steward, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.DONE and run.fields_scanned == len(COLUMNS)
    assert run.clusters_found == run_clusters(run_id=run.pk).count() == 4
    assert run.duration is not None and run.finished_at >= run.started_at
    ids = _cluster(run, "sfzhm")
    assert ids.suggested_name == "公民身份号码"  # the seeded synonym group's name
    assert sorted(cluster_members(cluster_id=ids.pk).values_list("source_id", flat=True)) == [1, 2, 3, 4]
    assert "拼音首字母相同 sfzhm = 身份证号码" in reason_texts(ids.reasons)
    assert "拼音首字母相同" in reason_texts(ids.members.get(name="sfzhm").reasons)[0]
    links = {frozenset({link.a.suggested_name, link.b.suggested_name}) for link in run_links(run_id=run.pk)}
    assert links == {frozenset({"户籍地址", "居住地址"})}


def test_the_run_uses_the_synonym_groups_stewards_edit(source, steward, django_capture_on_commit_callbacks):
    """Removing 法人代表 from the seeded group (a migration) leaves it out of 法定代表人's cluster."""
    group = SynonymGroup.objects.get(key="fddbr")
    group.terms = [term for term in group.terms if term != "法人代表"]
    group.save()
    run = _run(steward, django_capture_on_commit_callbacks)
    assert not Cluster.objects.filter(run=run, members__name="法人代表").filter(members__name="法定代表人").exists()


def test_a_run_over_an_unknown_source_is_refused(steward):
    with pytest.raises(UnknownFieldSource):
        cleansing_run_start(actor=steward, sources=["nowhere.column"])


def test_a_failing_source_marks_the_run_failed_with_the_error(steward):
    """A source that raises leaves the run failed with the error text and no clusters."""

    def broken() -> Iterator[FieldRecord]:
        raise RuntimeError("数据库连接失败")

    register_field_source("test.broken", broken)
    try:
        run = cleansing_run_start(actor=steward, sources=["test.broken"])
        run = cleansing_run_execute(run_id=run.pk)
    finally:
        unregister_field_source("test.broken")
    assert run.status == RunStatus.FAILED and "数据库连接失败" in run.error
    assert not run.clusters.exists()
    assert cleansing_run_execute(run_id=run.pk).status == RunStatus.FAILED  # a redelivery does not run it again


def test_accepting_maps_every_field_to_the_element_and_records_synonyms(
    source, steward, django_capture_on_commit_callbacks
):
    """Accepting with a new element creates it from the cluster, maps each field once, adds the names as 同义名称."""
    run = _run(steward, django_capture_on_commit_callbacks)
    cluster = cluster_accept(
        cluster_id=_cluster(run, "sfzhm").pk, actor=steward, new_element={"data_type": "C", "format": "an18"}
    )
    element = cluster.element
    assert cluster.status == ClusterStatus.ACCEPTED and cluster.decided_by.username == "steward"
    assert element.name_zh == "公民身份号码" and element.format == "an18"
    assert set(element.synonyms) == {"身份证号码", "sfzhm", "GMSFHM", "身份证号"}
    assert field_element(source="test.column", source_id=3) == element
    assert FieldMapping.objects.filter(element=element).count() == 4
    with pytest.raises(ClusterDecided):
        cluster_reject(cluster_id=cluster.pk, actor=steward)


def test_a_field_maps_to_one_element_only(source, steward, django_capture_on_commit_callbacks):
    """A second run's cluster with a field mapped elsewhere is refused, naming the field; the database agrees."""
    run = _run(steward, django_capture_on_commit_callbacks)
    other = element_create(actor=steward, name_zh="法人姓名")
    FieldMapping.objects.create(source="test.column", source_id=5, element=other)
    with pytest.raises(FieldAlreadyMapped) as error:
        cluster_accept(cluster_id=_cluster(run, "法人代表").pk, actor=steward)
    assert [(source, source_id) for source, source_id, *_rest in error.value.fields] == [("test.column", 5)]
    assert not FieldMapping.objects.filter(source_id=6).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        FieldMapping.objects.create(source="test.column", source_id=5, element=other)


def test_accepting_into_an_existing_element_is_repeatable_across_runs(
    source, steward, django_capture_on_commit_callbacks
):
    """Fields mapped to the same element by an earlier run are fine; a retired element is refused."""
    element = element_create(actor=steward, name_zh="法定代表人")
    first = _run(steward, django_capture_on_commit_callbacks)
    cluster_accept(cluster_id=_cluster(first, "法人代表").pk, actor=steward, element_id=element.pk)
    second = _run(steward, django_capture_on_commit_callbacks)
    cluster_accept(cluster_id=_cluster(second, "法人代表").pk, actor=steward, element_id=element.pk)
    assert FieldMapping.objects.filter(element=element).count() == 2
    element.status = ElementStatus.RETIRED
    element.save()
    with pytest.raises(Exception, match="已废止"):
        cluster_accept(cluster_id=_cluster(second, "户籍地址").pk, actor=steward, element_id=element.pk)


def test_splitting_moves_the_chosen_fields_to_a_new_cluster(source, steward, django_capture_on_commit_callbacks):
    """The chosen members form one new proposed cluster, the rest another; the original is marked split."""
    run = _run(steward, django_capture_on_commit_callbacks)
    original = _cluster(run, "sfzhm")
    chosen = list(original.members.filter(name="GMSFHM").values_list("pk", flat=True))
    taken = cluster_split(cluster_id=original.pk, member_ids=chosen, actor=steward)
    original.refresh_from_db()
    assert original.status == ClusterStatus.SPLIT and original.members.count() == 4
    rest = original.split_into.exclude(pk=taken.pk).get()
    assert list(taken.members.values_list("name", flat=True)) == ["GMSFHM"]
    assert sorted(rest.members.values_list("name", flat=True)) == ["sfzhm", "身份证号", "身份证号码"]
    assert taken.status == rest.status == ClusterStatus.PROPOSED
    assert "人工拆分 steward" in reason_texts(taken.reasons)
    assert run_clusters(run_id=run.pk).filter(pk=original.pk).count() == 0


def test_a_split_must_choose_some_but_not_all_members(source, steward, django_capture_on_commit_callbacks):
    run = _run(steward, django_capture_on_commit_callbacks)
    cluster = _cluster(run, "sfzhm")
    everyone = list(cluster.members.values_list("pk", flat=True))
    for member_ids in ([], everyone, [everyone[0], 10**9]):
        with pytest.raises(ClusterSplitInvalid):
            cluster_split(cluster_id=cluster.pk, member_ids=member_ids, actor=steward)


def test_rejecting_maps_nothing(source, steward, django_capture_on_commit_callbacks):
    run = _run(steward, django_capture_on_commit_callbacks)
    cluster = cluster_reject(cluster_id=_cluster(run, "居住地址").pk, actor=steward, note="不是同一字段")
    assert cluster.status == ClusterStatus.REJECTED and cluster.note == "不是同一字段"
    assert not FieldMapping.objects.exists()


def test_a_run_whose_worker_died_runs_again_when_redelivered(source, steward):
    """A run stuck in 运行中 for hours is taken up again; one running right now is left alone."""
    from datetime import timedelta

    from django.utils import timezone

    run = CleansingRun.objects.create(sources=["test.column"], status=RunStatus.RUNNING, started_at=timezone.now())
    assert cleansing_run_execute(run_id=run.pk).status == RunStatus.RUNNING
    CleansingRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(hours=3))
    assert cleansing_run_execute(run_id=run.pk).status == RunStatus.DONE

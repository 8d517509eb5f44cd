"""Resource codes: classification code / 6-digit sequence, allocated on publish without gaps or duplicates."""

import threading

import pytest
from django.db import connection, transaction

from domain.catalog import services as catalog_services
from domain.catalog.classification import classification_create, classification_seed, department_classification
from domain.catalog.codes import sequence_allocate
from domain.catalog.errors import CatalogError, WrongStatus
from domain.catalog.models import CatalogEntry, ClassificationNode
from tests import factories as f

from . import builders as b


def reviewed_entries(count: int, **overrides: object) -> list[CatalogEntry]:
    """`count` entries as they stand when both gates have approved (审核中)."""
    clerk = b.cataloguer()
    entries = [
        catalog_services.entry_create(fields=b.fields(name=f"资源{i}", **overrides), actor=f.actor(clerk))
        for i in range(count)
    ]
    CatalogEntry.objects.filter(pk__in=[e.pk for e in entries]).update(status="in_review")
    return entries


def publish(entry: CatalogEntry, key: str = "") -> CatalogEntry:
    return catalog_services.entry_publish(
        entry_id=entry.pk, change_id=None, change_kind="新增", idempotency_key=key or f"test:{entry.pk}"
    )


@pytest.mark.django_db
def test_publishing_assigns_the_classification_code_and_the_next_sequence() -> None:
    """The first two resources under 101001 become 101001/000001 and 101001/000002, dated today."""
    first, second = reviewed_entries(2)
    assert publish(first).code == "101001/000001"
    published = publish(second)
    assert published.code == "101001/000002" and published.status == "published"
    assert published.published_on is not None


@pytest.mark.django_db
def test_each_classification_counts_on_its_own() -> None:
    """Numbers under one 目 do not use up numbers of another."""
    [population] = reviewed_entries(1)
    legal = classification_create(
        parent=ClassificationNode.objects.get(full_code="102"), code="001", name="法人基本信息"
    )
    [company] = reviewed_entries(1, classification_id=legal.pk)
    assert publish(company).code == "102001/000001" and publish(population).code == "101001/000001"


@pytest.mark.django_db
def test_a_redelivered_publish_job_does_not_take_a_second_number() -> None:
    """Publishing is idempotent under the service task's key: same code, one version, counter unchanged."""
    entry, other = reviewed_entries(2)
    assert publish(entry, "job-1").code == publish(entry, "job-1").code == "101001/000001"
    assert entry.versions.count() == 1
    assert publish(other).code == "101001/000002"


@pytest.mark.django_db
def test_a_draft_cannot_be_published() -> None:
    clerk = f.user("clerk", roles=["cataloguer"], dept=b.provider())
    entry = catalog_services.entry_create(fields=b.fields(), actor=f.actor(clerk))
    with pytest.raises(WrongStatus):
        publish(entry)
    entry.refresh_from_db()
    assert entry.code is None


@pytest.mark.django_db
def test_a_rolled_back_publish_gives_its_number_back() -> None:
    """The counter moves inside the publishing transaction: a failure after allocation leaves no gap."""
    node = b.population_subject()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert sequence_allocate(classification=node) == 1
        raise RuntimeError("publish failed later")
    with transaction.atomic():
        assert sequence_allocate(classification=node) == 1


@pytest.mark.django_db
def test_classification_seed_is_idempotent_and_follows_the_standard() -> None:
    """Three 类, 5 基础 and 12 主题 项; a second run creates nothing."""
    classification_seed()
    assert classification_seed() == 0
    assert ClassificationNode.objects.get(full_code="104").name == "社会信用"
    assert ClassificationNode.objects.get(full_code="212").name == "应急维稳"
    assert ClassificationNode.objects.filter(level=2, full_code__startswith="2").count() == 12


@pytest.mark.django_db
def test_department_items_are_created_on_demand_once() -> None:
    """Each department gets its own 部门 项 (301, 302, …) the first time it is asked for."""
    classification_seed()
    first = department_classification(department=b.provider())
    second = department_classification(department=b.authority())
    assert (first.full_code, second.full_code) == ("301", "302")
    assert department_classification(department=b.provider()) == first and first.name == "西湖区民政局"


@pytest.mark.django_db
def test_classification_segments_have_their_standard_width() -> None:
    """目 is 3 digits under a 2-digit 项; anything else is refused with the expected width."""
    classification_seed()
    population = ClassificationNode.objects.get(full_code="101")
    with pytest.raises(CatalogError, match="3"):
        classification_create(parent=population, code="01", name="x")
    detail = classification_create(
        parent=classification_create(parent=population, code="002", name="人口迁移"), code="0101", name="迁入"
    )
    assert (detail.full_code, detail.level) == ("1010020101", 4)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_publishes_on_postgresql_number_one_to_n_without_gaps_or_duplicates() -> None:
    """N threads, each on its own connection, publish N entries of one classification at the same time
    (after a first publish, so they contend for an existing counter row)."""
    count = 40
    first, *entries = reviewed_entries(count + 1)
    publish(first)
    barrier = threading.Barrier(len(entries))
    failures: list[BaseException] = []

    def worker(entry: CatalogEntry) -> None:
        try:
            barrier.wait()
            publish(entry)
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(entry,)) for entry in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    sequences = sorted(s or 0 for s in CatalogEntry.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, count + 2))
    codes = set(CatalogEntry.objects.values_list("code", flat=True))
    assert len(codes) == count + 1 and all((c or "").startswith("101001/0000") for c in codes)


def _while_held(first: object, second: object) -> tuple[list[object], list[BaseException]]:
    """Run `first()` in a transaction that stays open until `second()`, on another connection, has had time to
    reach the same row lock; then commit. Returns second's result and any failure."""
    results: list[object] = []
    failures: list[BaseException] = []
    started = threading.Event()

    def other() -> None:
        try:
            started.wait()
            results.append(second())  # type: ignore[operator]
        except BaseException as exc:  # noqa: BLE001  (reported by the caller's assertion)
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    with transaction.atomic():
        first()  # type: ignore[operator]
        started.set()
        thread.join(timeout=1.0)  # the other side is now blocked on our lock (or, before the fix, past its check)
    thread.join()
    return results, failures


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_duplicate_publish_delivered_while_the_first_runs_returns_the_published_entry() -> None:
    """Celery delivers the publish job twice at once: the second waits for the first and then finds its work
    done (same code, one version), instead of refusing a published entry with WrongStatus."""
    [entry] = reviewed_entries(1)
    results, failures = _while_held(lambda: publish(entry, "job-1"), lambda: publish(entry, "job-1"))
    assert failures == []
    [again] = results
    assert isinstance(again, CatalogEntry) and again.code == "101001/000001"
    assert entry.versions.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_uses_of_a_department_classification_at_once_get_one_node() -> None:
    """Two cataloguers of a new department draft at the same moment: both get its one 部门 项 (301)."""
    classification_seed()
    department = b.provider()
    results, failures = _while_held(
        lambda: department_classification(department=department),
        lambda: department_classification(department=department),
    )
    assert failures == []
    assert [node.full_code for node in results] == ["301"]  # type: ignore[attr-defined]
    assert ClassificationNode.objects.filter(department=department).count() == 1

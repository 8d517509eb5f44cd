"""清洗比对 pages: runs started from the list and followed on their page, the review screen with reasons in the
reader's language, and the steward's 接受 / 拆分 / 拒绝 on a card (htmx in place, or post-redirect-get)."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from domain.standards.choices import ClusterStatus, RunStatus
from domain.standards.cleansing import FieldRecord
from domain.standards.models import CleansingRun, Cluster, ClusterMember, DataElement, FieldMapping
from domain.standards.services import element_create
from domain.standards.sources import register_field_source, unregister_field_source
from tests import factories as f
from tests.webui.data.pages import client_for, html_of

pytestmark = pytest.mark.django_db

SOURCE = "test.column"
ID_NAMES = ["身份证号码", "sfzhm", "GMSFHM", "身份证号"]
OTHER_NAMES = ["法人代表", "法定代表人", "户籍地址", "户籍地址", "居住地址", "居住地址"]
COLUMNS: list[str] = []  # what the registered test source yields; each test sets it


def _columns() -> Iterator[FieldRecord]:
    for number, name in enumerate(COLUMNS, start=1):
        yield FieldRecord(SOURCE, number, name, "", "varchar", 18, None)


@pytest.fixture
def source() -> Iterator[str]:
    COLUMNS[:] = ID_NAMES + OTHER_NAMES
    register_field_source(SOURCE, _columns)
    yield SOURCE
    unregister_field_source(SOURCE)


@pytest.fixture
def people() -> dict[str, Any]:
    """A steward (平台审核员 of the data authority) and a reader (编目员 of another department)."""
    authority = f.department("330106-DSJ", "西湖区大数据局")
    other = f.department("330106-MZ", "西湖区民政局")
    return {
        "steward": f.user("steward", roles=["platform_reviewer"], dept=authority),
        "reader": f.user("reader", roles=["cataloguer"], dept=other),
    }


def start_run(client: Client, capture: Any) -> CleansingRun:
    """开始比对 as the page posts it; Celery is eager and enqueues on commit."""
    with capture(execute=True):
        response = client.post("/data/cleansing/start/")
    run = CleansingRun.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/data/cleansing/runs/{run.pk}/"
    return run


def cluster_of(run: CleansingRun, member: str) -> Cluster:
    return Cluster.objects.filter(run=run, split_from=None, members__name=member).distinct().get()


def card_of(html: str, cluster_id: int) -> str:
    start = html.index(f'id="tb-cluster-{cluster_id}"')
    return html[start : html.index("</article>", start)]


def hx(cluster: Cluster) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": f"tb-cluster-{cluster.pk}"}


def test_a_run_started_from_the_list_ends_done_with_its_figures(
    source, people, django_capture_on_commit_callbacks
) -> None:
    """开始比对 redirects to the run's page; once done it stops polling and shows the counts and the review link."""
    steward = client_for(people["steward"])
    assert 'data-action="start"' in html_of(steward.get("/data/cleansing/"))
    run = start_run(steward, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.fields_scanned == len(COLUMNS)
    page = html_of(steward.get(f"/data/cleansing/runs/{run.pk}/"))
    assert 'data-status="done"' in page and "every 1s" not in page
    assert f"扫描 {len(COLUMNS)} 个字段，找到 {run.clusters_found} 个聚类" in page
    assert f"/data/cleansing/runs/{run.pk}/clusters/" in page
    listing = html_of(steward.get("/data/cleansing/"))
    assert f'data-run-id="{run.pk}" data-status="done"' in listing


def test_a_queued_run_page_polls_itself_every_second(people) -> None:
    """While queued the status block reloads itself; htmx gets the block alone."""
    run = CleansingRun.objects.create(sources=[SOURCE])
    client = client_for(people["reader"])
    page = html_of(client.get(f"/data/cleansing/runs/{run.pk}/"))
    assert 'hx-trigger="every 1s"' in page and "排队中" in page
    block = html_of(client.get(f"/data/cleansing/runs/{run.pk}/", headers={"HX-Request": "true"}))
    assert block.startswith('<div id="tb-cleansing-run"') and "<html" not in block


def test_the_review_shows_the_id_number_cluster_with_its_reasons(
    source, people, django_capture_on_commit_callbacks
) -> None:
    """身份证号 / sfzhm / GMSFHM … form one card, named after the synonym group, with why each joined."""
    run = start_run(client_for(people["steward"]), django_capture_on_commit_callbacks)
    cluster = cluster_of(run, "sfzhm")
    html = html_of(client_for(people["reader"]).get(f"/data/cleansing/runs/{run.pk}/clusters/"))
    card = card_of(html, cluster.pk)
    assert "公民身份号码" in card and f'data-confidence="{round(cluster.confidence * 100)}"' in card
    for name in ID_NAMES:
        assert f"<td>{name}</td>" in card
    assert "拼音首字母相同" in card and "sfzhm = 身份证号码" in card
    assert 'data-action="accept-new"' not in card  # the reader reads only
    household, residence = cluster_of(run, "户籍地址"), cluster_of(run, "居住地址")
    linked = card_of(html, household.pk)
    assert linked.count("<tr data-member-id=") == 1 and 'data-name-count="2"' in linked  # one row per name
    assert "关联而不合并" in linked and f'data-link="{residence.pk}"' in linked
    assert f'href="/data/cleansing/clusters/{residence.pk}/">居住地址</a>' in linked


def test_the_english_review_shows_english_reason_labels(source, people, django_capture_on_commit_callbacks) -> None:
    """The engine's Chinese reason labels are translated at render time into the reader's language."""
    run = start_run(client_for(people["steward"]), django_capture_on_commit_callbacks)
    client = f.in_english(client_for(people["reader"]))
    card = card_of(html_of(client.get(f"/data/cleansing/runs/{run.pk}/clusters/")), cluster_of(run, "sfzhm").pk)
    assert "Same pinyin initials" in card and "拼音首字母相同" not in card


def test_accepting_with_a_new_element_maps_every_member_and_swaps_the_card(
    source, people, django_capture_on_commit_callbacks
) -> None:
    """接受 (新建数据元) with htmx: the element is created, each member mapped, the card says 已接受 in place."""
    steward = client_for(people["steward"])
    run = start_run(steward, django_capture_on_commit_callbacks)
    cluster = cluster_of(run, "sfzhm")
    data = {"mode": "new", "name_zh": "公民身份号码", "data_type": "C", "format": "an18"}
    response = steward.post(f"/data/cleansing/clusters/{cluster.pk}/accept/", data, headers=hx(cluster))
    card = html_of(response)
    element = DataElement.objects.get(name_zh="公民身份号码")
    assert response.status_code == 200 and card.startswith(f'<article id="tb-cluster-{cluster.pk}"')
    assert 'data-status="accepted"' in card and "已接受" in card and f"/data/elements/{element.pk}/" in card
    mapped = FieldMapping.objects.filter(element=element, cluster=cluster)
    assert sorted(mapped.values_list("source_id", flat=True)) == [1, 2, 3, 4]
    assert 'data-action="accept-new"' not in card  # decided: no more actions


def test_accepting_an_existing_element_without_javascript_redirects_back(
    source, people, django_capture_on_commit_callbacks
) -> None:
    """The plain form maps to the element typed by its identifier and returns to the filtered review."""
    steward = client_for(people["steward"])
    run = start_run(steward, django_capture_on_commit_callbacks)
    element = element_create(actor=f.actor(people["steward"]), name_zh="法定代表人", identifier="DE900001")
    cluster = cluster_of(run, "法人代表")
    data = {"mode": "existing", "element": "DE900001", "query": "status=proposed&min=50"}
    response = steward.post(f"/data/cleansing/clusters/{cluster.pk}/accept/", data)
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"/data/cleansing/runs/{run.pk}/clusters/?status=proposed&min=50#tb-cluster-{cluster.pk}"
    )
    assert FieldMapping.objects.filter(element=element).count() == 2
    page = html_of(steward.get(response["Location"]))
    assert "已接受：2 个字段映射到数据元" in page


def test_a_field_mapped_elsewhere_is_reported_on_the_card_and_nothing_changes(
    source, people, django_capture_on_commit_callbacks
) -> None:
    """The service's refusal (the field and the element it is mapped to) shows on the card; the cluster stays open."""
    steward = client_for(people["steward"])
    run = start_run(steward, django_capture_on_commit_callbacks)
    other = element_create(actor=None, name_zh="法人姓名", identifier="DE900002")
    FieldMapping.objects.create(source=SOURCE, source_id=5, element=other)  # 法人代表
    cluster = cluster_of(run, "法人代表")
    data = {"mode": "new", "name_zh": "法定代表人", "data_type": "C"}
    card = html_of(steward.post(f"/data/cleansing/clusters/{cluster.pk}/accept/", data, headers=hx(cluster)))
    assert 'data-outcome="error"' in card and "已映射到其他数据元" in card and "法人姓名 (DE900002)" in card
    assert 'data-status="proposed"' in card
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.PROPOSED and FieldMapping.objects.count() == 1
    assert not DataElement.objects.filter(name_zh="法定代表人").exists()


def test_splitting_and_rejecting_change_the_cluster_state(source, people, django_capture_on_commit_callbacks) -> None:
    """拆分 of the ticked members brings two new proposed cards along; 拒绝 maps nothing."""
    steward = client_for(people["steward"])
    run = start_run(steward, django_capture_on_commit_callbacks)
    cluster = cluster_of(run, "sfzhm")
    html = html_of(
        steward.post(f"/data/cleansing/clusters/{cluster.pk}/split/", {"names": ["GMSFHM"]}, headers=hx(cluster))
    )
    cluster.refresh_from_db()
    children = list(cluster.split_into.order_by("pk"))
    assert cluster.status == ClusterStatus.SPLIT and len(children) == 2
    assert 'data-status="split"' in card_of(html, cluster.pk)
    for child in children:
        assert child.status == ClusterStatus.PROPOSED and f'id="tb-cluster-{child.pk}"' in html
    assert [list(child.members.values_list("name", flat=True)) for child in children][0] == ["GMSFHM"]
    living = cluster_of(run, "居住地址")
    response = steward.post(f"/data/cleansing/clusters/{living.pk}/reject/", {"note": "不是同一字段"})
    assert response.status_code == 302
    living.refresh_from_db()
    assert living.status == ClusterStatus.REJECTED and living.note == "不是同一字段"
    assert not FieldMapping.objects.exists()


def test_a_reader_may_not_decide_or_start(source, people, django_capture_on_commit_callbacks) -> None:
    """Someone who is not a data steward gets 403 for every action, and nothing changes."""
    run = start_run(client_for(people["steward"]), django_capture_on_commit_callbacks)
    reader = client_for(people["reader"])
    cluster = cluster_of(run, "sfzhm")
    member = cluster.members.first()
    assert member is not None
    for action, data in [
        ("accept", {"mode": "new", "name_zh": "公民身份号码"}),
        ("split", {"names": [member.name]}),
        ("reject", {}),
    ]:
        assert reader.post(f"/data/cleansing/clusters/{cluster.pk}/{action}/", data).status_code == 403
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.PROPOSED and not FieldMapping.objects.exists()
    assert not DataElement.objects.exists() and not cluster.split_into.exists()
    assert reader.post("/data/cleansing/start/").status_code == 403
    assert CleansingRun.objects.count() == 1
    assert 'data-action="start"' not in html_of(reader.get("/data/cleansing/"))


def test_markup_in_a_field_name_is_shown_as_text(source, people, django_capture_on_commit_callbacks) -> None:
    """A field named with markup (columns come from other systems) is escaped on the card and the error."""
    run = start_run(client_for(people["steward"]), django_capture_on_commit_callbacks)
    cluster = cluster_of(run, "sfzhm")
    ClusterMember.objects.filter(cluster=cluster, name="GMSFHM").update(name="<script>alert(1)</script>")
    html = html_of(client_for(people["reader"]).get(f"/data/cleansing/clusters/{cluster.pk}/"))
    assert "<script>alert(1)" not in html and "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html


def test_filters_by_state_confidence_and_name(source, people, django_capture_on_commit_callbacks) -> None:
    """The default shows what still waits; 全部, a minimum confidence and a member's name narrow it down."""
    steward = client_for(people["steward"])
    run = start_run(steward, django_capture_on_commit_callbacks)
    ids, living = cluster_of(run, "sfzhm"), cluster_of(run, "居住地址")
    steward.post(f"/data/cleansing/clusters/{living.pk}/reject/")
    url = f"/data/cleansing/runs/{run.pk}/clusters/"

    def shown(query: str) -> set[int]:
        return {int(pk) for pk in re.findall(r'<article id="tb-cluster-(\d+)"', html_of(steward.get(url + query)))}

    assert ids.pk in shown("") and living.pk not in shown("")
    assert living.pk in shown("?status=all") and shown("?status=rejected") == {living.pk}
    assert shown("?status=all&q=GMSFHM") == {ids.pk}
    percent = int(ids.confidence * 100)
    assert ids.pk in shown(f"?min={percent}") and ids.pk not in shown(f"?min={percent + 1}")


def test_review_queries_do_not_grow_with_clusters(source, people, django_capture_on_commit_callbacks) -> None:
    """A run with one cluster or one with four (and a link): the review costs the same queries."""
    steward = client_for(people["steward"])
    COLUMNS[:] = ID_NAMES
    small = start_run(steward, django_capture_on_commit_callbacks)
    COLUMNS[:] = ID_NAMES + OTHER_NAMES
    large = start_run(steward, django_capture_on_commit_callbacks)
    steward.get(f"/data/cleansing/runs/{small.pk}/clusters/")  # warm up: session, content types

    def count(run: CleansingRun) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            html = html_of(steward.get(f"/data/cleansing/runs/{run.pk}/clusters/?status=all"))
        return len(queries.captured_queries), html.count('<article id="tb-cluster-')

    (few, one), (many, four) = count(small), count(large)
    assert one == 1 and four == 4
    assert few == many, (few, many)


def test_a_cluster_card_names_catalog_items_only_where_the_entry_may_be_seen(people) -> None:
    """A 信息项 member reads 目录 / 信息项 with a link to its entry when the entry is published; a draft's item
    is named only to its provider's people (the steward of another department sees it as unpublished)."""
    from domain.catalog import services as catalog_services
    from domain.catalog.models import CatalogEntry
    from tests.domain.catalog import builders as b

    public = catalog_services.entry_create(fields=b.fields(name="户籍人口基本信息"), actor=b.clerk_actor())
    CatalogEntry.objects.filter(pk=public.pk).update(status="published")
    hidden = catalog_services.entry_create(fields=b.fields(name="未提交的草稿"), actor=b.clerk_actor())
    run = CleansingRun.objects.create(sources=["catalog.item"], status=RunStatus.DONE)
    cluster = Cluster.objects.create(run=run, confidence=0.9, suggested_name="公民身份号码")
    for entry, order in ((public, 2), (hidden, 1)):  # different names: a card folds members of one name
        item = entry.items.get(order=order)
        ClusterMember.objects.create(cluster=cluster, source="catalog.item", source_id=item.pk, name=item.name)
    url = f"/data/cleansing/clusters/{cluster.pk}/"
    steward = card_of(html_of(client_for(people["steward"]).get(url)), cluster.pk)
    assert f'<a href="/data/catalog/{public.pk}/">户籍人口基本信息 / 公民身份号码</a>' in steward
    assert "未提交的草稿" not in steward and "未公开的目录信息项" in steward
    clerk = card_of(html_of(client_for(b.cataloguer()).get(url)), cluster.pk)
    assert f'<a href="/data/catalog/{hidden.pk}/">未提交的草稿 / 姓名</a>' in clerk

"""数据通 home: what the suite holds and what waits, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from domain.assets.models import Database, DataTable, InformationSystem
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_overview_counts_and_links_each_area() -> None:
    """Registered systems and live tables are counted; each figure links to its page; the query count does not
    depend on how much is registered."""
    dept = f.department()
    client = Client()
    client.force_login(f.user("clerk", roles=["cataloguer"], dept=dept))
    with CaptureQueriesContext(connection) as empty:
        client.get("/data/")
    system = InformationSystem.objects.create(department=dept, name="人口库")
    database = Database.objects.create(system=system, name="rk")
    for n in range(3):
        DataTable.objects.create(database=database, name=f"t{n}")
    with CaptureQueriesContext(connection) as full:
        html = client.get("/data/").content.decode()
    assert len(full.captured_queries) == len(empty.captured_queries)
    figures = html.split('class="tb-figures"', 1)[1]
    assert '<a href="/data/assets/"><strong>1</strong>信息系统</a>' in figures
    assert '<a href="/data/assets/"><strong>3</strong>数据表</a>' in figures
    for url in ("/data/probes/", "/data/elements/", "/data/cleansing/", "/data/catalog/", "/data/shares/"):
        assert f'href="{url}"' in figures


def test_what_waits_is_counted_where_the_person_can_act() -> None:
    """An entry under review in another department is not the clerk's to wait for; one in their own is. Only
    the latest finished 清洗比对 run's proposals count (an older run's are superseded)."""
    from domain.catalog import services as catalog_services
    from domain.catalog.models import CatalogEntry
    from domain.standards.models import CleansingRun, Cluster
    from tests.domain.catalog import builders as b

    own = catalog_services.entry_create(fields=b.fields(), actor=b.clerk_actor())
    other_dept = f.department("330106-SCJG", "西湖区市场监管局")
    other = catalog_services.entry_create(
        fields=b.fields(provider_id=other_dept.pk), actor=f.actor(f.user("su", is_superuser=True))
    )
    CatalogEntry.objects.filter(pk__in=[own.pk, other.pk]).update(status="in_review")
    old = CleansingRun.objects.create(sources=[], status="done", finished_at="2026-01-01T00:00:00Z")
    new = CleansingRun.objects.create(sources=[], status="done", finished_at="2026-02-01T00:00:00Z")
    for run, count in ((old, 5), (new, 2)):
        for n in range(count):
            Cluster.objects.create(run=run, confidence=0.9, suggested_name=f"c{n}")
    client = Client()
    client.force_login(b.cataloguer())

    figures = client.get("/data/").content.decode().split('class="tb-figures"', 1)[1]

    assert "<strong>1</strong>审核中目录" in figures
    assert "<strong>2</strong>待确认的比对结果" in figures

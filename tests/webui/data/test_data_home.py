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

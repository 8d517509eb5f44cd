"""督办 → 督查晾晒: the office sees the live ranking of its units for a month or quarter (table in the
agreed column order, chart data, a clear message for a period it cannot read), publishes an ended period
once (a second time only with a correction reason), and everyone signed in reads the published snapshots,
checks them against the audit trail (a tampered one shows its problem) and downloads them."""

import io
import json
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from domain.supervision.models import RankingSnapshot
from tests import factories as f
from tests.calendar_fake import weekday_calendar
from tests.domain.supervision import builders as b

pytestmark = pytest.mark.django_db

RANKING = "/supervision/ranking/"
JULY_2 = b.at(7, 2)


@pytest.fixture(autouse=True)
def fake_calendar():  # type: ignore[no-untyped-def]
    with weekday_calendar() as calendar:
        yield calendar


@pytest.fixture
def w() -> b.World:
    """June 2026: market regulation finishes both its units in time (2 and 7 working days); civil affairs
    finishes the urgent one in time (4 days) and lets the normal one (due 22 June) pass unfinished."""
    w = b.world()
    with time_machine.travel(b.at(6, 1), tick=False):
        urgent = b.running_item(w, b.at(6, 1), source="leader_instruction", urgency="urgent")
        normal = b.running_item(
            w, b.at(6, 1), source="leader_instruction", lead_department_id=w.co.pk, co_department_ids=[w.lead.pk]
        )
    b.finish(b.unit_of(urgent, w.lead), b.at(6, 3), key="u-lead")
    b.finish(b.unit_of(urgent, w.co), b.at(6, 5), key="u-co")
    b.finish(b.unit_of(normal, w.lead), b.at(6, 10), key="n-lead")
    return w


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def table_rows(html: str) -> list[list[str]]:
    """The ranking table's rows as cell texts, department code first."""
    table = html.split('<table class="tb-table tb-ranking">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-department-code="([^"]+)">(.*?)</tr>', table, re.S)
    return [[code, *re.findall(r"<td>(.*?)</td>", cells, re.S)] for code, cells in rows]


def get(client: Client, url: str, **params: str) -> Any:
    with time_machine.travel(JULY_2, tick=False):
        return client.get(url, params)


def post(client: Client, url: str, data: dict[str, str], *, follow: bool = False) -> Any:
    with time_machine.travel(JULY_2, tick=False):
        return client.post(url, data, follow=follow)


def test_the_office_sees_the_units_ranked_with_the_agreed_columns_and_chart_data(w: b.World) -> None:
    """June as a month and as the second quarter: market regulation first (2 on time, 100.00%, 4.50 days),
    civil affairs second (1 on time, 1 overdue, 50.00%); the chart gets the same rates."""
    client = client_for(w.inspector)
    html = get(client, RANKING, period="2026-06").content.decode()
    expected = [
        ["330106-SCJG", "1", "西湖区市场监管局", "2", "0", "100.00%", "4.50"],
        ["330106-MZ", "2", "西湖区民政局", "1", "1", "50.00%", "4.00"],
    ]
    assert table_rows(html) == expected
    found = re.search(r'<script id="tb-ranking-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    assert json.loads(found.group(1))["rates"] == [100.0, 50.0]
    assert "vendor/echarts/echarts.min.js" in html and "webui/league-chart.js" in html
    assert 'data-rate-chart="tb-ranking-data" data-names="units"' in html  # where the shared script finds them
    assert table_rows(get(client, RANKING, period="2026-Q2").content.decode()) == expected
    assert "2026年第2季度" in get(client, RANKING, period="2026-q2").content.decode()
    assert 'class="tb-empty"' in get(client, RANKING, period="2026-05").content.decode()


def test_a_unit_with_nothing_judged_in_the_period_shows_a_dash_for_its_rate() -> None:
    """Due in May, finished late in June: June counts its handling time but judges nothing (the overdue
    counted in May), so its rate is a dash, not 0%."""
    w = b.world()
    with time_machine.travel(b.at(5, 20), tick=False):
        item = b.running_item(w, b.at(5, 20), source="leader_instruction", urgency="urgent", co_department_ids=[])
    b.finish(b.unit_of(item, w.lead), b.at(6, 3), key="late")
    (row,) = table_rows(get(client_for(w.inspector), RANKING, period="2026-06").content.decode())
    assert row[:5] == ["330106-SCJG", "1", "西湖区市场监管局", "0", "0"]
    assert row[5] == "—" and row[6] != "—"
    may = table_rows(get(client_for(w.inspector), RANKING, period="2026-05").content.decode())
    assert may == [["330106-SCJG", "1", "西湖区市场监管局", "0", "1", "0.00%", "—"]]


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "June", "0001-01", "2026-06-01", "9" * 30])
def test_a_period_it_cannot_read_gives_a_message_and_the_current_month(w: b.World, bad: str) -> None:
    response = get(client_for(w.inspector), RANKING, period=bad)
    html = response.content.decode()
    assert response.status_code == 200
    assert "无法识别期间" in html and 'name="period" value="2026-07"' in html


def test_no_period_means_the_current_month(w: b.World) -> None:
    html = get(client_for(w.inspector), RANKING).content.decode()
    assert 'name="period" value="2026-07"' in html and "无法识别" not in html
    assert "尚未结束" in html and 'action="/supervision/ranking/publish/"' not in html


def test_someone_outside_the_office_gets_403_with_the_reason_but_reads_snapshots(w: b.World) -> None:
    """A unit's handler may not see the live ranking or publish, but opens the published ones."""
    office = client_for(w.inspector)
    post(office, "/supervision/ranking/publish/", {"period": "2026-06"})
    snapshot = RankingSnapshot.objects.get()
    handler = client_for(w.lead_handler)
    refused = get(handler, RANKING)
    assert refused.status_code == 403 and "只有督查机构的督查员可以查看实时晾晒排名" in refused.content.decode()
    assert post(handler, "/supervision/ranking/publish/", {"period": "2026-05"}).status_code == 403
    assert RankingSnapshot.objects.count() == 1
    page = get(handler, f"/supervision/ranking/snapshots/{snapshot.pk}/")
    assert page.status_code == 200 and ["330106-MZ", "2", "西湖区民政局", "1", "1", "50.00%", "4.00"] in table_rows(
        page.content.decode()
    )
    listing = get(handler, "/supervision/ranking/snapshots/").content.decode()
    assert f'data-snapshot-id="{snapshot.pk}"' in listing and snapshot.sha256[:12] in listing
    assert get(Client(), f"/supervision/ranking/snapshots/{snapshot.pk}/").status_code == 302  # signed in only


def test_publishing_creates_a_snapshot_and_a_second_needs_a_reason(w: b.World) -> None:
    """The first 发布 freezes version 1; again without a reason is refused with the domain's words; with a
    reason it becomes version 2, listed with its reason. A month not yet over cannot be published."""
    client = client_for(w.inspector)
    page = get(client, RANKING, period="2026-06").content.decode()
    assert 'action="/supervision/ranking/publish/"' in page and 'name="correction_reason"' not in page
    first = post(client, "/supervision/ranking/publish/", {"period": "2026-06"})
    snapshot = RankingSnapshot.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/supervision/ranking/snapshots/{snapshot.pk}/"
    assert (snapshot.version, snapshot.period_label, snapshot.published_by) == (1, "2026年6月", w.inspector)
    assert 'name="correction_reason"' in get(client, RANKING, period="2026-06").content.decode()
    again = post(client, "/supervision/ranking/publish/", {"period": "2026-06"}, follow=True).content.decode()
    assert "2026年6月 的晾晒排名已发布（第 1 版）" in again and RankingSnapshot.objects.count() == 1
    reason = "民政局延期申请经复核予以认可"
    post(client, "/supervision/ranking/publish/", {"period": "2026-06", "correction_reason": reason})
    assert list(RankingSnapshot.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
    assert reason in get(client, "/supervision/ranking/snapshots/").content.decode()
    early = post(client, "/supervision/ranking/publish/", {"period": "2026-07"}, follow=True).content.decode()
    assert "尚未结束" in early and RankingSnapshot.objects.count() == 2


def test_verify_says_ok_then_names_the_problem_after_the_rows_are_changed(w: b.World) -> None:
    client = client_for(w.inspector)
    post(client, "/supervision/ranking/publish/", {"period": "2026-06"})
    snapshot = RankingSnapshot.objects.get()
    url = f"/supervision/ranking/snapshots/{snapshot.pk}/verify/"
    ok = client_for(w.lead_handler).post(url).content.decode()
    assert 'data-verify="ok"' in ok and 'data-verify="broken"' not in ok
    rows = snapshot.rows
    rows[1]["overdue"] = 0  # civil affairs' overdue item quietly dropped
    RankingSnapshot.objects.filter(pk=snapshot.pk).update(rows=rows)
    broken = client.post(url).content.decode()
    assert 'data-verify="broken"' in broken and "排名数据与保存的哈希不符" in broken
    assert client.get(url).status_code == 405


def test_a_snapshot_downloads_as_xlsx_with_its_units(w: b.World) -> None:
    client = client_for(w.inspector)
    post(client, "/supervision/ranking/publish/", {"period": "2026-Q2"})
    snapshot = RankingSnapshot.objects.get()
    response = client_for(w.lead_handler).get(f"/supervision/ranking/snapshots/{snapshot.pk}/xlsx/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == 'attachment; filename="ranking-2026-Q2-v1.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "西湖区市场监管局" in values and "50.00%" in values and snapshot.sha256 in values


def test_the_page_reads_in_english(w: b.World) -> None:
    """With English chosen the headings, columns and period are English."""
    html = get(f.in_english(client_for(w.inspector)), RANKING, period="2026-06").content.decode()
    assert "On-time rate" in html and "Average working days" in html and "6/2026" in html
    assert "Unit ranking" in html and "督查晾晒" not in html and "排名" not in html


def test_a_snapshot_published_in_chinese_names_its_period_in_the_readers_language(w: b.World) -> None:
    """Published from a Chinese page, the June ranking reads “6/2026” to an English reader — page, title,
    list and download — and “2026年6月” to a Chinese one: the period is named when read, not when published."""
    post(client_for(w.inspector), "/supervision/ranking/publish/", {"period": "2026-06"})
    snapshot = RankingSnapshot.objects.get()
    english = f.in_english(client_for(w.lead_handler))
    page = get(english, f"/supervision/ranking/snapshots/{snapshot.pk}/").content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "6/2026" in title and "6/2026" in page.split("<h2>", 1)[1] and "2026年6月" not in page
    listing = get(english, "/supervision/ranking/snapshots/").content.decode()
    assert ">6/2026</a>" in listing and "2026年6月" not in listing
    sheet = load_workbook(
        io.BytesIO(get(english, f"/supervision/ranking/snapshots/{snapshot.pk}/xlsx/").content)
    ).active
    assert sheet is not None and sheet["A1"].value == "6/2026"
    chinese = get(client_for(w.lead_handler), "/supervision/ranking/snapshots/").content.decode()
    assert ">2026年6月</a>" in chinese


def test_the_snapshot_list_pages_without_loading_the_rankings(w: b.World) -> None:
    """30 published versions: 25 on the first page, 5 on the second; the list's queries count and fetch one
    page, and never read the frozen rows (which can be large)."""
    post(client_for(w.inspector), "/supervision/ranking/publish/", {"period": "2026-06"})
    first = RankingSnapshot.objects.get()
    for version in range(2, 31):
        first.pk, first.version, first.correction_reason = None, version, f"更正 {version}"
        first.save()
    client = client_for(w.lead_handler)
    with CaptureQueriesContext(connection) as queries:
        html = get(client, "/supervision/ranking/snapshots/").content.decode()
    assert html.count("data-snapshot-id=") == 25
    listed = [q["sql"] for q in queries.captured_queries if "supervision_rankingsnapshot" in q["sql"]]
    assert listed and all('"rows"' not in sql for sql in listed) and any("LIMIT 25" in sql for sql in listed)
    assert get(client, "/supervision/ranking/snapshots/", page="2").content.decode().count("data-snapshot-id=") == 5


def test_publishing_a_quarter_comes_back_to_the_quarter(w: b.World) -> None:
    """A refused publication returns to the period asked for, written as the period field takes it."""
    client = client_for(w.inspector)
    post(client, "/supervision/ranking/publish/", {"period": "2026-q2"})
    again = post(client, "/supervision/ranking/publish/", {"period": "2026-q2"})
    assert again.status_code == 302 and again["Location"] == f"{RANKING}?period=2026-Q2"


def test_a_month_frozen_by_the_system_says_so(w: b.World) -> None:
    """The monthly job's snapshot names no person: the pages say the system froze it. One whose publisher's
    account was deleted later does not pass for the system's."""
    from domain.supervision.ranking import rankings_freeze_due

    with time_machine.travel(b.at(7, 6, 1), tick=False):
        [snapshot] = rankings_freeze_due()
    reader = client_for(w.outsider)
    assert "系统（每月自动冻结）" in get(reader, f"/supervision/ranking/snapshots/{snapshot.pk}/").content.decode()
    assert "系统（每月自动冻结）" in get(reader, "/supervision/ranking/snapshots/").content.decode()

    manual = RankingSnapshot.objects.create(
        office=snapshot.office,
        period_start=snapshot.period_start,
        period_end=snapshot.period_end,
        period_label=snapshot.period_label,
        version=2,
        rows=snapshot.rows,
        sha256=snapshot.sha256,
        correction_reason="更正",
        published_by=None,  # the publisher's account was deleted
        published_at=snapshot.published_at,
    )
    assert "系统（每月自动冻结）" not in get(reader, f"/supervision/ranking/snapshots/{manual.pk}/").content.decode()

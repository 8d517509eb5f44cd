"""督办 → 进展报告: the office makes the progress report of a month (or of this month up to now) as a page —
counts by status and colour, the overdue units, each item's latest progress — and downloads it as XLSX or
PDF named after its month; the stored monthly reports are listed with their files. Others get 403."""

import io
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from domain.supervision import services as sup
from domain.supervision.reports import monthly_report_store
from tests import factories as f
from tests.calendar_fake import weekday_calendar
from tests.domain.supervision import builders as b

pytestmark = pytest.mark.django_db

REPORTS = "/supervision/reports/"
DOWNLOAD = "/supervision/reports/download/"
JULY_2 = b.at(7, 2)


@pytest.fixture(autouse=True)
def fake_calendar():  # type: ignore[no-untyped-def]
    with weekday_calendar() as calendar:
        yield calendar


@pytest.fixture
def w() -> b.World:
    """June 2026: “公共数据开放” runs on with market regulation's progress at 70%; “数据目录编制” (education
    bureau alone, urgent: due 8 June) passes its due time unfinished."""
    w = b.world()
    with time_machine.travel(b.at(6, 1), tick=False):
        running = b.running_item(w, b.at(6, 1), title="公共数据开放")
        b.running_item(
            w,
            b.at(6, 1),
            title="数据目录编制",
            source="leader_instruction",
            urgency="urgent",
            lead_department_id=w.outsider_department.pk,
            co_department_ids=[],
        )
    with time_machine.travel(b.at(6, 10), tick=False):
        unit = b.unit_of(running, w.lead)
        sup.progress_record(unit_id=unit.pk, text="开放清单完成初稿", percent=70, idempotency_key="r1")
    return w


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(client: Client, url: str, **params: str) -> Any:
    with time_machine.travel(JULY_2, tick=False):
        return client.get(url, params)


def section(html: str, css_class: str) -> str:
    return html.split(f'class="tb-table {css_class}"', 1)[1].split("</table>", 1)[0]


def test_the_office_sees_the_months_report(w: b.World) -> None:
    """June: two items in progress, one overdue (the education bureau's, with its unit), the other's latest
    progress; the download links name the month."""
    html = get(client_for(w.inspector), REPORTS, month="2026-06").content.decode()
    assert "西湖区督查室 督查事项进展报告（2026年6月）" in html
    overdue = section(html, "tb-report-overdue")
    assert "数据目录编制" in overdue and "西湖区教育局" in overdue and "公共数据开放" not in overdue
    items = section(html, "tb-report-items")
    assert "开放清单完成初稿" in items and "<strong>西湖区市场监管局</strong> · 70%" in items
    assert '<tr data-status="in_progress"><td>' in html
    assert f"{DOWNLOAD}?month=2026-06&amp;format=xlsx" in html and f"{DOWNLOAD}?month=2026-06&amp;format=pdf" in html
    # The PDF's charts on the page too: a bar per status (two items in progress: the longest bar).
    charts = html.split('class="tb-report-charts"', 1)[1].split("<h2>", 3)[:3]
    assert "".join(charts).count("<svg") == 2
    assert 'width="300.0"' in charts[1], "in progress, the most frequent status, draws the longest bar"


def test_now_is_this_month_up_to_now_and_a_bad_month_says_so(w: b.World) -> None:
    client = client_for(w.inspector)
    assert "（2026年7月）" in get(client, REPORTS).content.decode()
    bad = get(client, REPORTS, month="2026-13")
    html = bad.content.decode()
    assert bad.status_code == 200 and "无法识别月份" in html and "（2026年7月）" in html
    assert f"{DOWNLOAD}?month=now&amp;format=pdf" in html
    assert get(client, DOWNLOAD, month="2026-06", format="doc").status_code == 400
    assert get(client, DOWNLOAD, month="June", format="pdf").status_code == 400


def test_the_xlsx_download_holds_the_overdue_unit(w: b.World) -> None:
    response = get(client_for(w.inspector), DOWNLOAD, month="2026-06", format="xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="progress-2026-06.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    values = {cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
    assert "西湖区教育局" in values and "数据目录编制" in values


def test_the_pdf_download_has_the_heading(w: b.World) -> None:
    response = get(client_for(w.inspector), DOWNLOAD, month="2026-06", format="pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="progress-2026-06.pdf"'
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "督查事项进展报告" in text.replace(" ", "")


def test_stored_monthly_reports_are_listed_with_their_files(w: b.World, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    with time_machine.travel(JULY_2, tick=False):
        stored = monthly_report_store(office_id=w.office.pk, month=b.at(6, 1).date())
    client = client_for(w.inspector)
    html = get(client, REPORTS).content.decode()
    row = html.split(f'<tr data-report-id="{stored.pk}">', 1)[1].split("</tr>", 1)[0]
    assert "2026-06" in row
    pdf = client.get(f"/supervision/reports/stored/{stored.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert 'filename="progress-2026-06.pdf"' in pdf["Content-Disposition"]
    xlsx = client.get(f"/supervision/reports/stored/{stored.pk}/xlsx/")
    assert 'filename="progress-2026-06.xlsx"' in xlsx["Content-Disposition"]
    assert client_for(w.lead_handler).get(f"/supervision/reports/stored/{stored.pk}/pdf/").status_code == 403


def test_only_the_office_sees_reports(w: b.World) -> None:
    """Others get 403 with the reason, titled 进展报告 (not 督查晾晒, nor a link to its rankings); their tab bar
    offers what they can use — a unit's 承办人: 督查事项, 问题清单, the published 督查晾晒 — and no 进展报告 tab."""
    handler = client_for(w.lead_handler)
    for url in (REPORTS, f"{DOWNLOAD}?month=2026-06&format=xlsx"):
        response = handler.get(url)
        html = response.content.decode()
        assert response.status_code == 403 and "只有督查机构的督查员可以查看进展报告" in html
        tabs = re.findall(r'class="tb-tab[^"]*" href="([^"]+)"', html)
        assert tabs == ["/supervision/items/", "/supervision/problems/", "/supervision/ranking/snapshots/"]
        assert 'aria-current="page"' not in html
        assert "<title>进展报告 - " in html and "查看已发布的晾晒排名" not in html  # not the 晾晒 refusal
    admin = client_for(f.user("admin", is_superuser=True, is_staff=True))
    assert get(admin, REPORTS).status_code == 200


def test_an_office_that_is_not_configured_is_named_in_the_refusal(w: b.World, settings: Any) -> None:
    """TONGBAN["SUPERVISION_OFFICE_DEPARTMENT"] naming no department: even a superuser gets 403 saying which
    department code is missing, on the report pages as on the live ranking."""
    settings.TONGBAN = {**settings.TONGBAN, "SUPERVISION_OFFICE_DEPARTMENT": "330100-NONE"}
    admin = client_for(f.user("admin", is_superuser=True, is_staff=True))
    for url in (REPORTS, f"{DOWNLOAD}?month=2026-06&format=xlsx", "/supervision/ranking/"):
        response = admin.get(url)
        assert response.status_code == 403
        assert "未找到督查机构（部门编码 330100-NONE），请联系管理员配置。" in response.content.decode()


def test_the_page_reads_in_english(w: b.World) -> None:
    html = get(f.in_english(client_for(w.inspector)), REPORTS, month="2026-06").content.decode()
    assert "Items in total" in html and "Overdue items" in html and "Progress report" in html
    assert "Download PDF" in html and "进展报告" not in html

"""督办 → 督查事项 and 问题清单 pages: the task list with its filters and colour badge, 立项 by the office (the
service's errors on their field, milestones and attachments saved with the item), the item page, 交办 and 拆分
for the office only, the issue pool with its resolve action, escaping, and query counts that do not grow."""

from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from domain.supervision import services as sup
from domain.supervision.models import Problem, SupervisionItem
from tests import factories as f
from tests.calendar_fake import weekday_calendar
from tests.domain.supervision import builders as b
from webui.views.supervision_items_access import list_scope, may_manage_item, may_register, may_see_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fake_calendar():  # type: ignore[no-untyped-def]
    with weekday_calendar() as calendar:
        yield calendar


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(w: b.World, **changes: Any) -> dict[str, Any]:
    data = {
        "office": w.office.pk,
        "source": "document",
        "urgency": "normal",
        "title": "推进政务数据共享",
        "requirements": "按文件要求完成。",
        "lead_department_id": w.lead.pk,
        "co_department_ids": [w.co.pk],
        "report_cycle_days": 5,
        "milestones": "2026-12-01 完成摸底",
    }
    data.update(changes)
    return data


def with_problem(w: b.World) -> Problem:
    item = b.running_item(w, b.at(6, 1))
    unit = b.unit_of(item, w.lead)
    sup.progress_record(
        unit_id=unit.pk, text="进行中", percent=30, problems=[sup.ProblemInput("缺少经费")], idempotency_key="p1"
    )
    return Problem.objects.get(item=item)


def test_access_rules_follow_the_domain() -> None:
    """The office registers and manages; a unit's handler sees its items but manages nothing; a stranger
    sees nothing at all."""
    w = b.world()
    item = b.item(w)
    stranger = f.actor(f.user("stranger"))
    assert may_register(w.office_actor) and may_manage_item(w.office_actor, item)
    assert may_see_item(f.actor(w.lead_handler), item) and not may_manage_item(f.actor(w.lead_handler), item)
    assert not may_see_item(f.actor(w.outsider), item)
    assert list_scope(stranger).nothing and not may_register(stranger)


def test_task_list_shows_items_with_colour_and_filters() -> None:
    """The office sees its items with their units and warning colour; the status filter narrows the list;
    search matches the title."""
    w = b.world()
    with time_machine.travel(b.at(6, 1), tick=False):
        b.running_item(w, b.at(6, 1), title="推进数据共享")
        b.item(w, title="另一个事项")
    with time_machine.travel(b.at(7, 20), tick=False):  # past the 30-working-day limit
        html = client_for(w.inspector).get("/supervision/items/").content.decode()
        filtered = client_for(w.inspector).get("/supervision/items/?status=registered").content.decode()
        searched = client_for(w.inspector).get("/supervision/items/?q=另一个").content.decode()
    assert "推进数据共享" in html and 'data-colour="red"' in html and w.lead.name in html
    assert "另一个事项" in filtered and "推进数据共享" not in filtered
    assert "另一个事项" in searched and "推进数据共享" not in searched


def test_a_person_without_a_supervision_role_is_refused_the_list() -> None:
    """No office and no unit: 403 with the reason."""
    b.world()
    response = client_for(f.user("nobody")).get("/supervision/items/")
    assert response.status_code == 403 and "data-forbidden" in response.content.decode()


def test_register_shows_the_services_error_on_its_field() -> None:
    """A time limit longer than the table allows is refused on the time-limit field; nothing is saved."""
    w = b.world()
    response = client_for(w.inspector).post("/supervision/items/new/", form_data(w, time_limit_days=99))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="time_limit_days"' in html and "tb-field--error" in html and "延期申请" in html
    assert not SupervisionItem.objects.exists()


def test_register_saves_the_item_with_milestones_and_attachment() -> None:
    """立项 creates the item, its units, milestones and the attached file, and opens the item page."""
    w = b.world()
    upload = SimpleUploadedFile("批示.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client_for(w.inspector).post("/supervision/items/new/", {**form_data(w), "attachments": upload})
    item = SupervisionItem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supervision/items/{item.pk}/"
    assert item.time_limit_days == 30 and item.units.count() == 2
    assert item.milestones.get().due_on == date(2026, 12, 1)
    assert item.attachments.get().original_name == "批示.pdf"
    page = client_for(w.inspector).get(response["Location"]).content.decode()
    assert "完成摸底" in page and "批示.pdf" in page and "交办" in page


def test_a_unit_handler_cannot_register_or_dispatch() -> None:
    """立项 and 交办 are the office's: a handler gets 403 and the item stays as it was."""
    w = b.world()
    item = b.item(w)
    handler = client_for(w.lead_handler)
    assert handler.post("/supervision/items/new/", form_data(w)).status_code == 403
    assert handler.post(f"/supervision/items/{item.pk}/dispatch/").status_code == 403
    item.refresh_from_db()
    assert item.dispatched_at is None and SupervisionItem.objects.count() == 1
    assert client_for(w.outsider).get(f"/supervision/items/{item.pk}/").status_code == 403


def test_dispatch_starts_the_process_and_links_the_case() -> None:
    """交办 starts supervision_task; the item page links to its case."""
    f.deploy("supervision_task")
    w = b.world()
    item = b.item(w)
    response = client_for(w.inspector).post(f"/supervision/items/{item.pk}/dispatch/")
    item.refresh_from_db()
    assert response.status_code == 302 and item.dispatched_at is not None
    page = client_for(w.inspector).get(f"/supervision/items/{item.pk}/").content.decode()
    assert "/workbench/cases/" in page and "data-case" in page


def test_split_creates_sub_items_and_shows_row_errors() -> None:
    """拆分: a row without a lead unit is refused on that row's field; a good row creates the sub-item."""
    w = b.world()
    item = b.item(w)
    office = client_for(w.inspector)
    bad = office.post(f"/supervision/items/{item.pk}/split/", {"part1-title": "子事项一", "part1-requirements": "做"})
    assert bad.status_code == 400 and "请选择牵头单位" in bad.content.decode()
    assert not item.children.exists()
    good = {"part1-title": "子事项一", "part1-requirements": "做", "part1-lead_department_id": w.co.pk}
    assert office.post(f"/supervision/items/{item.pk}/split/", good).status_code == 302
    assert item.children.get().title == "子事项一"


def test_titles_are_escaped() -> None:
    """A title with markup is shown as text on the list and the item page."""
    w = b.world()
    item = b.item(w, title="<script>alert(1)</script>")
    for url in ("/supervision/items/", f"/supervision/items/{item.pk}/"):
        html = client_for(w.inspector).get(url).content.decode()
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_problem_pool_lists_and_resolves() -> None:
    """The issue pool shows the problem with its unit; an empty resolution is refused on its field; the
    lead unit's handler resolves it; an outsider is refused and nothing changes."""
    w = b.world()
    problem = with_problem(w)
    html = client_for(w.inspector).get("/supervision/problems/").content.decode()
    assert "缺少经费" in html and w.lead.name in html
    url = f"/supervision/problems/{problem.pk}/resolve/"
    assert client_for(w.outsider).post(url, {"resolution": "x"}).status_code == 403
    empty = client_for(w.lead_handler).post(url, {"resolution": " "})
    assert empty.status_code == 400 and "请填写解决情况" in empty.content.decode()
    problem.refresh_from_db()
    assert problem.status == "open"
    assert client_for(w.lead_handler).post(url, {"resolution": "已落实经费"}).status_code == 302
    problem.refresh_from_db()
    assert problem.status == "resolved" and problem.resolution == "已落实经费"


def test_list_query_count_does_not_grow_with_items() -> None:
    """The task list and the issue pool cost the same number of queries for 1 or 6 items."""
    w = b.world()
    office = client_for(w.inspector)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert office.get(url).status_code == 200
        return len(queries)

    with_problem(w)
    first = count("/supervision/items/"), count("/supervision/problems/")
    for index in range(5):
        item = b.running_item(w, b.at(6, 1), title=f"事项{index}")
        sup.progress_record(
            unit_id=b.unit_of(item, w.lead).pk,
            text="t",
            percent=10,
            problems=[sup.ProblemInput(f"问题{index}")],
            idempotency_key=f"k{index}",
        )
    assert (count("/supervision/items/"), count("/supervision/problems/")) == first


def test_item_page_query_count_does_not_grow_with_reports() -> None:
    """The item page costs the same queries with one progress report as with five."""
    w = b.world()
    item = b.running_item(w, b.at(6, 1))
    unit = b.unit_of(item, w.lead)
    office = client_for(w.inspector)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert office.get(f"/supervision/items/{item.pk}/").status_code == 200
        return len(queries)

    sup.progress_record(unit_id=unit.pk, text="t", percent=10, idempotency_key="r0")
    first = count()
    for index in range(1, 5):
        sup.progress_record(
            unit_id=unit.pk, text="t", percent=10 + index, problems=[sup.ProblemInput("p")], idempotency_key=f"r{index}"
        )
    assert count() == first


def test_every_items_page_loads_only_this_server_and_posts_with_csrf() -> None:
    """The item routes, with an item, a problem and an attachment as samples, render without another host's
    files, and each POST form carries the CSRF token."""
    from tests.webui.test_page_quality import EXTERNAL, _forms_without_token, site_routes

    w = b.world()
    problem = with_problem(w)
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    attachment = sup.item_attachment_add(item_id=problem.item_id, upload=upload, actor=w.office_actor)
    samples = {"item_id": str(problem.item_id), "problem_id": str(problem.pk), "attachment_id": str(attachment.pk)}
    office, scanned = client_for(w.inspector), []
    for route in site_routes():
        if not route.path.startswith(("supervision/items", "supervision/problems")):
            continue
        response = office.get(route.url(samples))
        if response.status_code in (302, 405) or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        assert response.status_code == 200, route.path
        assert not EXTERNAL.findall(html) and not _forms_without_token(html), route.path
        scanned.append(route.path)
    assert len(scanned) == 4, scanned  # list, new, item, problems (the rest are POST-only or a download)


def test_write_off_is_the_offices_and_only_for_a_completed_item() -> None:
    """销号: refused with the reason while the item is in progress; a handler is refused; once every unit is
    done and the item closed, the office writes it off."""
    w = b.world()
    item = b.running_item(w, b.at(6, 1))
    url = f"/supervision/items/{item.pk}/write-off/"
    office = client_for(w.inspector)
    page = office.get(office.post(url)["Location"]).content.decode()
    assert "只有已办结的事项可以销号" in page
    for unit in item.units.all():
        b.finish(unit, b.at(6, 10), f"u{unit.pk}")
    sup.item_close(item_id=item.pk)
    assert "销号" in office.get(f"/supervision/items/{item.pk}/").content.decode()
    assert client_for(w.lead_handler).post(url).status_code == 403
    item.refresh_from_db()
    assert item.status == "completed"
    office.post(url)
    item.refresh_from_db()
    assert item.status == "written_off"

"""Qualities every page of the web UI keeps, checked across the whole Site:

- a fixed number of SQL queries whether a page shows one row or a full page;
- every POST is refused without the CSRF token (found by walking the URL resolver, so a new view that
  forgets it fails here);
- user data containing markup is escaped everywhere it is shown;
- nothing is loaded from another host (found by rendering every page the resolver knows).
- with English chosen, every page reads in English: Chinese only where it is data people typed.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from domain.assets import services as asset_services
from domain.assets.probing.services import probe_register, probe_run_start
from domain.catalog import services as catalog_services
from domain.standards.models import CleansingRun, Cluster
from domain.standards.services import element_create
from processes.models import (
    AuditEvent,
    ExtensionRequest,
    HumanTask,
    MigrationJob,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
)
from processes.services.audit import audit_append
from processes.services.designer import draft_create
from processes.services.inbox import (
    human_task_claim,
    human_task_comment,
    human_task_complete,
    human_task_return,
    human_task_save_draft,
    human_task_unclaim,
)
from processes.services.instances import instance_start
from processes.services.supervision import extension_request, task_remind
from tests import factories as f
from tests.bpmn import handlers  # noqa: F401  (registers the handlers the diagrams call)
from tests.bpmn.diagrams import chain, user_task
from tests.domain.catalog import builders as catalog_builders

pytestmark = pytest.mark.django_db

EVIL = "<script>alert(1)</script>"
RAW, ESCAPED = "<script>alert(1)", "&lt;script&gt;alert(1)"


def client_for(user: Any, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


# --- one world with markup in everything a person can type -------------------------------------------


@dataclass
class World:
    drafter: Any
    reviewer: Any
    boss: Any
    auditor: Any
    admin: Any
    case: ProcessInstance
    returned: HumanTask  # the 起草 step again, after the reviewer sent it back
    approval: HumanTask  # a 审核 step with a draft in its form
    request: ExtensionRequest
    reminded: AuditEvent
    payload_event: AuditEvent


@pytest.fixture
def world(django_capture_on_commit_callbacks) -> World:  # type: ignore[no-untyped-def]
    """A district named with markup; a case whose business key, submitted data, comment, return
    opinion, 催办 message and extension reason all carry `<script>`; an audit event with it in the payload."""
    city = f.department("330100", "杭州市")
    district = f.department("330106", f"西湖区{EVIL}", parent=city)
    drafter = f.user("drafter", roles=["cataloguer"], dept=district)
    reviewer = f.user("reviewer", roles=["reviewer"], dept=district)
    boss = f.user("boss", roles=["supervisor"], dept=city)
    auditor = f.user("auditor", roles=["auditor"])
    admin = f.user("admin", is_staff=True, is_superuser=True)
    f.deploy("two_step")
    f.deploy("approval")
    case = instance_start(process_key="two_step", actor=f.actor(drafter), department_id=district.pk, business_key=EVIL)
    draft = HumanTask.objects.get(instance=case, element_id="draft")
    human_task_complete(task_id=draft.pk, actor=f.actor(drafter), data={"note": EVIL})
    review = HumanTask.objects.get(instance=case, element_id="review")
    human_task_comment(task_id=review.pk, actor=f.actor(reviewer), text=EVIL)
    human_task_return(task_id=review.pk, actor=f.actor(reviewer), opinion=EVIL)
    returned = HumanTask.objects.get(instance=case, element_id="draft", status=TaskStatus.OPEN)
    HumanTask.objects.filter(pk=returned.pk).update(escalation_level=2, due_at=timezone.now() + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):  # the reminder reaches the notification centre
        task_remind(task_id=returned.pk, actor=f.actor(boss), message=EVIL)
    request = extension_request(task_id=returned.pk, actor=f.actor(drafter), working_days=2, reason=EVIL)
    other = instance_start(process_key="approval", actor=f.actor(reviewer), department_id=district.pk)
    approval = HumanTask.objects.get(instance=other, status=TaskStatus.OPEN)
    human_task_claim(task_id=approval.pk, actor=f.actor(reviewer))  # a draft needs the claim
    human_task_save_draft(task_id=approval.pk, actor=f.actor(reviewer), data={"opinion": EVIL})
    payload_event = audit_append("task_completed", actor=EVIL, payload={"note": EVIL})
    return World(
        drafter=drafter,
        reviewer=reviewer,
        boss=boss,
        auditor=auditor,
        admin=admin,
        case=case,
        returned=HumanTask.objects.get(pk=returned.pk),
        approval=approval,
        request=request,
        reminded=AuditEvent.objects.get(action="task_reminded"),
        payload_event=payload_event,
    )


def _xss_pages(w: World) -> list[tuple[Any, str, dict[str, str]]]:
    month = timezone.localdate().strftime("%Y-%m")
    sv, audit = (
        {"HX-Request": "true", "HX-Target": "tb-sv-results"},
        {"HX-Request": "true", "HX-Target": "tb-audit-results"},
    )
    return [
        (w.drafter, "/workbench/?tab=mine", {}),
        (w.drafter, "/workbench/?tab=started", {}),
        (w.drafter, f"/workbench/tasks/{w.returned.pk}/", {}),
        (w.reviewer, f"/workbench/tasks/{w.approval.pk}/", {}),
        (w.drafter, f"/workbench/cases/{w.case.pk}/", {}),
        (w.drafter, "/notifications/", {}),
        (w.boss, "/supervision/", {}),
        (w.boss, "/supervision/", sv),
        (w.boss, "/supervision/extensions/", {}),
        (w.boss, f"/supervision/league/?month={month}", {}),
        (w.auditor, "/audit/", {}),
        (w.auditor, "/audit/", audit),
        (w.auditor, f"/audit/events/{w.reminded.pk}/", {}),
        (w.auditor, f"/audit/events/{w.payload_event.pk}/", {}),
    ]


def test_markup_typed_by_people_is_escaped_on_every_page(world: World) -> None:
    """A business key, form value, comment, return opinion, 催办 message, department name or audit payload
    holding `<script>` shows as text on the task, case, inbox, notification, supervision and audit pages."""
    for user, url, headers in _xss_pages(world):
        response = client_for(user).get(url, headers=headers)
        html = response.content.decode()
        assert response.status_code == 200, (url, response.status_code)
        assert RAW not in html, f"unescaped on {url}"
        assert ESCAPED in html, f"the escaped text is not shown on {url}"


def test_markup_in_the_fields_that_matter_is_shown_where_expected(world: World) -> None:
    """Each kind of input is checked where it appears, not only somewhere on the page."""
    drafter = client_for(world.drafter)
    task_page = drafter.get(f"/workbench/tasks/{world.returned.pk}/").content.decode()
    returned = task_page.split('id="tb-returned-title"', 1)[1].split("</section>", 1)[0]
    comments = task_page.split('class="tb-comments"', 1)[1].split("</ul>", 1)[0]
    assert ESCAPED in returned and ESCAPED in comments
    form = client_for(world.reviewer).get(f"/workbench/tasks/{world.approval.pk}/").content.decode()
    assert re.search(r'<textarea[^>]*name="opinion"[^>]*>&lt;script&gt;alert\(1\)', form)
    steps = drafter.get(f"/workbench/cases/{world.case.pk}/").content.decode().split('class="tb-steps"', 1)[1]
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in steps  # the submitted `note`
    extensions = client_for(world.boss).get("/supervision/extensions/").content.decode()
    assert f"<td>{ESCAPED}&lt;/script&gt;</td>" in extensions  # the reason


# --- a fixed number of queries whatever a page shows ------------------------------------------------


def _count(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def counting(marker: str) -> Callable[[str], int]:
    """Rows shown: how often the marker of a row occurs in the page."""
    return lambda html: html.count(marker)


def assert_fixed_queries(client: Client, url: str, grow: Callable[[], object], rows: Callable[[str], int]) -> None:
    client.get(url)  # warm up: session, content types
    few, html = _count(client, url)
    shown_few = rows(html)
    grow()
    many, html = _count(client, url)
    assert shown_few == 1 and rows(html) > 1, (shown_few, rows(html))
    assert few == many, f"{url}: {few} queries for {shown_few} rows, {many} for {rows(html)}"


@pytest.fixture
def district():  # type: ignore[no-untyped-def]
    """A city whose supervisor watches its district, where two reviewers work."""
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    return {
        "city": city,
        "district": district,
        "clerk": f.user("clerk", roles=["reviewer"], dept=district),
        "colleague": f.user("colleague", roles=["reviewer"], dept=district),
        "boss": f.user("boss", roles=["supervisor"], dept=city),
    }


def _open_tasks(d: dict[str, Any], n: int, department: Any = None) -> list[HumanTask]:
    tasks = []
    for i in range(n):
        instance = instance_start(
            process_key="sla",
            actor=f.actor(d["clerk"]),
            department_id=(department or d["district"]).pk,
            business_key=f"REQ-{i}",
        )
        tasks.append(HumanTask.objects.get(instance=instance))
    ids = [t.pk for t in tasks]
    HumanTask.objects.filter(pk__in=ids).update(escalation_level=2, due_at=timezone.now() + timedelta(days=5))
    HumanTask.objects.filter(pk__in=ids[::2]).update(assignee=d["colleague"])
    return tasks


def test_supervision_list_queries_do_not_grow_with_rows(district) -> None:  # type: ignore[no-untyped-def]
    """One task or a full page of 25 (of 26): the same queries."""
    f.deploy(chain("sla", user_task("审核材料", "reviewer")))
    _open_tasks(district, 1)
    grow = partial(_open_tasks, district, 25)
    assert_fixed_queries(client_for(district["boss"]), "/supervision/", grow, counting('<tr id="tb-sv-task-'))


def test_extension_list_queries_do_not_grow_with_rows(district) -> None:  # type: ignore[no-untyped-def]
    """One pending request or thirteen: the same queries."""
    f.deploy(chain("sla", user_task("审核材料", "reviewer")))

    def ask(n: int) -> None:
        for i, task in enumerate(_open_tasks(district, n)):
            task.refresh_from_db()
            who = district["colleague"] if task.assignee_id else district["clerk"]
            extension_request(task_id=task.pk, actor=f.actor(who), working_days=1 + i % 3, reason=f"理由 {i}")

    ask(1)
    url = "/supervision/extensions/"
    assert_fixed_queries(client_for(district["boss"]), url, partial(ask, 12), counting('<tr id="tb-sv-ext-'))


def test_league_queries_do_not_grow_with_departments(district) -> None:  # type: ignore[no-untyped-def]
    """One department in the table or five: the same queries."""
    f.deploy(chain("sla", user_task("审核材料", "reviewer")))
    now = timezone.now()

    def finish(department: Any) -> None:
        (task,) = _open_tasks(district, 1, department)
        HumanTask.objects.filter(pk=task.pk).update(status=TaskStatus.COMPLETED, completed_at=now, due_at=now)

    finish(district["district"])

    def more() -> None:
        for n in range(4):
            finish(f.department(f"33010{n + 7}", f"区 {n}", parent=district["city"]))

    url = f"/supervision/league/?month={timezone.localdate():%Y-%m}"
    assert_fixed_queries(client_for(district["boss"]), url, more, counting("<tr data-department-id="))


def test_audit_search_queries_do_not_grow_with_rows() -> None:
    """One event or a full page of 50: the same queries."""
    auditor = f.user("auditor", roles=["auditor"])
    audit_append("task_completed", actor="bulk", payload={"n": 0})

    def grow() -> None:
        for n in range(60):
            audit_append("task_claimed", actor="bulk", payload={"n": n})

    assert_fixed_queries(client_for(auditor), "/audit/?actor=bulk", grow, counting("<tr data-event-id="))


def test_audit_event_queries_do_not_grow_with_neighbours_or_payload() -> None:
    """The first and only event, or one in the middle of many with a large payload: the same queries."""
    auditor = f.user("auditor", roles=["auditor"])
    event = audit_append("task_completed", actor="one", payload={"n": 0})
    client = client_for(auditor)
    client.get(f"/audit/events/{event.pk}/")
    alone, _html = _count(client, f"/audit/events/{event.pk}/")
    middle = [audit_append("task_completed", payload={"rows": list(range(500))}) for _ in range(5)][2]
    among, html = _count(client, f"/audit/events/{middle.pk}/")
    assert 'data-neighbour="previous"' in html and 'data-neighbour="next"' in html
    assert alone == among, (alone, among)


def test_case_page_queries_do_not_grow_with_steps(district) -> None:  # type: ignore[no-untyped-def]
    """A case at its first step, or one nine steps on (tasks, submitted data, timeline): the same queries."""
    f.deploy(chain("long", *[user_task(f"step{i}", "reviewer") for i in range(10)]))
    fresh, worked = (
        instance_start(process_key="long", actor=f.actor(district["clerk"]), department_id=district["district"].pk)
        for _ in range(2)
    )
    for i in range(9):
        task = HumanTask.objects.get(instance=worked, status=TaskStatus.OPEN)
        human_task_complete(task_id=task.pk, actor=f.actor(district["clerk"]), data={"step": i, "note": "好"})
    client = client_for(district["clerk"])
    client.get(f"/workbench/cases/{fresh.pk}/")
    first, html = _count(client, f"/workbench/cases/{fresh.pk}/")
    assert html.count("data-step-task-id=") == 0
    later, html = _count(client, f"/workbench/cases/{worked.pk}/")
    assert html.count("data-step-task-id=") == 9
    assert first == later, (first, later)


def test_task_page_queries_do_not_grow_with_comments_and_history(district) -> None:  # type: ignore[no-untyped-def]
    """One comment or twelve, a short history or a long one: the same queries."""
    f.deploy("approval")
    instance = instance_start(
        process_key="approval", actor=f.actor(district["clerk"]), department_id=district["district"].pk
    )
    task = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    clerk, colleague = f.actor(district["clerk"]), f.actor(district["colleague"])
    human_task_claim(task_id=task.pk, actor=clerk)  # a draft needs the claim
    human_task_comment(task_id=task.pk, actor=clerk, text="第一条")

    def more() -> None:
        human_task_unclaim(task_id=task.pk, actor=clerk)  # back to the group, so both candidates comment
        for i in range(11):
            human_task_comment(task_id=task.pk, actor=colleague if i % 2 else clerk, text=f"评论 {i}")
        human_task_claim(task_id=task.pk, actor=clerk)
        for i in range(11):
            human_task_save_draft(task_id=task.pk, actor=clerk, data={"opinion": f"草稿 {i}"})

    def comments(html: str) -> int:
        return html.split('class="tb-comments"', 1)[1].split("</ul>", 1)[0].count("<li>")

    assert_fixed_queries(client_for(district["clerk"]), f"/workbench/tasks/{task.pk}/", more, comments)


# --- every route of the Site -------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    path: str  # e.g. "workbench/tasks/<int:task_id>/"
    name: str  # "namespace:name"

    def url(self, samples: dict[str, str]) -> str:
        def fill(match: re.Match[str]) -> str:
            return samples.get(match.group(2), "x" if match.group(1) == "str" else "1")

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, self.path)


def site_routes() -> Iterator[Route]:
    """Every URL pattern of the project except Django's admin (its own app, with its own tests)."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[Route]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
                yield from walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                yield Route(route, ":".join(filter(None, [namespace, pattern.name or ""])))

    for route in walk(get_resolver().url_patterns, "", ""):
        if not route.path.startswith("admin/"):
            yield route


# Token login authenticates with the password in the body, never with the session cookie: there is
# nothing for a forged cross-site request to borrow, so it alone may skip the CSRF check.
CSRF_EXEMPT = {"api:token"}


def test_every_post_without_the_csrf_token_is_refused() -> None:
    """Signed in, a POST to any URL of the Site (pages and API) without the token answers 403 — so a new
    view that is csrf_exempt, or a form posted without {% csrf_token %}, cannot slip through."""
    admin = f.user("admin", is_staff=True, is_superuser=True)
    routes = [r for r in site_routes() if r.name not in CSRF_EXEMPT]
    names = {r.name for r in routes}
    expected = {
        "login",
        "set_language",
        "workbench:inbox_claim",
        "workbench:task_page",
        "workbench:inbox_filter_save",
        "supervision:remind",
        "supervision:reassign",
        "supervision:decide",
        "audit:verify",
        "audit:export",
    }
    assert expected <= names, expected - names
    signed_in, anonymous = client_for(admin, csrf=True), Client(enforce_csrf_checks=True)
    let_through = []
    for route in routes:
        for client in (signed_in, anonymous) if route.name == "login" else (signed_in,):
            if not _refused_for_the_token(client, route.url({})):
                let_through.append(route.path)
    assert not let_through, f"POST without a CSRF token was not refused: {let_through}"


def _refused_for_the_token(client: Client, url: str) -> bool:
    """403 without the token, and for that reason: the page says so, or the token makes the 403 go away."""
    data = {"username": "admin", "password": "pass12345"}
    response = client.post(url, data)
    if response.status_code != 403:
        return False
    if b"CSRF" in response.content:
        return True
    secret = "a" * 32  # any 32 letters serve as the cookie's secret and, unmasked, as the token
    client.cookies["csrftoken"] = secret
    with_token = client.post(url, {**data, "csrfmiddlewaretoken": secret})
    client.cookies.pop("csrftoken")
    return with_token.status_code != 403


def test_the_csrf_check_is_what_refuses() -> None:
    """The same POST with the token goes through, so the 403s above are the token's doing."""
    admin = f.user("admin", is_staff=True, is_superuser=True)
    client = client_for(admin, csrf=True)
    client.get("/audit/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post("/audit/verify/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 200 and 'data-verify="ok"' in response.content.decode()


# Routes whose GET is not a page: a file download or a redirect to wherever the object points.
NOT_PAGES = {"workbench:attachment_download", "notifications:open"}
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|formaction|poster|data|srcset)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])"""
    r"""\s*((?:https?:)?//[^"'\s)>]*)""",
    re.I,
)
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>", re.I)


def _forms_without_token(html: str) -> list[str]:
    """POST forms holding no csrfmiddlewaretoken, inside or attached with form="id"."""
    missing = []
    for match in POST_FORM.finditer(html):
        body = html[match.end() : html.find("</form>", match.end())]
        form_id = re.search(r'\bid="([^"]+)"', match.group(0))
        attached = form_id and re.search(rf'name="csrfmiddlewaretoken"[^>]*form="{form_id.group(1)}"', html)
        if "csrfmiddlewaretoken" not in body and not attached:
            missing.append(match.group(0))
    return missing


def _data_samples(w: World) -> dict[str, str]:
    """数据通 objects named with markup: a registered system → database → table → column, a probe with a run, a
    catalog entry, a data element, a 清洗比对 run with a cluster."""
    department_id = w.case.department_id
    system = asset_services.system_register(department_id=department_id, data={"name": EVIL, "status": "in_use"})
    database = asset_services.database_register(system_id=system.pk, data={"name": EVIL})
    table = asset_services.table_register(database_id=database.pk, data={"name": EVIL, "comment": EVIL})
    column = asset_services.column_register(table_id=table.pk, data={"name": EVIL, "data_type": "int"})
    probe = probe_register(
        department_id=department_id,
        system_id=system.pk,
        data={"name": EVIL, "engine": "sqlite", "database_name": "/nonexistent/x.db"},
    )
    run = probe_run_start(probe_id=probe.pk, actor=None)  # stays queued: no commit, so no worker
    catalog_builders.provider()
    entry = catalog_services.entry_create(
        fields=catalog_builders.fields(name=EVIL), actor=catalog_builders.clerk_actor()
    )
    cleansing = CleansingRun.objects.create(sources=[])
    cluster = Cluster.objects.create(run=cleansing, confidence=0.9, suggested_name=EVIL)
    return {
        "entry_id": str(entry.pk),
        "element_id": str(element_create(actor=None, name_zh=EVIL).pk),
        "cleansing_run_id": str(cleansing.pk),
        "cluster_id": str(cluster.pk),
        "system_id": str(system.pk),
        "database_id": str(database.pk),
        "table_id": str(table.pk),
        "column_id": str(column.pk),
        "probe_id": str(probe.pk),
        "run_id": str(run.pk),
    }


def _supervision_performance_samples(w: World) -> dict[str, str]:
    """督查事项 and 绩效通 objects named with markup: an item with an attachment and a problem; a published
    indicator system (维度 → 指标 → 专家评分点) with a collecting round of one unit (its questionnaire token)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from domain.performance import services as perf
    from domain.performance.models import RoundUnit
    from domain.supervision import services as sup
    from domain.supervision.models import Problem

    department_id = w.case.department_id
    assert department_id is not None
    admin = f.actor(w.admin)  # a superuser: the office of any department
    office = f.department("330106-DCS", "<b>督查室</b>")
    fields = sup.ItemFields(
        title="<b>事项</b>", source="document", requirements="<i>要求</i>", lead_department_id=department_id
    )
    item = sup.item_create(fields=fields, office_id=office.pk, actor=admin)
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf")
    attachment = sup.item_attachment_add(item_id=item.pk, upload=upload, actor=admin)
    problem = Problem.objects.create(
        item=item, unit=item.units.get(), description="<b>问题</b>", raised_at=timezone.now()
    )
    system = perf.system_create(name="<b>体系</b>", actor=admin)
    dimension = perf.node_add(system_id=system.pk, parent_id=None, name="<b>维度</b>", weight="100", actor=admin)
    indicator = perf.node_add(system_id=system.pk, parent_id=dimension.pk, name="指标", weight="100", actor=admin)
    perf.node_add(system_id=system.pk, parent_id=indicator.pk, name="评分点", weight="100", rule="manual", actor=admin)
    perf.system_publish(system_id=system.pk, actor=admin)
    assessment = perf.round_create(
        system_id=system.pk, name="<b>轮次</b>", period="2026", unit_ids=[department_id], actor=admin
    )
    unit = RoundUnit.objects.get(round=assessment)
    return {
        "item_id": str(item.pk),
        "attachment_id": str(attachment.pk),
        "problem_id": str(problem.pk),
        "indicator_system_id": str(system.pk),
        "node_id": str(dimension.pk),
        "round_id": str(assessment.pk),
        "unit_id": str(unit.pk),
        "token": unit.token,
    }


def _ranking_report_samples(w: World) -> dict[str, str]:
    """督查晾晒 and 进展报告: a published ranking of last month and a stored monthly report of the office named
    with markup (made by _supervision_performance_samples)."""
    from django.core.files.base import ContentFile

    from domain.supervision.models import MonthlyReport
    from domain.supervision.ranking import ranking_period, ranking_publish

    office = f.department("330106-DCS", "<b>督查室</b>")
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    period = ranking_period(last_month.year, month=last_month.month)
    snapshot = ranking_publish(
        period_start=period.start, period_end=period.end, actor=f.actor(w.admin), office_id=office.pk
    )
    report = MonthlyReport(office=office, month=last_month.replace(day=1), generated_at=timezone.now())
    report.xlsx.save("r.xlsx", ContentFile(b"PK"), save=False)
    report.pdf.save("r.pdf", ContentFile(b"%PDF-1.4"), save=False)
    report.save()
    return {"snapshot_id": str(snapshot.pk), "report_id": str(report.pk)}


def test_no_page_loads_anything_from_another_host(world: World, settings: Any, tmp_path: Path) -> None:
    """Every page the resolver knows, rendered with real objects, links and loads only this server
    (static files, never a CDN); and each of its POST forms carries the CSRF token."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": ["/nonexistent"]}  # the sample probe's folder
    settings.MEDIA_ROOT = str(tmp_path)  # uploaded and generated files of the samples
    samples = _route_samples(world)
    admin = client_for(world.admin)
    scanned, problems = [], []
    for route, response in _pages(samples, admin, Client()):
        if response.status_code != 200:
            problems.append(f"{route.path}: {response.status_code} (add a sample for its URL parameters)")
            continue
        html = response.content.decode()
        hosts = [url for url in EXTERNAL.findall(html) if not re.match(r"(?:https?:)?//testserver(?:/|$)", url)]
        problems += [f"{route.path}: loads {url}" for url in hosts]
        problems += [f"{route.path}: POST form without CSRF token {form}" for form in _forms_without_token(html)]
        scanned.append(route.name)
    assert not problems, problems
    for name in ["login", "workbench:index", "workbench:task_page", "workbench:case", "supervision:index"]:
        assert name in scanned, name
    assert {"supervision:extensions", "supervision:league", "audit:index", "audit:event"} <= set(scanned)
    assert {"notifications:index", "flows:index", "flows:incidents"} <= set(scanned)


def _route_samples(w: World) -> dict[str, str]:
    """A real object for every URL parameter of the Site, by parameter name."""
    samples = {
        "task_id": str(w.returned.pk),
        "instance_id": str(w.case.pk),
        "event_id": str(w.reminded.pk),
        "request_id": str(w.request.pk),
        "key": "two_step",
        "version": "1",
        "draft_id": str(draft_create(actor=f.actor(w.admin)).pk),  # 流程设计: the modeler of a draft
        "job_id": str(  # a migration job's page (never run here: it only has to render)
            MigrationJob.objects.create(
                process_key="two_step", action="migrate", target=ProcessDefinition.objects.get(key="two_step")
            ).pk
        ),
    }
    for more in (_data_samples(w), _supervision_performance_samples(w), _ranking_report_samples(w)):
        # Routes are sampled by parameter name: two apps naming different objects alike would test one of
        # them with the other's id (a 404 on PostgreSQL, where ids differ, and a silent pass on SQLite).
        assert not samples.keys() & more.keys(), samples.keys() & more.keys()
        samples.update(more)
    return samples


def _pages(samples: dict[str, str], client: Client, anonymous: Client) -> Iterator[tuple[Route, Any]]:
    """GET every route that answers with a page (redirects, POST-only actions, JSON and downloads left out);
    the login page as a visitor, every other as `client`."""
    for route in site_routes():
        if route.name in NOT_PAGES:
            continue
        response = (anonymous if route.name == "login" else client).get(route.url(samples))
        if response.status_code in (302, 405) or "text/html" not in response.get("Content-Type", ""):
            continue
        yield route, response


# --- English means English ----------------------------------------------------------------------------

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")  # a run of Han; CJK punctuation and anything else ends it
# Attributes a person reads (tooltips, screen readers, placeholders, confirm dialogs, client-side errors).
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "label", "hx-confirm", "data-confirm", "data-error"}
# Han that is right on an English page although it is not data: a language's name in its own language on the
# language switch (a Chinese reader must find it whatever the page's language), and the product's mark, always
# written "通办 Tongban" beside its English name.
NOT_TO_TRANSLATE = {"简体中文", "通办"}
# Text stored by Django itself, not typed by people: permission names are built from the models' verbose names
# (code, translated on the pages), so they must not excuse an untranslated model name.
NOT_DATA = {"auth.Permission"}


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes, read attributes and the values of buttons; the strings of
    json_script data (what the page's scripts show); no script code or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: str | None = None  # inside <script> or <style>
        self._json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._skipping, self._json = tag, values.get("type") == "application/json"
        self.parts += [v for k, v in attrs if v and (k in READ_ATTRIBUTES)]
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._skipping:
            self._skipping, self._json = None, False

    def handle_data(self, data: str) -> None:
        if self._skipping is None:
            self.parts.append(data)
        elif self._json and data.strip():
            self.parts += list(_strings(json.loads(data)))


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def _stored_text() -> set[str]:
    """The runs of Han in every text value in the database — what people typed (department names, titles,
    comments, BPMN names) may rightly be Chinese on an English page. Whole runs, not any substring: "审核"
    inside a stored "部门审核意见" must not excuse an untranslated "审核" label."""
    found: list[str] = []
    for model in apps.get_models():
        if model._meta.label in NOT_DATA:
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        ]
        if fields:
            for row in model._default_manager.values_list(*fields):
                found += [text for value in row for text in _strings(value)]
    return {run for text in found for run in HAN.findall(text)}


def _han_not_stored(html: str, stored: set[str]) -> list[str]:
    page = _VisibleText()
    page.feed(html)
    runs = {run for part in page.parts for run in HAN.findall(part)}
    return sorted(run for run in runs - NOT_TO_TRANSLATE if run not in stored)


def test_every_page_reads_in_english_when_english_is_chosen(world: World, settings: Any, tmp_path: Path) -> None:
    """With English chosen, no page the resolver knows shows Chinese except data people typed: every run of Han
    on the page (text, tooltips, labels, button values, json_script strings) is found in the stored data. The
    pages are seen by the superuser, and by each role of the world where it sees its own things."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": ["/nonexistent"]}
    settings.MEDIA_ROOT = str(tmp_path)
    samples = _route_samples(world)
    stored = _stored_text()
    untranslated: dict[str, list[str]] = {}
    scanned = []
    for route, response in _pages(samples, f.in_english(client_for(world.admin)), f.in_english(Client())):
        assert response.status_code == 200, route.path
        if wrong := _han_not_stored(response.content.decode(), stored):
            untranslated[route.url(samples)] = wrong
        scanned.append(route.name)
    for user, url, headers in _xss_pages(world):
        response = f.in_english(client_for(user)).get(url, headers=headers)
        assert response.status_code == 200, url
        if wrong := _han_not_stored(response.content.decode(), stored):
            untranslated[f"{url} ({user.username}{', htmx' if headers else ''})"] = wrong
    assert not untranslated, "Chinese on English pages:\n" + "\n".join(f"{u} → {r}" for u, r in untranslated.items())
    assert {"login", "workbench:index", "workbench:task_page", "supervision:index", "audit:index"} <= set(scanned)

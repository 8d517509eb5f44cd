"""绩效通 pages: the indicator tree with weights and each node's problem, node forms on a draft only, publish
and copy, the round page with questionnaire links for the organiser, data entry by form (errors on the field),
by questionnaire link without login, by Excel (a bad row reported by number, nothing imported), 评分 and the
ranking, a unit's result with 开启整改, 对标, the XLSX report, who may see what, escaping and query counts."""

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from domain.performance import services
from domain.performance.access import may_enter_values, may_organise
from domain.performance.models import IndicatorSystem, Rectification, RoundUnit
from domain.supervision.models import SupervisionItem
from tests import factories as f
from tests.domain.performance import builders as pb

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def values_of(key: str) -> dict[str, Any]:
    """The hand-computed fixture's submission of unit `key`."""
    found: dict[str, Any] = pb.VALUES[key]  # type: ignore[assignment]
    return dict(found)


@pytest.fixture
def organiser() -> Client:
    return client_for(f.user("org", roles=["performance_organiser"]))


def test_access_rules() -> None:
    """An organiser organises; a unit's people enter only their own unit's data."""
    a = pb.build_round(submit=False, manual=False)
    own = f.user("own", roles=["reviewer"], dept=a.units["A"].department)
    assert may_organise(f.actor(f.user("o", roles=["supervision_office"])))
    assert not may_organise(f.actor(own))
    assert may_enter_values(f.actor(own), a.units["A"]) and not may_enter_values(f.actor(own), a.units["B"])


def test_tree_shows_weights_and_problems_per_node(organiser: Client) -> None:
    """A draft whose indicator's children do not add up shows the problem on that node."""
    system, nodes = pb.build_system(publish=False)
    services.node_update(node_id=nodes["P1"].pk, data={"weight": "25"}, actor=pb.ORGANISER)
    html = organiser.get(f"/performance/systems/{system.pk}/").content.decode()
    assert "共享率得分" in html and f'data-problem="{nodes["I1"].pk}"' in html and "应为 40" in html


def test_node_form_error_on_its_field_and_success(organiser: Client) -> None:
    """A weight that is not a number is refused on the weight field; a good node is added."""
    system = services.system_create(name="新体系", actor=pb.ORGANISER)
    bad = organiser.post(f"/performance/systems/{system.pk}/", {"name": "维度一", "weight": "abc"})
    assert bad.status_code == 400 and 'data-field="weight"' in bad.content.decode()
    assert not system.nodes.exists()
    good = organiser.post(f"/performance/systems/{system.pk}/", {"name": "维度一", "weight": "100"})
    assert good.status_code == 302 and system.nodes.get().name == "维度一"


def test_publish_and_copy(organiser: Client) -> None:
    """Publishing a valid draft freezes it (no node form any more); copy makes version 2 as a draft."""
    system, _nodes = pb.build_system(publish=False)
    organiser.post(f"/performance/systems/{system.pk}/publish/")
    system.refresh_from_db()
    assert system.is_frozen
    assert "添加节点" not in organiser.get(f"/performance/systems/{system.pk}/").content.decode()
    organiser.post(f"/performance/systems/{system.pk}/copy/")
    copy = IndicatorSystem.objects.get(name=system.name, version=2)
    assert not copy.is_frozen and copy.nodes.count() == system.nodes.count()


def test_a_unit_person_cannot_organise(organiser: Client) -> None:
    """Someone without the organiser role is refused the systems, the round and its actions; nothing changes."""
    a = pb.build_round(submit=False, manual=False)
    other = client_for(f.user("clerk", roles=["reviewer"], dept=a.units["A"].department))
    assert other.get("/performance/systems/").status_code == 403
    assert other.get(f"/performance/rounds/{a.round.pk}/").status_code == 403
    assert other.post(f"/performance/rounds/{a.round.pk}/close/").status_code == 403
    a.round.refresh_from_db()
    assert a.round.status == "collecting"
    assert other.get(f"/performance/entry/{a.units['B'].pk}/").status_code == 403


def test_round_page_shows_units_status_and_links(organiser: Client) -> None:
    """The organiser sees every unit, who has submitted, and each questionnaire link."""
    a = pb.build_round(submit=False, manual=False)
    services.values_submit(actor=pb.ORGANISER, unit_id=a.units["A"].pk, values=values_of("A"))
    html = organiser.get(f"/performance/rounds/{a.round.pk}/").content.decode()
    assert html.count("data-link") == 5 and f"/performance/q/{a.units['B'].token}/" in html
    assert "已提交" in html and "未提交" in html


def test_entry_form_errors_on_the_field_then_saves() -> None:
    """A unit's own person: a bad number is refused on that field; good values are stored."""
    a = pb.build_round(submit=False, manual=False)
    unit = a.units["A"]
    own = client_for(f.user("own", roles=["reviewer"], dept=unit.department))
    bad = own.post(f"/performance/entry/{unit.pk}/", {**values_of("A"), "open_sets": "很多"})
    assert bad.status_code == 400 and 'data-field="open_sets"' in bad.content.decode()
    unit.refresh_from_db()
    assert unit.values == {}
    assert own.post(f"/performance/entry/{unit.pk}/", values_of("A")).status_code == 302
    unit.refresh_from_db()
    assert unit.values["shared_count"] == "45" and unit.submitted_via == "form"


def test_questionnaire_without_login_keeps_csrf() -> None:
    """The link works without login, its form carries the CSRF token, and it stores the values."""
    a = pb.build_round(submit=False, manual=False)
    unit = a.units["C"]
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(f"/performance/q/{unit.token}/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    assert anonymous.post(f"/performance/q/{unit.token}/", values_of("C")).status_code == 403  # no token
    token = page.cookies["csrftoken"].value
    done = anonymous.post(f"/performance/q/{unit.token}/", {**values_of("C"), "csrfmiddlewaretoken": token})
    unit.refresh_from_db()
    assert done.status_code == 200 and "data-done" in done.content.decode() and unit.submitted_via == "link"
    assert Client().get("/performance/q/nope/").status_code == 404


def _sheet(rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "data.xlsx"
    return data


def test_excel_upload_reports_bad_rows_and_imports_nothing(organiser: Client) -> None:
    """Row 3 has a bad number: the report names row 3 and no unit's data is stored; the template downloads."""
    a = pb.build_round(submit=False, manual=False)
    assert organiser.get(f"/performance/rounds/{a.round.pk}/template.xlsx").status_code == 200
    header = ["单位编码", "目录总数", "已共享目录数", "共享及时率", "开放数据集数"]
    a_code, b_code = a.units["A"].department.code, a.units["B"].department.code
    file = _sheet([header, [a_code, 60, 45, 96, 40], [b_code, "x", 100, 85, 31]])
    response = organiser.post(f"/performance/rounds/{a.round.pk}/upload/", {"file": file})
    assert response.status_code == 400 and 'data-row="3"' in response.content.decode()
    assert not RoundUnit.objects.filter(round=a.round, submitted_at__isnull=False).exists()


def test_rectification_refused_by_supervision_shows_why(organiser: Client) -> None:
    """Without the supervision office the receiver refuses: the page says why and nothing is recorded."""
    a = pb.scored(pb.build_round())
    c = a.units["C"]
    response = organiser.post(f"/performance/rounds/{a.round.pk}/units/{c.pk}/rectify/", {"node": a.nodes["P1"].pk})
    assert "SUPERVISION_OFFICE_DEPARTMENT" in client_for_follow(organiser, response)
    assert not Rectification.objects.exists()


def test_score_ranking_result_compare_and_report(organiser: Client) -> None:
    """评分 leads to the ranking (with chart data); the result page shows the total and offers 开启整改 on a low
    node; a refused rectification shows the service's reason; 对标 and the XLSX report render."""
    a = pb.build_round()
    office = f.department("330106-DCS", "西湖区政府督查室")  # where the rectification's 督查事项 is registered
    services.round_collection_close(actor=pb.ORGANISER, round_id=a.round.pk)
    response = organiser.post(f"/performance/rounds/{a.round.pk}/score/")
    assert response["Location"] == f"/performance/rounds/{a.round.pk}/ranking/"
    ranking = organiser.get(response["Location"]).content.decode()
    assert "tb-ranking-data" in ranking and "vendor/echarts/echarts.min.js" in ranking
    assert a.units["A"].department.name in ranking and a.units["E"].department.name not in ranking
    c = a.units["C"]
    inspector = client_for(f.user("inspector", roles=["supervision_office"], dept=office))
    result = inspector.get(f"/performance/rounds/{a.round.pk}/units/{c.pk}/").content.decode()
    assert "开启整改" in result and "tb-low" in result
    low = inspector.post(f"/performance/rounds/{a.round.pk}/units/{c.pk}/rectify/", {"node": a.nodes["P1"].pk})
    assert low.status_code == 302 and Rectification.objects.filter(unit=c).count() == 1
    assert SupervisionItem.objects.filter(office=office).exists()
    good = organiser.post(f"/performance/rounds/{a.round.pk}/units/{c.pk}/rectify/", {"node": a.nodes["P4"].pk})
    page = client_for_follow(organiser, good)
    assert "无需整改" in page and Rectification.objects.count() == 1
    compare = organiser.get(f"/performance/rounds/{a.round.pk}/units/{c.pk}/compare/").content.decode()
    assert "tb-compare-data" in compare and a.units["E"].department.name in compare
    xlsx = organiser.get(f"/performance/rounds/{a.round.pk}/units/{c.pk}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_rectification_is_offered_only_to_whoever_supervision_accepts() -> None:
    """An organiser without the 督查员 role of the office (like perf1) sees on C's low nodes who can open
    整改, not a button that would fail; a 督查员 of the office gets the button; on the benchmark E nobody gets
    it, as benchmarks are not sent to rectification."""
    a = pb.scored(pb.build_round())
    office = f.department("330106-DCS", "西湖区政府督查室")
    perf1 = client_for(f.user("perf1", roles=["performance_organiser"], dept=office))
    inspector = client_for(f.user("inspector", roles=["supervision_office"], dept=office))
    page = f"/performance/rounds/{a.round.pk}/units/{a.units['C'].pk}/"
    seen = perf1.get(page).content.decode()
    assert "tb-low" in seen and "/rectify/" not in seen
    assert "data-rectify-refusal" in seen and "只有西湖区政府督查室的督查员可以发起" in seen
    offered = inspector.get(page).content.decode()
    assert "/rectify/" in offered and "开启整改" in offered and "data-rectify-refusal" not in offered
    benchmark = inspector.get(f"/performance/rounds/{a.round.pk}/units/{a.units['E'].pk}/").content.decode()
    assert "/rectify/" not in benchmark and "对标单位不参与整改。" in benchmark


def client_for_follow(client: Client, response: Any) -> str:
    return client.get(response["Location"]).content.decode()


def test_names_are_escaped(organiser: Client) -> None:
    """A system and node named with markup show as text."""
    system = services.system_create(name="<script>x</script>", actor=pb.ORGANISER)
    services.node_add(system_id=system.pk, parent_id=None, name="<script>y</script>", weight="100", actor=pb.ORGANISER)
    for url in ("/performance/systems/", f"/performance/systems/{system.pk}/"):
        html = organiser.get(url).content.decode()
        assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>y</script>" not in organiser.get(f"/performance/systems/{system.pk}/").content.decode()


def test_round_page_and_ranking_query_counts_do_not_grow(organiser: Client) -> None:
    """The round page and ranking cost the same queries with 5 units as with 8."""
    a = pb.build_round()
    services.round_collection_close(actor=pb.ORGANISER, round_id=a.round.pk)
    services.round_score(actor=pb.ORGANISER, round_id=a.round.pk)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert organiser.get(url).status_code == 200
        return len(queries)

    urls = (f"/performance/rounds/{a.round.pk}/", f"/performance/rounds/{a.round.pk}/ranking/")
    first = [count(url) for url in urls]
    for index in range(3):
        dept = f.department(f"3302{index:02d}", f"新单位{index}")
        RoundUnit.objects.create(round=a.round, department=dept, token=f"t{index}")
    services.round_score(actor=pb.ORGANISER, round_id=a.round.pk)
    assert [count(url) for url in urls] == first


def test_home_is_the_systems_for_an_organiser_and_own_rounds_for_a_unit(organiser: Client) -> None:
    """/performance/: the organiser lands on the indicator systems; a unit's person sees only their unit's
    rounds with the data form link."""
    a = pb.build_round(submit=False, manual=False)
    assert "新建指标体系" in organiser.get("/performance/").content.decode()
    own = client_for(f.user("own", roles=["reviewer"], dept=a.units["A"].department))
    html = own.get("/performance/").content.decode()
    assert f"/performance/entry/{a.units['A'].pk}/" in html
    assert f"/performance/entry/{a.units['B'].pk}/" not in html


def test_every_performance_page_loads_only_this_server_and_posts_with_csrf(organiser: Client) -> None:
    """Each 绩效通 page (the sample objects named like the page-quality scan needs them) renders 200 (only
    a questionnaire under performance/q/ may be 404: its round is closed), loads nothing from another host,
    and each POST form carries the CSRF token."""
    from tests.webui.test_page_quality import EXTERNAL, _forms_without_token, site_routes

    a = pb.scored(pb.build_round())
    samples = {
        "indicator_system_id": str(a.system.pk),
        "node_id": str(a.nodes["P1"].pk),
        "round_id": str(a.round.pk),
        "unit_id": str(a.units["A"].pk),
        "token": a.units["A"].token,
    }
    services.round_create(
        actor=pb.ORGANISER, system_id=a.system.pk, name="采集中", period="2027", unit_ids=[a.units["A"].department_id]
    )
    scanned = []
    for route in site_routes():
        if not route.path.startswith("performance/"):
            continue
        response = organiser.get(route.url(samples))
        if response.status_code in (302, 405) or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if route.path.startswith("performance/q/") and response.status_code == 404:
            continue  # the questionnaire of a closed round (the sample round is scored): 404 by design
        assert response.status_code == 200, route.path
        assert not EXTERNAL.findall(html), route.path
        assert not _forms_without_token(html), route.path
        scanned.append(route.path)
    assert len(scanned) >= 9, scanned


def test_tree_page_query_count_does_not_grow_with_nodes(organiser: Client) -> None:
    """The system page costs the same queries for a tree of 10 nodes as for one with 3 more."""
    system, nodes = pb.build_system(publish=False)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert organiser.get(f"/performance/systems/{system.pk}/").status_code == 200
        return len(queries)

    first = count()
    for index in range(3):
        services.node_add(
            system_id=system.pk,
            parent_id=nodes["I3"].pk,
            name=f"点{index}",
            weight="1",
            rule="manual",
            actor=pb.ORGANISER,
        )
    assert count() == first


def test_a_published_systems_nodes_cannot_be_changed(organiser: Client) -> None:
    """Editing or deleting a node of a published system is refused with the reason; the node is unchanged."""
    a_system, nodes = pb.build_system()
    response = organiser.post(f"/performance/nodes/{nodes['P1'].pk}/", {"name": "改名", "weight": "30"})
    assert response.status_code == 400 and "复制为新版本" in response.content.decode()
    organiser.post(f"/performance/nodes/{nodes['P1'].pk}/delete/")
    nodes["P1"].refresh_from_db()
    assert nodes["P1"].name == "共享率得分"

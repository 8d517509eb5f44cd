"""专家评分 page (/performance/rounds/<id>/manual/): a grid of units (assessed, and 对标 benchmarks marked as
such) × expert scoring points with the stored score and comment and each point's range; a save with any bad
cell stores nothing and lists the bad cells by unit, point and reason; a good save is followed by 重新评分 for
the organiser. Two experts on one grid keep each other's scores; an expert's own unit is read-only with the
reason. Experts and the organiser may use it, a unit's people get 403 with the reason; the page costs the
same queries for 3 units as for 30, and works as a plain form."""

from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from domain.directory.models import Department
from domain.performance import services
from domain.performance.models import ManualScore, RoundUnit
from tests import factories as f
from tests.domain.performance import builders as pb

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def expert() -> Client:
    return client_for(f.user("expert1", roles=["performance_expert"]))


@pytest.fixture
def organiser() -> Client:
    return client_for(f.user("perf1", roles=["performance_organiser"]))


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name") and found.get("name") != "csrfmiddlewaretoken":
            self.values[str(found["name"])] = found.get("value") or ""


def form_of(page: Any) -> dict[str, str]:
    """What a browser would post from the grid as loaded (every input, hidden ones included)."""
    parser = _Inputs()
    parser.feed(page.content.decode())
    return parser.values


def url(a: pb.Assessment) -> str:
    return f"/performance/rounds/{a.round.pk}/manual/"


def cell(a: pb.Assessment, unit: str, kind: str = "score") -> str:
    return f"{kind}-{a.units[unit].pk}-{a.nodes['P3'].pk}"


def test_the_grid_shows_stored_scores_the_range_and_the_benchmark(expert: Client) -> None:
    """A, B, C carry the stored 18 / 12.5 / 20 with their comment; D is empty; E (a benchmark) is in the grid
    marked 对标, since scoring counts its expert points too; formula points are not; the header shows 0–20."""
    a = pb.build_round()
    response = expert.get(url(a))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="{cell(a, "B")}" value="12.5"' in html and f'name="{cell(a, "D")}" value=""' in html
    assert f'name="{cell(a, "A", "comment")}" value="材料齐全"' in html
    assert "得分范围 0–20" in html and "专家评价" in html and "共享率得分" not in html
    benchmark = html[html.index(f'data-unit-id="{a.units["E"].pk}"') :]
    assert a.units["E"].department.name in benchmark and "data-benchmark" in benchmark
    assert f'name="{cell(a, "E")}"' in benchmark


def test_a_benchmark_scored_in_the_grid_keeps_its_expert_points(organiser: Client) -> None:
    """Scoring E (对标) 16 on the grid and rescoring gives E 16 on the point, not the 0 of a missing score."""
    a = pb.scored(pb.build_round())
    form = form_of(organiser.get(url(a))) | {cell(a, "E"): "16", cell(a, "E", "comment"): "对标参考"}
    assert organiser.post(url(a), form).status_code == 302
    organiser.post(f"/performance/rounds/{a.round.pk}/score/")
    assert pb.score_of(a, "E", "P3") == 16


def test_a_bad_cell_saves_nothing_and_the_bad_cells_are_listed(expert: Client) -> None:
    """B above the full score and D without a comment: 400, both listed with unit, point and reason, what
    was typed is shown again, and A's good change is not saved."""
    a = pb.build_round()
    data = form_of(expert.get(url(a))) | {cell(a, "A"): "19", cell(a, "A", "comment"): "复核后上调"}
    data |= {cell(a, "B"): "25", cell(a, "B", "comment"): "很好", cell(a, "D"): "8", cell(a, "D", "comment"): ""}
    response = expert.post(url(a), data)
    html = response.content.decode()
    assert response.status_code == 400 and "data-manual-errors" in html
    assert "B区数据局" in html and "得分应在 0 到 20 之间" in html
    assert "D区数据局" in html and "请填写评分意见" in html
    assert f'name="{cell(a, "B")}" value="25"' in html
    assert ManualScore.objects.get(unit=a.units["A"]).score == 18
    assert not ManualScore.objects.filter(unit=a.units["D"]).exists()


def test_two_experts_on_one_grid_keep_each_others_scores() -> None:
    """X opens the grid; Y then scores D 8 and raises B to 13. X saves after changing only A: A is X's, and
    Y's D and B stay as Y saved them (X's empty D and old B are not a withdrawal or an overwrite)."""
    a = pb.build_round()
    x = client_for(f.user("x", roles=["performance_expert"]))
    y = client_for(f.user("y", roles=["performance_expert"]))
    loaded = form_of(x.get(url(a)))
    changes = {cell(a, "D"): "8", cell(a, "D", "comment"): "补评", cell(a, "B"): "13", cell(a, "B", "comment"): "复核"}
    assert y.post(url(a), form_of(y.get(url(a))) | changes).status_code == 302
    saved = x.post(url(a), loaded | {cell(a, "A"): "19", cell(a, "A", "comment"): "复核后上调"})
    assert saved.status_code == 302
    stored = {m.unit_id: (str(m.score.normalize()), m.expert.username) for m in ManualScore.objects.all()}
    assert stored[a.units["A"].pk] == ("19", "x")
    assert stored[a.units["D"].pk] == ("8", "y") and stored[a.units["B"].pk] == ("13", "y")


def test_a_cell_another_expert_changed_meanwhile_is_refused_with_the_reason() -> None:
    """X and Y both open the grid; Y sets B to 13; X's save setting B to 14 (and A to 19) is refused with
    已被他人修改 on B, and nothing of X's is saved."""
    a = pb.build_round()
    x = client_for(f.user("x", roles=["performance_expert"]))
    y = client_for(f.user("y", roles=["performance_expert"]))
    loaded = form_of(x.get(url(a)))
    assert (
        y.post(url(a), form_of(y.get(url(a))) | {cell(a, "B"): "13", cell(a, "B", "comment"): "复核"}).status_code
        == 302
    )
    typed = {cell(a, "B"): "14", cell(a, "B", "comment"): "再复核", cell(a, "A"): "19", cell(a, "A", "comment"): "上调"}
    refused = x.post(url(a), loaded | typed)
    html = refused.content.decode()
    assert refused.status_code == 400 and "已被他人修改，请刷新后再保存。" in html
    assert f'data-error-cell="{a.units["B"].pk}-{a.nodes["P3"].pk}"' in html
    assert (
        ManualScore.objects.get(unit=a.units["B"]).score == 13
        and ManualScore.objects.get(unit=a.units["A"]).score == 18
    )


def test_an_expert_sees_their_own_unit_read_only_with_the_reason() -> None:
    """An expert of A区数据局 has no inputs on A's row, which says why (回避); B is editable; a forged post on
    A is refused and A keeps its score."""
    a = pb.build_round()
    insider = client_for(f.user("insider", roles=["performance_expert"], dept=a.units["A"].department))
    page = insider.get(url(a))
    html = page.content.decode()
    row = html[html.index(f'data-unit-id="{a.units["A"].pk}"') : html.index(f'data-unit-id="{a.units["B"].pk}"')]
    assert "评审专家不能为本单位评分（回避）。" in row and "<input" not in row and "18" in row
    assert f'name="{cell(a, "B")}"' in html
    forged = form_of(page) | {cell(a, "A"): "20", cell(a, "A", "comment"): "满分", cell(a, "A", "orig-score"): "18"}
    forged |= {cell(a, "A", "orig-comment"): "材料齐全"}
    response = insider.post(url(a), forged)
    assert response.status_code == 400 and "回避" in response.content.decode()
    assert ManualScore.objects.get(unit=a.units["A"]).score == 18


def test_a_good_save_is_stored_and_the_organiser_can_rescore(organiser: Client) -> None:
    """The round is being scored: D's new 8 is saved, the page says the scores changed since scoring and
    offers 重新评分, which puts D's 8 into its total."""
    a = pb.scored(pb.build_round())
    saved = organiser.post(url(a), {cell(a, "D"): "8", cell(a, "D", "comment"): "补评"})
    assert saved.status_code == 302 and saved["Location"] == url(a)
    page = organiser.get(url(a)).content.decode()
    assert "已保存 1 项专家评分" in page and "重新评分" in page and "重新评分后才计入结果" in page
    assert f'action="/performance/rounds/{a.round.pk}/score/"' in page
    organiser.post(f"/performance/rounds/{a.round.pk}/score/")
    assert pb.score_of(a, "D", "P3") == 8


def test_an_expert_saves_but_is_not_offered_scoring(expert: Client) -> None:
    a = pb.scored(pb.build_round())
    expert.post(url(a), {cell(a, "D"): "6", cell(a, "D", "comment"): "补评"})
    page = expert.get(url(a)).content.decode()
    assert ManualScore.objects.get(unit=a.units["D"]).score == 6
    assert "/score/" not in page and "评分由评估组织方发起" in page


def test_a_unit_person_is_forbidden_with_the_reason() -> None:
    a = pb.build_round()
    own = client_for(f.user("own", roles=["reviewer"], dept=a.units["A"].department))
    for response in (own.get(url(a)), own.post(url(a), {cell(a, "A"): "20", cell(a, "A", "comment"): "满分"})):
        assert response.status_code == 403 and "评审专家" in response.content.decode()
    assert ManualScore.objects.get(unit=a.units["A"]).score == 18


def test_the_round_page_links_here_only_when_the_system_has_expert_points(organiser: Client) -> None:
    a = pb.build_round()
    assert url(a) in organiser.get(f"/performance/rounds/{a.round.pk}/").content.decode()
    system = services.system_create(name="无专家评分", actor=pb.ORGANISER)
    dimension = services.node_add(system_id=system.pk, parent_id=None, name="维度", weight="100", actor=pb.ORGANISER)
    indicator = services.node_add(
        system_id=system.pk, parent_id=dimension.pk, name="指标", weight="100", actor=pb.ORGANISER
    )
    services.node_add(
        system_id=system.pk,
        parent_id=indicator.pk,
        name="点",
        weight="100",
        rule="formula",
        expression="1",
        actor=pb.ORGANISER,
    )
    services.system_publish(system_id=system.pk, actor=pb.ORGANISER)
    other = services.round_create(
        system_id=system.pk, name="无专家", period="2026", unit_ids=[a.units["A"].department_id], actor=pb.ORGANISER
    )
    html = organiser.get(f"/performance/rounds/{other.pk}/").content.decode()
    assert f"/performance/rounds/{other.pk}/manual/" not in html


def test_the_expert_finds_the_round_on_the_home_page(expert: Client) -> None:
    a = pb.build_round()
    assert url(a) in expert.get("/performance/").content.decode()


def test_a_published_round_is_shown_read_only(organiser: Client) -> None:
    a = pb.scored(pb.build_round())
    services.round_publish(round_id=a.round.pk, actor=pb.ORGANISER)
    html = organiser.get(url(a)).content.decode()
    assert "不能再修改" in html and f'name="{cell(a, "A")}"' not in html and "12.5" in html


def test_the_grid_costs_the_same_queries_for_3_units_as_for_30(expert: Client) -> None:
    """Showing and saving the grid (each save both changing stored scores and adding new ones): no query
    per unit."""
    a = pb.build_round()

    def costs(score: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as shown:
            page = expert.get(url(a))
            assert page.status_code == 200
        data = form_of(page)
        for unit in RoundUnit.objects.filter(round=a.round, role="assessed"):
            data[f"score-{unit.pk}-{a.nodes['P3'].pk}"] = score
            data[f"comment-{unit.pk}-{a.nodes['P3'].pk}"] = f"第 {unit.pk} 次"
        with CaptureQueriesContext(connection) as saved:
            assert expert.post(url(a), data).status_code == 302
        return len(shown), len(saved)

    few = costs("5")
    departments = Department.objects.bulk_create(
        Department(code=f"Q{n:03d}", name=f"单位{n}", region_code="330106", path=f"/Q{n:03d}/") for n in range(26)
    )
    RoundUnit.objects.bulk_create(RoundUnit(round=a.round, department=d, token=f"q{d.pk}") for d in departments)
    assert RoundUnit.objects.filter(round=a.round, role="assessed").count() == 30
    assert costs("6") == few


def test_withdrawing_a_score_after_scoring_asks_for_rescoring(organiser: Client) -> None:
    """Clearing A's expert score after the round was scored changes no score row's time, yet the result is
    stale: the page asks for 重新评分 until it is done."""
    a = pb.scored(pb.build_round())
    first = organiser.get(url(a))
    assert "重新评分后才计入结果" not in first.content.decode()
    cleared = form_of(first) | {cell(a, "A"): "", cell(a, "A", "comment"): ""}
    assert organiser.post(url(a), cleared).status_code == 302
    assert not ManualScore.objects.filter(unit=a.units["A"]).exists()
    assert "重新评分后才计入结果" in organiser.get(url(a)).content.decode()
    organiser.post(f"/performance/rounds/{a.round.pk}/score/")
    assert "重新评分后才计入结果" not in organiser.get(url(a)).content.decode()

"""对标 comparison, the per-unit XLSX and PDF reports, and rectification on a low score."""

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from domain.directory.models import Department
from domain.performance import services
from domain.performance.choices import RectificationStatus
from domain.performance.errors import NodeInvalid, WrongStatus
from domain.performance.models import Rectification
from domain.performance.reports import unit_report_pdf, unit_report_xlsx
from domain.performance.selectors import benchmark_comparison, round_ranking
from domain.performance.services.rectification import under_line
from domain.performance.signals import rectification_requested
from tests import factories

from .builders import build_round, scored

pytestmark = pytest.mark.django_db


def office() -> Department:
    """西湖区督查室, where rectifications become 督查事项 (a 督查员 of it opens them)."""
    return factories.department("330106-DCS", "西湖区督查室")


def test_comparison_puts_the_unit_beside_the_benchmarks_per_dimension() -> None:
    """对标 for unit A: A first, then benchmark E, each with its 数据共享 and 数据开放 scores; and the average.

    A: D1 50.50, D2 35.00; E: D1 40.00, D2 40.00.
    Average of the assessed A, B, C, D: D1 (50.5 + 50.5 + 38 + 0) / 4 = 34.75;
    D2 (35 + 23 + 35.5 + 0) / 4 = 23.375 → 23.38.
    """
    a = scored(build_round())
    comparison = benchmark_comparison(round_id=a.round.pk, unit_id=a.units["A"].pk)
    assert [(name, full) for _id, name, full in comparison.dimensions] == [
        ("数据共享", Decimal("60")),
        ("数据开放", Decimal("40")),
    ]
    assert [(r.name, r.is_benchmark, r.scores, r.total) for r in comparison.rows] == [
        ("A区数据局", False, [Decimal("50.50"), Decimal("35.00")], Decimal("85.50")),
        ("上海市大数据中心", True, [Decimal("40.00"), Decimal("40.00")], Decimal("80.00")),
    ]
    assert comparison.average == [Decimal("34.75"), Decimal("23.38")]


def test_ranking_lists_assessed_units_only_by_rank() -> None:
    """The ranking holds the four assessed units, ties together; the benchmark is not in it."""
    a = scored(build_round())
    ranking = [(s.unit.department.name, s.rank) for s in round_ranking(round_id=a.round.pk)]
    assert ranking == [("A区数据局", 1), ("B区数据局", 2), ("C区数据局", 2), ("D区数据局", 4)]


def test_xlsx_report_holds_total_rank_and_every_node() -> None:
    """Unit B's workbook: total 73.5, rank 2 of 4, then every node with its value, score and full score."""
    a = scored(build_round())
    sheet = load_workbook(io.BytesIO(unit_report_xlsx(round_id=a.round.pk, unit_id=a.units["B"].pk))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    summary = {r[0]: r[1] for r in rows[1:6]}
    assert summary["总分"] == 73.5
    assert summary["排名"] == "第 2 名 / 共 4 个单位"
    by_name = {r[2]: r for r in rows[8:]}
    assert len(by_name) == 10
    assert by_name["共享率得分"][3:6] == ("37.5", 30, 30)  # value 37.5 clamped to the full 30
    assert by_name["共享及时率"][3:6] == ("85", 8, 10)
    assert by_name["数据开放"][0] == "维度" and by_name["数据开放"][4:6] == (23, 40)


def test_xlsx_report_never_writes_a_name_as_a_formula() -> None:
    """The unit's name lands in its report as plain text, never a live formula."""
    a = scored(build_round())
    department = a.units["B"].department
    department.name = "=1+1"
    department.save()
    sheet = load_workbook(io.BytesIO(unit_report_xlsx(round_id=a.round.pk, unit_id=a.units["B"].pk))).worksheets[0]
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("=1+1 绩效评估报告", "s")
    unit_cell = next(row[1] for row in sheet.iter_rows(min_row=2, max_row=6) if row[0].value == "单位")
    assert (unit_cell.value, unit_cell.data_type) == (f"=1+1（{department.code}）", "s")


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_report_shows_unit_total_and_rank() -> None:
    """Unit C's PDF, read back as text, names the unit, its total 73.50 and its shared rank 2."""
    a = scored(build_round())
    data = unit_report_pdf(round_id=a.round.pk, unit_id=a.units["C"].pk)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "C区数据局" in text
    assert "73.50" in text
    assert "第 2 名" in text.replace("\n", " ") or "第2名" in text.replace(" ", "")
    assert "共享率得分" in text


def test_rectification_on_a_low_score_is_recorded_and_signalled() -> None:
    """D scored 0 on 共享率: a rectification is recorded as requested; receivers get round, unit, node, actor."""
    a = scored(build_round())
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    rectification_requested.connect(receiver)
    try:
        director = factories.actor(factories.user("director", roles=["supervision_office"], dept=office()))
        rectification = services.rectification_open(
            round_id=a.round.pk, unit_id=a.units["D"].pk, node_id=a.nodes["I1"].pk, actor=director
        )
    finally:
        rectification_requested.disconnect(receiver)
    assert rectification.status == RectificationStatus.OPENED  # the supervision office opened its item
    assert (rectification.score, rectification.max_score) == (Decimal("0"), Decimal("40"))
    assert "D区数据局" in rectification.requirement and "共享率" in rectification.requirement
    assert len(received) == 1
    got = received[0]
    assert (got["round"], got["unit"], got["node"], got["actor"]) == (a.round, a.units["D"], a.nodes["I1"], director)
    assert got["rectification"] == rectification


def test_the_rectification_line_is_strictly_below_the_share_of_the_full_score() -> None:
    """Under 60 % of the full score is low; exactly 60 % is not (the result page and the service agree)."""
    line = Decimal("0.6")
    assert under_line(Decimal("5.99"), Decimal("10"), line)
    assert not under_line(Decimal("6"), Decimal("10"), line)
    assert not under_line(Decimal("6.0000"), Decimal("10"), line)


def test_rectification_is_refused_for_a_good_score_or_twice() -> None:
    """A's 共享及时率 scored full marks: no rectification; D's 共享率 can be opened once while it is open."""
    a = scored(build_round())
    actor = factories.actor(factories.user("director2", roles=["supervision_office"], dept=office()))
    with pytest.raises(NodeInvalid):
        services.rectification_open(round_id=a.round.pk, unit_id=a.units["A"].pk, node_id=a.nodes["P2"].pk, actor=actor)
    services.rectification_open(round_id=a.round.pk, unit_id=a.units["D"].pk, node_id=a.nodes["I1"].pk, actor=actor)
    with pytest.raises(WrongStatus):
        services.rectification_open(round_id=a.round.pk, unit_id=a.units["D"].pk, node_id=a.nodes["I1"].pk, actor=actor)
    assert Rectification.objects.count() == 1


def test_a_failing_receiver_rolls_the_rectification_back() -> None:
    """If supervision cannot open the item, no rectification is left behind claiming it was requested."""
    a = scored(build_round())

    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("supervision unavailable")

    rectification_requested.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.rectification_open(
                round_id=a.round.pk,
                unit_id=a.units["D"].pk,
                node_id=a.nodes["I1"].pk,
                actor=factories.actor(factories.user("director3", roles=["supervision_office"], dept=office())),
            )
    finally:
        rectification_requested.disconnect(broken)
    assert not Rectification.objects.exists()

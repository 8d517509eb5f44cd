"""绩效通 scoring benchmark (issue 7): score an assessment round of 300 units × 120 scoring points in under 5 s.

    .venv/bin/python -m tests.benchmarks.scoring [--units 300] [--target-seconds 5] [--keep-db]

The Django database `tongban_bench_scoring` (BENCH_DB_NAME) on the server of DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/…) is created and migrated with Django's test-database machinery
and dropped at the end; the database named in DATABASE_URL itself is never written.

Built (untimed): a published system of 6 dimensions × 5 indicators × 4 scoring points = 120 points,
half formulas over two data fields (ratios, capped counts), 30 % thresholds, 20 % expert scores; a
round of UNITS assessed units and 5 benchmark units with 60 data fields; values for every unit (one in
twenty leaves a field empty, so missing-data notes are exercised) and every expert score entered.
Timed: `round_score` — once, then again (rescoring replaces the first results). Then reading the
ranking and one unit's full result. Verified: one result per unit with every node scored, ranks
1…n, totals within 0…100. Exit status 1 when a check fails or a scoring run takes TARGET seconds or more.
"""

import argparse
import os
import random
import sys
import time
from decimal import Decimal
from typing import Any

if not os.environ.get("DJANGO_SETTINGS_MODULE", "").startswith("tests.benchmarks"):
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.settings"
os.environ.setdefault("BENCH_DB_NAME", "tongban_bench_scoring")

DIMENSIONS, INDICATORS, POINTS = 6, 5, 4
DIMENSION_WEIGHTS = ["20", "20", "15", "15", "15", "15"]
FIELDS = 60
BENCHMARKS = 5


def _organiser() -> Any:
    """The services check who runs a round: an organiser by role, with no user row."""
    from processes.ports import Actor

    return Actor(user_id=None, username="bench", memberships=frozenset({(0, "performance_organiser")}))


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--target-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args(argv)


def _rule(index: int, rng: random.Random) -> dict[str, Any]:
    """Formula / threshold / manual in a 5 : 3 : 2 mix, each reading two or one of the data fields."""
    a, b = f"f{rng.randrange(FIELDS):02d}", f"f{rng.randrange(FIELDS):02d}"
    kind = index % 10
    if kind < 5:
        expression = f"{a} / max({b}, 1) * max_score" if kind % 2 else f"min(max_score, {a} * 0.05 + {b} * 0.01)"
        return {"rule": "formula", "expression": expression}
    if kind < 8:
        steps = [
            {"at_least": "90", "ratio": "1"},
            {"at_least": "75", "ratio": "0.8"},
            {"at_least": "60", "ratio": "0.6"},
        ]
        return {"rule": "threshold", "expression": f"{a} % 101", "thresholds": steps}
    return {"rule": "manual"}


def _system(rng: random.Random) -> tuple[Any, list[Any]]:
    from domain.performance import services

    system = services.system_create(name="营商环境评估（基准）", year=2026, actor=_organiser())
    leaves: list[Any] = []
    for d, dim_weight in enumerate(DIMENSION_WEIGHTS):
        dimension = services.node_add(
            system_id=system.pk, parent_id=None, name=f"维度{d + 1}", weight=dim_weight, actor=_organiser()
        )
        indicator_weight = Decimal(dim_weight) / INDICATORS
        for i in range(INDICATORS):
            indicator = services.node_add(
                system_id=system.pk,
                parent_id=dimension.pk,
                name=f"指标{d + 1}.{i + 1}",
                weight=indicator_weight,
                actor=_organiser(),
            )
            for p in range(POINTS):
                leaves.append(
                    services.node_add(
                        system_id=system.pk,
                        parent_id=indicator.pk,
                        name=f"评分点{d + 1}.{i + 1}.{p + 1}",
                        weight=indicator_weight / POINTS,
                        **_rule(len(leaves), rng),
                        actor=_organiser(),
                    )
                )
    return services.system_publish(system_id=system.pk, actor=_organiser()), leaves


def _round(system: Any, leaves: list[Any], units: int, rng: random.Random) -> Any:
    from domain.directory.models import Department
    from domain.performance import services
    from domain.performance.models import ManualScore, RoundUnit

    departments = Department.objects.bulk_create(
        Department(code=f"B{n:05d}", name=f"单位{n}", path=f"/B{n:05d}/") for n in range(units + BENCHMARKS)
    )
    assessment = services.round_create(
        system_id=system.pk,
        name="基准评估",
        period="2026年度",
        unit_ids=[d.pk for d in departments[:units]],
        benchmark_ids=[d.pk for d in departments[units:]],
        actor=_organiser(),
    )
    for f in range(FIELDS):
        kind = "percent" if f % 3 == 0 else "number"
        services.round_field_add(
            round_id=assessment.pk, name=f"f{f:02d}", label=f"字段{f}", kind=kind, required=False, actor=_organiser()
        )
    round_units = list(RoundUnit.objects.filter(round=assessment))
    rows = {
        u.pk: {f"f{f:02d}": str(rng.randrange(0, 101)) for f in range(FIELDS) if rng.random() > 0.05}
        for u in round_units
    }
    services.values_import(round_id=assessment.pk, rows=rows, actor=_organiser())
    manual = [leaf for leaf in leaves if leaf.rule == "manual"]
    ManualScore.objects.bulk_create(
        ManualScore(
            unit=u,
            node=leaf,
            score=(leaf.weight * Decimal(rng.randrange(0, 101)) / 100).quantize(Decimal("0.01")),
            comment="基准",
        )
        for u in round_units
        for leaf in manual
    )
    return services.round_collection_close(round_id=assessment.pk, actor=_organiser())


def _timed(round_id: int, label: str) -> float:
    from domain.performance.services import round_score

    started = time.perf_counter()
    results = round_score(round_id=round_id, actor=_organiser())
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s for {len(results)} units")
    return seconds


def _verify(assessment: Any, units: int, nodes: int) -> list[str]:
    from domain.performance.models import UnitScore

    problems = []
    scores = list(UnitScore.objects.filter(round=assessment))
    if len(scores) != units + BENCHMARKS:
        problems.append(f"{len(scores)} results, expected {units + BENCHMARKS}")
    if any(len(s.scores) != nodes for s in scores):
        problems.append("a result does not score every node")
    ranks = sorted(s.rank for s in scores if s.rank is not None)
    if len(ranks) != units or ranks[0] != 1 or ranks[-1] > units:
        problems.append(f"ranks {ranks[:3]}…{ranks[-3:]}")
    if any(not Decimal(0) <= s.total <= Decimal(100) for s in scores):
        problems.append("a total outside 0…100")
    notes = sum(len(s.notes) for s in scores)
    print(
        f"checked: {len(scores)} results × {nodes} nodes, {notes} zero-score notes, best {max(s.total for s in scores)}"
    )
    return problems


def _bench(args: argparse.Namespace) -> int:
    from domain.performance.models import IndicatorNode
    from domain.performance.selectors import round_ranking, unit_result

    rng = random.Random(args.seed)
    started = time.perf_counter()
    system, leaves = _system(rng)
    assessment = _round(system, leaves, args.units, rng)
    nodes = IndicatorNode.objects.filter(system=system).count()
    print(
        f"built: {len(leaves)} scoring points ({nodes} nodes), {args.units} units + {BENCHMARKS} benchmarks "
        f"in {time.perf_counter() - started:.1f} s"
    )
    first = _timed(assessment.pk, "round_score (first)")
    second = _timed(assessment.pk, "round_score (rescoring)")
    started = time.perf_counter()
    ranking = list(round_ranking(round_id=assessment.pk))
    result = unit_result(round_id=assessment.pk, unit_id=ranking[0].unit_id)
    print(
        f"read ranking ({len(ranking)}) + one unit's result ({len(result.rows)} rows): "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    problems = _verify(assessment, args.units, nodes)
    for label, seconds in (("first", first), ("rescoring", second)):
        if seconds >= args.target_seconds:
            problems.append(f"{label} scoring took {seconds:.2f} s ≥ {args.target_seconds} s")
    for problem in problems:
        print("PROBLEM:", problem)
    print("OK" if not problems else "FAILED", f"(target < {args.target_seconds} s per scoring run)")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    from .database import bench_database

    # No PostgreSQL check: the scoring benchmark has always run wherever DATABASE_URL points.
    with bench_database("scoring benchmark", keep=args.keep_db, postgresql_only=False) as name:
        from django.db import connection

        print(f"database: {connection.vendor} {name}")
        return _bench(args)


if __name__ == "__main__":
    sys.exit(main())

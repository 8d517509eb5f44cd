"""`python -m tests.benchmarks [--only approval|escalation|inbox|designer] [--n 500] [--rounds 10] [--profile]`

Approval (issue 2): creates and migrates a fresh PostgreSQL database (`tongban_bench`), runs the
approval diagram N times through each contender in interleaved rounds, prints medians of per-round
throughput, SQL statements and transactions per instance and the target ratios, verifies every instance
did its job, and drops the database. Escalation (issue 3, `tests/benchmarks/escalation.py`): on another
fresh database, the escalation tick idle with 100,000 and with 1,000 open tasks, and escalating 1,000.
Inbox (issue 4, `tests/benchmarks/inbox.py`): the inbox page at 100,000 and 1,000 human tasks. Designer
(issue 5, `tests/benchmarks/designer.py`): validate + deploy of a 200-element diagram.
All run by default, each on its own fresh database. Exit status 1 if a target is missed or a benchmark
did not do its job.
"""

import argparse
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

TARGET_VS_VIEWFLOW = 2.0
TARGET_VS_RAW = 0.12
ROOT = Path(__file__).resolve().parent.parent.parent
SAVEPOINT_ID = re.compile(r'"s\d+_x\d+"')

if not os.environ.get("DJANGO_SETTINGS_MODULE", "").startswith("tests.benchmarks"):
    # `make bench` exports settings.test; the benchmark needs its own (viewflow apps, PostgreSQL).
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.settings"


@dataclass
class Results:
    """What one contender measured over all timed rounds."""

    throughput: list[float] = field(default_factory=list)  # instances/s, one per round
    seconds: float = 0.0
    done: int = 0
    statements: int = 0
    transactions: int = 0
    server_transactions: int = 0
    phase_sql: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.throughput)

    def per_instance(self, value: float) -> float:
        return value / self.done


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="instances per contender (default 500)")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed instances per contender first (default 20)")
    parser.add_argument("--profile", action="store_true", help="then cProfile one more Tongban round / escalating tick")
    parser.add_argument("--trace-sql", action="store_true", help="then list every SQL statement of one instance")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the bench database at the end")
    parser.add_argument(
        "--only",
        choices=["approval", "escalation", "inbox", "designer"],
        help="run one benchmark (default: approval, escalation, inbox, designer)",
    )
    parser.add_argument("--inbox-runs", type=int, default=7, help="inbox: interleaved runs per case (default 7)")
    parser.add_argument("--inbox-explain", action="store_true", help="inbox: then EXPLAIN ANALYZE each page's query")
    parser.add_argument(
        "--escalation-runs", type=int, default=7, help="escalation: interleaved runs per case (default 7)"
    )
    parser.add_argument("--designer-runs", type=int, default=9, help="designer: validate + deploy runs (default 9)")
    return parser.parse_args()


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def main() -> int:
    args = _args()
    if args.only in (None, "approval") and (args.rounds < 1 or args.n < args.rounds):
        sys.exit("--n must be at least --rounds, and --rounds positive")
    if args.escalation_runs < 1:
        sys.exit("--escalation-runs must be positive")
    if args.designer_runs < 1:
        sys.exit("--designer-runs must be positive")

    import django

    django.setup()
    from django.test.utils import setup_test_environment, teardown_test_environment

    from settings.celery import app as celery_app

    celery_app.conf.task_always_eager = True

    setup_test_environment()
    try:
        status = 0
        if args.only in (None, "approval"):
            status |= _on_fresh_database(args, _approval)
        if args.only is None:
            print("\n" + "=" * 100 + "\n")
        if args.only in (None, "escalation"):
            from .escalation import escalation_bench

            status |= _on_fresh_database(args, escalation_bench)
        if args.only is None:
            print("\n" + "=" * 100 + "\n")
        if args.only in (None, "inbox"):
            from .inbox import inbox_bench

            status |= _on_fresh_database(args, inbox_bench)
        if args.only is None:
            print("\n" + "=" * 100 + "\n")
        if args.only in (None, "designer"):
            from .designer import designer_bench

            status |= _on_fresh_database(args, designer_bench)
        return status
    finally:
        teardown_test_environment()


def _on_fresh_database(args: argparse.Namespace, bench: Any) -> int:
    """Run `bench(args)` on a fresh bench database, dropped afterwards unless --keep-db."""
    from .database import fresh_database

    with fresh_database("benchmark", keep=args.keep_db):
        return int(bench(args))


def _approval(args: argparse.Namespace) -> int:
    from .approval import SqlMeter

    args.load_before = os.getloadavg()[0]
    meter = SqlMeter()
    with meter.installed():
        return _bench(args, meter)


def _calibrate_server_overhead() -> int:
    """Transactions that reading pg_stat_database itself adds between two readings."""
    from .approval import server_transactions

    deltas = []
    for _ in range(5):
        before = server_transactions()
        deltas.append(server_transactions() - before)
    return min(deltas)


def _bench(args: argparse.Namespace, meter: Any) -> int:
    from .approval import CONTENDERS, server_transactions

    contenders = [cls(meter) for cls in CONTENDERS]
    for contender in contenders:
        contender.setup()
    overhead = _calibrate_server_overhead()
    for contender in contenders:  # warm the caches (parsed spec, content types, permissions), untimed
        contender.run(args.warmup)
        contender.phase_seconds.clear()
        contender.phase_cpu.clear()

    results = {c.name: Results() for c in contenders}
    per_round = _split(args.n, args.rounds)
    for round_no, count in enumerate(per_round):
        shift = round_no % len(contenders)
        for contender in contenders[shift:] + contenders[:shift]:
            result = results[contender.name]
            server_before = server_transactions() if contender.uses_db else 0
            statements, transactions, phases = meter.snapshot()
            meter.active = True
            started = time.perf_counter()
            contender.run(count)
            elapsed = time.perf_counter() - started
            meter.active = False
            statements_after, transactions_after, phases_after = meter.snapshot()
            if contender.uses_db:
                result.server_transactions += server_transactions() - server_before - overhead
            result.throughput.append(count / elapsed)
            result.seconds += elapsed
            result.done += count
            result.statements += statements_after - statements
            result.transactions += transactions_after - transactions
            phases_after.subtract(phases)
            result.phase_sql.update(phases_after)

    for contender in contenders:
        results[contender.name].problems = contender.verify()
    passed = _report(args, contenders, results, per_round)

    if args.trace_sql:
        for contender in contenders:
            if contender.uses_db:
                _trace_sql(meter, contender)
    if args.profile:
        _profile(next(c for c in contenders if c.name == "tongban"), per_round[0])
    return 0 if passed else 1


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown model"


def _report(args: argparse.Namespace, contenders: list[Any], results: dict[str, Results], per_round: list[int]) -> bool:
    import django
    from django.db import connection

    pg = connection.pg_version
    print("Approval benchmark: start → review (user task) → gateway(approved) → service task writing one row → end")
    print(
        f"  N = {args.n} instances per contender, {args.rounds} interleaved rounds of {per_round[0]} in rotating "
        f"order, after {args.warmup} untimed warm-up instances each"
    )
    print(
        f"  PostgreSQL {pg // 10000}.{pg % 10000}, database {connection.settings_dict['NAME']} (fresh, migrated, "
        f"dropped afterwards); Python {platform.python_version()}, Django {django.get_version()}, "
        f"SpiffWorkflow {version('SpiffWorkflow')}, django-viewflow {version('django-viewflow')}"
    )
    print(
        f"  machine: {os.cpu_count()} CPUs ({_cpu_model()}), load average {args.load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after"
    )
    print("  tongban: the platform's services, audit trail on, the service job run by Celery in eager mode")
    print()
    header = (
        f"{'contender':<10} {'median/s':>9} {'min/s':>8} {'max/s':>8} {'ms/inst':>8} {'SQL/inst':>9} "
        f"{'tx/inst':>8} {'tx/inst(pg)':>12}  verified"
    )
    print(header)
    print("-" * len(header))
    for contender in contenders:
        r = results[contender.name]
        if contender.uses_db:
            sql = (
                f"{r.per_instance(r.statements):9.1f} {r.per_instance(r.transactions):8.1f} "
                f"{r.per_instance(r.server_transactions):12.1f}"
            )
        else:
            sql = f"{'-':>9} {'-':>8} {'-':>12}"
        verdict = f"ok ({r.done + args.warmup} completed)" if not r.problems else "FAILED: " + "; ".join(r.problems)
        print(
            f"{contender.name:<10} {r.median:9.1f} {min(r.throughput):8.1f} {max(r.throughput):8.1f} "
            f"{1000 * r.seconds / r.done:8.2f} {sql}  {verdict}"
        )
    print()
    ratio_vf = results["tongban"].median / results["viewflow"].median
    ratio_raw = results["tongban"].median / results["raw spiff"].median
    ok_vf, ok_raw = ratio_vf >= TARGET_VS_VIEWFLOW, ratio_raw >= TARGET_VS_RAW
    print(
        f"tongban / viewflow  = {ratio_vf:5.2f}x   target >= {TARGET_VS_VIEWFLOW:.2f}x   {'PASS' if ok_vf else 'FAIL'}"
    )
    print(f"tongban / raw spiff = {ratio_raw:5.2f}x   target >= {TARGET_VS_RAW:.2f}x   {'PASS' if ok_raw else 'FAIL'}")
    for contender in contenders:
        if not contender.uses_db:
            continue
        r = results[contender.name]
        print(
            f"\n{contender.name} per phase, per instance: wall ms, CPU ms in this process, SQL statements, transactions"
        )
        for phase, spent in contender.phase_seconds.items():
            cpu = contender.phase_cpu[phase]
            wall, cpu = 1000 * r.per_instance(spent), 1000 * r.per_instance(cpu)
            sql, tx = r.per_instance(r.phase_sql[phase]), r.per_instance(r.phase_sql[f"{phase}/tx"])
            print(f"  {phase:<10} {wall:7.2f} {cpu:7.2f} {sql:5.1f} {tx:4.1f}")
    print("\ntx/inst: committed outermost atomic blocks + statements run in autocommit, counted in the client;")
    print("tx/inst(pg): delta of xact_commit + xact_rollback in pg_stat_database for the bench database.")
    return ok_vf and ok_raw and not any(r.problems for r in results.values())


def _trace_sql(meter: Any, contender: Any, instances: int = 20) -> None:
    """Every statement (and commit) of one instance, in order, with its mean time over `instances`."""
    meter.trace = []
    contender.run(instances)
    trace, meter.trace = meter.trace, None
    size = len(trace) // instances
    chunks = [trace[i * size : (i + 1) * size] for i in range(instances)]

    def shape(chunk: list[Any]) -> list[tuple[str, str]]:
        return [(phase, SAVEPOINT_ID.sub("s", sql)) for phase, _in_tx, _ms, sql in chunk]

    same = len(trace) % instances == 0 and all(shape(chunk) == shape(chunks[0]) for chunk in chunks)
    if not same:
        chunks = [chunks[0]]
    print(f"\n--- SQL of one {contender.name} instance (mean ms over {len(chunks)}; * = inside a transaction) ---")
    for i, (phase, in_tx, _ms, sql) in enumerate(chunks[0]):
        mean = statistics.mean(chunk[i][2] for chunk in chunks)
        text = " ".join(sql.split())
        print(
            f"{i + 1:3} {phase:<10} {'*' if in_tx else ' '} {mean:6.2f}  {text[:150]}{'…' if len(text) > 150 else ''}"
        )
    total = sum(statistics.mean(chunk[i][2] for chunk in chunks) for i in range(len(chunks[0])))
    print(f"    {len(chunks[0])} entries, {total:.2f} ms in the database per instance")


def _package(filename: str) -> str:
    """'django/db', 'SpiffWorkflow/bpmn', 'processes/services', 'stdlib/json', … for a profiled file name."""
    if "site-packages/" in filename:
        parts = filename.split("site-packages/", 1)[1].split("/")
    elif filename.startswith(str(ROOT)):
        parts = filename[len(str(ROOT)) + 1 :].split("/")
    elif filename == "~":
        return "(other builtins and C extensions)"
    else:
        parts = ["stdlib", *filename.rsplit("/", 2)[-1:]]
    return "/".join(part.removesuffix(".py") for part in parts[:2])


def _profile(contender: Any, count: int) -> None:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    contender.run(count)
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_package: Counter[str] = Counter()
    for (filename, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        waits = filename == "~" and "psycopg2" in func
        by_package["(waiting on PostgreSQL: psycopg2)" if waits else _package(filename)] += tottime
    total = sum(by_package.values())
    print(f"\n--- cProfile: tongban, {count} instances: own time by package (ms per instance, profiled) ---")
    for package, spent in by_package.most_common(15):
        print(f"  {package:<40} {1000 * spent / count:7.2f}  {100 * spent / total:4.1f}%")
    for key, limit in (("cumulative", 45), ("tottime", 30)):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(limit)
        print(f"\n--- cProfile: tongban, {count} instances, by {key} ---")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


if __name__ == "__main__":
    sys.exit(main())

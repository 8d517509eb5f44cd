"""Probe benchmark (issue 6): a full 数据探矿 run over a PostgreSQL database of 1,000 tables × 12 columns.

    .venv/bin/python -m tests.benchmarks.probe [--tables 1000] [--columns 12] [--target-seconds 10] [--keep-db]

Two PostgreSQL databases on the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/…):
the Django database `tongban_bench_probe` (BENCH_DB_NAME), created and migrated with Django's test-database
machinery, and the probed database `probe_bench_<random>` with TABLES tables of COLUMNS columns, every
table and column commented. Both are dropped at the end.

Timed: `probe_run_execute` of a queued run — connect, read pg_catalog / information_schema, store the
snapshot, diff, create every table and column in the registry, record the changes. Then a few ALTERs
(a column added, one dropped, a varchar widened, a table dropped, a table created) and a second run.
The exit status is 1 when a run fails, finds the wrong changes, or takes TARGET seconds or more.
"""

import argparse
import os
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

if not os.environ.get("DJANGO_SETTINGS_MODULE", "").startswith("tests.benchmarks"):
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.settings"
os.environ.setdefault("BENCH_DB_NAME", "tongban_bench_probe")

EXPECTED_SECOND = {
    ("column_added", "t0001", "added_col"),
    ("column_removed", "t0002", "c11"),
    ("length_changed", "t0003", "c08"),
    ("table_removed", "t0004", ""),
    ("table_added", "t_new", ""),
}


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--columns", type=int, default=12)
    parser.add_argument("--target-seconds", type=float, default=10.0)
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args(argv)


def _server() -> dict[str, Any]:
    from django.db import connection

    settings = connection.settings_dict
    return {
        "host": settings["HOST"] or "127.0.0.1",
        "port": int(settings["PORT"] or 5432),
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or "",
    }


def _ddl(tables: int, columns: int) -> str:
    kinds = ["varchar(64)", "integer", "numeric(12,2)", "date", "text", "char(18)", "timestamp", "boolean"]
    statements = []
    for t in range(1, tables + 1):
        name = f"t{t:04d}"
        cols = ["id bigserial PRIMARY KEY"] + [f"c{c:02d} {kinds[c % len(kinds)]}" for c in range(1, columns)]
        statements.append(f"CREATE TABLE {name} ({', '.join(cols)})")
        statements.append(f"COMMENT ON TABLE {name} IS '业务表{t}'")
        statements.append(f"COMMENT ON COLUMN {name}.id IS '主键'")
        statements += [f"COMMENT ON COLUMN {name}.c{c:02d} IS '字段{c}'" for c in range(1, columns)]
    return ";\n".join(statements)


@contextmanager
def _target_database(server: dict[str, Any], tables: int, columns: int, keep: bool) -> Iterator[str]:
    import psycopg2

    name = f"probe_bench_{secrets.token_hex(4)}"
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        started = time.perf_counter()
        with psycopg2.connect(dbname=name, **server) as target, target.cursor() as cursor:
            cursor.execute(_ddl(tables, columns))
            cursor.execute("ANALYZE")
        print(f"target {name}: {tables} tables × {columns} columns created in {time.perf_counter() - started:.1f} s")
        yield name
    finally:
        if keep:
            print(f"(kept target database {name})")
        else:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _alter(server: dict[str, Any], name: str) -> None:
    import psycopg2

    with psycopg2.connect(dbname=name, **server) as target, target.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE t0001 ADD COLUMN added_col varchar(20); ALTER TABLE t0002 DROP COLUMN c11;"
            " ALTER TABLE t0003 ALTER COLUMN c08 TYPE varchar(128); DROP TABLE t0004;"
            " CREATE TABLE t_new (id int, note text)"
        )


def _timed_run(probe: Any, label: str) -> tuple[float, Any]:
    from domain.assets.models import ProbeRun
    from domain.assets.probing.services import probe_run_execute

    run = ProbeRun.objects.create(probe=probe)
    started = time.perf_counter()
    done = probe_run_execute(run_id=run.pk)
    seconds = time.perf_counter() - started
    assert done is not None
    print(
        f"{label}: {seconds:.2f} s wall ({done.duration_ms} ms recorded) — status {done.status}, "
        f"{done.tables_count} tables, {done.columns_count} columns, {done.changes_count} changes"
    )
    return seconds, done


def _bench(args: argparse.Namespace, server: dict[str, Any], target: str) -> int:
    from domain.assets import services
    from domain.assets.models import Column, SchemaChange
    from domain.assets.probing.services import probe_register
    from domain.directory.models import Department

    department = Department.objects.create(code="330106", name="西湖区大数据局")
    system = services.system_register(department_id=department.pk, data={"name": "基准系统"})
    probe = probe_register(
        department_id=department.pk,
        system_id=system.pk,
        data={
            "name": "基准探针",
            "engine": "postgresql",
            "database_name": target,
            "username": server["user"],
            "password": server["password"],
            "host": server["host"],
            "port": server["port"],
        },
    )
    problems = []
    first_seconds, first = _timed_run(probe, "first run (everything new)")
    expected_columns = args.tables * args.columns
    if first.status != "succeeded" or first.columns_count != expected_columns:
        problems.append(f"first run: {first.status} {first.error_message} {first.columns_count} columns")
    if Column.objects.count() != expected_columns:
        problems.append(f"registry holds {Column.objects.count()} columns, expected {expected_columns}")
    _alter(server, target)
    second_seconds, second = _timed_run(probe, "second run (5 changes)")
    found = set(SchemaChange.objects.filter(run=second).values_list("kind", "table_name", "column_name"))
    if found != EXPECTED_SECOND:
        problems.append(f"second run changes {sorted(found)}")
    third_seconds, third = _timed_run(probe, "third run (unchanged)")
    if third.changes_count:
        problems.append(f"third run found {third.changes_count} changes")
    for label, seconds in (("first", first_seconds), ("second", second_seconds), ("third", third_seconds)):
        if seconds >= args.target_seconds:
            problems.append(f"{label} run took {seconds:.2f} s ≥ {args.target_seconds} s")
    for problem in problems:
        print("PROBLEM:", problem)
    print("OK" if not problems else "FAILED", f"(target < {args.target_seconds} s per run)")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    from .database import bench_database

    with bench_database("probe benchmark", keep=args.keep_db):
        server = _server()
        with _target_database(server, args.tables, args.columns, args.keep_db) as target:
            return _bench(args, server, target)


if __name__ == "__main__":
    sys.exit(main())

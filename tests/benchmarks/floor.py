"""The floor under any persisted engine on this machine: the approval's database work alone.

The same writes Tongban's approval needs (instance + task + candidate on start, the claim, the
completion with its job row, the job claim, the handler's domain row, the job result, and the
hash-chained audit append in each of the four commands), sent through bare psycopg2 with no ORM,
no workflow engine and no Python glue. Whatever an engine adds comes on top of this.

    .venv/bin/python -m tests.benchmarks.floor [--n 500]
"""

import argparse
import hashlib
import json
import os
import time
from typing import Any
from urllib.parse import urlparse

import psycopg2

SCHEMA = """
create table inst(id serial primary key, state text, status text, updated timestamptz);
create table task(id serial primary key, inst int, status text, assignee int, data jsonb);
create table cand(id serial primary key, task int, role text);
create table job(id serial primary key, inst int, status text, attempts int default 0, result jsonb);
create table dec(id serial primary key, key text unique, ok bool);
create table audit(id serial primary key, payload jsonb, prev text unique, hash text unique);
"""
STATE = "x" * 3000  # about the size of an approval instance's serialized state


def _connect(dbname: str) -> Any:
    url = urlparse(os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres")
    return psycopg2.connect(
        dbname=dbname,
        user=url.username or "postgres",
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        password=url.password,
    )


def _audit(cur: Any, payload: dict[str, str]) -> None:
    cur.execute("select pg_advisory_xact_lock(1); select hash from audit order by id desc limit 1")
    row = cur.fetchone()
    prev = row[0] if row else "0" * 64
    text = json.dumps(payload)
    cur.execute(
        "insert into audit(payload, prev, hash) values (%s, %s, %s)",
        [text, prev, hashlib.sha256((prev + text).encode()).hexdigest()],
    )


def _one(cur: Any, conn: Any, i: int) -> None:
    cur.execute("insert into inst(state, status, updated) values (%s, 'running', now()) returning id", [STATE])
    iid = cur.fetchone()[0]
    cur.execute("insert into task(inst, status) values (%s, 'open') returning id", [iid])
    tid = cur.fetchone()[0]
    cur.execute("insert into cand(task, role) values (%s, 'reviewer')", [tid])
    _audit(cur, {"a": "start"})
    conn.commit()
    cur.execute("update task set assignee = 1 where id = %s and assignee is null", [tid])
    _audit(cur, {"a": "claim"})
    conn.commit()
    cur.execute("select state from inst where id = %s for update", [iid])
    cur.execute("update task set status = 'done', data = %s where id = %s and status = 'open'", ['{"ok": true}', tid])
    cur.execute("insert into job(inst, status) values (%s, 'queued') returning id", [iid])
    jid = cur.fetchone()[0]
    cur.execute("update inst set state = %s, updated = now() where id = %s", [STATE, iid])
    _audit(cur, {"a": "complete"})
    conn.commit()
    cur.execute("update job set status = 'running', attempts = attempts + 1 where id = %s returning id", [jid])
    conn.commit()
    cur.execute("insert into dec(key, ok) values (%s, true) on conflict do nothing", [f"k{i}"])
    conn.commit()
    cur.execute("select state from inst where id = %s for update", [iid])
    cur.execute("update job set status = 'done', result = '{}' where id = %s", [jid])
    cur.execute("update inst set state = %s, status = 'completed', updated = now() where id = %s", [STATE, iid])
    _audit(cur, {"a": "done"})
    conn.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    admin = _connect("postgres")
    admin.autocommit = True
    admin.cursor().execute("DROP DATABASE IF EXISTS tongban_floor")
    admin.cursor().execute("CREATE DATABASE tongban_floor")
    try:
        conn = _connect("tongban_floor")
        cur = conn.cursor()
        cur.execute(SCHEMA)
        conn.commit()
        started = time.perf_counter()
        for i in range(args.n):
            _one(cur, conn, i)
        elapsed = time.perf_counter() - started
        conn.close()
        print(
            f"database floor of one approval: {elapsed / args.n * 1000:.2f} ms/instance, {args.n / elapsed:.0f}/s "
            f"(N = {args.n}, 6 commits and 21 round trips per instance, bare psycopg2)"
        )
    finally:
        admin.cursor().execute("DROP DATABASE IF EXISTS tongban_floor")
        admin.close()


if __name__ == "__main__":
    main()

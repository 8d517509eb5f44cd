"""Inbox page benchmark (issue 4): server time of `/workbench/` for one clerk, 100,000 vs 1,000 human tasks.

Two databases with the same departments, people, definition and instances (the escalation benchmark's
seed): the fresh bench database grown to 100,000 human tasks, and a clone of it taken when it held 1,000.
Of every 20 tasks one is assigned to the clerk (open), one waits in the clerk's department for the
clerk's role (unclaimed, with its candidate row), one was completed by the clerk; the other 17 belong to
the other 19 departments' reviewers, assigned or waiting for their role. So the clerk's tabs hold 5 % of
the table each: 50 rows at 1,000 tasks, 5,000 at 100,000.

Measured per tab (我的待办 / 待签收 / 已办), interleaved, in rotating order, `--inbox-runs` times each: a
whole request through Django's test client (middleware, session, selectors, template), logged in, first
page; each run the mean of REQUESTS requests after WARMUP untimed ones. Also the 150th page of 我的待办
(rows 3,726–3,750, reached by following the page links) at 100,000. Verified: every page shows 25 rows of
the right tab (the clerk's own rows), and the 150th page shows different rows from the first.
"""

import argparse
import os
import platform
import re
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection

from .escalation import Databases, Seed, StatementLog, _people_and_definition

BIG = 100_000
SMALL = 1_000
BATCH = 5_000
SHARE = 20  # one task in SHARE per tab is the clerk's
REQUESTS = 10
WARMUP = 2
DEEP_PAGE = 150
TARGET_RATIO = 2.0
TARGET_MS = 150.0
CLONE_SUFFIX = "inbox_small"
ROW = re.compile(r'<tr [^>]*data-task-id="')


@dataclass
class Case:
    name: str
    database: str
    url: str
    values: list[float] = field(default_factory=list)  # ms per request, one per run
    statements: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _tasks(seed: Seed, template: Any, clerk_id: int, first: int, count: int) -> None:
    """Bulk-insert `count` human tasks (and the candidate rows of the unassigned ones)."""
    from django.utils import timezone

    from processes.models import HumanTask, TaskCandidate, TaskStatus

    now = timezone.now()
    others = seed.department_ids[1:]
    done = 0
    while done < count:
        tasks, roles = [], []
        for i in range(first + done, first + min(done + BATCH, count)):
            slot = i % SHARE
            department_id = seed.department_ids[0] if slot < 3 else others[i % len(others)]
            assignee = clerk_id if slot in (0, 2) else None
            if slot >= 3 and i % 2 == 0:
                assignee = seed.reviewers[department_id][0]
            completed = slot == 2
            tasks.append(
                HumanTask(
                    instance_id=seed.instance_ids[i % len(seed.instance_ids)],
                    spiff_task_id=uuid.uuid4(),
                    element_id=template.element_id,
                    name=f"{template.name} {i}",
                    process_key=template.process_key,
                    department_id=department_id,
                    candidate_roles=[] if assignee else list(template.candidate_roles),
                    assignee_id=assignee,
                    priority=(i * 7) % 100,
                    form_key=template.form_key,
                    due_at=now + timedelta(minutes=(i * 7919) % (60 * 24 * 30)),
                    status=TaskStatus.COMPLETED if completed else TaskStatus.OPEN,
                    completed_by_id=clerk_id if completed else None,
                    completed_at=now - timedelta(minutes=i) if completed else None,
                )
            )
            roles.append(None if assignee else template.candidate_roles)
        created = HumanTask.objects.bulk_create(tasks)
        TaskCandidate.objects.bulk_create(
            [
                TaskCandidate(task=task, role_code=code)
                for task, codes in zip(created, roles, strict=True)
                for code in codes or []
            ]
        )
        done += len(tasks)


def _count() -> int:
    from processes.models import HumanTask

    return HumanTask.objects.count()


def _vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        for table in ("processes_humantask", "processes_taskcandidate", "processes_processinstance"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _get(client: Any, url: str) -> tuple[float, str]:
    started = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return seconds * 1000, response.content.decode()


def _run(case: Case, client: Any, log: StatementLog) -> str:
    for _ in range(WARMUP):
        _get(client, case.url)
    total = 0.0
    html = ""
    for _ in range(REQUESTS):
        with log.record() as statements:
            ms, html = _get(client, case.url)
        total += ms
    case.values.append(total / REQUESTS)
    case.statements.append(len(statements))
    rows = len(ROW.findall(html))
    if rows != 25:
        case.problems.append(f"{rows} rows on the page, expected 25")
    return html


def _deep_url(client: Any, first_url: str) -> str:
    """Follow the 下一页 links from the first page to page DEEP_PAGE; the URL of that page."""
    url = first_url
    for _ in range(DEEP_PAGE - 1):
        _ms, html = _get(client, url)
        found = re.search(r'<a[^>]*rel="next"[^>]*href="([^"]+)"', html) or re.search(
            r'<a[^>]*href="([^"]+)"[^>]*rel="next"', html
        )
        if not found:
            raise RuntimeError(f"no next-page link after {url}")
        url = "/workbench/" + found.group(1).replace("&amp;", "&")
    return url


def _row_ids(html: str) -> set[str]:
    return set(re.findall(r'data-task-id="(\d+)"', html))


def inbox_bench(args: argparse.Namespace) -> int:
    """Run on the fresh bench database the caller created; returns the exit status (0: targets met)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    load_before = os.getloadavg()[0]
    clock = time.perf_counter()
    big_name = connection.settings_dict["NAME"]
    small_name = connection.creation.get_test_db_clone_settings(CLONE_SUFFIX)["NAME"]
    databases = Databases(big_name, small_name)

    seed, template = _people_and_definition()
    clerk_id = seed.reviewers[seed.department_ids[0]][0]
    _tasks(seed, template, clerk_id, first=0, count=SMALL - _count())
    _vacuum_analyze()
    small_count = _count()
    connection.creation.clone_test_db(suffix=CLONE_SUFFIX, verbosity=0)
    try:
        databases.use("big")
        _tasks(seed, template, clerk_id, first=SMALL, count=BIG - _count())
        _vacuum_analyze()
        big_count = _count()
        setup_seconds = time.perf_counter() - clock
        # One logged-in client per database: the session row lives in the database it was made in.
        clients = {}
        for which in ("small", "big"):
            databases.use(which)
            clients[which] = Client()
            clients[which].force_login(get_user_model().objects.get(pk=clerk_id))
        return _measure(args, clients, databases, small_count, big_count, setup_seconds, load_before)
    finally:
        databases.use("big", connect=False)
        connection.creation.destroy_test_db(verbosity=0, suffix=CLONE_SUFFIX)


def _measure(
    args: argparse.Namespace,
    clients: dict[str, Any],
    databases: Databases,
    small_count: int,
    big_count: int,
    setup_seconds: float,
    load_before: float,
) -> int:
    log = StatementLog()
    pairs: list[tuple[Case, Case]] = []
    for tab, label, query in (
        ("mine", "我的待办", ""),
        ("group", "待签收", ""),
        ("done", "已办", ""),
    ):
        url = f"/workbench/?tab={tab}{query}"
        pairs.append((Case(f"{label} {big_count:,}", "big", url), Case(f"{label} {small_count:,}", "small", url)))
    # Task names end in their number: "99" matches 1 name in 25 or so, 200 of the clerk's 5,000 group tasks.
    search = Case(f"待签收 搜索 99, {big_count:,}", "big", "/workbench/?tab=group&q=99")
    with connection.execute_wrapper(log):
        databases.use("big")
        deep = Case(
            f"我的待办 page {DEEP_PAGE}, {big_count:,}", "big", _deep_url(clients["big"], "/workbench/?tab=mine")
        )
        cases = [case for pair in pairs for case in pair] + [search, deep]
        bench_clock = time.perf_counter()
        pages: dict[str, str] = {}
        for run in range(args.inbox_runs):
            shift = run % len(cases)
            for case in cases[shift:] + cases[:shift]:
                databases.use(case.database)
                pages[case.name] = _run(case, clients[case.database], log)
        bench_seconds = time.perf_counter() - bench_clock
    first = _row_ids(pages[pairs[0][0].name])
    if not first or first & _row_ids(pages[deep.name]):
        deep.problems.append("the deep page repeats rows of the first page (or shows none)")
    print("Inbox page benchmark (issue 4): GET /workbench/ for one clerk, first page (25 rows)")
    print(
        f"  {big_count:,} human tasks in {databases.names['big']}; {small_count:,} in {databases.names['small']} "
        f"(its clone taken then); the clerk's share per tab 1/{SHARE}\n"
        f"  {args.inbox_runs} interleaved runs per case, each the mean of {REQUESTS} requests after {WARMUP} "
        f"untimed; setup {setup_seconds:.1f} s, measuring {bench_seconds:.1f} s\n"
        f"  PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}, Python "
        f"{platform.python_version()}; {os.cpu_count()} CPUs, load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after\n"
    )
    header = f"{'case':<28} {'median':>10} {'min':>10} {'max':>10} {'SQL':>5}  verified"
    print(header)
    print("-" * len(header))
    for case in cases:
        verdict = "ok" if not case.problems else "FAILED: " + "; ".join(sorted(set(case.problems)))
        print(
            f"{case.name:<28} {statistics.median(case.values):7.1f} ms {min(case.values):7.1f} ms "
            f"{max(case.values):7.1f} ms {max(case.statements):5}  {verdict}"
        )
    print()
    passed = not any(case.problems for case in cases)
    for big, small in pairs:
        big_ms, small_ms = statistics.median(big.values), statistics.median(small.values)
        ratio = big_ms / small_ms
        ok = ratio <= TARGET_RATIO and big_ms < TARGET_MS and big.statements == small.statements
        passed &= ok
        print(
            f"{big.name:<20} / {small_count:,} = {ratio:5.2f}x (target <= {TARGET_RATIO:.1f}x), {big_ms:6.1f} ms "
            f"(target < {TARGET_MS:.0f} ms), SQL {max(big.statements)} vs {max(small.statements)}   "
            f"{'PASS' if ok else 'FAIL'}"
        )
    for single in (search, deep):
        ms = statistics.median(single.values)
        ok = ms < TARGET_MS
        passed &= ok
        print(f"{single.name:<28} = {ms:6.1f} ms (target < {TARGET_MS:.0f} ms)   {'PASS' if ok else 'FAIL'}")
    deep_ms = statistics.median(deep.values)
    first_ms = statistics.median(pairs[0][0].values)
    print(f"page {DEEP_PAGE} / page 1 of 我的待办 at {big_count:,} = {deep_ms / first_ms:5.2f}x")
    if args.inbox_explain:
        databases.use("big")
        for case in [pair[0] for pair in pairs] + [search, deep]:
            _explain(case, clients["big"], log)
    return 0 if passed else 1


def _explain(case: Case, client: Any, log: StatementLog) -> None:
    """EXPLAIN ANALYZE of the page's task query (the one with LIMIT 26), as the page ran it."""
    with connection.execute_wrapper(log), log.record() as statements:
        client.get(case.url)
    sql, params = next((sql, params) for sql, params in statements if "LIMIT 26" in sql)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    print(f"\nEXPLAIN ANALYZE, {case.name}:")
    print("\n".join(f"  {line}" for line in plan))

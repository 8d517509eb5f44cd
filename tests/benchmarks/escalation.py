"""Escalation tick benchmark (issue 3): `processes.services.escalation.escalation_tick` on PostgreSQL.

Two databases with the same departments, people, definition and instances: the fresh bench database
(100,000 open human tasks) and a clone of it taken when it held 1,000 (Django's test-database cloning,
`CREATE DATABASE … TEMPLATE`). Measured interleaved, in rotating order, `--escalation-runs` times each:

* an idle tick (nothing due) with 100,000 open tasks, and with 1,000 — each run the mean of
  IDLE_TICKS consecutive ticks after IDLE_WARMUP untimed ones;
* a tick (`batch=1000`) that escalates exactly 1,000 of the 100,000 tasks one level each — a third
  blue (assignee or candidates), a third yellow (the department's supervisors), a third red (the parent
  department's supervisors) — with the real work calendar, notifier (in-app + email, locmem backend)
  and audit trail. Before every run the 1,000 rows are put back (level, next_escalation_at), untimed.

Verified after every run: idle ticks fire nothing; the escalating tick fires 1,000 levels, writes 1,000
`task_escalated` audit events and the expected notifications and emails, and moves each task up one level.
"""

import argparse
import cProfile
import io
import os
import platform
import pstats
import re
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count

BIG = 100_000
SMALL = 1_000
DUE = 1_000
BATCH = 5_000  # bulk_create batch size
INSTANCES = 100
CHILD_DEPARTMENTS = 20
IDLE_TICKS = 20
IDLE_WARMUP = 3
TARGET_RATIO = 2.0
TARGET_SECONDS = 5.0
# Nothing idle may come due while the benchmark runs (it takes ~2 minutes).
MARGIN = timedelta(hours=1)
CLONE_SUFFIX = "small"


@dataclass
class Seed:
    """What the benchmark built, and what one escalating tick must produce."""

    department_ids: list[int] = field(default_factory=list)  # the children of the root department
    reviewers: dict[int, list[int]] = field(default_factory=dict)  # department id → reviewer user ids
    instance_ids: list[int] = field(default_factory=list)
    # The 1,000 escalating tasks per level they start at: ids, the level and next_escalation_at to reset to.
    due_groups: dict[int, tuple[list[int], datetime]] = field(default_factory=dict)
    expected_users: int = 0  # recipients over the 1,000 escalations (each gets in-app + email)


@dataclass
class Case:
    name: str
    database: str
    values: list[float] = field(default_factory=list)  # seconds per tick, one per run
    cpu: list[float] = field(default_factory=list)
    statements: list[float] = field(default_factory=list)  # per tick
    problems: list[str] = field(default_factory=list)


class StatementLog:
    """Every statement on the default connection while `recording` (SQL, params)."""

    def __init__(self) -> None:
        self.recording = False
        self.entries: list[tuple[str, Any]] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if self.recording:
            self.entries.append((sql, params))
        return execute(sql, params, many, context)

    @contextmanager
    def record(self) -> Iterator[list[tuple[str, Any]]]:
        self.entries, self.recording = [], True
        try:
            yield self.entries
        finally:
            self.recording = False


# -- building the data -----------------------------------------------------------------------------


def _people_and_definition() -> tuple[Seed, Any]:
    """Root department + 20 children, 2 supervisors and 2 reviewers each (with email), approval.bpmn
    deployed, one real instance started and 99 copies of it. Returns the seed and a task template."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from domain.directory.models import Department, Membership, Role
    from processes.models import HumanTask, ProcessInstance
    from processes.ports import directory
    from processes.services.instances import instance_start
    from tests import factories as f

    seed = Seed()
    supervisor = Role.objects.create(code=settings.TONGBAN["SUPERVISOR_ROLE"], name="督办")
    reviewer = Role.objects.create(code="reviewer", name="审核")
    root = Department.objects.create(code="330100", name="杭州市", region_code="330100")
    children = [
        Department.objects.create(code=f"3301{i:02d}", name=f"部门{i}", region_code="330100", parent=root)
        for i in range(1, CHILD_DEPARTMENTS + 1)
    ]
    seed.department_ids = [d.pk for d in children]
    user_model = get_user_model()
    password = make_password("bench12345")
    people: list[tuple[str, Department, Role]] = [(f"sup_root_{k}", root, supervisor) for k in (1, 2)]
    for d in children:
        people += [(f"sup_{d.code}_{k}", d, supervisor) for k in (1, 2)]
        people += [(f"rev_{d.code}_{k}", d, reviewer) for k in (1, 2)]
    users = user_model.objects.bulk_create(
        [user_model(username=name, email=f"{name}@bench.example", password=password) for name, _d, _r in people]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, department=d, role=r) for u, (_n, d, r) in zip(users, people, strict=True)]
    )
    for u, (_name, d, r) in zip(users, people, strict=True):
        if r == reviewer:
            seed.reviewers.setdefault(d.pk, []).append(u.pk)

    f.deploy("approval")
    applicant = user_model.objects.create_user(username="bench_applicant", password="bench12345")
    real = instance_start(
        process_key="approval",
        actor=directory().actor_for(applicant),
        business_key="ESC-0",
        data={"title": "申请"},
        department_id=seed.department_ids[0],
    )
    copies = ProcessInstance.objects.bulk_create(
        [
            ProcessInstance(
                definition_id=real.definition_id,
                business_key=f"ESC-{i}",
                department_id=seed.department_ids[i % CHILD_DEPARTMENTS],
                state=real.state,
                serializer_version=real.serializer_version,
                started_by=applicant,
            )
            for i in range(1, INSTANCES)
        ]
    )
    seed.instance_ids = [real.pk, *(c.pk for c in copies)]
    template = HumanTask.objects.get(instance=real)  # the engine's own review task: element, form, roles
    return seed, template


def _idle_schedule(due: datetime, now: datetime) -> tuple[int, datetime]:
    """A plausible ladder position for a task with a 20-day SLA ending at `due` (wall-clock shares):
    the levels passed before now + MARGIN count as fired, the next one is after it."""
    start = due - timedelta(days=20)
    moments = [start + (due - start) * 2 / 3, due - timedelta(days=1), due]
    level = sum(1 for at in moments[:2] if at < now + MARGIN)
    return level, moments[level]


def _task(seed: Seed, template: Any, i: int, **fields: Any) -> Any:
    """The i-th bulk task: instance and department round robin, every other one assigned."""
    from processes.models import HumanTask

    department_id = seed.department_ids[i % CHILD_DEPARTMENTS]
    assigned = i % 2 == 0
    return HumanTask(
        instance_id=seed.instance_ids[i % INSTANCES],
        spiff_task_id=uuid.uuid4(),
        element_id=template.element_id,
        name=template.name,
        process_key=template.process_key,
        department_id=department_id,
        candidate_roles=[] if assigned else list(template.candidate_roles),
        assignee_id=seed.reviewers[department_id][0] if assigned else None,
        priority=template.priority,
        form_key=template.form_key,
        sla_working_days=14,
        **fields,
    )


def _idle_tasks(seed: Seed, template: Any, now: datetime, first: int, count: int) -> int:
    """Bulk-insert `count` open tasks due over the next 30 days, none due for escalation."""
    from processes.models import HumanTask

    span = 30 * 24 * 60 - 180  # minutes: due from now + 2 h to now + 30 days
    done = 0
    while done < count:
        rows = []
        for i in range(first + done, first + min(done + BATCH, count)):
            due = now + timedelta(minutes=120 + (i * 7919) % span)
            level, next_at = _idle_schedule(due, now)
            rows.append(
                _task(
                    seed,
                    template,
                    i,
                    due_at=due,
                    sla_started_at=due - timedelta(days=20),
                    escalation_level=level,
                    next_escalation_at=next_at,
                )
            )
        HumanTask.objects.bulk_create(rows)
        done += len(rows)
    return done


# Candidate (SLA start before now, due after now) per starting level: the first whose ladder, on the
# real work calendar, has exactly the next level passed and every later one beyond now + MARGIN.
_CANDIDATES: dict[int, list[tuple[timedelta, timedelta]]] = {
    0: [(timedelta(days=d), timedelta(days=e)) for d, e in ((30, 10), (40, 14), (45, 20), (60, 25), (60, 40))],
    1: [(timedelta(days=20), timedelta(hours=h)) for h in (3, 4, 6, 2)],
    2: [(timedelta(days=20), timedelta(hours=-h)) for h in (1, 5, 24)],
}


def _due_template(level: int, now: datetime) -> tuple[datetime, datetime, datetime]:
    """(sla_started_at, due_at, next_escalation_at as escalation_schedule sets it) for a task at `level`
    that needs exactly one level now."""
    from processes.models import HumanTask
    from processes.services.escalation import escalation_moments, escalation_schedule

    for before, after in _CANDIDATES[level]:
        task = HumanTask(sla_started_at=now - before, due_at=now + after, escalation_level=level, escalation_policy={})
        moments = {lvl: at for lvl, at in escalation_moments(task, now, above=level).items() if lvl > level}
        passed = [lvl for lvl, at in moments.items() if at <= now]
        if passed == [level + 1] and all(at > now + MARGIN for lvl, at in moments.items() if lvl > level + 1):
            scheduled = escalation_schedule(task, now).next_escalation_at
            assert scheduled is not None and scheduled <= now
            return task.sla_started_at, task.due_at, scheduled
    raise RuntimeError(f"no SLA candidate needs exactly one level from level {level} on today's calendar")


def _due_tasks(seed: Seed, template: Any, now: datetime, first: int) -> None:
    """The 1,000 tasks the escalating tick will move: a third from each level, not yet due (reset makes them)."""
    from processes.models import HumanTask

    sizes = {0: DUE - 2 * (DUE // 3), 1: DUE // 3, 2: DUE // 3}
    i = first
    for level, size in sizes.items():
        started, due, scheduled = _due_template(level, now)
        rows = []
        for _ in range(size):
            rows.append(
                _task(
                    seed,
                    template,
                    i,
                    due_at=due,
                    sla_started_at=started,
                    escalation_level=level,
                    next_escalation_at=now + timedelta(days=45),  # parked until a run resets it
                )
            )
            if level == 0:  # blue: the assignee, else every reviewer of the department
                seed.expected_users += 1 if rows[-1].assignee_id else len(seed.reviewers[rows[-1].department_id])
            else:  # yellow: the department's supervisors; red: the parent's (the root's), two each
                seed.expected_users += 2
            i += 1
        created = HumanTask.objects.bulk_create(rows)
        seed.due_groups[level] = ([t.pk for t in created], scheduled)


def _vacuum_analyze() -> None:
    """What autovacuum would have done after a bulk load: statistics and the visibility map."""
    with connection.cursor() as cursor:
        for table in ("processes_humantask", "processes_processinstance", "processes_auditevent"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _open_tasks() -> int:
    from processes.models import HumanTask, TaskStatus

    return HumanTask.objects.filter(status=TaskStatus.OPEN).count()


# -- switching between the two databases -----------------------------------------------------------


class Databases:
    def __init__(self, big: str, small: str) -> None:
        self.names = {"big": big, "small": small}
        self.current = "big"

    def use(self, which: str, *, connect: bool = True) -> None:
        if which != self.current:
            connection.close()
            connection.settings_dict["NAME"] = self.names[which]
            self.current = which
        if connect:
            connection.ensure_connection()


# -- measuring -------------------------------------------------------------------------------------


def _idle_run(case: Case, log: StatementLog) -> None:
    from processes.services.escalation import escalation_tick

    for _ in range(IDLE_WARMUP):
        escalation_tick()
    seconds = cpu = 0.0
    fired = 0
    with log.record() as statements:
        for _ in range(IDLE_TICKS):
            started, cpu_started = time.perf_counter(), time.process_time()
            fired += escalation_tick()
            seconds += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
    case.values.append(seconds / IDLE_TICKS)
    case.cpu.append(cpu / IDLE_TICKS)
    case.statements.append(len(statements) / IDLE_TICKS)
    if fired:
        case.problems.append(f"an idle tick fired {fired} levels")


def _reset(seed: Seed) -> None:
    from processes.models import HumanTask

    for level, (ids, scheduled) in seed.due_groups.items():
        HumanTask.objects.filter(pk__in=ids).update(escalation_level=level, next_escalation_at=scheduled)


def _counts() -> Counter[str]:
    from domain.notifications.models import Notification
    from processes.models import AuditEvent

    actions = ["task_escalated", "notification_delivered", "notification_failed"]
    rows = AuditEvent.objects.filter(action__in=actions).values_list("action").annotate(n=Count("id")).order_by()
    counts: Counter[str] = Counter(dict(rows))
    counts["notifications"] = Notification.objects.count()
    return counts


def _escalate_run(case: Case, seed: Seed, log: StatementLog, *, profile: cProfile.Profile | None = None) -> float:
    from django.core import mail

    from processes.models import HumanTask
    from processes.services.escalation import escalation_tick

    _reset(seed)
    mail.outbox = []
    before = _counts()
    with log.record() as statements:
        started, cpu_started = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        fired = escalation_tick(batch=DUE)
        if profile:
            profile.disable()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    after = _counts()
    after.subtract(before)
    expected = {
        "levels fired": (fired, DUE),
        "task_escalated audit events": (after["task_escalated"], DUE),
        "notifications": (after["notifications"], seed.expected_users),
        "emails": (len(mail.outbox), seed.expected_users),
        "notification_delivered audit events": (after["notification_delivered"], 2 * seed.expected_users),
        "notification_failed audit events": (after["notification_failed"], 0),
    }
    for level, (ids, _scheduled) in seed.due_groups.items():
        moved = HumanTask.objects.filter(pk__in=ids, escalation_level=level + 1).count()
        expected[f"tasks moved from level {level} to {level + 1}"] = (moved, len(ids))
    case.problems += [f"{what}: {got}, expected {want}" for what, (got, want) in expected.items() if got != want]
    mail.outbox = []
    if profile is None:
        case.values.append(seconds)
        case.cpu.append(cpu)
        case.statements.append(len(statements))
    return seconds


def _explain(sql: str, params: Any, now: datetime) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the tick's due-task query as it ran, at `now`; rolled back."""
    params = [now if isinstance(p, datetime) else p for p in params]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return lines


def _due_query(log: StatementLog) -> tuple[str, Any]:
    from processes.services.escalation import escalation_tick

    with log.record() as statements:
        escalation_tick()
    return next((sql, params) for sql, params in statements if "next_escalation_at" in sql and "FOR UPDATE" in sql)


def _sizes() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size('processes_humantask')), "
            "pg_size_pretty(pg_relation_size('task_escalation_due'))"
        )
        table, index = cursor.fetchone()
    return f"table {table}, partial index task_escalation_due {index}"


# -- the benchmark ---------------------------------------------------------------------------------


def escalation_bench(args: argparse.Namespace) -> int:
    """Run on the fresh bench database the caller created; returns the exit status (0: targets met)."""
    from django.utils import timezone

    load_before = os.getloadavg()[0]
    clock = time.perf_counter()
    now = timezone.now()
    big_name = connection.settings_dict["NAME"]
    small_name = connection.creation.get_test_db_clone_settings(CLONE_SUFFIX)["NAME"]
    databases = Databases(big_name, small_name)

    seed, template = _people_and_definition()
    _idle_tasks(seed, template, now, first=0, count=SMALL - _open_tasks())
    _vacuum_analyze()
    small_open = _open_tasks()
    connection.creation.clone_test_db(suffix=CLONE_SUFFIX, verbosity=0)
    try:
        databases.use("big")
        _due_tasks(seed, template, now, first=SMALL)
        _idle_tasks(seed, template, now, first=SMALL + DUE, count=BIG - _open_tasks())
        _vacuum_analyze()
        big_open = _open_tasks()
        sizes = _sizes()
        setup_seconds = time.perf_counter() - clock
        return _measure(args, seed, databases, small_open, big_open, sizes, setup_seconds, load_before)
    finally:
        databases.use("big", connect=False)
        connection.creation.destroy_test_db(verbosity=0, suffix=CLONE_SUFFIX)


def _measure(
    args: argparse.Namespace,
    seed: Seed,
    databases: Databases,
    small_open: int,
    big_open: int,
    sizes: str,
    setup_seconds: float,
    load_before: float,
) -> int:
    from django.utils import timezone

    from processes.services import escalation

    chunk = getattr(escalation, "TICK_CHUNK", DUE)  # tasks per transaction of the tick
    log = StatementLog()
    with connection.execute_wrapper(log):
        big = Case(f"idle tick, {big_open:,} open", "big")
        small = Case(f"idle tick, {small_open:,} open", "small")
        escalate = Case(f"escalate {DUE:,} (batch={DUE})", "big")
        warmup = Case("warm-up", "big")
        _escalate_run(warmup, seed, log)  # untimed: imports, first emails, calendar cache
        cases = [big, small, escalate]
        bench_clock = time.perf_counter()
        for run in range(args.escalation_runs):
            shift = run % len(cases)
            for case in cases[shift:] + cases[:shift]:
                databases.use(case.database)
                if case is escalate:
                    _escalate_run(case, seed, log)
                else:
                    _idle_run(case, log)
        bench_seconds = time.perf_counter() - bench_clock
        databases.use("big")
        # In the state the runs left (dead row versions of the escalated tasks included).
        due_sql, due_params = _due_query(log)
        explain_idle = _explain(due_sql, due_params, timezone.now())
        _reset(seed)
        explain_due = _explain(due_sql, due_params, timezone.now())

        setting = (
            f"  {big_open:,} open tasks in {databases.names['big']} ({sizes}); {small_open:,} in "
            f"{databases.names['small']} (its clone taken when it held that many)\n"
            f"  {args.escalation_runs} interleaved runs per case in rotating order; an idle run = mean of "
            f"{IDLE_TICKS} ticks after {IDLE_WARMUP} untimed; the escalating tick once untimed first; the tick "
            f"commits every {chunk} tasks\n"
            f"  {DUE:,} tasks escalated one level each: {len(seed.due_groups[0][0])} blue (assignee / candidates), "
            f"{len(seed.due_groups[1][0])} yellow (department supervisors), {len(seed.due_groups[2][0])} red "
            "(parent department supervisors);\n  real work calendar, notifier (in-app + email, locmem backend) "
            "and audit trail\n"
            f"  setup {setup_seconds:.1f} s, measuring {bench_seconds:.1f} s"
        )
        passed = _report([big, small, escalate], small_open, big_open, setting, load_before)
        for title, plan in (
            (f"{big_open:,} open tasks, nothing due (the idle tick)", explain_idle),
            (f"{big_open:,} open tasks, {DUE:,} due (the escalating tick)", explain_due),
        ):
            print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the due-task query, {title}:")
            print("\n".join(f"  {line}" for line in plan))
        shown = re.sub(r"^SELECT .*? FROM ", "SELECT <all columns> FROM ", " ".join(due_sql.split()))
        print("\nthe due-task query:", shown)
        print(
            "(Bitmap Index Scan rows = index entries up to now: besides live due rows, the dead row versions each "
            f"escalation leaves behind — {DUE:,} per run, {args.escalation_runs + 1} runs so far — until VACUUM "
            "removes them; a bitmap scan does not mark them dead.)"
        )
        if warmup.problems:
            print(f"\nwarm-up escalation problems: {'; '.join(warmup.problems)}")
            passed = False
        if args.profile or statistics.median(escalate.values) >= TARGET_SECONDS:
            _profile(seed, log)
    return 0 if passed else 1


def _report(cases: list[Case], small_open: int, big_open: int, setting: str, load_before: float) -> bool:
    big, small, escalate = cases
    pg = connection.pg_version
    print("Escalation tick benchmark (issue 3): processes.services.escalation.escalation_tick")
    print(setting)
    print(
        f"  PostgreSQL {pg // 10000}.{pg % 10000}, Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs, load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print()
    header = f"{'case':<30} {'median':>10} {'min':>10} {'max':>10} {'CPU':>10} {'SQL/tick':>9}  verified"
    print(header)
    print("-" * len(header))
    for case in cases:
        unit, scale = ("ms", 1000) if case is not escalate else ("s", 1)
        verdict = "ok" if not case.problems else "FAILED: " + "; ".join(sorted(set(case.problems)))
        print(
            f"{case.name:<30} {_fmt(statistics.median(case.values) * scale, unit)} "
            f"{_fmt(min(case.values) * scale, unit)} {_fmt(max(case.values) * scale, unit)} "
            f"{_fmt(statistics.median(case.cpu) * scale, unit)} {statistics.median(case.statements):9,.0f}  {verdict}"
        )
    ratio = statistics.median(big.values) / statistics.median(small.values)
    seconds = statistics.median(escalate.values)
    ok_ratio, ok_seconds = ratio <= TARGET_RATIO, seconds < TARGET_SECONDS
    print()
    print(
        f"idle tick {big_open:,} / {small_open:,} open = {ratio:5.2f}x   target <= {TARGET_RATIO:.2f}x   "
        f"{'PASS' if ok_ratio else 'FAIL'}"
    )
    print(
        f"escalating {DUE:,} tasks       = {seconds:5.2f} s   target <  {TARGET_SECONDS:.2f} s   "
        f"{'PASS' if ok_seconds else 'FAIL'}   ({1000 * seconds / DUE:.2f} ms, "
        f"{statistics.median(escalate.statements) / DUE:.1f} SQL statements per task)"
    )
    print(
        f"SQL statements per idle tick: {statistics.median(big.statements):.0f} ({big_open:,} open), "
        f"{statistics.median(small.statements):.0f} ({small_open:,} open)"
    )
    print("CPU: this process's CPU time (the rest of the wall time is waiting on PostgreSQL).")
    return ok_ratio and ok_seconds and not any(case.problems for case in cases)


def _fmt(value: float, unit: str) -> str:
    return f"{value:7.2f} {unit:<2}"


def _profile(seed: Seed, log: StatementLog) -> None:
    """cProfile one more escalating tick: own time by package, then the top functions."""
    from .approval import BPMN_DIR

    root = str(BPMN_DIR.parent)
    profiler = cProfile.Profile()
    case = Case("profiled", "big")
    seconds = _escalate_run(case, seed, log, profile=profiler)
    stats = pstats.Stats(profiler)
    by_package: Counter[str] = Counter()
    for (filename, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~":
            key = "(waiting on PostgreSQL: psycopg2)" if "psycopg2" in func else "(builtins and C extensions)"
        elif "site-packages/" in filename:
            key = "/".join(filename.split("site-packages/", 1)[1].split("/")[:2]).removesuffix(".py")
        elif filename.startswith(root):
            key = "/".join(filename[len(root) + 1 :].split("/")[:2]).removesuffix(".py")
        else:
            key = "stdlib/" + filename.rsplit("/", 1)[-1].removesuffix(".py")
        by_package[key] += tottime
    total = sum(by_package.values())
    print(f"\n--- cProfile: one escalating tick of {DUE:,} tasks ({seconds:.2f} s profiled) ---")
    print("own time by package (ms per escalated task):")
    for package, spent in by_package.most_common(15):
        print(f"  {package:<40} {1000 * spent / DUE:7.2f}  {100 * spent / total:4.1f}%")
    for key, limit in (("cumulative", 40), ("tottime", 25)):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(limit)
        print(f"\n--- by {key} ---")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
    if case.problems:
        print(f"profiled run problems: {'; '.join(case.problems)}")

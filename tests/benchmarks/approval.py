"""The three contenders: the approval diagram through Tongban's services, raw SpiffWorkflow in memory,
and django-viewflow's own engine with the equivalent Python flow. Plus the SQL/transaction meter.

Every contender does the same job per instance: start it, have a reviewer take the review task and
complete it with {"approved": True, "opinion": "同意"}, take the exclusive gateway, run the service
step that writes one domain row, and end. Each `run(count)` returns only after all `count`
instances are completed; `verify()` checks the database afterwards.
"""

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

REVIEW_DATA = {"approved": True, "opinion": "同意"}
INITIAL_DATA = {"title": "申请"}
BPMN_DIR = Path(__file__).resolve().parent.parent.parent / "bpmn"


# -- measuring -------------------------------------------------------------------------------------


@dataclass
class SqlMeter:
    """Counts SQL statements (per phase) and client-side transactions on the default connection.

    A transaction is either an outermost `atomic` block that commits, or a statement run outside
    any atomic block (autocommit: the server wraps it in its own transaction).
    """

    statements: int = 0
    commits: int = 0
    autocommit_statements: int = 0
    phase: str = "-"
    by_phase: Counter[str] = field(default_factory=Counter)  # "<phase>": statements, "<phase>/tx": transactions
    active: bool = False
    # When a list: (phase, in transaction, milliseconds, SQL) of every statement, for --trace-sql.
    trace: list[tuple[str, bool, float, str]] | None = None

    @property
    def transactions(self) -> int:
        return self.commits + self.autocommit_statements

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if self.active:
            self.statements += 1
            self.by_phase[self.phase] += 1
            if not context["connection"].in_atomic_block:
                self.autocommit_statements += 1
                self.by_phase[f"{self.phase}/tx"] += 1
        if self.trace is None:
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = 1000 * (time.perf_counter() - started)
            self.trace.append((self.phase, context["connection"].in_atomic_block, elapsed, sql))

    @contextlib.contextmanager
    def installed(self) -> Iterator["SqlMeter"]:
        db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the proxy
        original_commit = db.commit

        def commit() -> None:
            if self.active:
                self.commits += 1
                self.by_phase[f"{self.phase}/tx"] += 1
            if self.trace is None:
                return original_commit()
            started = time.perf_counter()
            original_commit()
            self.trace.append((self.phase, True, 1000 * (time.perf_counter() - started), "COMMIT"))

        db.commit = commit
        try:
            with db.execute_wrapper(self):
                yield self
        finally:
            del db.commit  # back to the class method

    @contextlib.contextmanager
    def in_phase(self, name: str) -> Iterator[None]:
        previous, self.phase = self.phase, name
        try:
            yield
        finally:
            self.phase = previous

    def snapshot(self) -> tuple[int, int, Counter[str]]:
        return self.statements, self.transactions, Counter(self.by_phase)


def server_transactions() -> int:
    """Committed + rolled-back transactions of this database, as PostgreSQL counts them.

    pg_stat_force_next_flush() makes this backend publish its pending counters when the statement
    ends; the next statement then reads them. Reading costs a fixed number of transactions, which
    the caller calibrates away.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


# -- contenders ------------------------------------------------------------------------------------


class Contender:
    name = ""
    uses_db = True

    def __init__(self, meter: SqlMeter) -> None:
        self.meter = meter
        self.done = 0
        self.phase_seconds: Counter[str] = Counter()  # wall clock
        self.phase_cpu: Counter[str] = Counter()  # this process's CPU (the rest is waiting on PostgreSQL)

    def setup(self) -> None:
        """Once, before any timing (users, deploys, parsing)."""

    def run(self, count: int) -> None:
        raise NotImplementedError

    def verify(self) -> list[str]:
        """Problems found in the database after all rounds ([] = every instance did its job)."""
        return []

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started, cpu = time.perf_counter(), time.process_time()
        with self.meter.in_phase(name):
            try:
                yield
            finally:
                self.phase_seconds[name] += time.perf_counter() - started
                self.phase_cpu[name] += time.process_time() - cpu


class Tongban(Contender):
    """instance_start → the clerk finds the task, claims it, completes it → the job runs (eager)."""

    name = "tongban"

    def setup(self) -> None:
        from processes import tasks
        from processes.ports import directory
        from processes.services import jobs
        from tests import factories as f

        dept = f.department()
        applicant = f.user("bench_applicant")
        clerk = f.user("bench_clerk", roles=["reviewer"], dept=dept)
        f.deploy("approval")
        self.department_id = dept.pk
        self.applicant = directory().actor_for(applicant)
        self.clerk = directory().actor_for(clerk)  # built once, as a logged-in clerk's session would

        # Time the service job on its own: it runs inside the completing call (on commit, eager).
        original = jobs.job_execute

        def timed_job_execute(*, job_id: int, dispatch: int | None = None) -> str:
            started, cpu = time.perf_counter(), time.process_time()
            with self.meter.in_phase("job"):
                try:
                    return original(job_id=job_id, dispatch=dispatch)
                finally:
                    self.job_seconds += time.perf_counter() - started
                    self.job_cpu += time.process_time() - cpu

        self.job_seconds = self.job_cpu = 0.0
        jobs.job_execute = timed_job_execute
        assert tasks.job_services is jobs

    def run(self, count: int) -> None:
        from processes.models import HumanTask, TaskStatus
        from processes.services.inbox import human_task_claim, human_task_complete
        from processes.services.instances import instance_start

        for _ in range(count):
            self.done += 1
            with self.phase("start"):
                instance = instance_start(
                    process_key="approval",
                    actor=self.applicant,
                    business_key=f"TB-{self.done}",
                    data=INITIAL_DATA,
                    department_id=self.department_id,
                )
            with self.phase("find task"):
                task_id = (
                    HumanTask.objects.filter(instance_id=instance.pk, status=TaskStatus.OPEN)
                    .values_list("pk", flat=True)
                    .get()
                )
            with self.phase("claim"):
                human_task_claim(task_id=task_id, actor=self.clerk)
            job_before, job_cpu_before = self.job_seconds, self.job_cpu
            with self.phase("complete"):
                human_task_complete(task_id=task_id, actor=self.clerk, data=dict(REVIEW_DATA))
            # The job ran inside "complete" (on commit, eager); book it separately.
            self.phase_seconds["complete"] -= self.job_seconds - job_before
            self.phase_seconds["job"] += self.job_seconds - job_before
            self.phase_cpu["complete"] -= self.job_cpu - job_cpu_before
            self.phase_cpu["job"] += self.job_cpu - job_cpu_before

    def verify(self) -> list[str]:
        from domain.approvals.models import DecisionRecord
        from processes.models import HumanTask, Incident, InstanceStatus, JobStatus, ProcessInstance, ServiceJob

        problems = []
        instances = ProcessInstance.objects.filter(business_key__startswith="TB-")
        if instances.count() != self.done:
            problems.append(f"{instances.count()} instances, expected {self.done}")
        not_done = instances.exclude(status=InstanceStatus.COMPLETED).count()
        if not_done:
            problems.append(f"{not_done} instances not completed")
        records = DecisionRecord.objects.filter(business_key__startswith="TB-", approved=True).count()
        if records != self.done:
            problems.append(f"{records} DecisionRecord rows, expected {self.done}")
        jobs = ServiceJob.objects.filter(status=JobStatus.DONE).count()
        if jobs != self.done:
            problems.append(f"{jobs} service jobs done, expected {self.done}")
        if Incident.objects.exists():
            problems.append(f"{Incident.objects.count()} incidents")
        open_tasks = HumanTask.objects.exclude(status="completed").count()
        if open_tasks:
            problems.append(f"{open_tasks} human tasks not completed")
        return problems


class RawSpiff(Contender):
    """Plain SpiffWorkflow in memory: parse once; create, step, complete, step, complete, step."""

    name = "raw spiff"
    uses_db = False

    def setup(self) -> None:
        from processes.engine.compile import compile_process

        compiled = compile_process((BPMN_DIR / "approval.bpmn").read_text("utf-8"), file_name="approval.bpmn")
        self.spec, self.subprocess_specs = compiled.spec, compiled.subprocess_specs
        self.completed = 0

    def run(self, count: int) -> None:
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        for _ in range(count):
            self.done += 1
            # SpiffWorkflow's default PythonScriptEngine: that is what "raw" means.
            wf = BpmnWorkflow(self.spec, self.subprocess_specs)
            for task in wf.get_tasks(state=TaskState.READY):
                task.data.update({**INITIAL_DATA, "business_key": f"RAW-{self.done}", "initiator": "bench"})
            wf.do_engine_steps()
            [review] = wf.get_tasks(state=TaskState.READY, manual=True)
            review.data.update(REVIEW_DATA)
            review.run()
            wf.do_engine_steps()
            [service] = wf.get_tasks(state=TaskState.STARTED)
            service.data["decision"] = {"record_id": self.done}
            service.complete()
            wf.do_engine_steps()
            if not wf.is_completed():
                raise AssertionError("raw SpiffWorkflow instance did not complete")
            self.completed += 1

    def verify(self) -> list[str]:
        return [] if self.completed == self.done else [f"{self.done - self.completed} not completed"]


class Viewflow(Contender):
    """viewflow.workflow: start from code → the clerk assigns and executes the View task (as its
    assign and execute views do: lock, load, permission check, transition) → If → Function → End."""

    name = "viewflow"

    def setup(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission

        from .viewflow_flow.flows import ApprovalFlow

        user = get_user_model().objects.create_user(username="bench_vf_clerk", password="bench12345")
        user.user_permissions.add(
            Permission.objects.get(codename="can_review", content_type__app_label="bench_viewflow")
        )
        self.clerk = get_user_model().objects.get(pk=user.pk)  # fresh object: no stale permission cache
        self.request = SimpleNamespace(user=self.clerk, method="POST")
        self.flow = ApprovalFlow

    def _task(self, task_pk: int) -> Any:
        from viewflow.workflow.models import Task

        task = Task.objects.get(pk=task_pk)
        if task.process.flow_class != self.flow:
            raise AssertionError("task of another flow")
        return task

    def run(self, count: int) -> None:
        from django.core.exceptions import PermissionDenied
        from viewflow.workflow.models import Task
        from viewflow.workflow.status import STATUS

        review = self.flow.review
        for _ in range(count):
            self.done += 1
            with self.phase("start"):
                process = self.flow.start.run(business_key=f"VF-{self.done}", data=dict(INITIAL_DATA))
            with self.phase("find task"):
                task_pk = (
                    Task.objects.filter(process_id=process.pk, flow_task=review, status=STATUS.NEW)
                    .values_list("pk", flat=True)
                    .get()
                )
            with self.phase("claim"), self.flow.lock(process.pk), transaction.atomic():
                task = self._task(task_pk)
                activation = review.activation_class(task)
                if not review.can_assign(self.clerk, task):
                    raise PermissionDenied
                activation.assign(self.clerk)
            with self.phase("complete"), self.flow.lock(process.pk), transaction.atomic():
                task = self._task(task_pk)
                activation = review.activation_class(task)
                if not review.can_execute(self.clerk, task):
                    raise PermissionDenied
                activation.start(self.request)
                # What the task's form view does: save the submitted data on the process, then execute.
                activation.process.data.update(REVIEW_DATA)
                activation.process.save()
                activation.execute()

    def verify(self) -> list[str]:
        from viewflow.workflow.models import Process
        from viewflow.workflow.status import PROCESS

        from .viewflow_flow.models import BenchDecision

        problems = []
        processes = Process.objects.filter(flow_class=self.flow)
        if processes.count() != self.done:
            problems.append(f"{processes.count()} processes, expected {self.done}")
        not_done = processes.exclude(status=PROCESS.DONE).count()
        if not_done:
            problems.append(f"{not_done} processes not done")
        records = BenchDecision.objects.filter(approved=True).count()
        if records != self.done:
            problems.append(f"{records} BenchDecision rows, expected {self.done}")
        return problems


CONTENDERS: list[type[Contender]] = [Tongban, RawSpiff, Viewflow]

"""Load, step and save one workflow. The services drive this; it never touches the database."""

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import expressions
from .compile import CompiledProcess
from .script_engine import TongbanScriptEngine
from .specs import AsyncServiceTask
from .state import STATE_VERSION, dump_state, load_state
from .views import HumanTaskView, JobView, SubscriptionView, ThrownMessage, TimerView

# A subscription key that never matches: its correlation value could not be computed.
UNRESOLVED = "__unresolved__"

# SpiffWorkflow stops stepping silently once the task tree is ~1000 deep (about 333 loop rounds).
MAX_TREE_DEPTH = 900


class EngineError(Exception):
    """A workflow could not advance; the message says where and why."""

    def __init__(self, message: str, *, element_id: str = "") -> None:
        super().__init__(message)
        self.element_id = element_id


class TaskNotActive(EngineError):
    """The task is not in a state that accepts this command (already completed, cancelled …)."""


_ENGINES: dict[float, TongbanScriptEngine] = {}
_ENGINE_LOCK = Lock()


def script_engine(time_limit: float) -> TongbanScriptEngine:
    with _ENGINE_LOCK:
        if time_limit not in _ENGINES:
            _ENGINES[time_limit] = TongbanScriptEngine(time_limit)
        return _ENGINES[time_limit]


def _element_id(task: Any) -> str:
    return str(getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name)


def _wrap(exc: Exception, task: Any = None) -> EngineError:
    element = _element_id(task) if task is not None else str(getattr(getattr(exc, "task_spec", None), "name", ""))
    cause = exc.__cause__ or getattr(exc, "exception", None)
    detail = str(cause) if isinstance(cause, expressions.ExpressionError) else str(exc)
    return EngineError(detail, element_id=element)


@dataclass
class Workflow:
    """One BPMN workflow in memory, with the commands the services apply to it."""

    compiled: CompiledProcess
    wf: BpmnWorkflow

    @classmethod
    def start(cls, compiled: CompiledProcess, data: dict[str, Any], *, time_limit: float = 1.0) -> "Workflow":
        wf = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=script_engine(time_limit))
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(data)
        workflow = cls(compiled, wf)
        workflow.step()
        return workflow

    @classmethod
    def load(cls, compiled: CompiledProcess, state: str, *, time_limit: float = 1.0) -> "Workflow":
        wf = load_state(
            state,
            spec=compiled.spec,
            subprocess_specs=compiled.subprocess_specs,
            script_engine=script_engine(time_limit),
        )
        return cls(compiled, wf)

    def dump(self) -> tuple[str, str]:
        return dump_state(self.wf), STATE_VERSION

    # -- stepping -------------------------------------------------------------------------------

    def step(self) -> None:
        """Run engine steps until only people, timers, messages or jobs are left to wait for."""
        current = None
        try:
            self.wf.do_engine_steps(will_complete_task=lambda t: self._remember(t))
            # An expired timer turns READY only at the end of a step call: step again.
            self.wf.do_engine_steps(will_complete_task=lambda t: self._remember(t))
        except SpiffWorkflowException as exc:
            raise _wrap(exc, getattr(exc, "task", None) or self._last) from exc
        except expressions.ExpressionError as exc:
            raise _wrap(exc, self._last) from exc
        except RecursionError as exc:
            raise EngineError(
                "流程嵌套过深 / the workflow is nested too deeply", element_id=_element_id(self._last)
            ) from exc
        for task in self.wf.get_tasks(state=TaskState.READY):
            if task.depth > MAX_TREE_DEPTH:
                raise EngineError(
                    f"流程循环次数过多 (任务树深度 {task.depth}) / too many loop iterations",
                    element_id=_element_id(task),
                )
            if not task.task_spec.manual:
                current = task
        if current is not None:
            raise EngineError("流程无法继续推进 / the workflow stalled", element_id=_element_id(current))

    _last: Any = None

    def _remember(self, task: Any) -> None:
        self._last = task
        # Past ~1000 levels SpiffWorkflow ends or stalls a loop silently; fail loudly well before.
        if task.depth > MAX_TREE_DEPTH:
            raise EngineError(
                f"流程循环次数过多 (任务树深度 {task.depth}) / too many loop iterations", element_id=_element_id(task)
            )

    # -- commands -------------------------------------------------------------------------------

    def _task(self, task_id: str, *states: TaskState) -> Any:
        task = self.wf.get_task_from_id(UUID(str(task_id)))
        if task is None or not any(task.has_state(state) for state in states):
            raise TaskNotActive(f"task {task_id} is not active")
        return task

    def complete_human_task(self, task_id: str, data: dict[str, Any]) -> None:
        task = self._task(task_id, TaskState.READY)
        task.data.update(data)
        task.run()
        self.step()

    def return_to(self, task_id: str) -> None:
        """Reset to an earlier (completed) task: it becomes READY again; later work is discarded."""
        task = self.wf.get_task_from_id(UUID(str(task_id)))
        if task is None or not task.has_state(TaskState.COMPLETED):
            raise TaskNotActive(f"task {task_id} cannot be returned to")
        self.wf.reset_from_task_id(task.id)
        self.step()

    def complete_job(self, task_id: str, result: dict[str, Any], result_variable: str) -> None:
        task = self._task(task_id, TaskState.STARTED)
        task.data[result_variable] = result
        task.complete()
        self.step()

    def fail_job(self, task_id: str, *, code: str, message: str) -> bool:
        """Route a handler's business error to a matching error boundary event; False if none catches it."""
        task = self._task(task_id, TaskState.STARTED)
        if not isinstance(task.parent.task_spec, BoundaryEventSplit):
            return False
        for sibling in task.parent.children:
            definition = getattr(sibling.task_spec, "event_definition", None)
            if not isinstance(definition, ErrorEventDefinition) or not sibling.has_state(TaskState.WAITING):
                continue
            if definition.code not in (None, "", code):
                continue
            thrown = ErrorEventDefinition(definition.name, code=code)
            event = BpmnEvent(thrown, payload={"code": code, "message": message})
            sibling.task_spec.catch(sibling, event)
            sibling.task_spec._update(sibling)
            self.step()
            return True
        return False

    def fire_timers(self) -> None:
        self.wf.refresh_timers()
        self.step()

    def deliver_message(self, name: str, payload: Any) -> int:
        caught = 0
        for task in list(self.wf.event_manager.tasks.values()):
            definition = task.task_spec.event_definition
            if isinstance(definition, MessageEventDefinition) and definition.name == name:
                event = BpmnEvent(
                    SpiffMessageEventDefinition(name), payload=payload, correlations=dict(self.wf.correlations)
                )
                try:
                    self.wf.catch(event)  # evaluates the correlation properties over the payload
                except (SpiffWorkflowException, expressions.ExpressionError) as exc:
                    raise _wrap(exc, task) from exc
                caught += 1
                break
        if caught:
            self.step()
        return caught

    def cancel(self) -> None:
        self.wf.cancel()

    # -- what the read models are built from ----------------------------------------------------

    @property
    def completed(self) -> bool:
        return bool(self.wf.is_completed())

    @property
    def data(self) -> dict[str, Any]:
        last = self.wf.last_task
        return dict(last.data) if last is not None else dict(self.wf.data)

    def task_data(self, task_id: str) -> dict[str, Any]:
        task = self.wf.get_task_from_id(UUID(str(task_id)))
        return dict(task.data) if task is not None else {}

    def human_tasks(self) -> list[HumanTaskView]:
        views = []
        for task in self.wf.get_tasks(state=TaskState.READY):
            if not task.task_spec.manual:
                continue
            spec = task.task_spec
            people = dict((getattr(spec, "extensions", None) or {}).get("tongban", {}))
            views.append(
                HumanTaskView(
                    task_id=str(task.id),
                    element_id=_element_id(task),
                    name=spec.bpmn_name or spec.bpmn_id,
                    lane=spec.lane or "",
                    documentation=spec.documentation or "",
                    people=people,
                    data=task.data,
                )
            )
        return views

    def timers(self) -> list[TimerView]:
        views = []
        for task in self.wf.event_manager.tasks.values():
            definition = task.task_spec.event_definition
            if not isinstance(definition, TimerEventDefinition):
                continue
            value = definition.details(task).value
            if isinstance(value, str):
                views.append(TimerView(str(task.id), _element_id(task), datetime.fromisoformat(value)))
        return views

    def subscriptions(self) -> list[SubscriptionView]:
        views = []
        for task in self.wf.event_manager.tasks.values():
            definition = task.task_spec.event_definition
            if not isinstance(definition, MessageEventDefinition):
                continue
            correlation: dict[str, Any] = {}
            for prop in definition.correlation_properties:
                try:
                    correlation[prop.name] = expressions.evaluate(prop.retrieval_expression, task.data)
                except expressions.ExpressionError:
                    # Fail closed: a key that cannot be computed must not make the catch accept any message.
                    correlation = {UNRESOLVED: prop.name}
                    break
            views.append(SubscriptionView(str(task.id), _element_id(task), definition.name, correlation))
        return views

    def jobs(self) -> list[JobView]:
        return [
            JobView(
                task_id=str(task.id),
                element_id=_element_id(task),
                operator=task.task_spec.operation_name,
                params=task.internal_data.get("tongban_params", {}),
                result_variable=task.task_spec.result_variable,
            )
            for task in self.wf.get_tasks(state=TaskState.STARTED)
            if isinstance(task.task_spec, AsyncServiceTask)
        ]

    def thrown_messages(self) -> list[ThrownMessage]:
        messages = []
        for event in self.wf.get_events():
            definition = event.event_definition
            if isinstance(definition, MessageEventDefinition):
                flat = {k: v for values in event.correlations.values() for k, v in values.items()}
                messages.append(ThrownMessage(definition.name, event.payload, flat))
        return messages


class SpecCache:
    """Parsed specs per definition (id, content hash): a stored definition never changes."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[Hashable, CompiledProcess] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, key: Hashable) -> CompiledProcess | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Hashable, value: CompiledProcess) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


SPEC_CACHE = SpecCache()

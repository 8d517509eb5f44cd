"""Moving a running workflow to a newer version of its diagram.

SpiffWorkflow's `diff` utilities align the old spec with the new one (by element id, then by
position) and `migrate_workflow` swaps the specs under the existing tasks and re-predicts the READY
ones. Around them we add what the library leaves to its caller:

- refusals, each with the element and a reason a designer understands: an active task that was
  removed (or whose place another element took), whose type changed, or whose incoming structure
  changed (a boundary event added around it); a step already run that no longer exists; an active
  multi-instance or loop task; a loop already gone round (the same element run twice); a started
  call activity;
- WAITING and STARTED tasks keep their state and internal data (a timer keeps its due time, a
  service job stays in flight); only their predicted children are rebuilt from the new spec;
- a final check that every task now points into the new spec and that the state survives a
  save/load round trip with it, so nothing half-migrated is ever stored.

Tasks keep their ids, so the inbox rows of surviving human tasks keep theirs too. One parser per
version: the caller passes two CompiledProcess objects, each parsed on its own.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.util.task import TaskState

from .compile import CompiledProcess
from .runtime import Workflow
from .specs import AsyncServiceTask

ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
RAN = ACTIVE | TaskState.COMPLETED | TaskState.ERROR
# The spec registry the diff compares specs with; it must know our service task.
_REGISTRY = BpmnWorkflowSerializer.configure({**SPIFF_CONFIG, AsyncServiceTask: ServiceTaskConverter})


@dataclass(frozen=True)
class Finding:
    """A reason an instance cannot migrate, or a note on what migrating changes for it."""

    element_id: str
    message: str


@dataclass(frozen=True)
class ActiveElement:
    element_id: str
    name: str


@dataclass(frozen=True)
class MigrationVerdict:
    migratable: bool
    active: list[ActiveElement]
    reasons: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)


@dataclass
class MigrationOutcome:
    verdict: MigrationVerdict
    # The migrated workflow (already round-tripped through the new spec), when migratable.
    workflow: Workflow | None = None


def progress_mark(workflow: Workflow) -> str:
    """A digest of what the instance has done and is doing (task ids and states, predictions aside):
    it changes when a task completes, a timer fires or a message arrives, not when nothing happens."""
    done = TaskState.FINISHED_MASK | ACTIVE
    lines = sorted(f"{task.id}:{task.task_spec.name}:{task.state}" for task in workflow.wf.get_tasks(state=done))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _element(task: Any) -> str:
    return str(getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name)


def _is_element(spec: Any) -> bool:
    return bool(getattr(spec, "bpmn_id", None))


def active_elements(workflow: Workflow) -> list[ActiveElement]:
    """The diagram elements an instance is waiting on (user tasks, events, jobs, subprocesses)."""
    seen: dict[str, ActiveElement] = {}
    for task in workflow.wf.get_tasks(state=ACTIVE):
        spec = task.task_spec
        if _is_element(spec) and "Gateway" not in type(spec).__name__:
            seen.setdefault(spec.bpmn_id, ActiveElement(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id))
    return list(seen.values())


class Migrator:
    """Migrates workflows from one compiled version to another; the spec diff is computed once."""

    def __init__(self, old: CompiledProcess, new: CompiledProcess) -> None:
        self.old, self.new = old, new
        self.top = SpecDiff(_REGISTRY, old.spec, new.spec)
        self._subprocess_diffs: dict[str, SpecDiff | None] = {}

    def _subprocess_diff(self, name: str) -> SpecDiff | None:
        if name not in self._subprocess_diffs:
            old, new = self.old.subprocess_specs.get(name), self.new.subprocess_specs.get(name)
            self._subprocess_diffs[name] = SpecDiff(_REGISTRY, old, new) if old and new else None
        return self._subprocess_diffs[name]

    def migrate(self, state: str, *, step: bool = True, time_limit: float = 1.0) -> MigrationOutcome:
        """Check `state` (saved against the old version) and, if it can move, migrate it.

        `step`: run engine steps afterwards as any command does (not for a suspended instance)."""
        workflow = Workflow.load(self.old, state, time_limit=time_limit)
        active = active_elements(workflow)
        reasons = _shape_reasons(workflow)
        diffs = self._diffs(workflow, reasons)
        reasons += [reason for wf, diff, _spec_diff, _spec in diffs for reason in _alignment_reasons(wf, diff)]
        if reasons:
            return MigrationOutcome(MigrationVerdict(False, active, _unique(reasons)))
        notes = [note for _wf, diff, spec_diff, _spec in diffs for note in _change_notes(diff, spec_diff)]
        try:
            migrated, reasons = self._moved(workflow, diffs, step=step, time_limit=time_limit)
        except Exception as exc:  # noqa: BLE001 (a copy in memory: any failure means "cannot move", never a crash)
            element = getattr(exc, "element_id", "")
            reasons = [Finding(element, f"迁移后流程无法继续 / the migrated instance cannot go on: {exc}")]
        if reasons:
            return MigrationOutcome(MigrationVerdict(False, active, _unique(reasons)))
        return MigrationOutcome(MigrationVerdict(True, active_elements(migrated), [], _unique(notes)), migrated)

    def _moved(
        self, workflow: Workflow, diffs: list[tuple[Any, WorkflowDiff, SpecDiff, Any]], *, step: bool, time_limit: float
    ) -> tuple[Workflow, list[Finding]]:
        """The workflow on the new spec, stepped and round-tripped; findings if anything points elsewhere."""
        for wf, diff, _spec_diff, new_spec in diffs:
            _move(wf, diff, new_spec)
        migrated = Workflow(self.new, workflow.wf)
        if step:
            migrated.step()
        stray = _stray_specs(migrated, self.new)
        if stray:
            return migrated, stray
        state_after, _version = migrated.dump()
        return Workflow.load(self.new, state_after, time_limit=time_limit), []

    def _diffs(self, workflow: Workflow, reasons: list[Finding]) -> list[tuple[Any, WorkflowDiff, SpecDiff, Any]]:
        """(workflow or subworkflow, its diff, the spec diff, the new spec) for the top and each subprocess."""
        wf = workflow.wf
        found = [(wf, WorkflowDiff(wf, self.top), self.top, self.new.spec)]
        for sp_id, sp in wf.subprocesses.items():
            spec_diff = self._subprocess_diff(sp.spec.name)
            if spec_diff is None:
                owner = wf.get_task_from_id(sp_id)
                element = _element(owner) if owner is not None else sp.spec.name
                reasons.append(
                    Finding(element, f"子流程 {sp.spec.name} 在新版本中已删除 / subprocess {sp.spec.name} was removed")
                )
                continue
            found.append((sp, WorkflowDiff(sp, spec_diff), spec_diff, self.new.subprocess_specs[sp.spec.name]))
        return found


def _shape_reasons(workflow: Workflow) -> list[Finding]:
    """What SpiffWorkflow cannot migrate whatever the new version looks like."""
    reasons = []
    runs: Counter[str] = Counter()
    for task in workflow.wf.get_tasks(state=RAN):
        spec = task.task_spec
        if isinstance(spec, LoopTask) and task.has_state(ACTIVE):
            reasons.append(
                Finding(
                    _element(task),
                    f"多实例或循环任务 {_element(task)} 正在进行 / "
                    f"multi-instance or loop task {_element(task)} is active",
                )
            )
        if isinstance(spec, CallActivity) and task.has_state(ACTIVE):
            reasons.append(
                Finding(
                    _element(task), f"调用活动 {_element(task)} 已启动 / call activity {_element(task)} has started"
                )
            )
        kind = type(spec).__name__
        if _is_element(spec) and not any(word in kind for word in ("Gateway", "StartEvent", "EndEvent")):
            runs[spec.bpmn_id] += 1
    for element_id, count in runs.items():
        if count > 1:
            reasons.append(
                Finding(
                    element_id,
                    f"实例经过了循环（{element_id} 执行了 {count} 次）/ the instance went round a loop "
                    f"({element_id} ran {count} times)",
                )
            )
    return reasons


def _alignment_reasons(wf: Any, diff: WorkflowDiff) -> list[Finding]:
    reasons = []
    for task in diff.removed:
        element = _element(task)
        if task.has_state(ACTIVE):
            reasons.append(Finding(element, f"当前任务 {element} 在新版本中已删除 / active task {element} was removed"))
        elif task.has_state(TaskState.FINISHED_MASK) and _is_element(task.task_spec):
            reasons.append(
                Finding(
                    element,
                    f"已执行的步骤 {element} 在新版本中已删除 / step {element}, already run, was removed",
                )
            )
    for task in wf.get_tasks(state=ACTIVE, skip_subprocesses=True):
        new_spec = diff.alignment.get(task)
        if new_spec is None:
            continue
        element = _element(task)
        if new_spec.name != task.task_spec.name:
            reasons.append(
                Finding(
                    element,
                    f"当前任务 {element} 在新版本中已删除（该位置现为 {new_spec.name}）/ active task {element} "
                    f"was removed ({new_spec.name} takes its place)",
                )
            )
        elif type(new_spec) is not type(task.task_spec):
            reasons.append(
                Finding(element, f"当前任务 {element} 的类型已改变 / the type of active task {element} changed")
            )
        elif task.parent is not None and not _still_follows(task, diff):
            reasons.append(
                Finding(
                    element,
                    f"当前任务 {element} 之前的流程结构已改变（例如新增了边界事件）/ the flow into active task "
                    f"{element} changed (e.g. a boundary event was added)",
                )
            )
    return reasons


def _still_follows(task: Any, diff: WorkflowDiff) -> bool:
    new_spec = diff.alignment[task]
    parent_spec = diff.alignment.get(task.parent)
    if parent_spec is not None and new_spec in parent_spec.outputs:
        return True
    # A different predecessor is only history (a step inserted before it); a control structure that
    # SpiffWorkflow puts around a task (the split before a task with boundary events) is not.
    return all(_is_element(spec) for spec in new_spec.inputs)


def _change_notes(diff: WorkflowDiff, spec_diff: SpecDiff) -> list[Finding]:
    """Active tasks whose own settings changed (their inbox rows follow the new version)."""
    notes = []
    for task in diff.changed:
        changed = set(spec_diff.changed.get(task.task_spec, [])) - {"inputs", "outputs"}
        if task.has_state(ACTIVE) and _is_element(task.task_spec) and changed:
            element = _element(task)
            notes.append(
                Finding(
                    element, f"当前任务 {element} 的设置按新版本更新 / active task {element} takes the new settings"
                )
            )
    return notes


def _move(wf: Any, diff: WorkflowDiff, new_spec: Any) -> None:
    """Swap the specs (SpiffWorkflow resets READY tasks), then rebuild the predicted children of
    WAITING and STARTED tasks without resetting them (a timer keeps its due time, a job its run)."""
    migrate_workflow(diff, wf, new_spec, reset_mask=TaskState.READY)
    for task in wf.get_tasks(state=TaskState.WAITING | TaskState.STARTED, skip_subprocesses=True):
        task._drop_children(force=True)
        task.task_spec._predict(
            task, mask=TaskState.WAITING | TaskState.STARTED | TaskState.FUTURE | TaskState.PREDICTED_MASK
        )


def _stray_specs(workflow: Workflow, new: CompiledProcess) -> list[Finding]:
    """Tasks still pointing into the old version (nothing should be left after the move)."""
    wanted = {
        id(spec) for process in [new.spec, *new.subprocess_specs.values()] for spec in process.task_specs.values()
    }
    stray = [task for task in workflow.wf.get_tasks() if id(task.task_spec) not in wanted]
    return [
        Finding(
            _element(t), f"步骤 {_element(t)} 无法对应到新版本 / step {_element(t)} has no match in the new version"
        )
        for t in stray
    ]


def _unique(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))

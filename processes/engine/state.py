"""Workflow state without the spec.

The spec is parsed once per definition version and cached; a row stores only tasks and data
(about a third of SpiffWorkflow's default serialization). The state is kept as text because
SpiffWorkflow restores task data parents-first, in the order of the `tasks` object, and a
PostgreSQL jsonb column would reorder it and lose data silently.
"""

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

STATE_VERSION = "tongban-1"


class StateConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], *, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    StateConverter(BpmnWorkflow, registry)
    return BpmnWorkflowSerializer(registry, version=STATE_VERSION)


_SERIALIZER = _make_serializer()


def dump_state(workflow: BpmnWorkflow) -> str:
    registry = _SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = _SERIALIZER.to_dict(workflow)
        return json.dumps(dct, cls=_SERIALIZER._encoder_cls, ensure_ascii=False, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def load_state(text: str, *, spec: Any, subprocess_specs: dict[str, Any], script_engine: Any) -> BpmnWorkflow:
    dct = json.loads(text)
    workflow: BpmnWorkflow = _SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow

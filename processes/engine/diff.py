"""What changed between two versions of a diagram, element by element (pure: XML in, plain data out).

Elements are matched by id. An element is *changed* when any property a designer sets differs:
name, type, documentation, the people attributes our parser reads (candidate roles, assignee,
priority, form, SLA, escalation, department scope), the service operator with its parameters and
result variable, scripts, timer / message / error / signal definitions, conditions, a flow's
source and target, a gateway's default flow, lanes, multi-instance settings, and the content of a
user task's form when the form file changed. Layout (bpmndi) is not a change. An added element
lists every property it is set to (before empty), a removed one every property it had (after empty).

Values are shown as written in the XML (a JUEL condition stays `${approved}`).
"""

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .parser import BPMN_NS, CAMUNDA_NS, SPIFF_NS, TONGBAN_NS, parse_xml, read_people_attributes

FLOW_NODE_TAGS = (
    "task userTask manualTask serviceTask scriptTask sendTask receiveTask businessRuleTask callActivity "
    "subProcess transaction adHocSubProcess startEvent endEvent intermediateCatchEvent intermediateThrowEvent "
    "boundaryEvent exclusiveGateway inclusiveGateway parallelGateway eventBasedGateway complexGateway"
).split()
ELEMENT_TAGS = {*FLOW_NODE_TAGS, "sequenceFlow", "lane", "process"}
PEOPLE_TAGS = {"userTask", "manualTask"}
CONTAINER_TAGS = {"process", "subProcess", "transaction", "adHocSubProcess"}
EVENT_DEFINITIONS = ("timer", "message", "error", "signal", "escalation", "conditional", "terminate", "cancel")
FORM_PREFIX = "forms/"


@dataclass(frozen=True)
class PropertyChange:
    name: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    element_type: str
    name: str
    changes: list[PropertyChange] = field(default_factory=list)


@dataclass(frozen=True)
class DefinitionDiff:
    added: list[ElementChange]
    removed: list[ElementChange]
    changed: list[ElementChange]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: {"added": [{"element_id", "element_type", "name", "changes": [...]}], …}."""
        return asdict(self)


@dataclass
class _Element:
    element_id: str
    element_type: str
    name: str
    properties: dict[str, Any]


def _tag(node: Any) -> str:
    tag = node.tag if isinstance(node.tag, str) else ""
    return tag.split("}", 1)[1] if tag.startswith(f"{{{BPMN_NS}}}") else ""


def _text(node: Any) -> str:
    return (node.text or "").strip() if node is not None else ""


def _node_dict(node: Any) -> dict[str, Any]:
    """A small element (loop characteristics, timer) as {attribute or child tag: value}."""
    found: dict[str, Any] = {k.split("}")[-1]: v for k, v in node.attrib.items() if k.split("}")[-1] != "id"}
    for child in node:
        if isinstance(child.tag, str):
            found[child.tag.split("}")[-1]] = _text(child) or _node_dict(child)
    return found


def _compact(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v not in ("", None, [], {})}


class _Reader:
    """Reads every element of one diagram into comparable properties."""

    def __init__(self, tree: Any) -> None:
        self.tree = tree
        self.root_names = {
            node.get("id"): node.get("name") or node.get("errorCode") or node.get("id")
            for tag in ("message", "error", "signal", "escalation")
            for node in tree.iter(f"{{{BPMN_NS}}}{tag}")
        }
        self.lanes = {
            _text(ref): lane.get("name") or lane.get("id")
            for lane in tree.iter(f"{{{BPMN_NS}}}lane")
            for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef")
        }

    def elements(self) -> dict[str, _Element]:
        found: dict[str, _Element] = {}
        for node in self.tree.iter():
            tag = _tag(node)
            if tag in ELEMENT_TAGS and node.get("id") and not self._inside_extension(node):
                found[node.get("id")] = _Element(node.get("id"), tag, node.get("name") or "", self.properties(node))
        return found

    @staticmethod
    def _inside_extension(node: Any) -> bool:
        parent = node.getparent()
        while parent is not None:
            if _tag(parent) == "extensionElements":
                return True
            parent = parent.getparent()
        return False

    def properties(self, node: Any) -> dict[str, Any]:
        tag = _tag(node)
        props: dict[str, Any] = {
            "name": node.get("name") or "",
            "documentation": "\n".join(_text(d) for d in node.findall(f"{{{BPMN_NS}}}documentation")),
        }
        parent = node.getparent()
        while parent is not None and _tag(parent) not in CONTAINER_TAGS:
            parent = parent.getparent()
        if tag != "process" and parent is not None and _tag(parent) != "process":
            props["container"] = parent.get("id")
        if tag in FLOW_NODE_TAGS:
            props["lane"] = self.lanes.get(node.get("id"), "")
        if tag in PEOPLE_TAGS:
            props.update(read_people_attributes(node))
        if tag == "process":
            props["executable"] = node.get("isExecutable", "true")
        if tag == "sequenceFlow":
            props.update(source=node.get("sourceRef"), target=node.get("targetRef"))
            props["condition"] = _text(node.find(f"{{{BPMN_NS}}}conditionExpression"))
        if tag in ("exclusiveGateway", "inclusiveGateway", "complexGateway"):
            props["default"] = node.get("default") or ""
        if tag == "boundaryEvent":
            props.update(attached_to=node.get("attachedToRef"), cancel_activity=node.get("cancelActivity", "true"))
        if tag == "callActivity":
            props["called_element"] = node.get("calledElement") or ""
        props.update(self._service(node, tag))
        props.update(self._scripts(node, tag))
        props.update(self._events(node))
        for child in node:
            if _tag(child) in ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics"):
                props["loop"] = {"kind": _tag(child), **_node_dict(child)}
        props["working_days"] = node.get(f"{{{TONGBAN_NS}}}workingDays") or ""
        return _compact(props)

    @staticmethod
    def _service(node: Any, tag: str) -> dict[str, Any]:
        if tag != "serviceTask":
            return {}
        operator = node.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}serviceTaskOperator")
        if operator is None:
            return {"operator": node.get(f"{{{CAMUNDA_NS}}}topic") or ""}
        parameters = {
            p.get("id"): p.get("value") or "" for p in operator.iter(f"{{{SPIFF_NS}}}parameter") if p.get("id")
        }
        return {
            "operator": operator.get("id") or "",
            "parameters": parameters,
            "result_variable": operator.get("resultVariable") or "",
        }

    @staticmethod
    def _scripts(node: Any, tag: str) -> dict[str, Any]:
        found = {}
        if tag == "scriptTask":
            found["script"] = _text(node.find(f"{{{BPMN_NS}}}script"))
        for name, key in (("preScript", "pre_script"), ("postScript", "post_script")):
            found[key] = _text(node.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}{name}"))
        return found

    def _events(self, node: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        kinds = []
        for kind in EVENT_DEFINITIONS:
            definition = node.find(f"{{{BPMN_NS}}}{kind}EventDefinition")
            if definition is None:
                continue
            kinds.append(kind)
            if kind == "timer":
                found["timer"] = _node_dict(definition)
            elif kind in ("message", "error", "signal", "escalation"):
                ref = definition.get(f"{kind}Ref")
                found[kind] = self.root_names.get(ref, ref) if ref else ""
            elif kind == "conditional":
                found["condition"] = _text(definition.find(f"{{{BPMN_NS}}}condition"))
        if kinds:
            found["event"] = kinds
        return found


def _form_key(name: str) -> str:
    return name.removeprefix(FORM_PREFIX).removesuffix(".json")


def _normalise_forms(forms: dict[str, Any] | None) -> dict[str, Any]:
    """{"forms/review.json": text} or {"review": schema} → {"review": schema (or the text if not JSON)}."""
    found = {}
    for name, value in (forms or {}).items():
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        found[_form_key(name)] = value
    return found


def form_changes(before: Any, after: Any) -> list[PropertyChange]:
    """Field by field: `form.field.<name>`, `form.required`, `form.title`, any other `form.<key>`."""
    if before == after:
        return []
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return [PropertyChange("form", before, after)]
    changes = []
    if before.get("title") != after.get("title"):
        changes.append(PropertyChange("form.title", before.get("title"), after.get("title")))
    old_fields, new_fields = before.get("properties") or {}, after.get("properties") or {}
    for name in [*old_fields, *(n for n in new_fields if n not in old_fields)]:
        if old_fields.get(name) != new_fields.get(name):
            changes.append(PropertyChange(f"form.field.{name}", old_fields.get(name), new_fields.get(name)))
    if sorted(before.get("required") or []) != sorted(after.get("required") or []):
        changes.append(PropertyChange("form.required", before.get("required") or [], after.get("required") or []))
    for key in sorted((set(before) | set(after)) - {"title", "properties", "required"}):
        if before.get(key) != after.get(key):
            changes.append(PropertyChange(f"form.{key}", before.get(key), after.get(key)))
    return changes


def _whole(element: _Element, *, after: bool) -> ElementChange:
    """Every property of an element that exists on one side only (its form named by key, not field by field)."""
    changes = [
        PropertyChange(name, None, value) if after else PropertyChange(name, value, None)
        for name, value in element.properties.items()
    ]
    return ElementChange(element.element_id, element.element_type, element.name, changes)


def diff_definitions(
    old_xml: str,
    new_xml: str,
    old_forms: dict[str, Any] | None = None,
    new_forms: dict[str, Any] | None = None,
) -> DefinitionDiff:
    """Element-level diff of two diagrams (and their forms); raises ValidationException on malformed XML."""
    old = _Reader(parse_xml(old_xml, "before.bpmn")).elements()
    new = _Reader(parse_xml(new_xml, "after.bpmn")).elements()
    forms_before, forms_after = _normalise_forms(old_forms), _normalise_forms(new_forms)
    # An added element lists what it is set to (before empty), a removed one what it was (after empty).
    added = [_whole(e, after=True) for key, e in new.items() if key not in old]
    removed = [_whole(e, after=False) for key, e in old.items() if key not in new]
    changed = []
    for key, after in new.items():
        before = old.get(key)
        if before is None:
            continue
        changes = []
        if before.element_type != after.element_type:
            changes.append(PropertyChange("type", before.element_type, after.element_type))
        for name in [*before.properties, *(n for n in after.properties if n not in before.properties)]:
            if before.properties.get(name) != after.properties.get(name):
                changes.append(PropertyChange(name, before.properties.get(name), after.properties.get(name)))
        form_key = after.properties.get("form_key")
        if form_key and form_key == before.properties.get("form_key"):
            changes += form_changes(forms_before.get(form_key), forms_after.get(form_key))
        if changes:
            changed.append(ElementChange(after.element_id, after.element_type, after.name, changes))
    return DefinitionDiff(added=added, removed=removed, changed=changed)

"""Turn BPMN (+ DMN) text into a runnable spec, and check everything a deploy must refuse."""

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import expressions
from .dates import iso_due
from .juel import is_juel
from .parser import (
    BPMN_NS,
    CAMUNDA_NS,
    EXPRESSION_ATTRIBUTES,
    ISO_TIMER,
    SPIFF_NS,
    TONGBAN_NS,
    TongbanParser,
    UntranslatableExpressions,
    parse_escalation,
    parse_xml,
    read_people_attributes,
    translate_juel,
)
from .views import Problem


class DefinitionInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.element_id or p.file_name}: {p.message}" for p in problems))
        self.problems = problems


@dataclass
class CompiledProcess:
    process_id: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    # Whether any element can wait on a timer or a message: if not, those read models need no sync.
    has_timers: bool = True
    has_messages: bool = True
    # Task forms (JSON Schema) by form key, pinned with the definition.
    forms: dict[str, Any] = field(default_factory=dict)


def _problem_from(exc: ValidationException, file_name: str, tree: Any = None) -> Problem:
    line = getattr(exc, "line_number", None) or None
    element_id = getattr(exc, "id", "") or ""
    if not element_id and line and tree is not None:
        # Schema (XSD) errors know only the line: pin them to the element written there.
        at_line = next((n for n in tree.iter() if getattr(n, "sourceline", None) == line), None)
        element_id = element_owner(at_line) if at_line is not None else ""
    return Problem(
        message=str(getattr(exc, "message", None) or exc).split("\n")[0],
        element_id=element_id,
        file_name=getattr(exc, "file_name", "") or file_name,
        line=line,
    )


_CONTAINERS = {f"{{{BPMN_NS}}}{tag}" for tag in ("process", "subProcess", "transaction", "adHocSubProcess")}


def element_owner(node: Any) -> str:
    """The id of the diagram element `node` belongs to: the task, event or flow holding it, not an inner
    part with an id of its own (a timer definition, an extension element) that a modeler cannot select."""
    fallback = ""
    while node is not None:
        node_id = node.get("id") if isinstance(node.tag, str) and node.tag.startswith(f"{{{BPMN_NS}}}") else None
        if node_id:
            parent = node.getparent()
            if node.tag in _CONTAINERS or parent is None or parent.tag in _CONTAINERS:
                return str(node_id)
            fallback = fallback or str(node_id)
        node = node.getparent()
    return fallback


def _executable_process_id(tree: Any, file_name: str) -> tuple[str, str]:
    processes = tree.findall(f"{{{BPMN_NS}}}process")
    if not processes:
        raise DefinitionInvalid([Problem("文件中没有流程 / no bpmn:process in the file", file_name=file_name)])
    executable = [p for p in processes if p.get("isExecutable", "true").lower() == "true"] or processes
    main = executable[0]
    return main.get("id"), main.get("name") or main.get("id")


def compile_process(
    bpmn_xml: str, extra_files: dict[str, str] | None = None, *, file_name: str = ""
) -> CompiledProcess:
    """Parse and build the spec; raise DefinitionInvalid with element ids on any error."""
    parser = TongbanParser()
    tree = None
    try:
        tree = parse_xml(bpmn_xml, file_name)
        process_id, name = _executable_process_id(tree, file_name)
        parser.add_bpmn_xml(tree, filename=file_name)
        for extra_name, text in (extra_files or {}).items():
            extra = parse_xml(text, extra_name)
            if extra_name.endswith(".dmn"):
                parser.add_dmn_xml(extra, filename=extra_name)
            else:
                parser.add_bpmn_xml(extra, filename=extra_name)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        raise DefinitionInvalid([_problem_from(exc, file_name, tree)]) from exc
    except UntranslatableExpressions as exc:
        problems = [Problem(message, element_id, exc.file_name or file_name) for element_id, message in exc.refused]
        raise DefinitionInvalid(problems) from exc
    except DefinitionInvalid:
        raise
    except Exception as exc:  # the parser raises plain errors on some broken diagrams
        raise DefinitionInvalid([Problem(f"无法解析 / cannot parse: {exc}", file_name=file_name)]) from exc
    kinds = _event_kinds([spec, *subprocess_specs.values()])
    return CompiledProcess(
        process_id=process_id,
        name=name,
        spec=spec,
        subprocess_specs=subprocess_specs,
        has_timers="timer" in kinds,
        has_messages="message" in kinds,
    )


def _event_kinds(specs: list[Any]) -> set[str]:
    kinds = set()
    for process_spec in specs:
        for task_spec in process_spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(definition, (TimerEventDefinition, MultipleEventDefinition)):
                kinds.add("timer")
            if isinstance(definition, (MessageEventDefinition, MultipleEventDefinition)):
                kinds.add("message")
    return kinds


@dataclass
class Checks:
    """What the platform knows that a diagram may refer to."""

    handler_names: set[str]
    form_keys: set[str]
    known_roles: set[str] | None = None


def _expressions_in(tree: Any) -> list[tuple[str, str, str]]:
    """(element id, source, mode) for every expression and script in the diagram."""
    found: list[tuple[str, str, str]] = []
    for node in tree.iter(f"{{{BPMN_NS}}}conditionExpression"):
        found.append((element_owner(node), (node.text or "").strip(), "eval"))
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for node in tree.iter(f"{{{BPMN_NS}}}{tag}"):
            text = (node.text or "").strip()
            # Bare ISO-8601 is quoted at parse time (quote_bare_timers): check what will run.
            found.append((element_owner(node), f'"{text}"' if ISO_TIMER.match(text) else text, "eval"))
    for node in tree.iter(f"{{{BPMN_NS}}}scriptTask"):
        script = node.find(f"{{{BPMN_NS}}}script")
        if script is not None and script.text:
            found.append((node.get("id"), script.text, "exec"))
    for tag in ("preScript", "postScript"):
        for node in tree.iter(f"{{{SPIFF_NS}}}{tag}"):
            if node.text:
                found.append((element_owner(node), node.text, "exec"))
    for node in tree.iter(f"{{{SPIFF_NS}}}parameter"):
        if node.get("value"):
            found.append((element_owner(node), node.get("value"), "eval"))
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue
        for attr in ("departmentScope", "slaWorkingDays", "workingDays"):
            value = node.get(f"{{{TONGBAN_NS}}}{attr}")
            if value:
                found.append((node.get("id"), value, "eval"))
        for attr in EXPRESSION_ATTRIBUTES:
            value = (node.get(f"{{{CAMUNDA_NS}}}{attr}") or "").strip()
            if is_juel(value):  # translated by translate_juel: `${…}` around our expression
                found.append((node.get("id"), value, "eval"))
    return [item for item in found if item[1]]


def _lanes(tree: Any) -> dict[str, str]:
    """element id → lane name."""
    lanes: dict[str, str] = {}
    for lane in tree.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    return lanes


def check_definition(
    bpmn_xml: str, extra_files: dict[str, str] | None, checks: Checks, *, file_name: str = ""
) -> tuple[CompiledProcess, list[Problem]]:
    """Compile and check; return the compiled process and warnings, or raise DefinitionInvalid with
    every problem found (a designer fixes them all in one round, not one per deploy attempt)."""
    try:
        compiled: CompiledProcess | None = compile_process(bpmn_xml, extra_files, file_name=file_name)
        errors: list[Problem] = []
    except DefinitionInvalid as exc:
        compiled, errors = None, list(exc.problems)
    try:
        tree = parse_xml(bpmn_xml, file_name)
    except ValidationException:
        raise DefinitionInvalid(errors) from None
    # Translate as the parser did; what it refused is already among the errors.
    refused = {element_id for element_id, _reason in translate_juel(tree)}
    flows = {node.get("id") for node in tree.iter(f"{{{BPMN_NS}}}sequenceFlow")}
    warnings: list[Problem] = []
    for element_id, source, mode in _expressions_in(tree):
        if element_id in refused and (is_juel(source) or element_id in flows):
            continue
        if is_juel(source):
            source = source.strip()[2:-1]  # a translated attribute: the body is what runs
        try:
            expressions.check(source, mode=mode)
        except expressions.ExpressionError as exc:
            errors.append(Problem(f"表达式不安全或无法编译 / expression refused: {exc}", element_id, file_name))
    for node in tree.iter(f"{{{BPMN_NS}}}serviceTask"):
        operator = node.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}serviceTaskOperator")
        name = operator.get("id") if operator is not None else node.get(f"{{{CAMUNDA_NS}}}topic")
        if name and name not in checks.handler_names:
            errors.append(
                Problem(
                    f"服务任务的处理器未注册 / no handler registered for operator '{name}'", node.get("id"), file_name
                )
            )
    lanes = _lanes(tree)
    for tag in ("userTask", "manualTask"):
        for node in tree.iter(f"{{{BPMN_NS}}}{tag}"):
            _check_people(node, lanes, checks, errors, warnings, file_name)
    if errors or compiled is None:
        raise DefinitionInvalid(errors)
    return compiled, warnings


def _check_people(
    node: Any, lanes: dict[str, str], checks: Checks, errors: list[Problem], warnings: list[Problem], file_name: str
) -> None:
    element_id = node.get("id")
    people = read_people_attributes(node)
    roles = list(people["candidate_roles"])
    lane = lanes.get(element_id)
    if not (roles or people["candidate_users"] or people["assignee"] or lane):
        errors.append(
            Problem(
                "用户任务没有办理人：请设置候选角色、候选用户、办理人或泳道 / a user task needs candidate groups, "
                "candidate users, an assignee or a lane",
                element_id,
                file_name,
            )
        )
    if not roles and lane:
        roles = [lane]
    if checks.known_roles is not None:
        for role in roles:
            if role not in checks.known_roles:
                warnings.append(
                    Problem(
                        f"角色 '{role}' 尚未在组织机构中定义，任务将等待有人被授予该角色 / "
                        f"role '{role}' is not in the directory yet",
                        element_id,
                        file_name,
                        severity="warning",
                    )
                )
    try:
        parse_escalation(people["escalation"] or "")
    except ValueError as exc:
        errors.append(Problem(f"催办阈值格式错误 / tongban:escalation: {exc}", element_id, file_name))
    due = people["due_date"].strip()
    if due and not is_juel(due):  # an expression is checked with the others (_expressions_in)
        try:
            iso_due(due, timezone.now())
        except ValueError as exc:
            errors.append(Problem(f"办理期限格式错误 / camunda:dueDate '{due}': {exc}", element_id, file_name))
    if people["form_key"] and people["form_key"] not in checks.form_keys:
        errors.append(
            Problem(
                f"表单 '{people['form_key']}' 不存在 / form '{people['form_key']}' does not exist",
                element_id,
                file_name,
            )
        )

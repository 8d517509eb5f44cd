"""Parsing: SpiffWorkflow's spiff parser, extended to keep the Camunda 7 attributes modelers write
(and SpiffWorkflow drops), our `tongban:` attributes, and Camunda external service tasks."""

import ast
import re
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser, UserTaskParser
from SpiffWorkflow.spiff.specs.defaults import ManualTask, UserTask

from . import juel
from .specs import AsyncServiceTask

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
TONGBAN_NS = "https://tongban.dev/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_ATTRIBUTES = ("candidateGroups", "candidateUsers", "assignee", "dueDate", "followUpDate", "priority", "formKey")
TONGBAN_ATTRIBUTES = ("candidateRoles", "departmentScope", "slaWorkingDays", "escalation", "workingDays")
ISO_TIMER = re.compile(
    r"^(R\d*/)?(P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)(/P[0-9YMWDTHS.,]+)?$"
)


_POLICY_KEYS = {"blue": "blue_share", "yellow": "yellow_working_days"}


def parse_escalation(text: str) -> dict[str, float]:
    """`tongban:escalation="blue=0.5;yellow=2"` → {"blue_share": 0.5, "yellow_working_days": 2.0}.

    blue: share of the SLA used before the first reminder (0–1); yellow: working days before the
    due time for the warning. Raises ValueError with a readable message on anything else."""
    policy: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, _, value = part.partition("=")
        if key.strip() not in _POLICY_KEYS:
            raise ValueError(f"unknown escalation setting '{key.strip()}' (use blue=0.67;yellow=1)")
        number = float(value)
        if key.strip() == "blue" and not 0 < number < 1:
            raise ValueError("blue must be a share between 0 and 1")
        policy[_POLICY_KEYS[key.strip()]] = number
    return policy


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def read_people_attributes(node: Any) -> dict[str, Any]:
    """The Camunda and tongban attributes of one task node, as plain data."""
    camunda = {name: node.get(f"{{{CAMUNDA_NS}}}{name}") for name in CAMUNDA_ATTRIBUTES}
    tongban = {name: node.get(f"{{{TONGBAN_NS}}}{name}") for name in TONGBAN_ATTRIBUTES}
    form_key = camunda["formKey"]
    if not form_key:
        for prop in node.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"):
            if prop.get("name") == "formJsonSchemaFilename":
                form_key = prop.get("value")
    if form_key:
        form_key = form_key.removeprefix("embedded:").removeprefix("deployment:").removesuffix(".json")
        form_key = form_key.removeprefix("forms/").removesuffix(".schema")
    return {
        "candidate_roles": _split(camunda["candidateGroups"]) + _split(tongban["candidateRoles"]),
        "candidate_users": _split(camunda["candidateUsers"]),
        "assignee": camunda["assignee"] or "",
        "due_date": camunda["dueDate"] or "",
        "follow_up_date": camunda["followUpDate"] or "",
        "priority": camunda["priority"] or "",
        "form_key": form_key or "",
        "department_scope": tongban["departmentScope"] or "",
        "sla_working_days": tongban["slaWorkingDays"] or "",
        "escalation": tongban["escalation"] or "",
    }


class _PeopleTaskMixin:
    node: Any

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions: dict[str, Any] = super().parse_extensions(node)  # type: ignore[misc]
        extensions["tongban"] = read_people_attributes(self.node if node is None else node)
        return extensions


class PeopleUserTaskParser(_PeopleTaskMixin, UserTaskParser):  # type: ignore[misc]
    pass


class PeopleManualTaskParser(_PeopleTaskMixin, SpiffTaskParser):  # type: ignore[misc]
    pass


class AsyncServiceTaskParser(SpiffTaskParser):  # type: ignore[misc]
    """`spiffworkflow:serviceTaskOperator`, or a Camunda external task (`camunda:topic`)."""

    def create_task(self) -> AsyncServiceTask:
        extensions = self.parse_extensions()
        operator = extensions.get("serviceTaskOperator")
        topic = self.node.get(f"{{{CAMUNDA_NS}}}topic")
        pass_all_data = False
        if operator is None and topic:
            operator = {"name": topic, "parameters": {}, "resultVariable": None}
            pass_all_data = True  # a Camunda external task reads the process variables
        if operator is None:
            raise ValidationException(
                "服务任务缺少处理器 (serviceTaskOperator 或 camunda:topic) / A service task needs an operator",
                node=self.node,
                file_name=self.filename,
            )
        task = AsyncServiceTask(
            self.spec,
            self.bpmn_id,
            operation_name=operator["name"],
            operation_params=operator["parameters"],
            result_variable=operator["resultVariable"],
            prescript=extensions.get("preScript"),
            postscript=extensions.get("postScript"),
            **self.bpmn_attributes,
        )
        task.pass_all_data = pass_all_data
        return task


class TongbanParser(SpiffBpmnParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (PeopleUserTaskParser, UserTask),
        full_tag("manualTask"): (PeopleManualTaskParser, ManualTask),
        full_tag("serviceTask"): (AsyncServiceTaskParser, AsyncServiceTask),
    }

    def __init__(self) -> None:
        super().__init__(validator=VALIDATOR)

    def add_bpmn_xml(self, tree: Any, filename: str | None = None) -> None:
        quote_bare_timers(tree)
        refused = translate_juel(tree)
        if refused:
            raise UntranslatableExpressions(refused, filename or "")
        super().add_bpmn_xml(tree, filename)


class UntranslatableExpressions(Exception):
    """`${…}` conditions and attributes we cannot translate safely: (element id, message) for each."""

    def __init__(self, refused: list[tuple[str, str]], file_name: str) -> None:
        super().__init__("; ".join(f"{element_id}: {message}" for element_id, message in refused))
        self.refused = refused
        self.file_name = file_name


# Attributes that are an expression when they hold `${…}`; the people lists never are (a role named
# `${group}` would match nobody).
EXPRESSION_ATTRIBUTES = ("assignee", "dueDate", "followUpDate", "priority")
_LIST_ATTRIBUTES = (
    (CAMUNDA_NS, "camunda", "candidateGroups"),
    (CAMUNDA_NS, "camunda", "candidateUsers"),
    (TONGBAN_NS, "tongban", "candidateRoles"),
)
# A condition's `language`: absent or "python" is our evaluator (or `${…}`, translated); "juel" must be
# `${…}`. Anything else (javascript, groovy, feel) would otherwise run as Python and mean something else.
CONDITION_LANGUAGES = ("", "python", "juel")


def translate_juel(tree: Any) -> list[tuple[str, str]]:
    """Rewrite Camunda `${…}` conditions and task attributes in place for our evaluator; an attribute
    keeps its `${…}` around the translated body, which marks it as an expression at run time.

    Returns (element id, bilingual message) for each one that cannot be translated safely; those are
    left as written, and the caller refuses the diagram."""
    refused = _translate_conditions(tree)
    for node in tree.iter():
        if not isinstance(node.tag, str):
            continue
        for name in EXPRESSION_ATTRIBUTES:
            value = node.get(f"{{{CAMUNDA_NS}}}{name}")
            if value and juel.has_expression(value):
                try:
                    node.set(f"{{{CAMUNDA_NS}}}{name}", "${" + _attribute_expression(name, value) + "}")
                except juel.JuelError as exc:
                    refused.append((node.get("id", ""), _refusal(f"camunda:{name} 表达式", f"camunda:{name}", exc)))
        for namespace, prefix, name in _LIST_ATTRIBUTES:
            value = node.get(f"{{{namespace}}}{name}")
            if value and juel.has_expression(value):
                refused.append(
                    (
                        node.get("id", ""),
                        f"{prefix}:{name} 只能列出名称，不支持表达式 '{value}' / {prefix}:{name} lists names; "
                        f"expressions such as '{value}' are not supported (use camunda:assignee for one person)",
                    )
                )
    return refused


def _attribute_expression(name: str, value: str) -> str:
    python = juel.translate_attribute(value)
    top = ast.parse(python, mode="eval").body
    gives_bool = isinstance(top, ast.Compare) or (isinstance(top, ast.UnaryOp) and isinstance(top.op, ast.Not))
    if name == "assignee" and gives_bool:
        # `${!initiator}`, `${a == b}`: true or false, never somebody's user name.
        raise juel.JuelError("结果是真或假，不是用户名", "it gives true or false, not a user name")
    return python


def _translate_conditions(tree: Any) -> list[tuple[str, str]]:
    refused = []
    for node in tree.iter(f"{{{BPMN_NS}}}conditionExpression"):
        owner = node.getparent()
        owner_id = owner.get("id", "") if owner is not None else ""
        text = (node.text or "").strip()
        language = (node.get("language") or "").strip()
        if language.lower() not in CONDITION_LANGUAGES:
            refused.append(
                (
                    owner_id,
                    f"条件表达式的语言 '{language}' 不受支持（只支持 Python 或 JUEL ${{...}}） / the condition on "
                    f"{owner_id} is in '{language}', which is not supported (use Python or JUEL ${{...}})",
                )
            )
            continue
        if language.lower() == "juel" and not juel.is_juel(text):
            refused.append(
                (
                    owner_id,
                    f"language='juel' 的条件必须写成 ${{...}} / the condition on {owner_id} says language='juel' "
                    "but is not a ${...} expression",
                )
            )
            continue
        if not juel.is_juel(text):
            continue
        try:
            node.text = juel.translate(text)
        except juel.JuelError as exc:
            refused.append((owner_id, _refusal("条件表达式", f"JUEL condition on {owner_id}", exc)))
    return refused


def _refusal(what_zh: str, what_en: str, exc: "juel.JuelError") -> str:
    """One "中文 / English" message (so a page can show one half) from a refusal's two halves."""
    return f"{what_zh}无法转换：{exc.zh} / cannot translate {what_en}: {exc.en}"


def quote_bare_timers(tree: Any) -> None:
    """Timer expressions are Python: accept bare ISO-8601 ("PT5M") as modelers write it.

    A timer event with `tongban:workingDays="5"` (or an expression) becomes a timeDate computed on
    the work calendar when the timer starts waiting."""
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for node in tree.iter(f"{{{BPMN_NS}}}{tag}"):
            text = (node.text or "").strip()
            if ISO_TIMER.match(text):
                node.text = f'"{text}"'
    for event in tree.iter():
        days = event.get(f"{{{TONGBAN_NS}}}workingDays") if isinstance(event.tag, str) else None
        timer = event.find(f"{{{BPMN_NS}}}timerEventDefinition") if days else None
        if timer is None:
            continue
        for child in list(timer):
            timer.remove(child)
        etree.SubElement(timer, f"{{{BPMN_NS}}}timeDate").text = f"working_days_later({days})"


def parse_xml(text: str | bytes, filename: str) -> Any:
    """Parse XML text; raise ValidationException with the line on malformed input."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        return etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ValidationException(f"XML 格式错误 / malformed XML: {exc}", file_name=filename) from exc

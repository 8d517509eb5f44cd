"""The version diff as a person reads it: element types and property names in the page's language, and
each value shown readably (lists joined, JSON pretty-printed, long text as a line diff).

The diff itself (processes.engine.diff) keeps machine names (`candidate_roles`, `form.field.opinion`);
a name missing here is shown as it is, so a property the diff learns later is never hidden.
"""

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from processes.engine.diff import DefinitionDiff, ElementChange

# A value longer than this (or with a line break) is shown as a block with a line diff.
LONG_VALUE = 80
PEOPLE_TYPES = {"userTask", "manualTask"}

ELEMENT_TYPE_LABELS: dict[str, Promise] = {
    "process": gettext_lazy("流程"),
    "lane": gettext_lazy("泳道"),
    "task": gettext_lazy("任务"),
    "userTask": gettext_lazy("用户任务"),
    "manualTask": gettext_lazy("人工任务"),
    "serviceTask": gettext_lazy("服务任务"),
    "scriptTask": gettext_lazy("脚本任务"),
    "sendTask": gettext_lazy("发送任务"),
    "receiveTask": gettext_lazy("接收任务"),
    "businessRuleTask": gettext_lazy("业务规则任务"),
    "callActivity": gettext_lazy("调用活动"),
    "subProcess": gettext_lazy("子流程"),
    "transaction": gettext_lazy("事务子流程"),
    "adHocSubProcess": gettext_lazy("自由子流程"),
    "startEvent": gettext_lazy("开始事件"),
    "endEvent": gettext_lazy("结束事件"),
    "intermediateCatchEvent": gettext_lazy("中间捕获事件"),
    "intermediateThrowEvent": gettext_lazy("中间抛出事件"),
    "boundaryEvent": gettext_lazy("边界事件"),
    "exclusiveGateway": gettext_lazy("排他网关"),
    "inclusiveGateway": gettext_lazy("包容网关"),
    "parallelGateway": gettext_lazy("并行网关"),
    "eventBasedGateway": gettext_lazy("事件网关"),
    "complexGateway": gettext_lazy("复杂网关"),
    "sequenceFlow": gettext_lazy("顺序流"),
}

PROPERTY_LABELS: dict[str, Promise] = {
    "type": gettext_lazy("类型"),
    "name": gettext_lazy("名称"),
    "documentation": gettext_lazy("元素说明"),
    "container": gettext_lazy("所在子流程"),
    "lane": gettext_lazy("泳道"),
    "candidate_roles": gettext_lazy("候选角色"),
    "candidate_users": gettext_lazy("候选用户"),
    "assignee": gettext_lazy("办理人"),
    "due_date": gettext_lazy("到期时间"),
    "follow_up_date": gettext_lazy("跟进时间"),
    "priority": gettext_lazy("优先级"),
    "form_key": gettext_lazy("表单"),
    "department_scope": gettext_lazy("部门范围"),
    "sla_working_days": gettext_lazy("办理时限（工作日）"),
    "executable": gettext_lazy("可执行"),
    "source": gettext_lazy("起点"),
    "target": gettext_lazy("终点"),
    "condition": gettext_lazy("条件"),
    "default": gettext_lazy("默认流"),
    "attached_to": gettext_lazy("附着于"),
    "cancel_activity": gettext_lazy("中断所附着的活动"),
    "called_element": gettext_lazy("调用的流程"),
    "operator": gettext_lazy("服务操作"),
    "parameters": gettext_lazy("参数"),
    "result_variable": gettext_lazy("结果变量"),
    "script": gettext_lazy("脚本"),
    "pre_script": gettext_lazy("前置脚本"),
    "post_script": gettext_lazy("后置脚本"),
    "event": gettext_lazy("事件类型"),
    "timer": gettext_lazy("定时器"),
    "message": gettext_lazy("消息"),
    "error": gettext_lazy("错误"),
    "signal": gettext_lazy("信号"),
    "escalation": gettext_lazy("升级事件"),
    "loop": gettext_lazy("循环与多实例"),
    "working_days": gettext_lazy("工作日数"),
    "form": gettext_lazy("表单内容"),
    "form.title": gettext_lazy("表单标题"),
    "form.required": gettext_lazy("表单必填字段"),
}


@dataclass(frozen=True)
class ShownValue:
    text: str  # "" when the property is not set
    long: bool


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same" | "added" | "removed" | "gap"
    text: str


@dataclass(frozen=True)
class ShownChange:
    name: str  # the machine name, kept for people who know it
    label: str
    before: ShownValue
    after: ShownValue
    lines: list[DiffLine] = field(default_factory=list)  # long values only

    @property
    def long(self) -> bool:
        return self.before.long or self.after.long


@dataclass(frozen=True)
class ShownElement:
    kind: str  # "added" | "removed" | "changed"
    element_id: str
    element_type: str
    type_label: str
    name: str
    changes: list[ShownChange]


def element_type_label(element_type: str) -> str:
    return str(ELEMENT_TYPE_LABELS.get(element_type, element_type))


def property_label(name: str, element_type: str = "") -> str:
    """候选角色 for `candidate_roles`; `form.field.<f>` → 表单字段 <f>; unknown names stay as they are."""
    if name == "escalation" and element_type in PEOPLE_TYPES:
        return _("预警规则")
    if name in PROPERTY_LABELS:
        return str(PROPERTY_LABELS[name])
    if name.startswith("form.field."):
        return _("表单字段 %(name)s") % {"name": name.removeprefix("form.field.")}
    if name.startswith("form."):
        return _("表单属性 %(name)s") % {"name": name.removeprefix("form.")}
    return name


def shown_value(value: Any) -> ShownValue:
    if value is None or value in ("", [], {}):
        return ShownValue("", False)
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        text = ", ".join(str(item) for item in value)
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, indent=2)
    else:
        text = str(value)
    return ShownValue(text, "\n" in text or len(text) > LONG_VALUE)


def line_diff(before: str, after: str) -> list[DiffLine]:
    """A unified diff of two texts, three lines of context, without its file headers."""
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=3, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("gap", "⋯"))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    if lines and lines[0].kind == "gap":
        lines = lines[1:]
    return lines


def _change(name: str, before: Any, after: Any, element_type: str) -> ShownChange:
    if name == "type":
        before, after = element_type_label(str(before)), element_type_label(str(after))
    old, new = shown_value(before), shown_value(after)
    lines = line_diff(old.text, new.text) if old.long or new.long else []
    return ShownChange(name, property_label(name, element_type), old, new, lines)


def _element(kind: str, element: ElementChange) -> ShownElement:
    return ShownElement(
        kind=kind,
        element_id=element.element_id,
        element_type=element.element_type,
        type_label=element_type_label(element.element_type),
        name=element.name,
        changes=[_change(c.name, c.before, c.after, element.element_type) for c in element.changes],
    )


def shown_diff(diff: DefinitionDiff) -> list[ShownElement]:
    """Added elements first, then changed, then removed, each in diagram order."""
    return (
        [_element("added", e) for e in diff.added]
        + [_element("changed", e) for e in diff.changed]
        + [_element("removed", e) for e in diff.removed]
    )


def diagram_markers(diff: DefinitionDiff) -> tuple[dict[str, str], dict[str, str]]:
    """What to colour on the old diagram (removed, changed) and on the new one (added, changed)."""
    changed = {e.element_id: "changed" for e in diff.changed}
    old = {**changed, **{e.element_id: "removed" for e in diff.removed}}
    new = {**changed, **{e.element_id: "added" for e in diff.added}}
    return old, new

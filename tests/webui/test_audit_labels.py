"""Every audit action the code can record has a readable label, in Chinese and English.

Why a scan of the source and not a registry the recorder checks: the recorder lives in `processes/`,
which must not import `webui/`, and a registry only catches an unlabelled action when a test happens
to record it. The scan reads every call to the recorder (`audit_append`, `<…audit…>.add`, and any
function that passes its own parameter on to them, such as `_set_status(..., action="…")`), so a new
call site is checked the day it is written; a call whose action it cannot read fails the test rather
than being skipped.
"""

import ast
from dataclasses import dataclass, field
from pathlib import Path

from django.template import Context, Template
from django.utils import translation

from webui.audit_labels import AUDIT_ACTION_LABELS, audit_action_label

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("processes", "domain", "handlers", "webui")


@dataclass
class Scan:
    # function name → (positional index or None, keyword) of its action argument
    recorders: dict[str, tuple[int | None, str]] = field(default_factory=lambda: {"audit_append": (0, "action")})
    actions: dict[str, str] = field(default_factory=dict)  # action → first place seen
    unreadable: list[str] = field(default_factory=list)


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append((str(path.relative_to(ROOT)), ast.parse(path.read_text("utf-8"))))
    return found


def _recorder(func: ast.expr, scan: Scan) -> tuple[int | None, str] | None:
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name in scan.recorders:
        return scan.recorders[name]
    if isinstance(func, ast.Attribute) and func.attr == "add" and "audit" in ast.unparse(func.value).lower():
        return (0, "action")  # an AuditBuffer: `audit.add`, `step.audit.add`, `chunk.audit.add`
    return None


def _action_arg(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    if position is not None and len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _parameter(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> tuple[int | None, str] | None:
    positional = [a.arg for a in function.args.posonlyargs + function.args.args]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    if name in positional:
        return positional.index(name), name
    return (None, name) if name in [a.arg for a in function.args.kwonlyargs] else None


def _read(expr: ast.expr, where: str, enclosing: ast.AST | None, scan: Scan) -> bool:
    """Record the literal action names `expr` can be; False when it cannot be read. True when a new
    forwarding function was found (its callers then need a second pass)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        scan.actions.setdefault(expr.value, where)
        return False
    if isinstance(expr, ast.IfExp):
        return _read(expr.body, where, enclosing, scan) | _read(expr.orelse, where, enclosing, scan)
    if isinstance(expr, ast.Name) and isinstance(enclosing, ast.FunctionDef | ast.AsyncFunctionDef):
        forwarded = _parameter(enclosing, expr.id)
        if forwarded is not None:
            is_new = enclosing.name not in scan.recorders
            scan.recorders[enclosing.name] = forwarded
            return is_new
    scan.unreadable.append(f"{where}: {ast.unparse(expr)}")
    return False


def _pass(modules: list[tuple[str, ast.Module]], scan: Scan) -> bool:
    grew = False
    scan.unreadable.clear()
    for path, tree in modules:
        stack: list[tuple[ast.AST, ast.AST | None]] = [(tree, None)]
        while stack:
            node, enclosing = stack.pop()
            inner = node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else enclosing
            stack.extend((child, inner) for child in ast.iter_child_nodes(node))
            if not isinstance(node, ast.Call) or (found := _recorder(node.func, scan)) is None:
                continue
            expr = _action_arg(node, *found)
            if expr is None:
                continue  # the recorder's own definition passing **kwargs, or a call without an action
            grew |= _read(expr, f"{path}:{node.lineno}", enclosing, scan)
    return grew


def recorded_actions() -> Scan:
    modules, scan = _modules(), Scan()
    while _pass(modules, scan):
        pass
    return scan


def test_every_recorded_action_has_a_label() -> None:
    """An auditor never meets a bare machine name for something the code records."""
    scan = recorded_actions()
    assert not scan.unreadable, f"cannot tell which action these calls record: {scan.unreadable}"
    # The scan itself works: literal, conditional and forwarded action names are all found.
    assert {"login", "task_completed", "job_done", "job_cancelled", "instance_suspended"} <= set(scan.actions)
    missing = {action: where for action, where in scan.actions.items() if action not in AUDIT_ACTION_LABELS}
    assert not missing, f"add these to webui/audit_labels.py (and English to the .po): {missing}"


def test_every_label_has_an_english_translation() -> None:
    """The English interface shows English labels, not the Chinese ones."""
    with translation.override("en"):
        untranslated = [code for code, label in AUDIT_ACTION_LABELS.items() if not str(label).isascii()]
    assert not untranslated


def test_unknown_actions_fall_back_to_their_machine_name() -> None:
    """An old or foreign action still reads as something, and the tag marks it as code."""
    assert audit_action_label("task_claimed") == "签收"
    assert audit_action_label("zz_gone") == "zz_gone"
    html = Template("{% load tongban %}{{ a|audit_label }}|{% audit_action a %}|{% audit_action b code=True %}").render(
        Context({"a": "zz_<b>", "b": "task_claimed"})
    )
    assert html == (
        'zz_&lt;b&gt;|<code class="tb-action-code">zz_&lt;b&gt;</code>|'
        '<span class="tb-action" title="task_claimed">签收</span> <small class="tb-action-code">task_claimed</small>'
    )

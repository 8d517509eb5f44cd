"""Designer benchmark (issue 5): validate + deploy of a 200-element diagram, target under 1 s.

The diagram (`designer_diagram`) is what a designer draws for a long approval chain, with its layout
(BPMNDI): a start event, then blocks of

    user task (candidate role, task form, SLA in working days, escalation thresholds)
    → exclusive gateway ─ condition → service task (a registered operator with parameters) ─┐
                        └ default ────────────────────────────────────────────────────────→ join gateway
    → timer catch event (ISO-8601 duration, or working days on the work calendar)

(5 flow nodes and 6 sequence flows a block), then an end event: 18 blocks make 201 elements.

Measured `--designer-runs` times on the fresh bench database: `definition_validate` (what 校验 runs)
and `definition_deploy` (what 部署 runs: validate again, hash, store a new version, audit) of the
diagram with a changed documentation text each run, so every deploy stores a new version. The target
applies to the median of validate + deploy. Verified: every validation is clean, every deploy created
the next version with its note and its deployer, and the stored version parses back to the same spec.
"""

import argparse
import cProfile
import io
import os
import platform
import pstats
import statistics
import time
from dataclasses import dataclass
from typing import Any

BLOCKS = 18
TARGET_SECONDS = 1.0
ROLES = ("reviewer", "platform_reviewer", "data_lead")
OPERATOR = "approvals/decision_record"

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  xmlns:tongban="https://tongban.dev/bpmn"
                  id="{key}_definitions" targetNamespace="https://tongban.dev/bpmn/bench">
  <bpmn:process id="{key}" name="长审批链 benchmark" isExecutable="true">
    <bpmn:documentation>{marker}</bpmn:documentation>
"""
SIZES = {"start": (36, 36), "end": (36, 36), "timer": (36, 36), "gateway": (50, 50), "task": (100, 80)}


@dataclass
class Node:
    id: str
    xml: str
    kind: str
    x: int
    y: int

    @property
    def size(self) -> tuple[int, int]:
        return SIZES[self.kind]

    def anchor(self, side: str) -> tuple[int, int]:
        w, h = self.size
        return {"left": (self.x, self.y + h // 2), "right": (self.x + w, self.y + h // 2)}.get(
            side, (self.x + w // 2, self.y if side == "top" else self.y + h)
        )


def _user_task(i: int, x: int, y: int) -> Node:
    role = ROLES[i % len(ROLES)]
    xml = (
        f'<bpmn:userTask id="review_{i}" name="第 {i + 1} 级审核" camunda:candidateGroups="{role}" '
        f'camunda:formKey="review" camunda:priority="{50 + i % 50}" tongban:departmentScope="department_code" '
        f'tongban:slaWorkingDays="{1 + i % 5}" tongban:escalation="blue=0.67;yellow=1">'
        f"<bpmn:documentation>审核第 {i + 1} 级材料</bpmn:documentation>"
        f"<bpmn:incoming>{{incoming}}</bpmn:incoming><bpmn:outgoing>{{outgoing}}</bpmn:outgoing></bpmn:userTask>"
    )
    return Node(f"review_{i}", xml, "task", x, y)


def _service_task(i: int, x: int, y: int) -> Node:
    xml = (
        f'<bpmn:serviceTask id="record_{i}" name="登记第 {i + 1} 级结果"><bpmn:extensionElements>'
        f'<spiffworkflow:serviceTaskOperator id="{OPERATOR}" resultVariable="decision_{i}">'
        '<spiffworkflow:parameters><spiffworkflow:parameter id="approved" type="bool" value="approved" />'
        '<spiffworkflow:parameter id="opinion" type="str" value="opinion" /></spiffworkflow:parameters>'
        "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements>"
        "<bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing></bpmn:serviceTask>"
    )
    return Node(f"record_{i}", xml, "task", x, y)


def _gateway(element_id: str, x: int, y: int, default: str = "") -> Node:
    default_attr = f' default="{default}"' if default else ""
    xml = (
        f'<bpmn:exclusiveGateway id="{element_id}"{default_attr}>'
        "<bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing></bpmn:exclusiveGateway>"
    )
    return Node(element_id, xml, "gateway", x, y)


def _timer(i: int, x: int, y: int) -> Node:
    if i % 2:
        definition = f'<bpmn:timerEventDefinition id="timer_def_{i}" />'
        attrs = f' tongban:workingDays="{1 + i % 3}"'
    else:
        definition = (
            f'<bpmn:timerEventDefinition id="timer_def_{i}">'
            f"<bpmn:timeDuration>PT{i + 1}H</bpmn:timeDuration></bpmn:timerEventDefinition>"
        )
        attrs = ""
    xml = (
        f'<bpmn:intermediateCatchEvent id="wait_{i}" name="等待"{attrs}>'
        "<bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing>"
        f"{definition}</bpmn:intermediateCatchEvent>"
    )
    return Node(f"wait_{i}", xml, "timer", x, y)


def designer_diagram(*, blocks: int = BLOCKS, key: str = "designer_bench", marker: str = "") -> str:
    """A valid diagram of 3 + 11 × `blocks` elements with its layout; `marker` changes its content."""
    main_y, upper_y = 300, 120
    nodes: list[Node] = [
        Node(
            "start",
            '<bpmn:startEvent id="start" name="提交"><bpmn:outgoing>{outgoing}</bpmn:outgoing></bpmn:startEvent>',
            "start",
            100,
            main_y + 22,
        )
    ]
    flows: list[tuple[str, Node, Node, str, str, str]] = []  # id, source, target, condition, from, to side
    previous, x = nodes[0], 200
    for i in range(blocks):
        user = _user_task(i, x, main_y)
        split = _gateway(f"decide_{i}", x + 150, main_y + 15, default=f"skip_{i}")
        service = _service_task(i, x + 250, upper_y)
        join = _gateway(f"join_{i}", x + 400, main_y + 15)
        wait = _timer(i, x + 500, main_y + 22)
        nodes += [user, split, service, join, wait]
        flows += [
            (f"to_review_{i}", previous, user, "", "right", "left"),
            (f"to_decide_{i}", user, split, "", "right", "left"),
            (f"approved_{i}", split, service, "approved == True", "top", "left"),
            (f"skip_{i}", split, join, "", "right", "left"),
            (f"recorded_{i}", service, join, "", "right", "top"),
            (f"to_wait_{i}", join, wait, "", "right", "left"),
        ]
        previous, x = wait, x + 600
    end = Node(
        "end",
        '<bpmn:endEvent id="end" name="办结"><bpmn:incoming>{incoming}</bpmn:incoming></bpmn:endEvent>',
        "end",
        x,
        main_y + 22,
    )
    nodes.append(end)
    flows.append(("to_end", previous, end, "", "right", "left"))
    return _render(nodes, flows, key, marker)


def _render(nodes: list[Node], flows: list[tuple[str, Node, Node, str, str, str]], key: str, marker: str) -> str:
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow_id, source, target, *_ in flows:
        outgoing.setdefault(source.id, []).append(flow_id)
        incoming.setdefault(target.id, []).append(flow_id)
    parts = [HEAD.format(key=key, marker=marker or "benchmark")]
    for node in nodes:
        xml = node.xml.replace("{incoming}", "</bpmn:incoming><bpmn:incoming>".join(incoming.get(node.id, [])))
        parts.append(
            "    " + xml.replace("{outgoing}", "</bpmn:outgoing><bpmn:outgoing>".join(outgoing.get(node.id, [])))
        )
    for flow_id, source, target, condition, _, _ in flows:
        body = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
        ends = f'sourceRef="{source.id}" targetRef="{target.id}"'
        parts.append(f'    <bpmn:sequenceFlow id="{flow_id}" {ends}>{body}</bpmn:sequenceFlow>')
    parts.append("  </bpmn:process>")
    parts.append(f'  <bpmndi:BPMNDiagram id="{key}_diagram"><bpmndi:BPMNPlane id="{key}_plane" bpmnElement="{key}">')
    for node in nodes:
        w, h = node.size
        parts.append(
            f'    <bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}">'
            f'<dc:Bounds x="{node.x}" y="{node.y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>'
        )
    for flow_id, source, target, _, from_side, to_side in flows:
        (x1, y1), (x2, y2) = source.anchor(from_side), target.anchor(to_side)
        points = [(x1, y1), (x1, y2), (x2, y2)] if from_side == "top" else [(x1, y1), (x2, y1), (x2, y2)]
        if y1 == y2:
            points = [(x1, y1), (x2, y2)]
        waypoints = "".join(f'<di:waypoint x="{px}" y="{py}" />' for px, py in points)
        parts.append(f'    <bpmndi:BPMNEdge id="{flow_id}_di" bpmnElement="{flow_id}">{waypoints}</bpmndi:BPMNEdge>')
    parts.append("  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n</bpmn:definitions>\n")
    return "\n".join(parts)


def element_count(bpmn_xml: str) -> int:
    """Flow nodes and sequence flows: what the modeler shows as elements."""
    from lxml import etree

    from processes.engine.parser import BPMN_NS

    process = etree.fromstring(bpmn_xml.encode("utf-8")).find(f"{{{BPMN_NS}}}process")
    return sum(1 for child in process if etree.QName(child).localname not in ("documentation", "extensionElements"))


def designer_bench(args: argparse.Namespace) -> int:
    """Run on the fresh bench database the caller created; returns the exit status (0: target met)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from processes.models import ProcessDefinition
    from processes.ports import directory
    from processes.services.definitions import definition_deploy, definition_validate
    from tests import factories as f

    load_before = os.getloadavg()[0]
    for code in ROLES:
        f.role(code)
    user = get_user_model().objects.create_user(username="bench_designer", is_staff=True)
    actor = directory().actor_for(user)
    xml = designer_diagram()
    elements = element_count(xml)
    # Untimed: the first call imports and warms what every later call reuses (schema validator, handlers).
    definition_validate(bpmn_xml=designer_diagram(marker="warm-up"))

    validate_s: list[float] = []
    deploy_s: list[float] = []
    problems: list[str] = []
    for run in range(args.designer_runs):
        changed = designer_diagram(marker=f"第 {run + 1} 次修改 / change {run + 1}")
        started = time.perf_counter()
        result = definition_validate(bpmn_xml=changed, file_name="designer_bench.bpmn")
        validate_s.append(time.perf_counter() - started)
        if not result.ok or result.warnings:
            problems.append(f"run {run + 1}: {[p.message for p in result.problems]}")
        started = time.perf_counter()
        deployed = definition_deploy(
            bpmn_xml=changed, file_name="designer_bench.bpmn", actor=actor, note=f"benchmark run {run + 1}"
        )
        deploy_s.append(time.perf_counter() - started)
        stored = deployed.definition
        if not (deployed.created and stored.version == run + 1 and stored.deployed_by_id == user.pk):
            problems.append(f"run {run + 1}: deploy did not store version {run + 1} by the designer")
    if ProcessDefinition.objects.filter(key="designer_bench").count() != args.designer_runs:
        problems.append("not one stored version per run")
    problems += _round_trip()

    totals = [v + d for v, d in zip(validate_s, deploy_s, strict=True)]
    passed = statistics.median(totals) < TARGET_SECONDS and not problems
    _report(args, elements, len(xml), validate_s, deploy_s, totals, problems, load_before, connection)
    if args.profile:
        _profile(actor)
    return 0 if passed else 1


def _round_trip() -> list[str]:
    """The latest stored version compiles from the database to a spec with every task of the diagram."""
    from processes.models import ProcessDefinition
    from processes.services.definitions import compiled_for

    latest = ProcessDefinition.objects.filter(key="designer_bench").order_by("-version").first()
    if latest is None:
        return ["nothing stored"]
    spec = compiled_for(latest).spec
    wanted = {f"review_{i}" for i in range(BLOCKS)} | {f"record_{i}" for i in range(BLOCKS)}
    missing = wanted - set(spec.task_specs)
    return [f"stored version lacks {sorted(missing)[:5]}"] if missing else []


def _report(
    args: argparse.Namespace,
    elements: int,
    size: int,
    validate_s: list[float],
    deploy_s: list[float],
    totals: list[float],
    problems: list[str],
    load_before: float,
    connection: Any,
) -> None:
    from importlib.metadata import version

    import django

    pg = connection.pg_version
    print("Designer benchmark (issue 5): validate + deploy of a 200-element diagram")
    print(
        f"  diagram: {elements} elements ({BLOCKS} blocks of user task, gateways, service task, timer; with "
        f"BPMNDI), {size / 1024:.0f} KB; {args.designer_runs} runs, each with changed content (a new version)"
    )
    print(
        f"  PostgreSQL {pg // 10000}.{pg % 10000}, database {connection.settings_dict['NAME']} (fresh); "
        f"Python {platform.python_version()}, Django {django.get_version()}, SpiffWorkflow {version('SpiffWorkflow')}"
    )
    print(f"  machine: {os.cpu_count()} CPUs, load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    print()
    print(f"{'step':<22} {'median':>10} {'min':>10} {'max':>10}")
    print("-" * 55)
    for name, values in (("validate 校验", validate_s), ("deploy 部署", deploy_s), ("validate + deploy", totals)):
        pad = " " * (22 - len(name) - sum(1 for ch in name if ord(ch) > 0x2E80))  # CJK takes two columns
        print(
            f"{name}{pad} {1000 * statistics.median(values):8.1f} ms {1000 * min(values):7.1f} ms "
            f"{1000 * max(values):7.1f} ms"
        )
    print()
    median = statistics.median(totals)
    verdict = "PASS" if median < TARGET_SECONDS and not problems else "FAIL"
    print(f"validate + deploy = {1000 * median:.0f} ms   target < {1000 * TARGET_SECONDS:.0f} ms   {verdict}")
    if problems:
        print("problems: " + "; ".join(problems))
    else:
        runs = args.designer_runs
        print(f"verified: {runs} clean validations, versions 1–{runs} stored with their note and deployer")


def _profile(actor: Any) -> None:
    from processes.services.definitions import definition_deploy, definition_validate

    profiler = cProfile.Profile()
    profiler.enable()
    changed = designer_diagram(marker="profiled run")
    definition_validate(bpmn_xml=changed)
    definition_deploy(bpmn_xml=changed, actor=actor, note="profiled run")
    profiler.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(30)
        print(f"\n--- cProfile: one validate + deploy, by {key} ---")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))

"""Small diagrams written inline for tests of one behaviour each."""

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:tongban="https://tongban.dev/bpmn"
    id="defs_{key}" targetNamespace="https://tongban.dev/bpmn/test">
  {before}
  <bpmn:process id="{key}" name="{key}" isExecutable="true">
{body}
  </bpmn:process>
</bpmn:definitions>
"""


def chain(key: str, *elements: str, before: str = "") -> str:
    """start → elements… → end, each element a `<bpmn:… id="…">` string without flows."""
    ids = ["start"] + [e.split('id="', 1)[1].split('"', 1)[0] for e in elements] + ["end"]
    parts = ['    <bpmn:startEvent id="start" />', *[f"    {e}" for e in elements], '    <bpmn:endEvent id="end" />']
    flows = [
        f'    <bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}" />'
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    ]
    return HEADER.format(key=key, before=before, body="\n".join(parts + flows))


def user_task(task_id: str, role: str = "clerk", extra: str = "") -> str:
    return f'<bpmn:userTask id="{task_id}" name="{task_id}" camunda:candidateGroups="{role}" {extra}/>'


def script_task(task_id: str, script: str) -> str:
    return f'<bpmn:scriptTask id="{task_id}" name="{task_id}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'

"""Camunda JUEL conditions: a diagram drawn in Camunda Modeler with `${approved}` on its flows deploys
and runs unchanged; a condition we cannot translate safely is refused at deploy, naming the flow."""

import pytest

from processes.engine import expressions
from processes.engine.compile import DefinitionInvalid
from processes.engine.juel import JuelError, translate
from processes.models import HumanTask, ProcessDefinition
from processes.services.definitions import definition_validate
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import HEADER

TRANSLATIONS = [
    ("${approved}", "approved"),
    ("${!approved}", "(not approved)"),
    ("${not approved}", "(not approved)"),
    ("${amount > 1000}", "(amount > 1000)"),
    ("${decision == 'ok'}", "(decision == 'ok')"),
    ('${decision == "ok"}', "(decision == 'ok')"),
    ("${a && b || !c}", "((a and b) or (not c))"),
    ("${a and b or not c}", "((a and b) or (not c))"),
    ("${a || b && c}", "(a or (b and c))"),
    ("${x eq 1 and y ne 2}", "((x == 1) and (y != 2))"),
    ("${a lt 1 or a gt 2 or a le 3 or a ge 4}", "((((a < 1) or (a > 2)) or (a <= 3)) or (a >= 4))"),
    ("${a <= 1 && a >= 0 && a != 0.5}", "(((a <= 1) and (a >= 0)) and (a != 0.5))"),
    ("${empty comments}", "(comments in (None, '', [], {}))"),
    ("${!empty comments}", "(not (comments in (None, '', [], {})))"),
    ("${true}", "True"),
    ("${flag == false}", "(flag == False)"),
    ("${owner == null}", "(owner == None)"),
    ("${applicant.age > 18}", "(applicant['age'] > 18)"),
    ("${order['lines'][0].qty >= 1}", "(order['lines'][0]['qty'] >= 1)"),
    ("${-x + 3 * 2 div 4 mod 3}", "((-x) + (((3 * 2) / 4) % 3))"),
    ("${(a || b) && c}", "(((a or b)) and c)"),
    ("${1.5e3 > .5}", "(1500.0 > 0.5)"),
    (r"${name == 'it\'s'}", '(name == "it\'s")'),
    ("${city == '杭州'}", "(city == '杭州')"),
    ("  ${ approved }  ", "approved"),
]


@pytest.mark.parametrize(("juel", "python"), TRANSLATIONS)
def test_simple_juel_becomes_an_equivalent_restricted_expression(juel: str, python: str) -> None:
    """Each supported JUEL form becomes a Python expression our restricted evaluator accepts."""
    assert translate(juel) == python
    expressions.check(python)


@pytest.mark.parametrize(
    ("juel", "context", "expected"),
    [
        ("${amount > 1000 && decision == 'ok'}", {"amount": 1500, "decision": "ok"}, True),
        ("${amount > 1000 && decision == 'ok'}", {"amount": 900, "decision": "ok"}, False),
        ("${empty note}", {"note": ""}, True),
        ("${empty note}", {"note": None}, True),
        ("${empty note}", {"note": 0}, False),
        ("${!empty items}", {"items": [1]}, True),
        ("${applicant.age ge 18}", {"applicant": {"age": 18}}, True),
        ("${10 / 4 == 2.5 && 7 mod 4 == 3}", {}, True),
    ],
)
def test_translated_conditions_evaluate_as_camunda_would(juel: str, context: dict, expected: bool) -> None:  # type: ignore[type-arg]
    """The translated condition gives the answer the JUEL one gives in Camunda for the same variables."""
    assert expressions.evaluate(translate(juel), context) is expected


@pytest.mark.parametrize(
    ("juel", "reason"),
    [
        ("${order.size() > 0}", "method and function calls"),
        ("${fn:length(name) > 0}", "method and function calls"),
        ("${a ? b : c}", "?: is not supported"),
        ("${items.stream().filter(x -> x > 1)}", "method and function calls"),
        ("${x -> x}", "lambda"),
        ("#{approved}", "deferred"),
        ("${a} && ${b}", "single ${...}"),
        ("approved: ${approved}", "single ${...}"),
        ("${}", "empty"),
        ("${a = 1}", "assignment"),
        ("${a += 'x'}", "+="),
        ("${a; b}", "';'"),
        ("${[1, 2]}", "collection literals"),
        ("${a instanceof b}", "instanceof"),
        ("${execution.getVariable('approved')}", "execution object"),
        ("${class}", "'class' is not allowed"),
        ("${__import__}", "not allowed"),
        ("${_secret}", "not allowed"),
        ("${open}", "not allowed"),
        ("${'unterminated}", "unterminated string"),
        ("${a >}", "incomplete"),
        ("${(a}", "incomplete"),
        ("${a b}", "unexpected 'b'"),
        ("${1x}", "malformed number"),
        ("${1.2.3 > 1}", "malformed number"),
        ("${x > 1e999}", "out of range"),
        ("${a @ b}", "unexpected character '@'"),
        ("${" + "(" * 60 + "a" + ")" * 60 + "}", "nested too deeply"),
        # The evaluator's own names are functions or classes: as a condition they are always true.
        *((f"${{{name}}}", "builtin of the evaluator") for name in ("date", "len", "str", "math", "Decimal")),
        ("${working_days_later}", "builtin of the evaluator"),
        ("${approved && len}", "builtin of the evaluator"),
        # Python folds these into `approved` and 3: the condition would test something it does not show.
        ("${\U0001d41a\U0001d429\U0001d429\U0001d42b\U0001d428\U0001d42f\U0001d41e\U0001d41d}", "must be ASCII"),
        ("${\u0663 > 2}", "must be ASCII"),
        ("${城市 == '杭州'}", "must be ASCII"),
    ],
)
def test_juel_outside_the_subset_is_refused_with_a_reason(juel: str, reason: str) -> None:
    """Anything we cannot translate safely is refused with a reason in Chinese and English, never passed on."""
    with pytest.raises(JuelError) as refused:
        translate(juel)
    assert reason in str(refused.value) and " / " in str(refused.value)


ROUTED = """
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="decide" name="决定" camunda:candidateGroups="clerk" />
    <bpmn:exclusiveGateway id="route" />
    <bpmn:userTask id="publish" name="发布" camunda:candidateGroups="clerk" />
    <bpmn:userTask id="rework" name="修改" camunda:candidateGroups="clerk" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="decide" />
    <bpmn:sequenceFlow id="f_decide" sourceRef="decide" targetRef="route" />
    <bpmn:sequenceFlow id="f_yes" sourceRef="route" targetRef="publish">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{yes}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="route" targetRef="rework">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{no}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_pub_end" sourceRef="publish" targetRef="end" />
    <bpmn:sequenceFlow id="f_rework_end" sourceRef="rework" targetRef="end" />
"""


def routed(yes: str, no: str) -> str:
    body = ROUTED.format(yes=yes, no=no)
    xml = HEADER.format(key="juel_route", before="", body=body)
    return xml.replace("<bpmn:definitions ", '<bpmn:definitions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ')


def _run(clerk, data):  # type: ignore[no-untyped-def]
    instance = instance_start(process_key="juel_route", actor=f.actor(clerk), department_id=f.department().pk)
    decide = HumanTask.objects.get(instance=instance, status="open")
    human_task_complete(task_id=decide.pk, actor=f.actor(clerk), data=data)
    return HumanTask.objects.get(instance=instance, status="open").element_id


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("yes", "no", "cases"),
    [
        ("${approved}", "${!approved}", [({"approved": True}, "publish"), ({"approved": False}, "rework")]),
        (
            "${amount &gt; 1000 &amp;&amp; decision == 'ok'}",
            "${amount le 1000 || decision ne 'ok'}",
            [
                ({"amount": 1500, "decision": "ok"}, "publish"),
                ({"amount": 1500, "decision": "no"}, "rework"),
                ({"amount": 10, "decision": "ok"}, "rework"),
            ],
        ),
    ],
)
def test_a_diagram_with_juel_conditions_deploys_and_routes_both_ways(yes: str, no: str, cases: list) -> None:  # type: ignore[type-arg]
    """A Camunda diagram whose gateway flows carry JUEL conditions deploys and takes each path."""
    clerk = f.user("clerk", roles=["clerk"], dept=f.department())
    f.deploy(routed(yes, no))
    assert [_run(clerk, data) for data, _expected in cases] == [expected for _data, expected in cases]


@pytest.mark.django_db
def test_an_untranslatable_condition_is_a_deploy_error_naming_each_flow() -> None:
    """Validation names every flow whose JUEL cannot be translated, and nothing is deployed."""
    xml = routed("${order.isApproved()}", "${a ? b : c}")
    result = definition_validate(bpmn_xml=xml, file_name="route.bpmn")
    assert not result.ok
    problems = {p.element_id: p.message for p in result.errors}
    assert set(problems) == {"f_yes", "f_no"}
    assert problems["f_yes"].startswith("条件表达式无法转换：不支持方法或函数调用")
    assert " / cannot translate JUEL condition on f_yes: method and function calls" in problems["f_yes"]
    assert "method and function calls" in problems["f_yes"]
    assert "?:" in problems["f_no"]
    with pytest.raises(DefinitionInvalid):
        f.deploy(xml)
    assert not ProcessDefinition.objects.filter(key="juel_route").exists()


@pytest.mark.django_db
def test_python_conditions_are_left_as_they_are() -> None:
    """Conditions already written for our evaluator (no `${`) are not touched and still validate."""
    result = definition_validate(bpmn_xml=routed("approved == True", "not approved"), file_name="route.bpmn")
    assert result.ok, result.problems


@pytest.mark.django_db(transaction=True)
def test_camunda_assignee_expression_still_assigns_the_initiator() -> None:
    """`camunda:assignee="${initiator}"` (an attribute, not a condition) keeps assigning the starter."""
    applicant = f.user("applicant", roles=["clerk"], dept=f.department())
    body = (
        '    <bpmn:startEvent id="start" />\n'
        '    <bpmn:userTask id="ack" name="确认" camunda:assignee="${initiator}" />\n'
        '    <bpmn:endEvent id="end" />\n'
        '    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ack" />\n'
        '    <bpmn:sequenceFlow id="f2" sourceRef="ack" targetRef="end" />'
    )
    f.deploy(HEADER.format(key="juel_assignee", before="", body=body))
    instance = instance_start(process_key="juel_assignee", actor=f.actor(applicant))
    assert HumanTask.objects.get(instance=instance).assignee_id == applicant.pk


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["javascript", "groovy", "feel"])
def test_a_condition_in_another_language_is_refused_naming_the_flow(language: str) -> None:
    """`language="javascript"` is not read as Python: the flow is named and nothing deploys."""
    xml = routed("approved == True", "not approved").replace(
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">approved == True',
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="{language}">approved == True',
    )
    result = definition_validate(bpmn_xml=xml, file_name="route.bpmn")
    assert [(p.element_id, language in p.message) for p in result.errors] == [("f_yes", True)]


@pytest.mark.django_db
def test_condition_languages_python_and_juel_are_accepted_and_juel_must_be_an_expression() -> None:
    """language="python" or "juel" (any case) deploys; language="juel" around plain text is refused."""
    tagged = routed("approved == True", "${!approved}").replace(
        'tFormalExpression">approved', 'tFormalExpression" language="Python">approved'
    )
    tagged = tagged.replace('tFormalExpression">${', 'tFormalExpression" language="juel">${')
    assert definition_validate(bpmn_xml=tagged, file_name="route.bpmn").ok
    plain = tagged.replace('language="juel">${!approved}', 'language="juel">approved')
    result = definition_validate(bpmn_xml=plain, file_name="route.bpmn")
    assert [p.element_id for p in result.errors] == ["f_no"] and "language='juel'" in result.errors[0].message


@pytest.mark.django_db
def test_a_refusal_reads_whole_in_either_language() -> None:
    """The message splits into a Chinese and an English half, each with the reason (the page shows one)."""
    from webui.i18n import split_languages

    result = definition_validate(bpmn_xml=routed("${order.size()}", "${date}"), file_name="route.bpmn")
    halves = {p.element_id: split_languages(p.message) for p in result.errors}
    assert halves["f_yes"] == (
        "条件表达式无法转换：不支持方法或函数调用（位置 13）",
        "cannot translate JUEL condition on f_yes: method and function calls are not supported (at 13)",
    )
    assert halves["f_no"] is not None and "内置函数" in halves["f_no"][0] and "builtin" in halves["f_no"][1]

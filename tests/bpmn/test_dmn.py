"""A business rule task evaluates a DMN table deployed with the diagram (cells are Python, run
through the same restricted evaluator)."""

import pytest

from processes.models import HumanTask
from processes.services.definitions import definition_deploy
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db(transaction=True)

RULE = (
    '<bpmn:businessRuleTask id="classify" name="风险分级"><bpmn:extensionElements>'
    "<spiffworkflow:calledDecisionId>risk_level</spiffworkflow:calledDecisionId>"
    "</bpmn:extensionElements></bpmn:businessRuleTask>"
)


def test_business_rule_task_uses_the_deployed_decision_table() -> None:
    dmn = (f.FIXTURES / "risk_level.dmn").read_text("utf-8")
    xml = chain("risk", RULE, user_task("handle", "clerk", "camunda:priority=\"${level == 'high' and 90 or 10}\""))
    definition = definition_deploy(bpmn_xml=xml, extra_files={"risk_level.dmn": dmn}).definition
    assert "risk_level.dmn" in definition.extra_files
    clerk = f.user("clerk", roles=["clerk"], dept=f.department())
    high = instance_start(process_key="risk", actor=f.actor(clerk), data={"amount": 5000})
    low = instance_start(process_key="risk", actor=f.actor(clerk), data={"amount": 10})
    assert HumanTask.objects.get(instance=high).priority == 90
    assert HumanTask.objects.get(instance=low).priority == 10

"""Camunda attributes holding `${…}` (assignee, dueDate, followUpDate, priority) are translated like
conditions and checked at deploy, naming the task; the people lists take names only; and a task whose
assignee resolves to nobody, with no candidates, stops the process with an incident instead of
waiting unseen."""

import pytest

from processes.errors import EngineFailure
from processes.models import HumanTask, Incident
from processes.services.definitions import definition_validate
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task


def _task(attributes: str) -> str:
    return f'<bpmn:userTask id="handle" name="办理" {attributes} />'


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("attributes", "said"),
    [
        ('camunda:assignee="${initiator &amp;&amp;}"', "camunda:assignee"),
        ('camunda:assignee="${open(1)}"', "open"),
        ('camunda:assignee="${!initiator}"', "not a user name"),
        ("camunda:assignee=\"${reviewer == 'x'}\"", "not a user name"),
        ('camunda:assignee="${date}"', "builtin"),
        ('camunda:assignee="user_${id}"', "single ${...}"),
        ('camunda:candidateGroups="clerk" camunda:dueDate="${due &amp;&amp;}"', "camunda:dueDate"),
        ('camunda:candidateGroups="clerk" camunda:followUpDate="#{later}"', "deferred"),
        ('camunda:candidateGroups="clerk" camunda:priority="${a ? 1 : 2}"', "camunda:priority"),
        ('camunda:candidateGroups="${group}"', "camunda:candidateGroups"),
        ('camunda:candidateUsers="${reviewer}"', "camunda:candidateUsers"),
        ('tongban:candidateRoles="${role}"', "tongban:candidateRoles"),
    ],
)
def test_an_attribute_expression_that_cannot_run_as_shown_is_a_deploy_error(attributes: str, said: str) -> None:
    """Validation refuses the diagram and pins the reason to the task, instead of a task nobody sees."""
    result = definition_validate(bpmn_xml=chain("attrs", _task(attributes)), file_name="attrs.bpmn")
    assert not result.ok
    assert [p.element_id for p in result.errors] == ["handle"], result.errors
    assert said in result.errors[0].message and " / " in result.errors[0].message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "attributes",
    [
        'camunda:assignee="${initiator}"',
        'camunda:assignee="${applicant.name}"',
        'camunda:candidateGroups="clerk" camunda:priority="${level == \'high\' and 90 or 10}"',
        'camunda:candidateGroups="clerk" camunda:priority="${len(reviewers) * 10}"',
        'camunda:candidateGroups="clerk" camunda:dueDate="${plan.due}" camunda:followUpDate="${later}"',
    ],
)
def test_juel_and_restricted_python_attributes_deploy(attributes: str) -> None:
    """JUEL, and the restricted Python such attributes held before (`${len(x) * 10}`), still deploy."""
    result = definition_validate(bpmn_xml=chain("attrs", _task(attributes)), file_name="attrs.bpmn")
    assert result.ok, result.errors


@pytest.mark.django_db(transaction=True)
def test_juel_attributes_mean_what_camunda_means() -> None:
    """`${applicant.name}` reads the key of a JSON variable, `${a.b}` gives the priority, `${plan.due}`
    the due date: the task lands with that person, priority and due date."""
    clerk = f.user("clerk", roles=["clerk"], dept=f.department())
    bob = f.user("bob")
    attrs = 'camunda:assignee="${applicant.name}" camunda:priority="${a.b}" camunda:dueDate="${plan.due}"'
    f.deploy(chain("attrs", _task(attrs)))
    data = {"applicant": {"name": "bob"}, "a": {"b": 70}, "plan": {"due": "2031-05-06"}}
    instance = instance_start(process_key="attrs", actor=f.actor(clerk), data=data)
    task = HumanTask.objects.get(instance=instance)
    assert (task.assignee_id, task.priority) == (bob.pk, 70)
    assert task.due_at is not None and task.due_at.date().isoformat() == "2031-05-06"


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_assignee_is_nobody_and_has_no_candidates_fails_closed() -> None:
    """Starting: refused with the task named. Later in the process: an incident on the task, and the
    step that led there is rolled back, so nobody is left waiting on a task no one can see."""
    clerk = f.user("clerk", roles=["clerk"], dept=f.department())
    f.deploy(chain("nobody", _task('camunda:assignee="${reviewer}"')))
    with pytest.raises(EngineFailure) as refused:
        instance_start(process_key="nobody", actor=f.actor(clerk), data={"reviewer": "ghost"})
    assert refused.value.detail == {"element_id": "handle"} and "ghost" in str(refused.value)

    f.deploy(chain("later", user_task("first", "clerk"), _task('camunda:assignee="${reviewer}"')))
    instance = instance_start(process_key="later", actor=f.actor(clerk))
    first = HumanTask.objects.get(instance=instance)
    with pytest.raises(EngineFailure):
        human_task_complete(task_id=first.pk, actor=f.actor(clerk), data={"reviewer": ""})
    incident = Incident.objects.get(instance=instance)
    assert incident.element_id == "handle" and "no candidates" in incident.message
    assert list(HumanTask.objects.filter(instance=instance).values_list("element_id", "status")) == [("first", "open")]

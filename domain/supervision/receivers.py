"""What 督查督办 does when the orchestration core reports something: an approved 延期申请 on a unit's
办理 task (processes.services.supervision.extension_decide) moves that unit's due time with it.

Connected by model label (no import of processes.models): the signal arrives inside the decision's
transaction, so the unit and the task never disagree about the due time."""

from typing import Any

from django.contrib.contenttypes.models import ContentType

from .models import SupervisionItem
from .services import PROCESS_KEY, unit_due_extend

# The BPMN element whose due time is the unit's (bpmn/supervision_task.bpmn).
HANDLE_ELEMENT = "handle"


def on_extension_saved(sender: Any, *, instance: Any, **kwargs: Any) -> None:
    if instance.status != "approved":
        return
    task = instance.task
    if task.process_key != PROCESS_KEY or task.element_id != HANDLE_ELEMENT or task.due_at is None:
        return
    case = task.instance
    if case.subject_type_id != ContentType.objects.get_for_model(SupervisionItem).pk or task.department_id is None:
        return
    unit_due_extend(
        item_id=int(case.subject_id),
        department_id=task.department_id,
        request_id=instance.pk,
        working_days=instance.working_days,
        due_at=task.due_at,
        previous_due_at=instance.previous_due_at,
        reason=instance.reason,
    )

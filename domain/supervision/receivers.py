"""What 督查督办 does when the orchestration core reports something: an approved 延期申请 on a unit's
办理 task (processes.signals.extension_approved, sent by extension_decide) moves that unit's due time with
it. The signal arrives inside the decision's transaction, so the unit and the task never disagree."""

from typing import Any

from django.contrib.contenttypes.models import ContentType

from .models import SupervisionItem
from .services import PROCESS_KEY, unit_due_extend

# The BPMN element whose due time is the unit's (bpmn/supervision_task.bpmn).
HANDLE_ELEMENT = "handle"


def on_extension_approved(sender: Any, *, request: Any, task: Any, **kwargs: Any) -> None:
    if task.process_key != PROCESS_KEY or task.element_id != HANDLE_ELEMENT or task.due_at is None:
        return
    case = task.instance
    if case.subject_type_id != ContentType.objects.get_for_model(SupervisionItem).pk or task.department_id is None:
        return
    unit_due_extend(
        item_id=int(case.subject_id),
        department_id=task.department_id,
        request_id=request.pk,
        working_days=request.working_days,
        due_at=task.due_at,
        previous_due_at=request.previous_due_at,
        reason=request.reason,
    )

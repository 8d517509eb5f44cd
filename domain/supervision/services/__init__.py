"""督查督办 writes. Import from here: `from domain.supervision import services as supervision_services`."""

from .items import (
    PROCESS_KEY,
    ItemFields,
    SubItemFields,
    item_attachment_add,
    item_attachments_add,
    item_create,
    item_dispatch,
    item_fields_check,
    item_split,
    item_write_off,
    milestone_add,
    milestone_done,
)
from .notices import notice_publish
from .problems import problem_assign, problem_resolve
from .process import (
    ProblemInput,
    item_close,
    item_register,
    progress_record,
    unit_accept,
    unit_complete,
    unit_due_extend,
    unit_finish,
    unit_return,
    units_payload,
)

__all__ = [
    "PROCESS_KEY",
    "ItemFields",
    "ProblemInput",
    "SubItemFields",
    "item_attachment_add",
    "item_attachments_add",
    "item_close",
    "item_create",
    "item_dispatch",
    "item_fields_check",
    "item_register",
    "item_split",
    "item_write_off",
    "milestone_add",
    "milestone_done",
    "notice_publish",
    "problem_assign",
    "problem_resolve",
    "progress_record",
    "unit_accept",
    "unit_complete",
    "unit_due_extend",
    "unit_finish",
    "unit_return",
    "units_payload",
]

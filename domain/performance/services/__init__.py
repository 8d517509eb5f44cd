"""绩效通 writes. Import from here: `from domain.performance import services as performance_services`."""

from .manual import CellError, ManualCell, ManualScoresInvalid, manual_points, manual_score_enter, manual_scores_enter
from .rectification import rectification_open
from .rounds import (
    round_collection_close,
    round_create,
    round_field_add,
    round_publish,
    unit_token_renew,
    values_import,
    values_submit,
    values_submit_by_token,
    values_upload,
)
from .scoring import round_score
from .systems import node_add, node_delete, node_update, system_copy, system_create, system_problems, system_publish

__all__ = [
    "CellError",
    "ManualCell",
    "ManualScoresInvalid",
    "manual_points",
    "manual_score_enter",
    "manual_scores_enter",
    "node_add",
    "node_delete",
    "node_update",
    "rectification_open",
    "round_collection_close",
    "round_create",
    "round_field_add",
    "round_publish",
    "round_score",
    "system_copy",
    "system_create",
    "system_problems",
    "system_publish",
    "unit_token_renew",
    "values_import",
    "values_submit",
    "values_submit_by_token",
    "values_upload",
]

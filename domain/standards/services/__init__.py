"""Writes of the standards app (elements, code sets, 清洗比对 runs and their review)."""

from .codesets import CodeRow, ImportSummary, code_set_import, code_set_seed
from .elements import element_create, element_transition, element_update, full_pinyin
from .review import cluster_accept, cluster_reject, cluster_split
from .runs import cleansing_run_execute, cleansing_run_start

__all__ = [
    "CodeRow",
    "ImportSummary",
    "cleansing_run_execute",
    "cleansing_run_start",
    "cluster_accept",
    "cluster_reject",
    "cluster_split",
    "code_set_import",
    "code_set_seed",
    "element_create",
    "element_transition",
    "element_update",
    "full_pinyin",
]

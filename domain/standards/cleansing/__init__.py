"""清洗比对: propose clusters of synonymous fields. Pure Python (no database); see engine.py for the rules."""

from .engine import EngineConfig, cluster_fields
from .records import (
    ConditionalTerm,
    EngineResult,
    FieldRecord,
    ProposedCluster,
    ProposedLink,
    Reason,
    SynonymSet,
)
from .vocabulary import DEFAULT_SYNONYM_SETS

__all__ = [
    "DEFAULT_SYNONYM_SETS",
    "ConditionalTerm",
    "EngineConfig",
    "EngineResult",
    "FieldRecord",
    "ProposedCluster",
    "ProposedLink",
    "Reason",
    "SynonymSet",
    "cluster_fields",
]

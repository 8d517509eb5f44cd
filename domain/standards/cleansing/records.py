"""Plain data crossing the engine's border: field records in, proposed clusters and links out."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def gettext_noop(message: str) -> str:
    """Marks a Chinese msgid for extraction (makemessages knows this name) without needing Django settings:
    the engine runs without Django; labels are translated where they are shown."""
    return message


@dataclass(slots=True)
class FieldRecord:
    """One field somewhere in the estate: a registered column, a catalog information item …

    `source` names the registered source ("assets.column"), `source_id` the row there. `context` carries
    what the source knows around the field, e.g. {"证件类型": "身份证"} read from a sibling column.
    """

    source: str
    source_id: int
    name: str
    comment: str = ""
    data_type: str = ""
    length: int | None = None
    context: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ConditionalTerm:
    """A term that names the concept only when the field's context says so (证件号码 when 证件类型 = 身份证)."""

    term: str
    context: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class SynonymSet:
    """One concept (in practice a data element): its standard name, synonyms and related concepts."""

    key: str
    name: str
    terms: tuple[str, ...]
    conditional: tuple[ConditionalTerm, ...] = ()
    related: tuple[str, ...] = ()  # keys of concepts that must stay apart but are worth linking


@dataclass(frozen=True)
class Reason:
    """Why two names were put together (or linked): an English code and a Chinese label plus detail."""

    code: str
    label: str  # a Chinese msgid (marked with gettext_noop), translated when shown
    detail: str = ""
    confidence: float = 1.0

    @property
    def text(self) -> str:
        return f"{self.label} {self.detail}".strip()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "detail": self.detail, "confidence": self.confidence}


@dataclass
class ProposedCluster:
    members: list[int]  # indexes into the input records
    confidence: float
    reasons: list[Reason]
    suggested_name: str
    concept: str | None = None  # the SynonymSet key, when the cluster is a known concept
    member_reasons: dict[int, Reason] = field(default_factory=dict)  # record index → why it joined


@dataclass(frozen=True)
class ProposedLink:
    """Two clusters that must stay apart but belong together in a steward's view (关联)."""

    a: int  # indexes into EngineResult.clusters
    b: int
    reason: Reason


@dataclass
class EngineResult:
    clusters: list[ProposedCluster]
    links: list[ProposedLink]
    cluster_of: list[int]  # per input record: its cluster index, or -1 when it stands alone
    fields_scanned: int = 0
    names_distinct: int = 0
    fuzzy_comparisons: int = 0

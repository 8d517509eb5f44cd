"""Plain data that crosses the engine's border (no SpiffWorkflow objects)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class HumanTaskView:
    task_id: str
    element_id: str
    name: str
    lane: str
    documentation: str
    people: dict[str, Any]
    data: dict[str, Any]


@dataclass(frozen=True)
class TimerView:
    task_id: str
    element_id: str
    due_at: datetime


@dataclass(frozen=True)
class SubscriptionView:
    task_id: str
    element_id: str
    name: str
    correlation: dict[str, Any]


@dataclass(frozen=True)
class JobView:
    task_id: str
    element_id: str
    operator: str
    params: dict[str, Any]
    result_variable: str


@dataclass(frozen=True)
class ThrownMessage:
    name: str
    payload: Any
    correlation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """One validation finding, pinned to a diagram element where there is one."""

    message: str
    element_id: str = ""
    file_name: str = ""
    line: int | None = None
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "element_id": self.element_id,
            "file": self.file_name,
            "line": self.line,
            "severity": self.severity,
        }

"""Typed errors of 绩效通: each names what to fix — the node and its sums, the field, the row."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from domain.spreadsheet import RowError  # callers import it from here too


class PerformanceError(Exception):
    """A rule of 绩效通 refused the operation; `message` is for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(PerformanceError):
    """The person may not do this in 绩效通 (domain.performance.access names who may)."""


class SystemFrozen(PerformanceError):
    """The indicator system is published; copy it to a new version to change it."""


class WrongStatus(PerformanceError):
    """The round (or system) is not in a state that allows this step."""


class NodeInvalid(PerformanceError):
    """A node's own definition is wrong (kind under its parent, weight, rule)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NodeProblem:
    """One problem of one node; `actual`/`expected` are set for a weight-sum mismatch."""

    node_id: int | None  # None: the system's top level
    node_name: str
    message: str
    actual: Decimal | None = None
    expected: Decimal | None = None

    def __str__(self) -> str:
        return f"{self.node_name}: {self.message}"


class SystemInvalid(PerformanceError):
    """The system cannot be published; `problems` lists every node that is wrong."""

    def __init__(self, problems: list[NodeProblem]) -> None:
        self.problems = problems
        super().__init__(_("指标体系有误：%(list)s") % {"list": "；".join(str(p) for p in problems)})


class ValuesInvalid(PerformanceError):
    """Submitted values are wrong; `errors` maps each bad field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        summary = "；".join(f"{name}: {message}" for name, message in errors.items())
        super().__init__(_("填报数据有误：%(summary)s") % {"summary": summary})


class ValuesImportError(PerformanceError):
    """The Excel file was refused as a whole; `errors` lists every bad row and cell."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("；".join(str(error) for error in errors))


class TokenInvalid(PerformanceError):
    """The questionnaire link is unknown, or its round no longer collects data."""


class RoundFieldsMissing(PerformanceError):
    """Formulas of the round's system read variables that are not data fields of the round."""

    def __init__(self, problems: list[NodeProblem]) -> None:
        self.problems = problems
        super().__init__(
            _("以下评分点使用了本轮未采集的数据：%(list)s") % {"list": "；".join(str(p) for p in problems)}
        )

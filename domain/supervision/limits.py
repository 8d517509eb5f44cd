"""Default time limits (办理时限) in working days, by source and urgency [practice]:

leader instructions urgent 1–5 (default 5), normal 15, difficult 30; documents 30; meeting minutes 20;
key tasks 30 (our choice: the practice gives no figure). Configurable in settings:

    TONGBAN["SUPERVISION_TIME_LIMITS"] = {
        "leader_instruction": {"urgent": [1, 5], "normal": 15, "difficult": 30},
        "document": 30, "minutes": 20, "key_task": 30,
    }

A source maps to one rule or to one rule per urgency. A rule is N (the default and the longest allowed)
or [min, max] (the default is max). The office may set a shorter limit than the default, never a
longer one: more time is an extension (延期申请), asked by the unit and approved, and audited.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ItemInvalid

DEFAULT_TIME_LIMITS: dict[str, Any] = {
    "leader_instruction": {"urgent": [1, 5], "normal": 15, "difficult": 30},
    "document": 30,
    "minutes": 20,
    "key_task": 30,
}


@dataclass(frozen=True)
class TimeLimit:
    default: int
    minimum: int
    maximum: int


def _table() -> dict[str, Any]:
    configured = getattr(settings, "TONGBAN", {}).get("SUPERVISION_TIME_LIMITS") or {}
    return {**DEFAULT_TIME_LIMITS, **configured}


def _rule(value: Any) -> TimeLimit:
    if isinstance(value, list | tuple) and len(value) == 2:
        low, high = int(value[0]), int(value[1])
        return TimeLimit(default=high, minimum=low, maximum=high)
    return TimeLimit(default=int(value), minimum=1, maximum=int(value))


def time_limit_for(source: str, urgency: str) -> TimeLimit:
    """The rule for an item of `source` and `urgency` (the source's only rule when it has no per-urgency ones)."""
    table = _table()
    if source not in table:
        raise ItemInvalid({"source": [_("未知的事项来源：%(source)s") % {"source": source}]})
    entry = table[source]
    if isinstance(entry, dict):
        if urgency not in entry:
            raise ItemInvalid({"urgency": [_("该来源没有此紧急程度的办理时限：%(urgency)s") % {"urgency": urgency}]})
        entry = entry[urgency]
    return _rule(entry)


def time_limit_resolve(source: str, urgency: str, requested: int | None) -> int:
    """The item's time limit: the default, or the one asked for if the rule allows it."""
    rule = time_limit_for(source, urgency)
    if requested is None:
        return rule.default
    if not rule.minimum <= requested <= rule.maximum:
        raise ItemInvalid(
            {
                "time_limit_days": [
                    _("办理时限应在 %(min)s 至 %(max)s 个工作日之间；需要更长时间请办理延期申请。")
                    % {"min": rule.minimum, "max": rule.maximum}
                ]
            }
        )
    return requested

"""Compare versions of a process: what a designer changed, element by element."""

from typing import Any

from ..engine.diff import DefinitionDiff, diff_definitions
from ..models import ProcessDefinition
from .definitions import FORM_PREFIX


def _forms(definition: ProcessDefinition) -> dict[str, Any]:
    return {name: text for name, text in (definition.extra_files or {}).items() if name.startswith(FORM_PREFIX)}


def definition_diff(*, from_definition: ProcessDefinition, to_definition: ProcessDefinition) -> DefinitionDiff:
    """Added, removed and changed elements from one deployed version to another (forms included)."""
    return diff_definitions(
        from_definition.bpmn_xml, to_definition.bpmn_xml, _forms(from_definition), _forms(to_definition)
    )


def draft_diff(*, base: ProcessDefinition, bpmn_xml: str, forms: dict[str, Any] | None = None) -> DefinitionDiff:
    """What a draft (XML and `{"forms/<key>.json": text}`) changes against the version it started from.

    Forms the draft does not carry are taken from the base version. Malformed draft XML raises
    ValidationException (the validator reports it with its line)."""
    merged = {**_forms(base), **{k: v for k, v in (forms or {}).items() if k.startswith(FORM_PREFIX)}}
    return diff_definitions(base.bpmn_xml, bpmn_xml, _forms(base), merged)

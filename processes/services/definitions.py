"""Validate and deploy process definitions."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from handlers.registry import handler_names

from ..engine.compile import Checks, CompiledProcess, DefinitionInvalid, check_definition, compile_process
from ..engine.parser import BPMN_NS, parse_xml, read_people_attributes
from ..engine.runtime import SPEC_CACHE
from ..engine.views import Problem
from ..models import ProcessDefinition
from ..ports import directory
from .audit import audit_append

FORM_PREFIX = "forms/"


@dataclass
class ValidationResult:
    process_key: str = ""
    name: str = ""
    problems: list[Problem] = field(default_factory=list)
    forms: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]


@dataclass
class DeployResult:
    definition: ProcessDefinition
    created: bool
    warnings: list[Problem]


def bpmn_dir() -> Path:
    return Path(settings.TONGBAN["BPMN_DIR"])


def form_files_on_disk() -> dict[str, str]:
    """forms/<key>.json → text, from bpmn/forms."""
    forms_dir = bpmn_dir() / "forms"
    return {f"{FORM_PREFIX}{p.name}": p.read_text("utf-8") for p in sorted(forms_dir.glob("*.json"))}


def bpmn_directory_files(paths: list[Path] | None = None) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """(path, bpmn text, DMN files beside it) for each diagram to deploy."""
    root = bpmn_dir()
    dmn = {p.name: p.read_text("utf-8") for p in sorted(root.glob("*.dmn"))}
    for path in paths or sorted(root.glob("*.bpmn")):
        yield path, path.read_text("utf-8") if path.exists() else "", dict(dmn)


def _referenced_forms(bpmn_xml: str, file_name: str) -> set[str]:
    tree = parse_xml(bpmn_xml, file_name)
    keys = set()
    for tag in ("userTask", "manualTask"):
        for node in tree.iter(f"{{{BPMN_NS}}}{tag}"):
            key = read_people_attributes(node)["form_key"]
            if key:
                keys.add(key)
    return keys


def _form_problems(forms: dict[str, str]) -> list[Problem]:
    """The form editor's rule (designer_forms.form_schema_problems), so a form saved there deploys."""
    from .designer_forms import form_schema_problems  # it imports this module

    problems = []
    for name, text in forms.items():
        try:
            schema = json.loads(text)
        except ValueError as exc:
            problems.append(Problem(f"表单不是有效的 JSON / the form is not valid JSON: {exc}", file_name=name))
            continue
        for message in form_schema_problems(schema):
            problems.append(Problem(f"表单有误 / invalid form: {message}", file_name=name))
    return problems


def definition_validate(
    *, bpmn_xml: str, extra_files: dict[str, str] | None = None, file_name: str = "", check_roles: bool = True
) -> ValidationResult:
    """Everything a deploy checks, without storing anything."""
    extra = dict(extra_files or {})
    available_forms = {**form_files_on_disk(), **{k: v for k, v in extra.items() if k.startswith(FORM_PREFIX)}}
    non_form = {k: v for k, v in extra.items() if not k.startswith(FORM_PREFIX)}
    checks = Checks(
        handler_names=handler_names(),
        form_keys={name.removeprefix(FORM_PREFIX).removesuffix(".json") for name in available_forms},
        known_roles=directory().known_role_codes() if check_roles else None,
    )
    result = ValidationResult()
    try:
        compiled, warnings = check_definition(bpmn_xml, non_form, checks, file_name=file_name)
    except DefinitionInvalid as exc:
        result.problems = exc.problems
        return result
    result.process_key, result.name = compiled.process_id, compiled.name
    used = {f"{FORM_PREFIX}{key}.json" for key in _referenced_forms(bpmn_xml, file_name)}
    result.forms = {name: available_forms[name] for name in sorted(used) if name in available_forms}
    result.problems = _form_problems(result.forms) + warnings
    return result


def content_hash(bpmn_xml: str, files: dict[str, str]) -> str:
    digest = hashlib.sha256(bpmn_xml.encode("utf-8"))
    for name in sorted(files):
        digest.update(b"\0" + name.encode("utf-8") + b"\0" + files[name].encode("utf-8"))
    return digest.hexdigest()


def definition_deploy(
    *,
    bpmn_xml: str,
    extra_files: dict[str, str] | None = None,
    file_name: str = "",
    actor: Any = None,
    note: str = "",
) -> DeployResult:
    """Validate fully; store a new version only when the content changed. Nothing is stored on failure."""
    result = definition_validate(bpmn_xml=bpmn_xml, extra_files=extra_files, file_name=file_name)
    if not result.ok:
        raise DefinitionInvalid(result.errors)
    files = {k: v for k, v in (extra_files or {}).items() if not k.startswith(FORM_PREFIX)}
    files.update(result.forms)
    digest = content_hash(bpmn_xml, files)
    with transaction.atomic():
        latest = (
            ProcessDefinition.objects.select_for_update().filter(key=result.process_key).order_by("-version").first()
        )
        if latest is not None and latest.content_hash == digest:
            return DeployResult(latest, False, result.warnings)
        definition = ProcessDefinition.objects.create(
            key=result.process_key,
            version=(latest.version + 1 if latest else 1),
            name=result.name,
            bpmn_xml=bpmn_xml,
            extra_files=files,
            content_hash=digest,
            note=note,
            deployed_by_id=getattr(actor, "user_id", None),
        )
        audit_append(
            "definition_deployed",
            actor=getattr(actor, "username", "system"),
            payload={
                "process_key": definition.key,
                "version": definition.version,
                "hash": digest,
                "file": file_name,
                "note": note,
            },
        )
    return DeployResult(definition, True, result.warnings)


# Columns a command never needs: read once into the spec cache, not with every instance row.
HEAVY_FIELDS = ("bpmn_xml", "extra_files", "note")


def compiled_for(definition: ProcessDefinition) -> CompiledProcess:
    """The parsed spec (and forms) of a stored definition, parsed once per process.

    `definition` may have its heavy fields deferred: they are read only when the cache misses.
    """
    # Keyed by content too: a row id alone can be reused (SQLite after a delete, a restored backup).
    cache_key = (definition.pk, definition.content_hash)
    compiled = SPEC_CACHE.get(cache_key)
    if compiled is None:
        files = {k: v for k, v in definition.extra_files.items() if not k.startswith(FORM_PREFIX)}
        compiled = compile_process(definition.bpmn_xml, files, file_name=f"{definition.key}.bpmn")
        compiled.forms = {
            name.removeprefix(FORM_PREFIX).removesuffix(".json"): json.loads(text)
            for name, text in definition.extra_files.items()
            if name.startswith(FORM_PREFIX)
        }
        SPEC_CACHE.put(cache_key, compiled)
    return compiled


def form_schema(definition: ProcessDefinition, form_key: str) -> dict[str, Any] | None:
    return compiled_for(definition).forms.get(form_key)


def definition_latest(key: str) -> ProcessDefinition:
    from ..errors import NotFound

    definition = ProcessDefinition.objects.filter(key=key).defer(*HEAVY_FIELDS).order_by("-version").first()
    if definition is None:
        raise NotFound(f"流程 '{key}' 尚未部署 / process '{key}' is not deployed")
    return definition

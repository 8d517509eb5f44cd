"""流程设计: a designer's drafts (blank, opened from a deployed version, or uploaded from Camunda Modeler),
saved as they work with an optimistic revision check, validated and deployed by the same code as every
other deploy (processes.services.definitions)."""

import re
import secrets
from typing import Any

from django.db import transaction
from lxml import etree

from ..engine.parser import BPMN_NS
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import ProcessDefinition, ProcessDraft
from ..ports import Actor
from ..selectors_designer import designer_may_edit, draft_get, draft_visible, ensure_designer
from .definitions import FORM_PREFIX, DeployResult, ValidationResult, definition_deploy, definition_validate

__all__ = [
    "DRAFT_MAX_BYTES",
    "DraftOutdated",
    "DraftStale",
    "designer_may_edit",
    "draft_create",
    "draft_delete",
    "draft_deploy",
    "draft_save",
    "draft_upload",
    "draft_validate",
]

# A 200-element diagram with its layout is about 150 KB; far beyond this is not a drawing. (Django
# refuses request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB, before a save gets here.)
DRAFT_MAX_BYTES = 2 * 1024 * 1024
FORM_FILE = re.compile(rf"^{FORM_PREFIX}[\w\-.]{{1,100}}\.json$")
OTHER_FILE = re.compile(r"^[\w\-.]{1,100}\.(dmn|bpmn)$")
BLANK_NAME = "新流程"

BLANK_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  xmlns:tongban="https://tongban.dev/bpmn"
                  id="{process_id}_definitions" targetNamespace="https://tongban.dev/bpmn/designer">
  <bpmn:process id="{process_id}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="开始" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="{process_id}_diagram">
    <bpmndi:BPMNPlane id="{process_id}_plane" bpmnElement="{process_id}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="186" y="203" width="24" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


class DraftStale(Conflict):
    """The draft was saved elsewhere (another tab) since this copy was loaded: reload, do not overwrite."""

    def __init__(self, revision: int) -> None:
        super().__init__(
            "草稿已在别处保存（可能是另一个窗口），请重新加载 / the draft was saved elsewhere since; reload it",
            detail={"revision": revision},
        )
        self.revision = revision


class DraftOutdated(Conflict):
    """Someone deployed a newer version of the process since this draft was opened from its base:
    deploying it as it is would silently undo their changes. Deploy again with `confirm_outdated`
    after looking at the diff between the two versions."""

    def __init__(self, *, key: str, base_version: int, latest_version: int) -> None:
        super().__init__(
            f"此草稿基于的版本 v{base_version} 已不是最新（最新 v{latest_version}，可能由他人部署）。"
            f"直接部署会撤销 v{latest_version} 中的修改；请先查看两版的差异，确认后再部署。 / "
            f"this draft is based on v{base_version} but v{latest_version} has been deployed since; deploying "
            f"it would undo the changes of v{latest_version}. Compare the versions, then confirm.",
            detail={"key": key, "base_version": base_version, "latest_version": latest_version},
        )
        self.key = key
        self.base_version = base_version
        self.latest_version = latest_version


def _too_large(size: int, field: str) -> None:
    if size > DRAFT_MAX_BYTES:
        limit = DRAFT_MAX_BYTES // (1024 * 1024)
        raise ValidationFailed(
            f"文件过大（上限 {limit} MB） / too large (at most {limit} MB)", detail={field: ["too large"]}
        )


def process_identity(bpmn_xml: str) -> tuple[str, str] | None:
    """(process id, name) of the diagram's executable process, or None while the XML is half-drawn."""
    try:
        root = etree.fromstring(bpmn_xml.encode("utf-8"), parser=_xml_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    processes = root.findall(f"{{{BPMN_NS}}}process")
    executable = [p for p in processes if (p.get("isExecutable") or "true").lower() == "true"] or processes
    if not executable or not executable[0].get("id"):
        return None
    main = executable[0]
    return main.get("id")[:200], (main.get("name") or main.get("id"))[:200]


def _xml_parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _owner_id(actor: Actor) -> int:
    ensure_designer(actor)  # a designer is a signed-in user
    assert actor.user_id is not None
    return actor.user_id


def _locked(actor: Actor, draft_id: int) -> ProcessDraft:
    draft = draft_visible(actor=actor).select_for_update().filter(pk=draft_id).first()
    if draft is None:
        raise NotFound(f"草稿 {draft_id} 不存在 / draft {draft_id} not found")
    return draft


@transaction.atomic
def draft_create(*, actor: Actor, from_definition_id: int | None = None) -> ProcessDraft:
    """A new draft: a blank diagram with one start event, or a deployed version's diagram and files."""
    ensure_designer(actor)
    if from_definition_id is None:
        process_id = f"process_{secrets.token_hex(4)}"
        xml = BLANK_BPMN.format(process_id=process_id, name=BLANK_NAME)
        return ProcessDraft.objects.create(owner_id=_owner_id(actor), key=process_id, name=BLANK_NAME, bpmn_xml=xml)
    definition = ProcessDefinition.objects.filter(pk=from_definition_id).first()
    if definition is None:
        raise NotFound(f"流程定义 {from_definition_id} 不存在 / definition {from_definition_id} not found")
    return ProcessDraft.objects.create(
        owner_id=_owner_id(actor),
        key=definition.key,
        name=definition.name,
        bpmn_xml=definition.bpmn_xml,
        # Forms and DMN tables travel with the diagram, so the draft deploys as the version did.
        forms=dict(definition.extra_files),
        base=definition,
    )


@transaction.atomic
def draft_upload(*, actor: Actor, file_name: str, content: bytes) -> ProcessDraft:
    """A draft from a .bpmn file (as Camunda Modeler 5 exports it: its camunda: attributes are kept
    verbatim and read at deploy). Refuses anything that is not BPMN XML, with a message saying why."""
    ensure_designer(actor)
    _too_large(len(content), "file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            f"{file_name}: 文件不是 UTF-8 编码的 XML / not UTF-8 encoded XML", detail={"file": ["not UTF-8"]}
        ) from None
    try:
        root = etree.fromstring(text.encode("utf-8"), parser=_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise ValidationFailed(
            f"{file_name}: 不是 XML 文件（{exc}） / not an XML file ({exc})", detail={"file": ["not XML"]}
        ) from None
    if root.tag != f"{{{BPMN_NS}}}definitions" or root.find(f"{{{BPMN_NS}}}process") is None:
        raise ValidationFailed(
            f"{file_name}: 不是 BPMN 2.0 流程文件（需要 bpmn:definitions 和 bpmn:process） / "
            "not a BPMN 2.0 process (needs bpmn:definitions with a bpmn:process)",
            detail={"file": ["not BPMN"]},
        )
    key, name = process_identity(text) or ("", "")
    return ProcessDraft.objects.create(owner_id=_owner_id(actor), key=key, name=name, bpmn_xml=text)


def _checked_forms(forms: dict[str, Any], previous: dict[str, str]) -> dict[str, str]:
    """The new form files; files that are not forms (DMN tables beside the diagram) stay as they were."""
    bad = [name for name, text in forms.items() if not (FORM_FILE.match(str(name)) and isinstance(text, str))]
    if bad:
        raise ValidationFailed(
            "表单文件名应为 forms/<标识>.json，内容为 JSON 文本 / forms are named forms/<key>.json and hold JSON text",
            detail={"forms": bad},
        )
    _too_large(sum(len(text.encode("utf-8")) for text in forms.values()), "forms")
    kept = {name: text for name, text in previous.items() if OTHER_FILE.match(name)}
    return {**kept, **forms}


@transaction.atomic
def draft_save(
    *, actor: Actor, draft_id: int, bpmn_xml: str, revision: int, forms: dict[str, Any] | None = None
) -> ProcessDraft:
    """Store the designer's diagram (and forms, when given) if nobody saved the diagram since `revision`.

    The form editor saves forms against the draft's own `forms_revision`, so it never makes this
    check fail; forms given here replace the draft's and bump `forms_revision` (the modeler sends none).

    Half-drawn XML is stored as it is (autosave must never lose work); the key and name follow the
    process id and name whenever the XML says them."""
    draft = _locked(actor, draft_id)
    if draft.revision != revision:
        raise DraftStale(draft.revision)
    _too_large(len(bpmn_xml.encode("utf-8")), "bpmn_xml")
    if forms is not None:
        draft.forms = _checked_forms(forms, draft.forms)
        # A form editor open on the forms replaced here must be told on its next save, not overwrite them.
        draft.forms_revision += 1
    identity = process_identity(bpmn_xml)
    if identity is not None:
        draft.key, draft.name = identity
    draft.bpmn_xml = bpmn_xml
    draft.revision += 1
    draft.save(update_fields=["bpmn_xml", "forms", "forms_revision", "key", "name", "revision", "updated_at"])
    return draft


@transaction.atomic
def draft_delete(*, actor: Actor, draft_id: int) -> None:
    _locked(actor, draft_id).delete()


def draft_validate(*, actor: Actor, draft_id: int) -> ValidationResult:
    """What deploying the draft now would say: the errors and warnings, each pinned to its element."""
    draft = draft_get(actor=actor, draft_id=draft_id)
    return definition_validate(bpmn_xml=draft.bpmn_xml, extra_files=draft.forms, file_name=_file_name(draft))


@transaction.atomic
def draft_deploy(
    *,
    actor: Actor,
    draft_id: int,
    note: str = "",
    revision: int | None = None,
    confirm_outdated: bool = False,
) -> DeployResult:
    """Deploy the draft as saved: a new version when valid and changed (with the note and who deployed
    it, in the definition and its `definition_deployed` audit event), the latest one when unchanged.
    Raises DefinitionInvalid, storing nothing, when invalid. The draft then starts from that version.

    Refuses (DraftStale) when `revision` is given and the draft was saved since (another tab: what was
    validated is not what would deploy), and (DraftOutdated) when a newer version of the process it was
    opened from was deployed meanwhile, unless `confirm_outdated`. The draft and the latest version stay
    locked until the new version is stored, so two deploys of one process cannot both pass the check."""
    draft = _locked(actor, draft_id)
    if revision is not None and draft.revision != revision:
        raise DraftStale(draft.revision)
    if not confirm_outdated:
        _ensure_up_to_date(draft)
    result = definition_deploy(
        bpmn_xml=draft.bpmn_xml, extra_files=draft.forms, file_name=_file_name(draft), actor=actor, note=note
    )
    # The revision stays: the open modeler keeps saving without a conflict.
    ProcessDraft.objects.filter(pk=draft.pk).update(base=result.definition)
    return result


def _ensure_up_to_date(draft: ProcessDraft) -> None:
    """DraftOutdated when the draft's process (the key of the version it was opened from) has a newer
    version than that one. A blank or uploaded draft, or one whose key was changed, has nothing to undo."""
    if draft.base_id is None:
        return
    base = ProcessDefinition.objects.filter(pk=draft.base_id).only("key", "version").first()
    if base is None or draft.key != base.key:  # the key follows the XML's process id at every save
        return
    latest = (
        ProcessDefinition.objects.select_for_update().filter(key=base.key).order_by("-version").only("version").first()
    )
    if latest is not None and latest.version != base.version:
        raise DraftOutdated(key=base.key, base_version=base.version, latest_version=latest.version)


def _file_name(draft: ProcessDraft) -> str:
    return f"{draft.key or f'draft-{draft.pk}'}.bpmn"

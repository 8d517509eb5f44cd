"""Attachments: files uploaded to a task, kept in Django storage with their size and SHA-256, audited.

Only people who may act on the task (the rule that completes it) upload. A file is accepted when its
extension is in TONGBAN["ATTACHMENT_TYPES"], it is not larger than TONGBAN["ATTACHMENT_MAX_BYTES"], and
for the binary formats its first bytes are what the extension promises (a ".pdf" that is really a PNG is
refused). The content type stored is ours, from the extension, never the browser's claim.

In form data an attachment is the string "att:<id>": it validates against `{"type": "string",
"format": "attachment"}` as any string does, and reads unambiguously in submitted data and the audit trail.
"""

import hashlib
import unicodedata
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from .. import store
from ..attachment_selectors import attachment_ids_of_instance
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import Attachment, TaskStatus
from ..ports import Actor
from ..selectors import task_can_act
from .audit import audit_append

REF_PREFIX = "att:"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc and .xls
# What the first bytes of a file with this extension must be; extensions not listed are checked by name only.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (_ZIP,),
    "xlsx": (_ZIP,),
    "ofd": (_ZIP,),
    "zip": (_ZIP, b"PK\x05\x06"),  # the second: an empty archive
    "doc": (_OLE,),
    "xls": (_OLE,),
}
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "ofd": "application/ofd",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "txt": "text/plain",
    "zip": "application/zip",
}
OCTET_STREAM = "application/octet-stream"
_HEAD_BYTES = 512


def attachment_ref(attachment_id: int) -> str:
    return f"{REF_PREFIX}{attachment_id}"


def attachment_id_of(value: Any) -> int | None:
    """The id in an "att:<id>" reference; None for anything else."""
    if isinstance(value, str) and value.startswith(REF_PREFIX) and value[len(REF_PREFIX) :].isdigit():
        return int(value[len(REF_PREFIX) :])
    return None


def attachment_refs_kept(
    *, instance_id: int, posted: Mapping[str, list[str]]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Which references a form posts back (per field) it may keep, and per-field errors for the rest.

    A form keeps only its own case's attachments: a reference to another case's file (or one made up) is
    refused, so a case can never take in a file its people may not see. One query for all fields."""
    ids = {i for refs in posted.values() for i in map(attachment_id_of, refs) if i is not None}
    own = {attachment_ref(i) for i in attachment_ids_of_instance(instance_id=instance_id, ids=ids)}
    kept: dict[str, list[str]] = {}
    errors: dict[str, list[str]] = {}
    for name, refs in posted.items():
        kept[name] = [ref for ref in refs if ref in own]
        for ref in refs:
            if ref not in own:
                errors.setdefault(name, []).append(_("附件 %(ref)s 不属于本案卷，请重新上传。") % {"ref": ref})
    return kept, errors


def allowed_types() -> list[str]:
    return [str(ext).lower().lstrip(".") for ext in settings.TONGBAN["ATTACHMENT_TYPES"]]


def max_bytes() -> int:
    return int(settings.TONGBAN["ATTACHMENT_MAX_BYTES"])


def content_type_for(extension: str) -> str:
    """The type a download is served as: ours for an allowed extension, else a plain byte stream."""
    return CONTENT_TYPES.get(extension, OCTET_STREAM) if extension in allowed_types() else OCTET_STREAM


def download_content_type(stored: str) -> str:
    """The stored type if it is one of the allowed extensions' types; else a plain byte stream."""
    allowed = {CONTENT_TYPES[ext] for ext in allowed_types() if ext in CONTENT_TYPES}
    return stored if stored in allowed else OCTET_STREAM


def clean_name(name: str) -> str:
    """The file name without any path or control characters, at most 255 characters (extension kept)."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(base) > 255:
        suffix = PurePosixPath(base).suffix[:16]
        base = base[: 255 - len(suffix)] + suffix
    return base or "file"


def _extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{max(size, 1) / 1024:.0f} KiB"


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    return head


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, detail={field or "file": [message]})


def attachment_check(upload: UploadedFile, *, field: str = "") -> str:
    """The extension of an acceptable upload; ValidationFailed (by `field`) says why one is refused."""
    name = clean_name(upload.name or "")
    extension = _extension(name)
    allowed = allowed_types()
    if extension not in allowed:
        shown = f".{extension}" if extension else "（无扩展名 / none）"
        kinds = "、".join(allowed)
        raise _refuse(field, f"不允许上传 {shown} 类型的文件（允许：{kinds}）/ files of type {shown} are not allowed")
    size = upload.size or 0
    if size == 0:
        raise _refuse(field, f"文件“{name}”是空的 / the file “{name}” is empty")
    if size > max_bytes():
        limit = _size_text(max_bytes())
        raise _refuse(
            field,
            f"文件过大（{_size_text(size)}，上限 {limit}）/ the file is too large ({_size_text(size)}, limit {limit})",
        )
    head = _head(upload)
    signatures = SIGNATURES.get(extension)
    mismatch = (signatures is not None and not head.startswith(signatures)) or (extension == "txt" and b"\0" in head)
    if mismatch:
        raise _refuse(
            field, f"文件内容与扩展名 .{extension} 不符 / the file's content does not match its .{extension} extension"
        )
    return extension


def upload_sha256(upload: UploadedFile) -> str:
    """SHA-256 of an upload, read in chunks; the file is left at its start for storage to save."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def attachment_add(*, task_id: int, actor: Actor, upload: UploadedFile, field: str = "", note: str = "") -> Attachment:
    """Store an upload for an open task the actor may act on; audited in the same transaction.

    `field` is the form field the file is for ("" for the task page's attachments section). The file is
    written first; if the row or the audit event cannot be written, the stored file is deleted again.
    """
    task = store.task_load(task_id)
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在 / task {task_id} not found")
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"任务已{task.get_status_display()} / task is already {task.status}")
    if not task_can_act(actor, task):
        raise PermissionDenied("无权为此任务上传附件 / you may not add attachments to this task")
    extension = attachment_check(upload, field=field)
    attachment = Attachment(
        instance=task.instance,
        task=task,
        field=field[:200],
        original_name=clean_name(upload.name or ""),
        content_type=content_type_for(extension),
        size=upload.size or 0,
        sha256=upload_sha256(upload),
        note=note.strip()[:500],
        uploaded_by_id=actor.user_id,
    )
    attachment.file.save(attachment.original_name, upload, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            audit_append(
                "attachment_added",
                actor=actor.username,
                instance=task.instance,
                task=task,
                payload={
                    "attachment_id": attachment.pk,
                    "name": attachment.original_name,
                    "size": attachment.size,
                    "sha256": attachment.sha256,
                    "content_type": attachment.content_type,
                    "field": attachment.field,
                    "note": attachment.note,
                },
            )
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment

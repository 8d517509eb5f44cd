"""Attachments in the web UI: the download view, and storing the files posted with a task form.

A download is allowed to whoever may open the case (processes.selectors.instance_visible_to: a task of
it, its starter, its department's supervisors, auditors, staff); anyone else gets 404. The file always
comes as a download (never shown inline), typed only from the allowed list, with `nosniff` and a sandbox
CSP, so an uploaded HTML or SVG can never run in the site's origin.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_GET

from processes.attachment_selectors import attachment_for_download
from processes.errors import NotFound, ValidationFailed
from processes.models import Attachment, HumanTask
from processes.ports import Actor, directory
from processes.services.attachments import (
    attachment_add,
    attachment_ref,
    attachment_refs_kept,
    download_content_type,
)
from webui.forms_jsonschema import AttachmentItem, attachment_fields
from webui.i18n import one_language


@login_required
@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    actor = directory().actor_for(request.user)
    try:
        attachment = attachment_for_download(attachment_id=attachment_id, actor=actor)
        handle = attachment.file.open("rb")
    except (NotFound, FileNotFoundError) as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,  # Django writes filename*=utf-8''… (RFC 5987) for Chinese names
        content_type=download_content_type(attachment.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private"
    return response


def attachment_items(attachments: Iterable[Attachment]) -> dict[str, AttachmentItem]:
    """Stored attachments by their form reference ("att:<id>"), as the form shows them."""
    return {
        attachment_ref(a.pk): AttachmentItem(
            ref=attachment_ref(a.pk),
            name=a.original_name,
            size=a.size,
            url=reverse("workbench:attachment_download", kwargs={"attachment_id": a.pk}),
        )
        for a in attachments
    }


def _posted_refs(value: Any) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value] if value else [])]


def form_uploads(
    *, task: HumanTask, actor: Actor, schema: dict[str, Any] | None, data: dict[str, Any], files: MultiValueDict
) -> dict[str, list[str]]:
    """Store the files posted for the form's attachment fields and put their references into `data` (in
    place, so a form shown again keeps them); per-field errors for refused files and for references the
    case may not keep (processes.services.attachments.attachment_refs_kept).

    A single-file field takes the new file over the one posted back.
    """
    fields = attachment_fields(schema)
    kept_by_field, errors = attachment_refs_kept(
        instance_id=task.instance_id, posted={name: _posted_refs(data.get(name)) for name in fields}
    )
    for name, multiple in fields.items():
        kept = kept_by_field.get(name, [])
        new = []
        uploads = files.getlist(name)
        for upload in uploads if multiple else uploads[-1:]:
            try:
                new.append(attachment_ref(attachment_add(task_id=task.pk, actor=actor, upload=upload, field=name).pk))
            except ValidationFailed as error:
                errors.setdefault(name, []).append(one_language(error.message))
        refs = kept + new if multiple else (new[-1:] or kept[-1:])
        if multiple:
            data[name] = refs
        elif refs:
            data[name] = refs[0]
        else:
            data.pop(name, None)
    return errors

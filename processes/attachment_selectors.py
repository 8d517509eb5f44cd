"""Reads of attachments: a case's files, who may download one, which references a form may keep."""

from django.db.models import QuerySet

from .errors import NotFound
from .models import Attachment
from .ports import Actor
from .selectors import instance_visible_to


def instance_attachments(*, instance_id: int) -> QuerySet[Attachment]:
    """A case's attachments, oldest first, with their uploader (one query)."""
    return (
        Attachment.objects.filter(instance_id=instance_id)
        .select_related("uploaded_by")
        .only(
            "id",
            "instance_id",
            "task_id",
            "field",
            "original_name",
            "content_type",
            "size",
            "note",
            "created_at",
            "uploaded_by__username",
            "uploaded_by__first_name",
            "uploaded_by__last_name",
        )
        .order_by("created_at", "id")
    )


def attachment_for_download(*, attachment_id: int, actor: Actor) -> Attachment:
    """The attachment if the actor may open its case (`instance_visible_to`); NotFound otherwise (no hint
    that it exists)."""
    attachment = (
        Attachment.objects.filter(pk=attachment_id, instance_id__in=instance_visible_to(actor).values("pk"))
        .only("id", "file", "original_name", "content_type", "size", "instance_id")
        .first()
    )
    if attachment is None:
        raise NotFound(f"附件 {attachment_id} 不存在或无权查看 / attachment {attachment_id} not found")
    return attachment


def attachment_ids_of_instance(*, instance_id: int, ids: set[int]) -> set[int]:
    """Which of `ids` are attachments of the case (a form may only keep its own case's files)."""
    if not ids:
        return set()
    return set(Attachment.objects.filter(instance_id=instance_id, pk__in=ids).values_list("pk", flat=True))

"""Reads of attachments: a case's files, who may download one, which references a form may keep."""

from django.db.models import QuerySet

from .errors import NotFound
from .models import Attachment, ProcessInstance
from .ports import Actor
from .selectors import visible_tasks


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
        )
        .order_by("created_at", "id")
    )


def instance_visible_to(*, instance: ProcessInstance, actor: Actor, is_staff: bool = False) -> bool:
    """Staff, the person who started the case, or anyone who may see one of its tasks."""
    if is_staff or actor.is_superuser or (actor.user_id is not None and instance.started_by_id == actor.user_id):
        return True
    return visible_tasks(actor).filter(instance_id=instance.pk).exists()


def attachment_for_download(*, attachment_id: int, actor: Actor, is_staff: bool = False) -> Attachment:
    """The attachment if the actor may see its case; NotFound otherwise (no hint that it exists)."""
    attachment = (
        Attachment.objects.select_related("instance")
        .only("id", "file", "original_name", "content_type", "size", "instance__id", "instance__started_by_id")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None or not instance_visible_to(instance=attachment.instance, actor=actor, is_staff=is_staff):
        raise NotFound(f"附件 {attachment_id} 不存在或无权查看 / attachment {attachment_id} not found")
    return attachment


def attachment_ids_of_instance(*, instance_id: int, ids: set[int]) -> set[int]:
    """Which of `ids` are attachments of the case (a form may only keep its own case's files)."""
    if not ids:
        return set()
    return set(Attachment.objects.filter(instance_id=instance_id, pk__in=ids).values_list("pk", flat=True))

"""Catalog reads."""

from django.db.models import QuerySet

from .choices import OPEN_CHANGE_STATUSES, EntryStatus, ShareStatus
from .models import CatalogChange, CatalogEntry, CatalogEntryVersion, ClassificationNode, ReviewReturn, ShareRequest


def classification_tree() -> QuerySet[ClassificationNode]:
    """Every node in code order (a parent before its children)."""
    return ClassificationNode.objects.order_by("full_code")


def entries_published(*, provider_id: int | None = None) -> QuerySet[CatalogEntry]:
    entries = CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED).select_related("classification", "provider")
    return entries.filter(provider_id=provider_id) if provider_id is not None else entries


def entry_history(*, entry_id: int) -> QuerySet[CatalogEntryVersion]:
    """The versions of an entry, oldest first; each snapshot holds the metadata and 信息项 then in force."""
    return CatalogEntryVersion.objects.filter(entry_id=entry_id).order_by("number")


def entry_open_change(*, entry_id: int) -> CatalogChange | None:
    """The 变更 or 下线 of the entry still in review or returned to the drafter (at most one), else None;
    applied and withdrawn changes are history."""
    return CatalogChange.objects.filter(entry_id=entry_id, status__in=OPEN_CHANGE_STATUSES).first()


def entry_returns(*, entry_id: int) -> QuerySet[ReviewReturn]:
    """The review opinions that sent the entry back, newest first."""
    return ReviewReturn.objects.filter(entry_id=entry_id)


def granted_to_department(*, department_id: int) -> QuerySet[ShareRequest]:
    """Resources this department has been granted (the consumer's side)."""
    return ShareRequest.objects.filter(
        applicant_department_id=department_id, status=ShareStatus.GRANTED
    ).select_related("entry", "entry__provider")


def granted_from_department(*, department_id: int) -> QuerySet[ShareRequest]:
    """Grants of this department's resources to others (the provider's side)."""
    return ShareRequest.objects.filter(entry__provider_id=department_id, status=ShareStatus.GRANTED).select_related(
        "entry", "applicant_department"
    )

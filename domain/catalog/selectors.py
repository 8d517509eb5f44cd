"""Catalog reads."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

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


def entries_in_review(
    *, provider_ids: Iterable[int] | None = None, reviewed_ids: Iterable[int] = ()
) -> QuerySet[CatalogEntry]:
    """Entries 审核中 that a person sees in the catalog list: those of `provider_ids` (their departments) and
    those they review now (`reviewed_ids`, entries with an approval task they hold or may claim); every one
    when `provider_ids` is None (an administrator)."""
    entries = CatalogEntry.objects.filter(status=EntryStatus.IN_REVIEW)
    if provider_ids is None:
        return entries
    return entries.filter(Q(provider_id__in=sorted(set(provider_ids))) | Q(pk__in=sorted(set(reviewed_ids))))


def share_requests_in_progress(*, department_ids: Iterable[int] | None = None) -> QuerySet[ShareRequest]:
    """Share requests still being decided (审批中, 异议协调中) that the share lists show: applied for by, or
    asked of, one of `department_ids`; every one when None (an administrator of no department)."""
    requests = ShareRequest.objects.filter(status__in=[ShareStatus.PENDING, ShareStatus.DISPUTED])
    if department_ids is None:
        return requests
    own = sorted(set(department_ids))
    return requests.filter(Q(applicant_department_id__in=own) | Q(entry__provider_id__in=own))

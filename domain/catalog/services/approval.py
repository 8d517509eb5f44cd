"""What the catalog approval process does to entries: return to the drafter, resubmit, publish.

Called by the service tasks of bpmn/catalog_approval.bpmn (handlers/catalog.py). Each is idempotent
under the task's idempotency key: a redelivered job finds its work done and returns the same result."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import ChangeKind, ChangeStatus, EntryStatus
from ..codes import resource_code, sequence_allocate
from ..errors import CatalogError, WrongStatus
from ..lifecycle import entry_transition
from ..models import CatalogChange, CatalogEntry, CatalogEntryVersion, ReviewReturn
from ..validation import EntryFields, entry_fields_check
from ..versions import entry_fields, version_record
from .entries import change_fields_check, entry_apply_fields
from .schema_changes import followups_reraise


def _change_for(entry: CatalogEntry, change_id: int | None, kind: str) -> CatalogChange | None:
    if kind == ChangeKind.NEW:
        return None
    if change_id is None:
        raise CatalogError(_("%(kind)s 缺少变更编号 change_id。") % {"kind": kind})
    return CatalogChange.objects.select_for_update().get(pk=change_id, entry=entry)


@transaction.atomic
def entry_return(
    *, entry_id: int, change_id: int | None, change_kind: str, stage: str, opinion: str, idempotency_key: str
) -> ReviewReturn:
    """A review gate sends the entry (新增) or its change back to the drafter with the opinion."""
    done = ReviewReturn.objects.filter(idempotency_key=idempotency_key).first()
    if done is not None:
        return done
    entry = CatalogEntry.objects.select_for_update().get(pk=entry_id)
    change = _change_for(entry, change_id, change_kind)
    if change is None:
        entry_transition(entry, "send_back")
        entry.save(update_fields=["status", "updated_at"])
    else:
        change.status = ChangeStatus.RETURNED
        change.save(update_fields=["status"])
    return ReviewReturn.objects.create(
        entry=entry, change=change, stage=stage, opinion=opinion, idempotency_key=idempotency_key
    )


@transaction.atomic
def entry_resubmit(*, entry_id: int, change_id: int | None, change_kind: str) -> CatalogEntry:
    """The drafter resubmits after revising: the rules are checked again (EntryInvalid names the fields).

    Idempotent by state: an entry or change already back in review is left as it is."""
    entry = CatalogEntry.objects.select_for_update().get(pk=entry_id)
    change = _change_for(entry, change_id, change_kind)
    if change is None:
        if entry.status != EntryStatus.IN_REVIEW:
            entry_fields_check(entry_fields(entry))
            entry_transition(entry, "submit")
            entry.save(update_fields=["status", "updated_at"])
    elif change.status == ChangeStatus.RETURNED:
        if change.kind == ChangeKind.CHANGE:
            change_fields_check(entry, EntryFields.from_json(change.proposed))
        change.status = ChangeStatus.IN_REVIEW
        change.save(update_fields=["status"])
    returns_close(entry, change)
    return entry


def returns_close(entry: CatalogEntry, change: CatalogChange | None) -> None:
    """The drafter answered the open returns of this case (resubmitted or withdrew), or the case ended."""
    entry.returns.filter(change=change, closed_at=None).update(closed_at=timezone.now())


@transaction.atomic
def entry_publish(*, entry_id: int, change_id: int | None, change_kind: str, idempotency_key: str) -> CatalogEntry:
    """Both gates approved: 新增 assigns the code and 发布日期; 变更 applies the change; 下线 takes it down.
    Each records a version snapshot.

    The idempotency key is checked after the entry is locked: a duplicate delivery running beside the first
    waits for it and then finds its version, instead of seeing a published entry and refusing (WrongStatus)."""
    entry = CatalogEntry.objects.select_for_update(of=("self",)).select_related("classification").get(pk=entry_id)
    done = CatalogEntryVersion.objects.filter(idempotency_key=idempotency_key, entry=entry).first()
    if done is not None:
        return entry
    change = _change_for(entry, change_id, change_kind)
    if change is None:
        entry_transition(entry, "publish")
        entry.sequence = sequence_allocate(classification=entry.classification)
        entry.code = resource_code(entry.classification.full_code, entry.sequence)
        entry.published_on = timezone.localdate()
        entry.save(update_fields=["status", "sequence", "code", "published_on", "updated_at"])
        note = ""
    else:
        if change.status != ChangeStatus.IN_REVIEW:
            raise WrongStatus(_("变更不在审核中，不能生效。"))
        if change.kind == ChangeKind.CHANGE:
            entry_apply_fields(entry, EntryFields.from_json(change.proposed))
        else:
            entry_transition(entry, "take_down")
            entry.save(update_fields=["status", "updated_at"])
        change.status = ChangeStatus.APPLIED
        change.save(update_fields=["status"])
        followups_reraise(change)
        note = change.reason
    version_record(entry=entry, change_kind=change_kind, note=note, idempotency_key=idempotency_key)
    return entry

"""Ending a catalog approval case without publishing: the drafter withdraws it (撤回, from the returned task),
or an operator cancels the instance. Either way nothing is left 审核中 for ever: a 新增 entry goes back to
草稿 (editable and submittable again), a 变更 or 下线 becomes 已撤回 and the entry stays as published."""

from django.db import transaction
from django.utils.translation import gettext as _

from ..choices import OPEN_CHANGE_STATUSES, ChangeStatus, EntryStatus
from ..errors import CatalogError
from ..lifecycle import entry_transition
from ..models import CatalogChange, CatalogEntry
from .approval import returns_close
from .schema_changes import followups_reraise


@transaction.atomic
def approval_withdraw(*, entry_id: int, change_id: int | None) -> CatalogEntry:
    """End the approval case of `entry_id` (of its change `change_id`, none for 新增). Idempotent by state: a
    case already withdrawn is left as it is; an applied change or a published entry cannot be withdrawn.
    Why it ended is in the audit trail (the 撤回 task's data, or the cancel's reason)."""
    entry = CatalogEntry.objects.select_for_update().get(pk=entry_id)
    if change_id is None:
        if entry.status == EntryStatus.IN_REVIEW:
            entry_transition(entry, "send_back")
            entry.save(update_fields=["status", "updated_at"])
        elif entry.status != EntryStatus.DRAFT:
            raise CatalogError(_("目录条目已发布，不能撤回。"))
        returns_close(entry, None)
        return entry
    change = CatalogChange.objects.select_for_update().get(pk=change_id, entry=entry)
    if change.status in OPEN_CHANGE_STATUSES:
        change.status = ChangeStatus.WITHDRAWN
        change.save(update_fields=["status"])
        returns_close(entry, change)
        followups_reraise(change)
    elif change.status == ChangeStatus.APPLIED:
        raise CatalogError(_("变更已生效，不能撤回。"))
    return entry

"""Drafting: create and edit entries, propose 变更 and 下线, submit them to the catalog approval process."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from domain.directory.models import Department
from processes.ports import Actor
from processes.services.instances import instance_start

from ..choices import DESCRIPTION_FIELDS, OPEN_CHANGE_STATUSES, ChangeKind, ChangeStatus, EntryStatus
from ..errors import EntryInvalid, NotPermitted, WrongStatus
from ..lifecycle import entry_transition
from ..models import CatalogChange, CatalogEntry, InfoItem
from ..references import entry_check
from ..validation import EntryFields, ItemFields, entry_fields_check
from ..versions import ITEM_LINKS, entry_fields

APPROVAL_PROCESS = "catalog_approval"
CATALOGUER_ROLE = "cataloguer"
_ORDER_SHIFT = 1_000_000
# Entry metadata columns written from EntryFields (items and the provider code are handled apart).
_ENTRY_COLUMNS = (
    "classification_id",
    "name",
    "provider_id",
    *DESCRIPTION_FIELDS,
    "secrecy",
    "hierarchy",
)


def data_authority_code() -> str:
    """The department code of the data authority (大数据局), whose platform_reviewer reviews and coordinates."""
    return str(getattr(settings, "TONGBAN", {}).get("DATA_AUTHORITY_DEPARTMENT", "330106-DSJ"))


def ensure_cataloguer(actor: Actor, department_id: int) -> None:
    if actor.is_superuser or (department_id, CATALOGUER_ROLE) in actor.memberships:
        return
    raise NotPermitted(_("只有本部门的编目员可以编制和提交目录。"))


def entry_apply_fields(entry: CatalogEntry, fields: EntryFields) -> None:
    """Write `fields` onto `entry` and bring its 信息项 in line (the entry is saved).

    Items are updated in place where they correspond (see `_matched_items`), so what points at an item by id
    (a 清洗比对 FieldMapping, a share request's history) keeps pointing at it; only items that went are deleted."""
    for column in _ENTRY_COLUMNS:
        setattr(entry, column, getattr(fields, column))
    entry.related_codes = list(fields.related_codes)
    entry.provider_code = fields.provider_code or Department.objects.get(pk=fields.provider_id).code
    entry.save()
    existing = list(entry.items.all())
    matched = _matched_items(existing, fields.items)
    kept = {item.pk for item in matched if item is not None}
    entry.items.exclude(pk__in=kept).delete()
    # Orders are unique per entry: move the kept rows out of the way first (every new value is above every old one).
    entry.items.update(order=F("order") + _ORDER_SHIFT)
    links = {f.attname for f in InfoItem._meta.concrete_fields} & set(ITEM_LINKS)
    updated, created = [], []
    for order, (item, row) in enumerate(zip(fields.items, matched, strict=True), start=1):
        values = {"order": order, "name": item.name, "data_type": item.data_type, "length": item.length}
        values.update({link: getattr(item, link) for link in links})
        if row is None:
            created.append(InfoItem(entry=entry, **values))
            continue
        for name, value in values.items():
            setattr(row, name, value)
        updated.append(row)
    InfoItem.objects.bulk_update(updated, ["order", "name", "data_type", "length", *sorted(links)])
    InfoItem.objects.bulk_create(created)


def _matched_items(existing: list[InfoItem], items: tuple[ItemFields, ...]) -> list[InfoItem | None]:
    """For each wanted item, the stored row it continues: the one whose id it carries, else the one linked to the
    same column, else the first with the same name; None for a new item. Each row is used once."""
    by_id = {row.pk: row for row in existing}
    used: set[int] = set()

    def take(row: InfoItem | None) -> InfoItem | None:
        if row is None or row.pk in used:
            return None
        used.add(row.pk)
        return row

    found: list[InfoItem | None] = [take(by_id.get(item.item_id)) if item.item_id else None for item in items]
    for index, item in enumerate(items):
        if found[index] is None and item.column_id:
            found[index] = take(next((r for r in existing if r.column_id == item.column_id and r.pk not in used), None))
    for index, item in enumerate(items):
        if found[index] is None:
            found[index] = take(next((r for r in existing if r.name == item.name and r.pk not in used), None))
    return found


@transaction.atomic
def entry_create(*, fields: EntryFields, actor: Actor) -> CatalogEntry:
    """A new draft (草稿). The conditional rules hold from the first save."""
    ensure_cataloguer(actor, fields.provider_id)
    entry_check(fields)
    entry = CatalogEntry(created_by_id=actor.user_id, status=EntryStatus.DRAFT)
    entry_apply_fields(entry, fields)
    return entry


@transaction.atomic
def entry_update(*, entry_id: int, fields: EntryFields, actor: Actor) -> CatalogEntry:
    """Edit a draft (草稿, also after a review returned it); a published entry changes through 变更."""
    entry = CatalogEntry.objects.select_for_update().get(pk=entry_id)
    ensure_cataloguer(actor, entry.provider_id)
    if entry.status != EntryStatus.DRAFT:
        raise WrongStatus(_("只有草稿可以直接修改；已发布的目录请提交变更。"))
    if fields.provider_id != entry.provider_id:
        raise EntryInvalid({"provider_id": [_("提供方不能更改。")]})
    entry_check(fields)
    entry_apply_fields(entry, fields)
    return entry


@transaction.atomic
def entry_submit(*, entry_id: int, actor: Actor) -> CatalogEntry:
    """编目员 submits a draft: 审核中, and a catalog_approval case (change_kind 新增) starts."""
    entry = CatalogEntry.objects.select_for_update(of=("self",)).select_related("provider").get(pk=entry_id)
    ensure_cataloguer(actor, entry.provider_id)
    if entry.status == EntryStatus.DRAFT and entry.returns.filter(change=None, closed_at=None).exists():
        # Its approval case is waiting at 修改后重新提交: a second case would review it twice.
        raise WrongStatus(_("该目录已被退回修改，请在待办任务「修改后重新提交」中重新提交。"))
    entry_fields_check(entry_fields(entry))
    entry_transition(entry, "submit")
    entry.save(update_fields=["status", "updated_at"])
    approval_start(entry, actor, kind=ChangeKind.NEW, change=None)
    return entry


@transaction.atomic
def change_submit(*, entry_id: int, fields: EntryFields, reason: str, actor: Actor) -> CatalogChange:
    """Propose a 变更 of a published entry; it stays published as it is until the change is approved."""
    entry = _published_entry(entry_id, actor)
    change_fields_check(entry, fields)
    change = change_open(entry, ChangeKind.CHANGE, reason, actor, proposed=fields.as_json())
    approval_start(entry, actor, kind=ChangeKind.CHANGE, change=change)
    return change


@transaction.atomic
def take_down_submit(*, entry_id: int, reason: str, actor: Actor) -> CatalogChange:
    """Propose a 下线 (take-down) of a published entry, with the reason, through the same gates."""
    entry = _published_entry(entry_id, actor)
    change = change_open(entry, ChangeKind.TAKE_DOWN, reason, actor, proposed={})
    approval_start(entry, actor, kind=ChangeKind.TAKE_DOWN, change=change)
    return change


@transaction.atomic
def change_update(*, change_id: int, fields: EntryFields, actor: Actor) -> CatalogChange:
    """Revise a returned 变更 before resubmitting it."""
    change = CatalogChange.objects.select_for_update(of=("self",)).select_related("entry").get(pk=change_id)
    ensure_cataloguer(actor, change.entry.provider_id)
    if change.status != ChangeStatus.RETURNED or change.kind != ChangeKind.CHANGE:
        raise WrongStatus(_("只有被退回的变更可以修改。"))
    change_fields_check(change.entry, fields)
    change.proposed = fields.as_json()
    change.save(update_fields=["proposed"])
    return change


def change_fields_check(entry: CatalogEntry, fields: EntryFields) -> None:
    """The rules of a proposed 变更: the entry's rules, and the classification (which makes the code) and the
    provider stay as published. Checked when the change is proposed, revised and resubmitted."""
    errors: dict[str, list[str]] = {}
    if fields.classification_id != entry.classification_id:
        errors["classification_id"] = [_("已发布资源的分类决定其代码，不能变更；请下线后重新编目。")]
    if fields.provider_id != entry.provider_id:
        errors["provider_id"] = [_("提供方不能更改。")]
    if errors:
        raise EntryInvalid(errors)
    entry_check(fields)


def _published_entry(entry_id: int, actor: Actor) -> CatalogEntry:
    entry = CatalogEntry.objects.select_for_update(of=("self",)).select_related("provider").get(pk=entry_id)
    ensure_cataloguer(actor, entry.provider_id)
    if entry.status != EntryStatus.PUBLISHED:
        raise WrongStatus(_("只有已发布的目录可以变更或下线。"))
    if entry.changes.filter(status__in=OPEN_CHANGE_STATUSES).exists():
        raise WrongStatus(_("该目录已有一项变更或下线在审核中。"))
    return entry


def change_open(
    entry: CatalogEntry, kind: ChangeKind, reason: str, actor: Actor, *, proposed: dict[str, Any]
) -> CatalogChange:
    if not reason.strip():
        raise EntryInvalid({"reason": [_("请说明变更或下线的原因。")]})
    return CatalogChange.objects.create(
        entry=entry, kind=kind, reason=reason, proposed=proposed, created_by_id=actor.user_id
    )


def approval_start(entry: CatalogEntry, actor: Actor, *, kind: ChangeKind, change: CatalogChange | None) -> None:
    instance_start(
        process_key=APPROVAL_PROCESS,
        actor=actor,
        business_key=f"catalog-{entry.pk}-{change.pk if change else 0}",
        data={
            "entry_id": entry.pk,
            "change_id": change.pk if change else None,
            "change_kind": str(kind.value),
            "entry_name": entry.name,
            "entry_code": entry.code or "",
            "provider_department": entry.provider.code,
            "authority_department": data_authority_code(),
            # The drafter may withdraw a returned case from 修改后重新提交 (the form's 撤回 sets it).
            "withdraw": False,
        },
        subject=change or entry,
        department_id=entry.provider_id,
    )

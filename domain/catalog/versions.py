"""Entry snapshots: the metadata and 信息项 of an entry as plain JSON, and back to EntryFields."""

from typing import Any

from .models import CatalogEntry, CatalogEntryVersion
from .validation import EntryFields, ItemFields

ITEM_LINKS = ("data_element_id", "column_id")


def entry_fields(entry: CatalogEntry) -> EntryFields:
    """The editable part of a stored entry."""
    items = tuple(
        ItemFields(
            name=item.name,
            data_type=item.data_type,
            length=item.length,
            item_id=item.pk,
            **{link: getattr(item, link, None) for link in ITEM_LINKS},
        )
        for item in entry.items.all()
    )
    return EntryFields(
        classification_id=entry.classification_id,
        name=entry.name,
        provider_id=entry.provider_id,
        provider_code=entry.provider_code,
        summary=entry.summary,
        format_category=entry.format_category,
        format_type=entry.format_type,
        share_type=entry.share_type,
        share_condition=entry.share_condition,
        no_share_basis=entry.no_share_basis,
        share_method=entry.share_method,
        open_type=entry.open_type,
        open_condition=entry.open_condition,
        update_cycle=entry.update_cycle,
        related_codes=tuple(entry.related_codes or ()),
        secrecy=entry.secrecy,
        hierarchy=entry.hierarchy,
        items=items,
    )


def entry_snapshot(entry: CatalogEntry) -> dict[str, Any]:
    """What a version records: the editable fields plus code, classification code, status and dates."""
    data = entry_fields(entry).as_json()
    # Row ids say nothing to a reader of the history.
    data["items"] = [{k: v for k, v in item.items() if k != "item_id"} for item in data["items"]]
    data.update(
        code=entry.code,
        classification_code=entry.classification.full_code,
        provider_name=entry.provider.name,
        status=entry.status,
        published_on=entry.published_on.isoformat() if entry.published_on else None,
    )
    return data


def version_record(*, entry: CatalogEntry, change_kind: str, note: str, idempotency_key: str) -> CatalogEntryVersion:
    entry.version += 1
    entry.save(update_fields=["version", "updated_at"])
    return CatalogEntryVersion.objects.create(
        entry=entry,
        number=entry.version,
        change_kind=change_kind,
        snapshot=entry_snapshot(entry),
        note=note,
        idempotency_key=idempotency_key or None,
    )

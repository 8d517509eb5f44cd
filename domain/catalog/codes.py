"""Resource codes: `<classification code>/<6-digit sequence>`, gap-free and duplicate-free.

The sequence comes from one counter row per classification, locked with SELECT … FOR UPDATE inside
the publishing transaction: concurrent publishes under one classification queue on that row, and a
publish that rolls back returns its number with it, so numbers never skip."""

from django.db import transaction

from .models import SEQUENCE_DIGITS, ClassificationNode, CodeCounter


def resource_code(classification_code: str, sequence: int) -> str:
    return f"{classification_code}/{sequence:0{SEQUENCE_DIGITS}d}"


def sequence_allocate(*, classification: ClassificationNode) -> int:
    """The next sequence number under `classification`; call inside the publishing transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_allocate must run inside the publishing transaction")
    counter = CodeCounter.objects.select_for_update().filter(classification=classification).first()
    if counter is None:
        # First code of this classification: create the row without an IntegrityError race (ON CONFLICT
        # DO NOTHING), then lock it like any other.
        CodeCounter.objects.bulk_create([CodeCounter(classification=classification, last=0)], ignore_conflicts=True)
        counter = CodeCounter.objects.select_for_update().get(classification=classification)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last

from django.db import transaction

from .models import DecisionRecord


@transaction.atomic
def decision_record(*, business_key: str, approved: bool, opinion: str, idempotency_key: str) -> DecisionRecord:
    """Idempotent: a second delivery with the same key returns the first record."""
    record, _created = DecisionRecord.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={"business_key": business_key, "approved": approved, "opinion": opinion},
    )
    return record

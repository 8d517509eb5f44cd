from .models import DecisionRecord


def decision_record(*, business_key: str, approved: bool, opinion: str, idempotency_key: str) -> DecisionRecord:
    """Idempotent: a second delivery with the same key changes nothing and returns the first record."""
    record = DecisionRecord(
        business_key=business_key, approved=approved, opinion=opinion, idempotency_key=idempotency_key
    )
    # INSERT … ON CONFLICT DO NOTHING, then read back what is stored: two statements, no savepoint.
    DecisionRecord.objects.bulk_create([record], ignore_conflicts=True)
    return DecisionRecord.objects.get(idempotency_key=idempotency_key)

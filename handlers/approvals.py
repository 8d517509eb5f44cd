from typing import Any

from domain.approvals import services as approval_services

from .registry import ServiceCall, handler


@handler("approvals/decision_record")
def decision_record(call: ServiceCall) -> dict[str, Any]:
    """Records an approval decision. Params: approved:bool, opinion:str. Result: {"record_id": int}."""
    record = approval_services.decision_record(
        business_key=call.business_key,
        approved=bool(call.get("approved")),
        opinion=str(call.get("opinion") or ""),
        idempotency_key=call.idempotency_key,
    )
    return {"record_id": record.pk, "recorded_at": record.recorded_at.isoformat()}

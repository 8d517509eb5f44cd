from typing import Any

from domain.approvals import services as approval_services

from .registry import ServiceCall, handler


@handler("approvals/decision_record")
def decision_record(call: ServiceCall) -> dict[str, Any]:
    """Records an approval decision against the case's business key, once per task.

    Params: approved:bool (是否通过 / approved or not), opinion:str (审核意见 / the reviewer's opinion).
    Result: {"record_id": int, "recorded_at": ISO 8601 time}.
    """
    record = approval_services.decision_record(
        business_key=call.business_key,
        approved=bool(call.get("approved")),
        opinion=str(call.get("opinion") or ""),
        idempotency_key=call.idempotency_key,
    )
    return {"record_id": record.pk, "recorded_at": record.recorded_at.isoformat()}

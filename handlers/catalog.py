"""Service tasks of the catalog processes (bpmn/catalog_approval.bpmn, bpmn/share_request.bpmn).

Each is an adapter over one domain service, idempotent under the call's idempotency key. A catalog
rule that refuses (EntryInvalid, WrongStatus …) becomes a HandlerError with code "catalog_refused",
which a diagram may catch with an error boundary event (the resubmit step does)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from domain.catalog import services as catalog_services
from domain.catalog.errors import CatalogError

from .registry import HandlerError, ServiceCall, handler

REFUSED = "catalog_refused"


def _refusals_as_errors(func: Callable[[ServiceCall], dict[str, Any]]) -> Callable[[ServiceCall], dict[str, Any]]:
    @wraps(func)
    def call(call: ServiceCall) -> dict[str, Any]:
        try:
            return func(call)
        except CatalogError as exc:
            raise HandlerError(exc.message, code=REFUSED) from exc

    return call


def _optional_int(call: ServiceCall, name: str) -> int | None:
    return None if call.get(name) in (None, "") else call.int(name)


@handler("catalog/entry_publish")
@_refusals_as_errors
def entry_publish(call: ServiceCall) -> dict[str, Any]:
    """Publishes an approved entry (新增: assigns the code and 发布日期), applies a 变更, or takes it down (下线).

    Params: entry_id:int (目录条目), change_id:int (变更申请, none for 新增), change_kind:str (新增/变更/下线).
    Result: {"code": resource code, "status": str, "version": int, "published_on": ISO date}.
    """
    entry = catalog_services.entry_publish(
        entry_id=call.int("entry_id"),
        change_id=_optional_int(call, "change_id"),
        change_kind=call.str("change_kind"),
        idempotency_key=call.idempotency_key,
    )
    published_on = entry.published_on.isoformat() if entry.published_on else None
    return {"code": entry.code, "status": entry.status, "version": entry.version, "published_on": published_on}


@handler("catalog/entry_return")
@_refusals_as_errors
def entry_return(call: ServiceCall) -> dict[str, Any]:
    """Sends the entry (or its change) back to the drafter with the reviewer's opinion.

    Params: entry_id:int, change_id:int (none for 新增), change_kind:str, stage:str (退回环节), opinion:str.
    Result: {"return_id": int}.
    """
    record = catalog_services.entry_return(
        entry_id=call.int("entry_id"),
        change_id=_optional_int(call, "change_id"),
        change_kind=call.str("change_kind"),
        stage=call.str("stage"),
        opinion=str(call.get("opinion") or ""),
        idempotency_key=call.idempotency_key,
    )
    return {"return_id": record.pk}


@handler("catalog/entry_resubmit")
@_refusals_as_errors
def entry_resubmit(call: ServiceCall) -> dict[str, Any]:
    """Puts the revised entry (or change) back into review after checking the catalog rules again.

    Params: entry_id:int, change_id:int (none for 新增), change_kind:str. Result: {"status": str}.
    """
    entry = catalog_services.entry_resubmit(
        entry_id=call.int("entry_id"), change_id=_optional_int(call, "change_id"), change_kind=call.str("change_kind")
    )
    return {"status": entry.status}


@handler("catalog/approval_withdraw")
@_refusals_as_errors
def approval_withdraw(call: ServiceCall) -> dict[str, Any]:
    """Ends a returned case the drafter withdrew (撤回): a 新增 entry stays 草稿, a 变更/下线 becomes 已撤回.

    Params: entry_id:int, change_id:int (none for 新增). Result: {"status": entry status}.
    """
    entry_id, change_id = call.int("entry_id"), _optional_int(call, "change_id")
    entry = catalog_services.approval_withdraw(entry_id=entry_id, change_id=change_id)
    return {"status": entry.status}


@handler("catalog/share_grant")
@_refusals_as_errors
def share_grant(call: ServiceCall) -> dict[str, Any]:
    """Grants a share request (automatically, by the provider, or after coordination).

    Params: request_id:int (共享申请), stage:str (环节), reason:str (意见). Result: {"status": str}.
    """
    request = catalog_services.share_grant(
        request_id=call.int("request_id"),
        stage=call.str("stage"),
        reason=str(call.get("reason") or ""),
        idempotency_key=call.idempotency_key,
    )
    return {"status": request.status}


@handler("catalog/share_refuse")
@_refusals_as_errors
def share_refuse(call: ServiceCall) -> dict[str, Any]:
    """Refuses a share request with its reasons (not compliant, refused by the provider, or upheld).

    Params: request_id:int, stage:str (环节), reason:str (理由, required). Result: {"status": str}.
    """
    request = catalog_services.share_refuse(
        request_id=call.int("request_id"),
        stage=call.str("stage"),
        reason=str(call.get("reason") or ""),
        idempotency_key=call.idempotency_key,
    )
    return {"status": request.status}


@handler("catalog/share_dispute")
@_refusals_as_errors
def share_dispute(call: ServiceCall) -> dict[str, Any]:
    """Records the applicant's dispute of a refusal; the data authority coordinates next.

    Params: request_id:int, reason:str (异议理由). Result: {"status": str}.
    """
    request = catalog_services.share_dispute(
        request_id=call.int("request_id"), reason=str(call.get("reason") or ""), idempotency_key=call.idempotency_key
    )
    return {"status": request.status}

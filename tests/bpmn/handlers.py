"""Handlers used only by the diagrams under tests/fixtures."""

from typing import Any

from handlers.registry import HandlerError, ServiceCall, handler

CALLS: list[ServiceCall] = []


@handler("testing/check")
def check(call: ServiceCall) -> dict[str, Any]:
    """Params: amount:int. Refuses negative amounts with the BPMN error REJECTED, fails on 666.
    Result: {"checked": true, "amount": int}."""
    CALLS.append(call)
    amount = call.int("amount")
    if amount < 0:
        raise HandlerError("金额不能为负 / negative amount", code="REJECTED")
    if amount == 666:
        raise HandlerError("核验服务拒绝 / check refused", code="OTHER")
    return {"checked": True, "amount": amount}

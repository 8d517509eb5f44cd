"""Service tasks of the supervision process (bpmn/supervision_task.bpmn).

Each is an adapter over one domain service, idempotent under the call's idempotency key. A supervision
rule that refuses (ItemInvalid, WrongStatus …) becomes a HandlerError with code "supervision_refused",
an incident an operator sees with the reason (the diagram catches none: each refusal needs a person)."""

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.utils import timezone

from domain.supervision import services as supervision_services
from domain.supervision.errors import SupervisionError

from .registry import HandlerError, ServiceCall, handler

REFUSED = "supervision_refused"


def _refusals_as_errors(func: Callable[[ServiceCall], dict[str, Any]]) -> Callable[[ServiceCall], dict[str, Any]]:
    @wraps(func)
    def call(call: ServiceCall) -> dict[str, Any]:
        try:
            return func(call)
        except SupervisionError as exc:
            raise HandlerError(exc.message, code=REFUSED) from exc

    return call


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _text(call: ServiceCall, name: str) -> str:
    return str(call.get(name) or "")


def _problems(call: ServiceCall) -> list[supervision_services.ProblemInput]:
    rows = call.get("problems") or []
    if not isinstance(rows, list):
        raise HandlerError("parameter 'problems' must be a list", code="bad_parameters")
    problems = []
    for row in rows:
        row = row if isinstance(row, dict) else {"description": str(row)}
        problems.append(
            supervision_services.ProblemInput(str(row.get("description") or ""), str(row.get("owner") or ""))
        )
    return problems


@handler("supervision/item_register")
@_refusals_as_errors
def item_register(call: ServiceCall) -> dict[str, Any]:
    """立项登记: counts the time limit on the work calendar and hands the item to its units.

    Params: item_id:int (督查事项). Result: {"<unit id>": {"unit_id", "department_code", "department_name",
    "role", "office_department", "report_cycle", "due_at"}} — one parallel branch per unit.
    """
    return supervision_services.item_register(item_id=call.int("item_id"))


@handler("supervision/unit_accept")
@_refusals_as_errors
def unit_accept(call: ServiceCall) -> dict[str, Any]:
    """签收: the unit takes the item on. Params: unit_id:int, contact:str (联系人), phone:str.
    Result: {"status": str, "due_at": ISO date-time}.
    """
    unit = supervision_services.unit_accept(
        unit_id=call.int("unit_id"), contact=_text(call, "contact"), phone=_text(call, "phone")
    )
    return {"status": unit.status, "due_at": _iso(unit.due_at)}


@handler("supervision/progress_record")
@_refusals_as_errors
def progress_record(call: ServiceCall) -> dict[str, Any]:
    """进展报告: records the unit's progress; its problems join the issue pool.

    Params: unit_id:int, text:str (进展情况), percent:int (0–100), problems:list ([{"description", "owner"}]),
    reporter:str (填报人). Result: {"report_id": int, "problems": int}.
    """
    report = supervision_services.progress_record(
        unit_id=call.int("unit_id"),
        text=_text(call, "text"),
        percent=call.int("percent"),
        problems=_problems(call),
        reporter=_text(call, "reporter"),
        idempotency_key=call.idempotency_key,
        submitted_by_id=call.queued_by_id,
    )
    return {"report_id": report.pk, "problems": report.problems.count()}


@handler("supervision/unit_complete")
@_refusals_as_errors
def unit_complete(call: ServiceCall) -> dict[str, Any]:
    """办结报告: the unit reports the work done; the office reviews it.

    Params: unit_id:int, summary:str (办理情况), reporter:str (填报人). Result: {"report_id": int}.
    """
    report = supervision_services.unit_complete(
        unit_id=call.int("unit_id"),
        summary=_text(call, "summary"),
        reporter=_text(call, "reporter"),
        idempotency_key=call.idempotency_key,
        submitted_by_id=call.queued_by_id,
    )
    return {"report_id": report.pk}


@handler("supervision/unit_return")
@_refusals_as_errors
def unit_return(call: ServiceCall) -> dict[str, Any]:
    """审核不到位: back to the unit with the office's opinion. Params: unit_id:int, opinion:str.
    Result: {"status": str, "due_at": ISO date-time (extensions included)}.
    """
    unit = supervision_services.unit_return(
        unit_id=call.int("unit_id"), opinion=_text(call, "opinion"), idempotency_key=call.idempotency_key
    )
    return {"status": unit.status, "due_at": _iso(unit.due_at)}


@handler("supervision/unit_finish")
@_refusals_as_errors
def unit_finish(call: ServiceCall) -> dict[str, Any]:
    """审核到位: the unit is done. Params: unit_id:int, opinion:str. Result: {"on_time": bool}."""
    unit = supervision_services.unit_finish(
        unit_id=call.int("unit_id"), opinion=_text(call, "opinion"), idempotency_key=call.idempotency_key
    )
    return {"on_time": bool(unit.on_time)}


@handler("supervision/item_close")
@_refusals_as_errors
def item_close(call: ServiceCall) -> dict[str, Any]:
    """办结: every unit is done. Params: item_id:int. Result: {"status": str, "closed_at": ISO date-time}."""
    item = supervision_services.item_close(item_id=call.int("item_id"))
    return {"status": item.status, "closed_at": _iso(item.closed_at)}


@handler("supervision/notice_publish")
@_refusals_as_errors
def notice_publish(call: ServiceCall) -> dict[str, Any]:
    """通报: records the notice of the item's result. Params: item_id:int. Result: {"notice_id": int, "title": str}."""
    notice = supervision_services.notice_publish(item_id=call.int("item_id"), idempotency_key=call.idempotency_key)
    return {"notice_id": notice.pk, "title": notice.title}

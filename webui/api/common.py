"""What every API view needs: the acting person, and the standard error responses for the schema."""

from collections.abc import Iterable
from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from processes.ports import Actor, directory

from .serializers import ErrorSerializer


def actor_of(request: Request) -> Actor:
    """The acting person, built once per request (one query for the memberships)."""
    actor: Actor | None = getattr(request, "_tongban_actor", None)
    if actor is None:
        actor = directory().actor_for(request.user)
        request._tongban_actor = actor  # type: ignore[attr-defined]
    return actor


def is_staff(request: Request) -> bool:
    return bool(request.user and request.user.is_staff)


def errors(*codes: int) -> dict[int, Any]:
    """Error responses for extend_schema: each status documented with the common error body."""
    described = {
        400: "请求数据有误 / invalid input",
        403: "无权操作 / not allowed",
        404: "不存在或无权查看 / not found",
        409: "状态已变化（已办结、已被签收、实例未运行） / conflict",
        422: "流程无法推进 / the process cannot advance",
    }
    return {code: OpenApiResponse(ErrorSerializer, description=described[code]) for code in codes}


class ExportFormatIsNotARenderer(DefaultContentNegotiation):
    """`?format=` names the export file here; DRF would read it as a renderer and answer 404."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        # Only error bodies are rendered here (a download is an HttpResponse), always by the first renderer.
        renderer = next(iter(renderers))
        return renderer, renderer.media_type

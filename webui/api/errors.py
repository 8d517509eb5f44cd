"""The one place where service errors become HTTP responses.

Registered as REST_FRAMEWORK["EXCEPTION_HANDLER"]. Every error body has `detail` (a message a
person can read, Chinese first); `errors` carries per-field or per-element problems, `context`
whatever else the service attached (the element id, the message name).
"""

from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from processes.engine.compile import DefinitionInvalid
from processes.errors import ProcessError, ValidationFailed

INVALID_REQUEST = "请求数据有误 / the request is invalid"
INVALID_DEFINITION = "流程定义无效，未部署 / the definition is invalid and was not deployed"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ProcessError):
        return Response(process_error_body(exc), status=exc.status_code)
    if isinstance(exc, DefinitionInvalid):
        problems = [problem.as_dict() for problem in exc.problems]
        return Response({"detail": INVALID_DEFINITION, "errors": problems}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ValidationError):
        # Same shape as a service's ValidationFailed, so a client reads field errors in one place.
        errors = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
        return Response({"detail": INVALID_REQUEST, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


def process_error_body(exc: ProcessError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": exc.message}
    if exc.detail is not None:
        body["errors" if isinstance(exc, ValidationFailed) else "context"] = exc.detail
    return body

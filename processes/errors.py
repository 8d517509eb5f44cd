"""Typed errors of the orchestration services; each maps to one HTTP status in the API."""

from typing import Any


class ProcessError(Exception):
    status_code = 400

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class NotFound(ProcessError):
    status_code = 404


class PermissionDenied(ProcessError):
    status_code = 403


class Conflict(ProcessError):
    """The thing changed under you: already completed, claimed by someone else, not running."""

    status_code = 409


class ValidationFailed(ProcessError):
    """Bad input; `detail` carries per-field or per-element errors."""

    status_code = 400


class EngineFailure(ProcessError):
    """The workflow could not advance (an expression failed, the diagram loops without end)."""

    status_code = 422


class MessageNotCorrelated(ProcessError):
    status_code = 404

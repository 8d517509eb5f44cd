"""Typed errors of the asset services; each carries what a person needs to fix the input."""

from typing import Any


class AssetError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str = "", detail: Any = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field
        self.detail = detail


class AssetNotFound(AssetError):
    status_code = 404


class AssetInvalid(AssetError):
    """Bad form data; `field` names the first bad field, `detail` maps every bad field to its messages."""


class AssetConflict(AssetError):
    """The natural key is taken (a system name in its department, a table name in its database …)."""

    status_code = 409

"""Typed errors of the catalog: each says what to fix and where (field, or 信息项 row)."""

from django.utils.translation import gettext as _


class CatalogError(Exception):
    """A catalog rule refused the operation; `message` is for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EntryInvalid(CatalogError):
    """The metadata break one or more rules. `errors` maps each field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        summary = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
        super().__init__(_("目录条目填写有误：%(summary)s") % {"summary": summary})

    @property
    def fields(self) -> list[str]:
        return list(self.errors)


class WrongStatus(CatalogError):
    """The entry, change or request is not in a state that allows this step."""


class NotPermitted(CatalogError):
    """The actor does not hold the role this step needs in the department concerned."""


class NotShareable(CatalogError):
    """The resource cannot be requested (不予共享, or not published)."""

"""Typed errors of 督查督办: each says what to fix and where (the field)."""

from django.utils.translation import gettext as _


class SupervisionError(Exception):
    """A supervision rule refused the operation; `message` is for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ItemInvalid(SupervisionError):
    """The item's data break one or more rules. `errors` maps each field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        summary = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
        super().__init__(_("督查事项填写有误：%(summary)s") % {"summary": summary})

    @property
    def fields(self) -> list[str]:
        return list(self.errors)


class WrongStatus(SupervisionError):
    """The item or unit is not in a state that allows this step."""


class NotPermitted(SupervisionError):
    """The actor does not hold the role this step needs in the department concerned."""

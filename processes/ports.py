"""What the orchestration core needs from the directory, without importing `domain/`.

`domain.directory` registers its implementation at start-up (domain → processes is the allowed
direction); tests may register a fake.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Actor:
    """Who is acting: the user and the (department id, role code) pairs they hold."""

    user_id: int | None
    username: str
    memberships: frozenset[tuple[int, str]] = field(default_factory=frozenset)
    is_superuser: bool = False
    is_staff: bool = False

    @property
    def role_codes(self) -> set[str]:
        return {role for _dept, role in self.memberships}

    def roles_by_department(self) -> dict[int, set[str]]:
        grouped: dict[int, set[str]] = {}
        for dept, role in self.memberships:
            grouped.setdefault(dept, set()).add(role)
        return grouped


SYSTEM = Actor(user_id=None, username="system")


@dataclass(frozen=True)
class Person:
    """Someone a task can be handed to, as a list of choices shows them."""

    user_id: int
    username: str
    full_name: str = ""


class Directory(Protocol):
    def actor_for(self, user: Any) -> Actor: ...

    def known_role_codes(self) -> set[str]: ...

    def roles(self) -> list[tuple[str, str]]:
        """(code, name) of every role, by code."""
        ...

    def department_id_for_code(self, code: str) -> int | None: ...

    def user_id_for_username(self, username: str) -> int | None: ...

    def users_with_role(self, *, department_id: int, role_code: str) -> list[int]:
        """Ids of users holding `role_code` in exactly that department."""
        ...

    def parent_department_id(self, department_id: int) -> int | None: ...

    def department_subtree_ids(self, department_id: int) -> list[int]:
        """The department and every department below it."""
        ...

    def department_ids_of_user(self, user_id: int) -> list[int]:
        """Departments the user holds any role in."""
        ...

    def people_who_may_hold(
        self, *, role_codes: list[str], department_id: int | None, usernames: list[str]
    ) -> list[Person]:
        """Active users holding one of `role_codes` in exactly `department_id` (in any department when it is
        None), and the active users named in `usernames`; each once, by username."""
        ...


_directory: Directory | None = None


def register_directory(directory: Directory) -> None:
    global _directory
    _directory = directory


def directory() -> Directory:
    if _directory is None:
        raise RuntimeError("no directory registered (is domain.directory in INSTALLED_APPS?)")
    return _directory


@dataclass(frozen=True)
class Due:
    """A deadline on the work calendar; provisional when the year's official arrangement is unknown."""

    at: datetime
    provisional: bool = False


class WorkCalendar(Protocol):
    """Working days (weekdays that are not public holidays, plus 调休 make-up days)."""

    def add_working_days(self, start: datetime, days: int) -> Due:
        """The end of the working day `days` working days after `start` (in the calendar's timezone)."""
        ...

    def working_days_between(self, start: datetime, end: datetime) -> float: ...


@dataclass(frozen=True)
class Message:
    user_ids: list[int]
    kind: str
    title: str
    body: str
    link: str = ""


class Notifier(Protocol):
    def notify(self, *, user_ids: list[int], kind: str, title: str, body: str, link: str = "") -> int:
        """Deliver to every channel; returns the number of deliveries."""
        ...

    def notify_many(self, messages: list[Message]) -> int:
        """Several messages in one go (the escalation tick sends a chunk's worth at once)."""
        ...


_calendar: WorkCalendar | None = None
_notifier: Notifier | None = None


def register_calendar(calendar: WorkCalendar) -> None:
    global _calendar
    _calendar = calendar


def calendar() -> WorkCalendar:
    if _calendar is None:
        raise RuntimeError("no work calendar registered (is domain.workcalendar in INSTALLED_APPS?)")
    return _calendar


def register_notifier(notifier: Notifier) -> None:
    global _notifier
    _notifier = notifier


def notifier() -> Notifier:
    if _notifier is None:
        raise RuntimeError("no notifier registered (is domain.notifications in INSTALLED_APPS?)")
    return _notifier

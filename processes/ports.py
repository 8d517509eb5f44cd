"""What the orchestration core needs from the directory, without importing `domain/`.

`domain.directory` registers its implementation at start-up (domain → processes is the allowed
direction); tests may register a fake.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Actor:
    """Who is acting: the user and the (department id, role code) pairs they hold."""

    user_id: int | None
    username: str
    memberships: frozenset[tuple[int, str]] = field(default_factory=frozenset)
    is_superuser: bool = False

    @property
    def role_codes(self) -> set[str]:
        return {role for _dept, role in self.memberships}

    def roles_by_department(self) -> dict[int, set[str]]:
        grouped: dict[int, set[str]] = {}
        for dept, role in self.memberships:
            grouped.setdefault(dept, set()).add(role)
        return grouped


SYSTEM = Actor(user_id=None, username="system")


class Directory(Protocol):
    def actor_for(self, user: Any) -> Actor: ...

    def known_role_codes(self) -> set[str]: ...

    def department_id_for_code(self, code: str) -> int | None: ...

    def user_id_for_username(self, username: str) -> int | None: ...


_directory: Directory | None = None


def register_directory(directory: Directory) -> None:
    global _directory
    _directory = directory


def directory() -> Directory:
    if _directory is None:
        raise RuntimeError("no directory registered (is domain.directory in INSTALLED_APPS?)")
    return _directory

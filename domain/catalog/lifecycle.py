"""The entry's lifecycle (草稿 → 审核中 → 已发布 → 已下线) as a viewflow.fsm flow over the model's field.

Only the services move an entry between states, and only through these transitions; anything else
raises WrongStatus naming the entry's current state."""

from typing import Literal

from django.utils.translation import gettext as _
from viewflow import fsm

from .choices import EntryStatus
from .errors import WrongStatus
from .models import CatalogEntry


class EntryLifecycle:
    status = fsm.State(EntryStatus, default=EntryStatus.DRAFT)

    def __init__(self, entry: CatalogEntry) -> None:
        self.entry = entry

    @status.setter()
    def _set_status(self, value: str) -> None:
        self.entry.status = value

    @status.getter()
    def _get_status(self) -> str:
        return self.entry.status

    @status.transition(source=EntryStatus.DRAFT, target=EntryStatus.IN_REVIEW)
    def submit(self) -> None:
        """编目员提交审核."""

    @status.transition(source=EntryStatus.IN_REVIEW, target=EntryStatus.DRAFT)
    def send_back(self) -> None:
        """A review gate returned it: the drafter may edit again."""

    @status.transition(source=EntryStatus.IN_REVIEW, target=EntryStatus.PUBLISHED)
    def publish(self) -> None:
        """Both gates approved: the code is assigned."""

    @status.transition(source=EntryStatus.PUBLISHED, target=EntryStatus.WITHDRAWN)
    def take_down(self) -> None:
        """An approved 下线."""


Transition = Literal["submit", "send_back", "publish", "take_down"]


def entry_transition(entry: CatalogEntry, name: Transition) -> None:
    """Apply one transition of EntryLifecycle by name (the entry is not saved) or raise WrongStatus."""
    try:
        getattr(EntryLifecycle(entry), name)()
    except fsm.TransitionNotAllowed as exc:
        raise WrongStatus(
            _("目录条目「%(name)s」当前状态为%(status)s，不能执行此操作。")
            % {"name": entry.name, "status": EntryStatus(entry.status).label}
        ) from exc

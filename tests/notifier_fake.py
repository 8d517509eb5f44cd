"""A notifier that records instead of delivering, for tests of the ladder and the supervisor tools."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from processes import ports


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def notify(self, *, user_ids: list[int], kind: str, title: str, body: str, link: str = "") -> int:
        self.sent.append({"user_ids": user_ids, "kind": kind, "title": title, "body": body, "link": link})
        return len(user_ids)

    def notify_many(self, messages: list[ports.Message]) -> int:
        return sum(
            self.notify(user_ids=m.user_ids, kind=m.kind, title=m.title, body=m.body, link=m.link) for m in messages
        )


@contextmanager
def recording_notifier() -> Iterator[RecordingNotifier]:
    previous = ports._notifier
    notifier = RecordingNotifier()
    ports.register_notifier(notifier)
    try:
        yield notifier
    finally:
        ports._notifier = previous

"""The notification centre as the orchestration core sees it (processes.ports.Notifier)."""

from processes.ports import Message

from . import services


class NotifierPort:
    def notify(self, *, user_ids: list[int], kind: str, title: str, body: str, link: str = "") -> int:
        return services.notify(user_ids=user_ids, kind=kind, title=title, body=body, link=link)

    def notify_many(self, messages: list[Message]) -> int:
        return services.notify_many(messages)

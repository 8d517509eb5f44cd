from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "domain.notifications"
    label = "notifications"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        from processes.ports import register_notifier

        from . import checks  # noqa: F401  (registers the channel system check)
        from .port import NotifierPort

        register_notifier(NotifierPort())

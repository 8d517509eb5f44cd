"""`manage.py check` fails when settings name a notification channel nobody registered."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from .channels import channel_names


@register()
def check_notification_channels(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    known = channel_names()
    return [
        Error(
            f"通知渠道 {name!r} 未注册 / notification channel {name!r} is not registered",
            hint=f"TONGBAN['NOTIFICATION_CHANNELS'] may name: {', '.join(sorted(known))}",
            id="notifications.E001",
        )
        for name in settings.TONGBAN["NOTIFICATION_CHANNELS"]
        if name not in known
    ]

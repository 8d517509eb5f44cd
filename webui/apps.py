from typing import Any

from django.apps import AppConfig


class WebuiConfig(AppConfig):
    name = "webui"
    verbose_name = "Web UI"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        user_logged_in.connect(_audit_login, dispatch_uid="tongban_audit_login")
        user_login_failed.connect(_audit_login_failed, dispatch_uid="tongban_audit_login_failed")


def _client_ip(request: Any) -> str:
    from webui.login_throttle import client_ip  # the address the throttle counts (trusted proxies' header)

    return client_ip(request) if hasattr(request, "META") else ""


def _audit_login(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    from processes.services.audit import audit_append

    audit_append("login", actor=user.get_username() if user else "", payload={"ip": _client_ip(request)})


def _audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    from processes.services.audit import audit_append

    # The password never reaches the trail; Django already masks it in `credentials`.
    audit_append("login_failed", actor=str(credentials.get("username", ""))[:150], payload={"ip": _client_ip(request)})

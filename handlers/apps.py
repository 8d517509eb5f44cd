from django.apps import AppConfig


class HandlersConfig(AppConfig):
    name = "handlers"
    verbose_name = "Service task handlers"

    def ready(self) -> None:
        # Handler modules are listed by name: no discovery. Each registers with @handler on import.
        from . import approvals  # noqa: F401

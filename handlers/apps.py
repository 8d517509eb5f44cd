import importlib
import os

from django.apps import AppConfig


class HandlersConfig(AppConfig):
    name = "handlers"
    verbose_name = "Service task handlers"

    def ready(self) -> None:
        # Handler modules are listed by name: no discovery. Each registers with @handler on import.
        from . import (
            approvals,  # noqa: F401
            catalog,  # noqa: F401
            supervision,  # noqa: F401
        )

        # Extra modules by dotted name, comma-separated (the worker tests load their test handlers so).
        for module in filter(None, (m.strip() for m in os.environ.get("TONGBAN_EXTRA_HANDLER_MODULES", "").split(","))):
            importlib.import_module(module)

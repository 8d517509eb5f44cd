import os
import sys

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ProcessesConfig(AppConfig):
    name = "processes"
    verbose_name = _("流程引擎")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the BPMN system check)

        # runserver's autoreloader runs the app in a child process marked RUN_MAIN.
        if settings.TONGBAN["TIMER_LOOP"] and "runserver" in sys.argv and os.environ.get("RUN_MAIN") == "true":
            from . import timer_loop

            timer_loop.start(float(settings.TONGBAN["TIMER_LOOP_SECONDS"]))

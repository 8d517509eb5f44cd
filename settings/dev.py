from .base import *  # noqa: F403
from .base import TONGBAN, env

DEBUG = env.bool("DEBUG", default=True)
TONGBAN["TIMER_LOOP"] = env.bool("TONGBAN_TIMER_LOOP", default=True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

from .base import *  # noqa: F403
from .base import TONGBAN, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TONGBAN["JOB_BACKOFF_SECONDS"] = env.float("TONGBAN_JOB_BACKOFF_SECONDS", default=0.01)

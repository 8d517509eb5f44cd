from .base import *  # noqa: F403
from .base import TONGBAN

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TONGBAN["JOB_BACKOFF_SECONDS"] = 0.01

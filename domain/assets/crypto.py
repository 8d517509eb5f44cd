"""Probe passwords at rest: Fernet with a key from TONGBAN["PROBE_KEY"], else derived from SECRET_KEY.

Changing SECRET_KEY (without PROBE_KEY set) makes stored passwords unreadable; a run then fails with a
message asking for the password to be entered again, and nothing leaks.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class PasswordUnreadable(Exception):
    pass


def _fernet() -> Fernet:
    configured = getattr(settings, "TONGBAN", {}).get("PROBE_KEY") or ""
    secret = configured or settings.SECRET_KEY
    try:
        return Fernet(secret.encode()) if configured else _derived(secret)
    except ValueError:
        # PROBE_KEY is not itself a Fernet key: use it as key material.
        return _derived(secret)


def _derived(secret: str) -> Fernet:
    digest = hashlib.sha256(b"tongban.assets.probe-password:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def password_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def password_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise PasswordUnreadable() from None

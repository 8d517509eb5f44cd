"""Failed-login throttle: too many failures for one username or one IP lock both out for a while.

Counts live in Django's cache (a window opens at the first failure); a lock is a separate key so
it lasts the full lockout period from the failure that triggered it.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _limits() -> tuple[int, int]:
    conf = settings.TONGBAN
    return int(conf["LOGIN_MAX_FAILURES"]), int(conf["LOGIN_LOCKOUT_MINUTES"]) * 60


def _keys(username: str, ip: str) -> list[str]:
    # Usernames are hashed (cache backends restrict key characters) and folded so "Clerk" and
    # "clerk" share one counter.
    user_hash = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    keys = [f"tongban:login:user:{user_hash}"]
    if ip:
        keys.append(f"tongban:login:ip:{ip}")
    return keys


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return str(request.META.get("REMOTE_ADDR", ""))


def login_locked(*, username: str, ip: str) -> bool:
    return any(cache.get(f"{key}:locked") for key in _keys(username, ip))


def login_failure_record(*, username: str, ip: str) -> None:
    max_failures, window = _limits()
    for key in _keys(username, ip):
        cache.add(f"{key}:count", 0, timeout=window)
        try:
            count = cache.incr(f"{key}:count")
        except ValueError:  # expired between add and incr
            cache.set(f"{key}:count", 1, timeout=window)
            count = 1
        if count >= max_failures:
            cache.set(f"{key}:locked", True, timeout=window)
            cache.delete(f"{key}:count")


def login_success_record(*, username: str) -> None:
    """A correct password clears the username's failure count (not an IP's, nor a lock)."""
    [user_key] = _keys(username, "")
    cache.delete(f"{user_key}:count")

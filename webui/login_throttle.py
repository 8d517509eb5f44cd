"""Failed-login throttle.

Failures are counted per (username, client address) pair and per client address alone. The pair is
locked after TONGBAN["LOGIN_MAX_FAILURES"] failures — someone guessing one account from one place —
while other people, and the same person elsewhere, still log in. The address alone is locked only after
the much higher TONGBAN["LOGIN_MAX_FAILURES_PER_IP"], so an office behind one NAT address is not locked
out by a colleague's typos, yet one machine cannot try password after password over many usernames.

The client address is REMOTE_ADDR, or — behind TONGBAN["TRUSTED_PROXY_COUNT"] reverse proxies — the
entry of X-Forwarded-For that the outermost trusted proxy wrote (the Nth from the right): entries further
left are whatever the client sent and are never believed.

Counts live in Django's cache (a window opens at the first failure); a lock is a separate key so it lasts
the full lockout period from the failure that triggered it.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PREFIX = "tongban:login"


def _window() -> int:
    return int(settings.TONGBAN["LOGIN_LOCKOUT_MINUTES"]) * 60


def _pair_key(username: str, ip: str) -> str:
    # Hashed (cache backends restrict key characters); the username folded so "Clerk" and "clerk" share one.
    identity = f"{username.strip().casefold()}\0{ip}".encode()
    return f"{PREFIX}:pair:{hashlib.sha256(identity).hexdigest()}"


def _ip_key(ip: str) -> str:
    return f"{PREFIX}:ip:{hashlib.sha256(ip.encode()).hexdigest()}"


def _counters(username: str, ip: str) -> list[tuple[str, int]]:
    """The (key, failures that lock it) pairs a login attempt counts against."""
    conf = settings.TONGBAN
    counters = [(_pair_key(username, ip), int(conf["LOGIN_MAX_FAILURES"]))]
    if ip:
        counters.append((_ip_key(ip), int(conf["LOGIN_MAX_FAILURES_PER_IP"])))
    return counters


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the trusted proxies' X-Forwarded-For entry (see above)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(settings.TONGBAN["TRUSTED_PROXY_COUNT"])
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    # Fewer entries than proxies: the request did not come through them all; only REMOTE_ADDR is known.
    return forwarded[-proxies] if len(forwarded) >= proxies else remote


def login_locked(*, username: str, ip: str) -> bool:
    return any(cache.get(f"{key}:locked") for key, _limit in _counters(username, ip))


def login_failure_record(*, username: str, ip: str) -> None:
    window = _window()
    for key, limit in _counters(username, ip):
        cache.add(f"{key}:count", 0, timeout=window)
        try:
            count = cache.incr(f"{key}:count")
        except ValueError:  # expired between add and incr
            cache.set(f"{key}:count", 1, timeout=window)
            count = 1
        if count >= limit:
            cache.set(f"{key}:locked", True, timeout=window)
            cache.delete(f"{key}:count")


def login_success_record(*, username: str, ip: str) -> None:
    """A correct password clears the failure count of that username from that address (not the address's
    own count, nor a lock)."""
    cache.delete(f"{_pair_key(username, ip)}:count")

"""A short-lived, per-process memory of which user a session digest belongs to.

Every event resolves the browser's session; without this, each one is a database read (and on a busy page most
events are). An entry lives at most `TTL_SECONDS`, and anything that ends sessions in this process (sign-out,
signing out other devices, password change or reset, disabling an account) drops the affected entries at once. So
a revoked session stops at once on the worker that revoked it, and within TTL_SECONDS on every other worker."""

from __future__ import annotations

import threading
import time
from datetime import datetime

TTL_SECONDS = 1.0
MAX_ENTRIES = 50_000

_entries: dict[str, tuple[int, float, datetime]] = {}
_lock = threading.Lock()


def get(digest: str, now: datetime) -> int | None:
    """The cached user id, if the entry is fresh and the session itself has not expired."""
    entry = _entries.get(digest)
    if entry is None:
        return None
    user_id, stored_at, session_expires_at = entry
    if time.monotonic() - stored_at > TTL_SECONDS or session_expires_at <= now:
        _entries.pop(digest, None)
        return None
    return user_id


def put(digest: str, user_id: int, session_expires_at: datetime) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            cutoff = time.monotonic() - TTL_SECONDS
            for key in [key for key, (_, stored_at, _) in _entries.items() if stored_at < cutoff]:
                del _entries[key]
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
        _entries[digest] = (user_id, time.monotonic(), session_expires_at)


def forget(digest: str) -> None:
    _entries.pop(digest, None)


def forget_user(user_id: int) -> None:
    """Drop every cached session of a user (their sessions were just ended or their account changed)."""
    with _lock:
        for key in [key for key, (owner, _, _) in _entries.items() if owner == user_id]:
            del _entries[key]


def clear() -> None:
    _entries.clear()

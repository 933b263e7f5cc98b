"""Throttling of guesses and of traffic, kept in the database so every worker sees the same counts.

Two tools:
- `guard(subject, address)` / `record_failure` / `clear_failures`: failed attempts at a secret (a password, a
  second-factor code) counted per subject *and* client address. Reaching the limit locks that pair for a while: the
  owner signing in from their usual address is not locked out by a stranger guessing from another one, and the
  subject is an email that may have no account, so a lock reveals nothing about which emails exist.
- `take(key, limit)`: a fixed one-minute window of hits per key (e.g. sign-in and sign-up attempts per address),
  which bounds how much password hashing one address can make the server do."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import RateLimitWindow, ThrottleFailure, utcnow
from profile_app.services.errors import AccountLocked, TooManyRequests

RATE_WINDOW = timedelta(minutes=1)
SUBJECT_MAX = 300
ADDRESS_MAX = 64


def _minutes(delta: timedelta) -> int:
    return max(1, int((delta.total_seconds() + 59) // 60))


def _insert_for(session: Session):
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _key(subject: str, address: str) -> tuple[str, str]:
    return subject[:SUBJECT_MAX], (address or "unknown")[:ADDRESS_MAX]


def locked_message(minutes: int) -> str:
    return f"Too many failed attempts. Try again in {minutes} minute{'' if minutes == 1 else 's'}."


def guard(subject: str, address: str, now: datetime | None = None) -> None:
    """Raise AccountLocked while this subject is locked for this address."""
    subject, address = _key(subject, address)
    now = now or utcnow()
    with read() as session:
        row = session.exec(
            select(ThrottleFailure).where(ThrottleFailure.subject == subject, ThrottleFailure.address == address)
        ).first()
    if row is not None and row.locked_until is not None and row.locked_until > now:
        raise AccountLocked(locked_message(_minutes(row.locked_until - now)), field="password")


def record_failure(subject: str, address: str) -> None:
    """Count one failure; the limit-th failure within the window locks the pair for the window's length. One
    atomic upsert, so failures sent in parallel are all counted."""
    settings = get_settings()
    window = timedelta(minutes=settings.login_lock_minutes)
    subject, address = _key(subject, address)
    now = utcnow()
    with transaction() as session:
        table = ThrottleFailure.__table__
        insert = _insert_for(session)(table).values(
            subject=subject, address=address, failures=1, window_started_at=now, locked_until=None
        )
        stale = table.c.window_started_at < now - window
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["subject", "address"],
                set_={
                    "failures": sa.case((stale, 1), else_=table.c.failures + 1),
                    "window_started_at": sa.case((stale, now), else_=table.c.window_started_at),
                },
            )
        )
        session.execute(
            sa.update(table)
            .where(
                table.c.subject == subject,
                table.c.address == address,
                table.c.failures >= settings.login_max_failures,
            )
            .values(locked_until=now + window, failures=0, window_started_at=now)
        )


def clear_failures(subject: str, address: str) -> None:
    subject, address = _key(subject, address)
    with transaction() as session:
        session.execute(
            sa.delete(ThrottleFailure).where(ThrottleFailure.subject == subject, ThrottleFailure.address == address)
        )


def take(key: str, limit: int) -> None:
    """Count one hit for `key` in the current one-minute window; TooManyRequests beyond `limit`."""
    now = utcnow()
    with transaction() as session:
        table = RateLimitWindow.__table__
        stale = table.c.window_started_at < now - RATE_WINDOW
        session.execute(
            _insert_for(session)(table)
            .values(key=key[:200], window_started_at=now, hits=1)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "hits": sa.case((stale, 1), else_=table.c.hits + 1),
                    "window_started_at": sa.case((stale, now), else_=table.c.window_started_at),
                },
            )
        )
        hits = session.exec(select(RateLimitWindow.hits).where(RateLimitWindow.key == key[:200])).one()
    if hits > limit:
        raise TooManyRequests()


def purge(now: datetime | None = None) -> int:
    """Drop counters that no longer matter (background clean-up)."""
    now = now or utcnow()
    window = timedelta(minutes=get_settings().login_lock_minutes)
    with transaction() as session:
        failures = session.execute(
            sa.delete(ThrottleFailure).where(
                ThrottleFailure.window_started_at < now - window,
                sa.or_(ThrottleFailure.locked_until.is_(None), ThrottleFailure.locked_until < now),
            )
        ).rowcount
        windows = session.execute(
            sa.delete(RateLimitWindow).where(RateLimitWindow.window_started_at < now - RATE_WINDOW)
        ).rowcount
    return (failures or 0) + (windows or 0)

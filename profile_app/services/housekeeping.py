"""Background clean-up, run by every backend worker once an hour (deletes are idempotent, so workers running it
at the same time do no harm): security events older than PROFILE_SECURITY_LOG_DAYS, expired sessions and sign-in
grants, invitations long expired, and throttle counters that no longer count."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from profile_app.db import transaction
from profile_app.models import Invitation, utcnow
from profile_app.services import accounts, security_log, throttle

log = logging.getLogger(__name__)

PRUNE_INTERVAL_SECONDS = 3600.0
# An expired invitation link is kept a while, so someone opening it late reads "Invitation expired" rather than
# "Invitation not found".
EXPIRED_INVITATION_KEPT = timedelta(days=30)
_pruner_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pruner")  # not asyncio's shared pool


@dataclass(frozen=True)
class PruneReport:
    security_events: int
    sessions_and_grants: int
    invitations: int
    throttle_counters: int


def purge_expired_invitations(now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - EXPIRED_INVITATION_KEPT
    with transaction() as session:
        return session.exec(sa.delete(Invitation).where(Invitation.expires_at < cutoff)).rowcount or 0


def prune(now: datetime | None = None) -> PruneReport:
    now = now or utcnow()
    return PruneReport(
        security_events=security_log.prune(now),
        sessions_and_grants=accounts.purge_expired_sessions(now),
        invitations=purge_expired_invitations(now),
        throttle_counters=throttle.purge(now),
    )


async def run_pruner(interval_seconds: float = PRUNE_INTERVAL_SECONDS, stop: asyncio.Event | None = None) -> None:
    """The Reflex lifespan task: prune at start, then every `interval_seconds`; a failure is logged and the loop
    goes on."""
    while stop is None or not stop.is_set():
        try:
            report = await asyncio.get_running_loop().run_in_executor(_pruner_thread, prune)
            log.debug("Pruned: %s", report)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any one failure
            log.warning("Background pruning failed: %s; trying again later", type(exc).__name__)
        if stop is None:
            await asyncio.sleep(interval_seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_seconds)

"""The hourly background clean-up: old security events, expired sessions and sign-in grants, long-expired
invitations and spent throttle counters go; everything still current stays. Running it twice (two workers) is
harmless."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa

from profile_app import db
from profile_app.models import AuthSession, Invitation, SecurityEvent, SignInGrant, utcnow
from profile_app.services import accounts, housekeeping, security_log, workspaces
from profile_app.services.idempotency import new_request_key
from profile_app.services.security_log import EventKind

PASSWORD = "correct horse battery"


def _count(model) -> int:
    with db.read() as session:
        return session.exec(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _seed(now):
    user_id = accounts.sign_up("Ada Lovelace", "ada@example.com", PASSWORD)
    live = accounts.sign_in("ada@example.com", PASSWORD)
    stale = accounts.sign_in("ada@example.com", PASSWORD)
    accounts.issue_sign_in_grant(user_id, "/profile")
    fresh_link = workspaces.create_invitation(user_id, request_key=new_request_key())
    recently_expired = workspaces.create_invitation(user_id, request_key=new_request_key())
    long_expired = workspaces.create_invitation(user_id, request_key=new_request_key())
    with db.transaction() as session:
        session.exec(sa.delete(SecurityEvent))
        security_log.record(session, user_id, EventKind.SIGNED_IN, at=now - timedelta(days=91))
        security_log.record(session, user_id, EventKind.SIGNED_OUT, at=now - timedelta(days=89))
        session.exec(
            sa.update(AuthSession)
            .where(AuthSession.token_hash == accounts.security.token_digest(stale))
            .values(expires_at=now - timedelta(minutes=1))
        )
        session.exec(sa.update(SignInGrant).values(expires_at=now - timedelta(seconds=1)))
        session.exec(
            sa.update(Invitation)
            .where(Invitation.id == recently_expired.id)
            .values(expires_at=now - timedelta(days=1))
        )
        session.exec(
            sa.update(Invitation)
            .where(Invitation.id == long_expired.id)
            .values(expires_at=now - housekeeping.EXPIRED_INVITATION_KEPT - timedelta(days=1))
        )
    return user_id, live, fresh_link, recently_expired


def test_prune_removes_only_what_has_run_out(database):
    now = utcnow()
    user_id, live, fresh_link, recently_expired = _seed(now)
    report = housekeeping.prune(now)
    assert report.security_events == 1
    assert report.sessions_and_grants == 2  # the stale session and the grant
    assert report.invitations == 1
    assert [e.kind for e in security_log.list_events(user_id).entries] == [EventKind.SIGNED_OUT]
    assert accounts.resolve_session(live) == user_id and _count(AuthSession) == 1
    assert _count(SignInGrant) == 0
    with db.read() as session:
        kept = set(session.exec(sa.select(Invitation.id)).scalars())
    assert kept == {fresh_link.id, recently_expired.id}  # an expired link still says "expired" for a while
    again = housekeeping.prune(now)  # a second worker running it too: nothing left to do, no error
    assert again == housekeeping.PruneReport(0, 0, 0, 0)


def test_the_security_log_keeps_its_configured_days(database):
    database(SECURITY_LOG_DAYS="7")
    now = utcnow()
    user_id, *_ = _seed(now)
    housekeeping.prune(now)
    assert security_log.list_events(user_id).entries == ()


def test_the_background_loop_prunes_and_outlives_a_failure(database, monkeypatch):
    calls = []

    def flaky_prune(now=None):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return housekeeping.PruneReport(0, 0, 0, 0)

    monkeypatch.setattr(housekeeping, "prune", flaky_prune)

    async def run_two_rounds():
        stop = asyncio.Event()
        task = asyncio.create_task(housekeeping.run_pruner(interval_seconds=0.01, stop=stop))
        while len(calls) < 2:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(run_two_rounds())
    assert len(calls) >= 2

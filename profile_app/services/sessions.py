"""The user's signed-in sessions as they may see them: which browser, from where, since when, and signing them
out. A session is named to the browser by an opaque id (an HMAC of its row id under the server's secret key):
never its token digest, and nothing another user could forge or guess into someone else's session."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import AuthSession, utcnow
from profile_app.services import security_log, session_cache, user_agents
from profile_app.services.errors import NotFound, NotSignedIn
from profile_app.services.security_log import EventKind

PUBLIC_ID_LENGTH = 32
SESSION_GONE = "This session has already ended."


@dataclass(frozen=True)
class SessionView:
    """One row of the Sessions list. Carries no token and no token digest."""

    public_id: str
    browser: str
    os: str
    ip_address: str
    signed_in_at: datetime
    last_active_at: datetime
    current: bool

    @property
    def summary(self) -> str:
        return user_agents.Device(browser=self.browser, os=self.os).summary


def public_id_of(row_id: int) -> str:
    """The opaque, stable id of a session row as the page shows it (HMAC-SHA256 of the row id, 128 bits)."""
    key = hashlib.sha256(b"profile auth-session public id\x00" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, str(int(row_id)).encode(), hashlib.sha256).hexdigest()[:PUBLIC_ID_LENGTH]


def list_sessions(user_id: int, current_digest: str) -> tuple[SessionView, ...]:
    """The user's unexpired sessions: this one first, then the most recently active. One statement."""
    now = utcnow()
    with read() as session:
        rows = session.exec(
            select(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.expires_at > now)
            .order_by(AuthSession.last_seen_at.desc(), AuthSession.id.desc())
        ).all()
    views = []
    for row in rows:
        device = user_agents.describe(row.user_agent)
        views.append(
            SessionView(
                public_id=public_id_of(row.id),
                browser=device.browser,
                os=device.os,
                ip_address=row.ip_address,
                signed_in_at=row.created_at,
                last_active_at=row.last_seen_at,
                current=bool(current_digest) and hmac.compare_digest(row.token_hash, current_digest),
            )
        )
    return tuple(sorted(views, key=lambda view: not view.current))  # stable: the rest keep their order


def sign_out_session(user_id: int, session_public_id: str, *, ip_address: str = "", user_agent: str = "") -> None:
    """End one of the user's own sessions (found by its public id among theirs only); its next event or page
    load finds no session. `ip_address`/`user_agent` are the acting browser's, for the security log."""
    wanted = session_public_id if isinstance(session_public_id, str) else ""
    if len(wanted) != PUBLIC_ID_LENGTH:
        raise NotFound(SESSION_GONE)
    with transaction() as session:
        rows = session.exec(select(AuthSession).where(AuthSession.user_id == user_id).with_for_update()).all()
        target = next((row for row in rows if hmac.compare_digest(public_id_of(row.id), wanted)), None)
        if target is None:
            raise NotFound(SESSION_GONE)
        session.exec(sa.delete(AuthSession).where(AuthSession.id == target.id, AuthSession.user_id == user_id))
        ended = user_agents.describe(target.user_agent).summary
        security_log.record(
            session,
            user_id,
            EventKind.SESSION_SIGNED_OUT,
            ip_address=ip_address,
            user_agent=user_agent,
            detail=f"{ended}, {target.ip_address}" if target.ip_address else ended,
        )
        digest = target.token_hash
    session_cache.forget(digest)  # after the commit, so no read from before it can put the entry back here


def delete_other_sessions(session: Session, user_id: int, current_digest: str) -> int:
    """Inside the caller's transaction: delete every session of the user except the one with this digest; returns
    how many went. The caller calls `session_cache.forget_user(user_id)` once it has committed."""
    if not current_digest:
        raise NotSignedIn()
    result = session.exec(
        sa.delete(AuthSession).where(AuthSession.user_id == user_id, AuthSession.token_hash != current_digest)
    )
    return result.rowcount or 0


def sign_out_other_sessions(
    user_id: int, current_digest: str, *, ip_address: str = "", user_agent: str = ""
) -> int:
    """End every session of the user but this one; returns how many ended (none: nothing is logged)."""
    with transaction() as session:
        ended = delete_other_sessions(session, user_id, current_digest)
        if ended:
            security_log.record(
                session,
                user_id,
                EventKind.OTHER_SESSIONS_SIGNED_OUT,
                ip_address=ip_address,
                user_agent=user_agent,
                detail=f"{ended} session{'' if ended == 1 else 's'}",
            )
    session_cache.forget_user(user_id)
    return ended

"""Accounts and sign-in sessions: sign-up, sign-in with per-account throttling, sign-out, session lookup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import AuthSession, Membership, ServerSettings, User, Workspace, utcnow
from profile_app.services import security
from profile_app.services.errors import (
    AccountLocked,
    InvalidLogin,
    NotSignedIn,
    SignupClosed,
    ValidationFailed,
)
from profile_app.services.text import clean_text

NAME_MIN, NAME_MAX = 2, 100
PASSWORD_MIN, PASSWORD_MAX = 12, 128
EMAIL_MAX = 254
SELF_HOSTED_WORKSPACE_NAME = "Default workspace"
# Refresh last_seen_at at most this often, so reading a session is not a write on every event.
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


@dataclass(frozen=True)
class Account:
    """What the app may show about the signed-in user. Never carries the password hash."""

    id: int
    public_id: str
    name: str
    email: str
    is_admin: bool
    hidpi_override: bool
    theme: str
    active_workspace_id: int | None
    active_workspace_name: str

    @property
    def initials(self) -> str:
        return initials_of(self.name)


def initials_of(name: str) -> str:
    parts = [p for p in name.split() if p]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_email(email: str) -> str:
    email = normalise_email(clean_text(email, field="email", label="Email", max_length=EMAIL_MAX))
    if not email:
        raise ValidationFailed("Enter your email address.", field="email")
    if len(email) > EMAIL_MAX or not _EMAIL_RE.match(email):
        raise ValidationFailed("Enter a valid email address, like name@example.com.", field="email")
    return email


def validate_name(name: str) -> str:
    return clean_text(name, field="name", label="Name", min_length=NAME_MIN, max_length=NAME_MAX)


def validate_password(password: str) -> str:
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise ValidationFailed(f"Password must be at least {PASSWORD_MIN} characters.", field="password")
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed(f"Password must be at most {PASSWORD_MAX} characters.", field="password")
    return password


def ensure_server_settings(session: Session) -> ServerSettings:
    """The single ServerSettings row, created on first need (its random UUID identifies the installation).
    Several workers start at once, so the insert is INSERT … ON CONFLICT DO NOTHING: the first one wins and the
    others read its row instead of failing on the primary key."""
    import uuid

    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    row = session.get(ServerSettings, 1)
    if row is None:
        insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(ServerSettings)
            .values(id=1, server_uuid=str(uuid.uuid4()), usage_decided_version="", last_report_error="")
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = session.get(ServerSettings, 1, populate_existing=True)
    return row


def _lock_server_settings(session: Session) -> ServerSettings:
    ensure_server_settings(session)
    return session.exec(select(ServerSettings).where(ServerSettings.id == 1).with_for_update()).one()


def sign_up(name: str, email: str, password: str) -> int:
    """Create the account and its workspace membership; returns the new user's id."""
    settings = get_settings()
    if not settings.signup_open:
        raise SignupClosed()
    name = validate_name(name)
    email = validate_email(email)
    password = validate_password(password)
    password_hash = security.hash_password(password)  # slow: outside the transaction
    with transaction() as session:
        _lock_server_settings(session)  # serialises sign-ups: first-user-is-admin and the one workspace
        if session.exec(select(User.id).where(User.email == email)).first() is not None:
            raise ValidationFailed("An account with this email already exists. Log in instead.", field="email")
        first_user = session.exec(select(sa.func.count()).select_from(User)).one() == 0
        user = User(name=name, email=email, password_hash=password_hash)
        session.add(user)
        session.flush()
        if settings.hosted:
            workspace = Workspace(
                name=f"{name}'s workspace",
                personal=True,
                owner_id=user.id,
                max_members=settings.max_members_default,
            )
            session.add(workspace)
            session.flush()
            role = "owner"
        else:
            user.is_admin = first_user
            workspace = session.exec(
                select(Workspace).where(Workspace.personal.is_(False)).order_by(Workspace.id)
            ).first()
            role = "member"
            if workspace is None:
                workspace = Workspace(
                    name=SELF_HOSTED_WORKSPACE_NAME,
                    owner_id=user.id,
                    max_members=settings.max_members_default,
                )
                session.add(workspace)
                session.flush()
                role = "owner"
        session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=role))
        user.active_workspace_id = workspace.id
        return user.id


def _minutes(delta: timedelta) -> int:
    return max(1, int((delta.total_seconds() + 59) // 60))


def _refuse_if_locked(user: User, now: datetime) -> None:
    if user.locked_until and user.locked_until > now:
        raise AccountLocked(
            "Too many failed sign-in attempts. Sign-in for this account is locked for "
            f"{_minutes(user.locked_until - now)} more minute(s).",
            field="password",
        )


def sign_in(email: str, password: str) -> str:
    """Check the password and open a new session; returns the session token (shown to nobody but the browser)."""
    settings = get_settings()
    email = normalise_email(email)
    with read() as session:
        user = session.exec(select(User).where(User.email == email)).first()
    now = utcnow()
    if user is not None:
        _refuse_if_locked(user, now)
    ok = security.verify_password(user.password_hash if user else None, password or "")
    if user is None:
        raise InvalidLogin()
    if not ok:
        _record_failure(user.id)
        raise InvalidLogin()
    token = security.new_token()
    rehash = security.hash_password(password) if security.needs_rehash(user.password_hash) else None
    with transaction() as session:
        # Re-checked under the row lock: guesses sent in parallel all passed the check above before any of their
        # failures was counted, and a right guess among them must not get in once the burst has locked the account.
        row = session.exec(select(User).where(User.id == user.id).with_for_update()).one()
        _refuse_if_locked(row, utcnow())
        row.failed_logins = 0
        row.first_failed_login_at = None
        row.locked_until = None
        if rehash:
            row.password_hash = rehash
        session.add(
            AuthSession(
                user_id=user.id,
                token_hash=security.token_digest(token),
                expires_at=now + timedelta(hours=settings.session_lifetime_hours),
            )
        )
    return token


def _record_failure(user_id: int) -> None:
    settings = get_settings()
    window = timedelta(minutes=settings.login_lock_minutes)
    now = utcnow()
    with transaction() as session:
        # Lock the row: on PostgreSQL, parallel failures that each read and write back the counter overwrite one
        # another, and an attacker guessing in parallel would never reach the lock-out.
        user = session.exec(select(User).where(User.id == user_id).with_for_update()).one()
        if user.first_failed_login_at is None or now - user.first_failed_login_at > window:
            user.failed_logins = 1
            user.first_failed_login_at = now
        else:
            user.failed_logins += 1
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = now + window
            user.failed_logins = 0
            user.first_failed_login_at = None


def sign_out(token: str) -> None:
    if not token:
        return
    with transaction() as session:
        session.exec(sa.delete(AuthSession).where(AuthSession.token_hash == security.token_digest(token)))


def resolve_session(token: str) -> int | None:
    """The user id behind a session token, or None if it is unknown or expired."""
    if not token:
        return None
    digest = security.token_digest(token)
    now = utcnow()
    with read() as session:
        row = session.exec(select(AuthSession).where(AuthSession.token_hash == digest)).first()
    if row is None or row.expires_at <= now:
        if row is not None:
            with transaction() as session:
                session.exec(sa.delete(AuthSession).where(AuthSession.id == row.id))
        return None
    if now - row.last_seen_at > SESSION_TOUCH_INTERVAL:
        with transaction() as session:
            session.exec(sa.update(AuthSession).where(AuthSession.id == row.id).values(last_seen_at=now))
    return row.user_id


def require_user(token: str) -> int:
    user_id = resolve_session(token)
    if user_id is None:
        raise NotSignedIn()
    return user_id


def get_account(user_id: int) -> Account:
    with read() as session:
        row = session.exec(
            select(User, Workspace.name)
            .join(Workspace, Workspace.id == User.active_workspace_id, isouter=True)
            .where(User.id == user_id)
        ).first()
    if row is None:
        raise NotSignedIn()
    user, workspace_name = row
    return Account(
        id=user.id,
        public_id=user.public_id,
        name=user.name,
        email=user.email,
        is_admin=user.is_admin,
        hidpi_override=user.hidpi_override,
        theme=user.theme,
        active_workspace_id=user.active_workspace_id,
        active_workspace_name=workspace_name or "",
    )


def purge_expired_sessions(now: datetime | None = None) -> int:
    with transaction() as session:
        result = session.exec(sa.delete(AuthSession).where(AuthSession.expires_at <= (now or utcnow())))
        return result.rowcount or 0

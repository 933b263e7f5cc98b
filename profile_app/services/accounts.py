"""Accounts and sign-in sessions: sign-up, password checks (throttled per email and client address), sessions
opened over HTTP from a single-use grant, sign-out, session lookup by the token's digest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import (
    AuthSession,
    Membership,
    ServerSettings,
    SignInGrant,
    TwoFactorChallenge,
    User,
    Workspace,
    utcnow,
)
from profile_app.services import security, security_log, session_cache, throttle
from profile_app.services.errors import (
    AccountDisabled,
    InvalidFields,
    InvalidLogin,
    NotSignedIn,
    PasswordSignInDisabled,
    SecondFactorRequired,
    SignupClosed,
    ValidationFailed,
)
from profile_app.services.text import clean_text
from profile_app.services.workspaces import admit_sign_up, personal_workspace_name

NAME_MIN, NAME_MAX = 2, 100
PASSWORD_MIN, PASSWORD_MAX = 12, 128
EMAIL_MAX = 254
SELF_HOSTED_WORKSPACE_NAME = "Default workspace"
# Refresh last_seen_at at most this often, so reading a session is not a write on every event.
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
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


def validate_sign_up(name: str, email: str, password: str) -> tuple[str, str, str]:
    """Every field at once (InvalidFields lists each problem), so the form can mark them all in one go."""
    values: dict[str, str] = {}
    problems: dict[str, str] = {}
    for field, validate, value in (
        ("name", validate_name, name),
        ("email", validate_email, email),
        ("password", validate_password, password),
    ):
        try:
            values[field] = validate(value)
        except ValidationFailed as error:
            problems[error.field or field] = error.message
    if problems:
        raise InvalidFields(problems)
    return values["name"], values["email"], values["password"]


def sign_up(name: str, email: str, password: str, *, address: str = "", invitation: str = "") -> int:
    """Create the account and its workspace membership; returns the new user's id. While sign-up is closed, only
    with a working invitation link's token (`invitation`)."""
    settings = get_settings()
    if settings.oidc_only:
        raise PasswordSignInDisabled()
    if not settings.signup_open and not invitation:
        raise SignupClosed()
    _rate_limit("sign-up", address)
    name, email, password = validate_sign_up(name, email, password)
    password_hash = security.hash_password(password)  # slow: outside the transaction
    with transaction() as session:
        _lock_server_settings(session)  # serialises sign-ups: first-user-is-admin and the one workspace
        if not settings.signup_open:
            admit_sign_up(session, invitation)
        if session.exec(select(User.id).where(User.email == email)).first() is not None:
            raise ValidationFailed("An account with this email already exists. Log in instead.", field="email")
        return create_account(session, name, email, password_hash).id


def create_account(session: Session, name: str, email: str, password_hash: str) -> User:
    """The new account and its workspace membership, inside the caller's transaction, which must already hold
    the server-settings lock (`lock_sign_ups`). An empty `password_hash` is an account that signs in with single
    sign-on only: no password matches it."""
    settings = get_settings()
    first_user = session.exec(select(sa.func.count()).select_from(User)).one() == 0
    user = User(name=name, email=email, password_hash=password_hash)
    session.add(user)
    session.flush()
    if settings.hosted:
        workspace = Workspace(
            name=personal_workspace_name(name),
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
    return user


def lock_sign_ups(session: Session) -> None:
    """Serialise account creation (first-user-is-admin, the one self-hosted workspace) in this transaction."""
    _lock_server_settings(session)


SIGN_IN_GRANT_LIFETIME = timedelta(minutes=1)
USER_AGENT_MAX, IP_ADDRESS_MAX, NEXT_PATH_MAX = 512, 64, 2048


def _rate_limit(action: str, address: str) -> None:
    throttle.take(f"{action}:{address or 'unknown'}", get_settings().sign_in_rate_per_minute)


def authenticate(email: str, password: str, *, address: str = "") -> int:
    """The id of the account whose password this is, or InvalidLogin / AccountLocked / TooManyRequests.

    Known and unknown emails behave the same in every state: both cost one argon2 verification, both count
    failures (per email and client address) and both lock after the same number, with the same messages."""
    if get_settings().oidc_only:
        raise PasswordSignInDisabled()
    _rate_limit("sign-in", address)
    email = normalise_email(email if isinstance(email, str) else "")
    subject = f"password:{email}"
    throttle.guard(subject, address)
    with read() as session:
        user = session.exec(select(User).where(User.email == email)).first()
    password = password if isinstance(password, str) else ""
    # An SSO-only account has no password (an empty hash): it fails like an unknown email, at the same cost.
    if not security.verify_password(user.password_hash if user and user.password_hash else None, password):
        throttle.record_failure(subject, address)
        if user is not None:  # only an existing account has a log to write to
            with transaction() as session:
                security_log.record(session, user.id, security_log.EventKind.SIGN_IN_FAILED, ip_address=address)
        raise InvalidLogin()
    # Checked again: guesses sent in parallel all passed the first check before any of their failures counted,
    # and a right guess among them must not get in once the burst has locked the pair.
    throttle.guard(subject, address)
    throttle.clear_failures(subject, address)
    # Only after the right password: a stranger guessing cannot learn that an account exists or is disabled.
    if user.disabled_at is not None:
        raise AccountDisabled()
    if security.needs_rehash(user.password_hash):
        rehash = security.hash_password(password)
        with transaction() as session:
            session.exec(sa.update(User).where(User.id == user.id).values(password_hash=rehash))
    return user.id


def confirm_password(user_id: int, password: str, *, address: str = "") -> None:
    """Re-check the signed-in user's own password (before a sensitive change), throttled like sign-in."""
    with read() as session:
        user = session.get(User, user_id)
    if user is None:
        raise NotSignedIn()
    subject = f"password:{user.email}"
    throttle.guard(subject, address)
    if not security.verify_password(user.password_hash or None, password if isinstance(password, str) else ""):
        throttle.record_failure(subject, address)
        raise InvalidLogin("The password is incorrect.", field="password")
    throttle.clear_failures(subject, address)


def open_session(user_id: int, *, user_agent: str = "", ip_address: str = "", how: str = "") -> str:
    """A new session for the user; returns its token, which only the browser's HttpOnly cookie will hold. The
    security log's "Signed in" line is written here, once per session, with `how` as its detail (e.g. single
    sign-on)."""
    token = security.new_token()
    now = utcnow()
    with transaction() as session:
        # Records the sign-in for the Users list and, in the same statement, refuses a disabled account (a grant
        # issued just before an administrator disabled it must not open a session after).
        signed_in = session.exec(
            sa.update(User).where(User.id == user_id, User.disabled_at.is_(None)).values(last_sign_in_at=now)
        )
        if not signed_in.rowcount:
            raise AccountDisabled()
        session.add(
            AuthSession(
                user_id=user_id,
                token_hash=security.token_digest(token),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=get_settings().session_lifetime_hours),
                user_agent=(user_agent or "")[:USER_AGENT_MAX],
                ip_address=(ip_address or "")[:IP_ADDRESS_MAX],
            )
        )
        security_log.record(
            session, user_id, security_log.EventKind.SIGNED_IN, ip_address=ip_address, user_agent=user_agent,
            detail=how,
        )
    return token


def sign_in(email: str, password: str, *, address: str = "", user_agent: str = "") -> str:
    """Password check and a new session in one call (the HTTP door and the tests use it); returns the token.
    Refused for an account with two-factor sign-in on: its sessions open only through services/two_factor.py."""
    user_id = authenticate(email, password, address=address)
    with read() as session:
        if session.exec(select(User.totp_enabled_at).where(User.id == user_id)).first() is not None:
            raise SecondFactorRequired()
    return open_session(user_id, user_agent=user_agent, ip_address=address)


def issue_sign_in_grant(user_id: int, next_path: str) -> str:
    """After a successful check on the socket: a single-use, one-minute grant the browser exchanges over HTTP
    for its session cookie (`redeem_sign_in_grant`). `next_path` must already be a safe same-site path."""
    grant = security.new_token()
    now = utcnow()
    with transaction() as session:
        session.add(
            SignInGrant(
                user_id=user_id,
                token_hash=security.token_digest(grant),
                next_path=next_path[:NEXT_PATH_MAX],
                created_at=now,
                expires_at=now + SIGN_IN_GRANT_LIFETIME,
            )
        )
    return grant


def redeem_sign_in_grant(grant: str, *, user_agent: str = "", ip_address: str = "") -> tuple[str, str]:
    """Consume a grant (deleted whether or not it is still valid) and open the session: (token, next path)."""
    if not isinstance(grant, str) or not grant or len(grant) > 128:
        raise NotSignedIn()
    digest = security.token_digest(grant)
    with transaction() as session:
        row = session.exec(select(SignInGrant).where(SignInGrant.token_hash == digest).with_for_update()).first()
        if row is None:
            raise NotSignedIn()
        session.delete(row)
        valid = row.expires_at > utcnow()
    if not valid:
        raise NotSignedIn()
    return open_session(row.user_id, user_agent=user_agent, ip_address=ip_address), row.next_path


def end_session(digest: str) -> None:
    """Sign out the session with this token digest (the cookie value the app sees is always the digest)."""
    if not digest:
        return
    session_cache.forget(digest)
    with transaction() as session:
        row = session.exec(select(AuthSession).where(AuthSession.token_hash == digest)).first()
        if row is not None:
            session.delete(row)
            security_log.record(
                session,
                row.user_id,
                security_log.EventKind.SIGNED_OUT,
                ip_address=row.ip_address,
                user_agent=row.user_agent,
            )


def sign_out(token: str) -> None:
    end_session(security.token_digest(token) if token else "")


def resolve_session_digest(digest: str) -> int | None:
    """The user id behind a session token's digest, or None if it is unknown or expired."""
    if not digest or len(digest) != 64:
        return None
    now = utcnow()
    if (cached := session_cache.get(digest, now)) is not None:
        return cached
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
    session_cache.put(digest, row.user_id, row.expires_at)
    return row.user_id


def resolve_session(token: str) -> int | None:
    return resolve_session_digest(security.token_digest(token)) if token else None


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
    now = now or utcnow()
    with transaction() as session:
        sessions = session.exec(sa.delete(AuthSession).where(AuthSession.expires_at <= now)).rowcount or 0
        grants = session.exec(sa.delete(SignInGrant).where(SignInGrant.expires_at <= now)).rowcount or 0
        challenges = session.exec(sa.delete(TwoFactorChallenge).where(TwoFactorChallenge.expires_at <= now)).rowcount
        return sessions + grants + (challenges or 0)

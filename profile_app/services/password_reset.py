"""Password reset links: `<web url>/reset/<token>`, a 256-bit token of which only the sha256 is stored, valid for
an hour and once. A person asks for one by email (`request_reset`, mailed when SMTP is configured, the same answer
whether or not the address has an account); an administrator or the operator's command line makes one for a user
(`create_reset_link`). Using it (`reset_password`) sets the new password and signs out every session of the user,
in one transaction."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import AuthSession, PasswordReset, SignInGrant, ThrottleFailure, User, utcnow
from profile_app.services import accounts, mail, security, session_cache, throttle
from profile_app.services.errors import DomainError, NotFound, PermissionDenied, TooManyRequests
from profile_app.services.security_log import EventKind, record

RESET_LIFETIME = timedelta(hours=1)
RESET_LIFETIME_TEXT = "1 hour"
# Requests for one email within a minute, whoever sends them (on top of the per-address limit of sign-in).
REQUESTS_PER_EMAIL_PER_MINUTE = 3
# security.new_token(): 32 random bytes as URL-safe base64 without padding. Anything else is not one of ours.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
REQUEST_SENT_MESSAGE = (
    f"If an account exists for that email, we sent a link to reset its password. It is valid for {RESET_LIFETIME_TEXT}."
)
RESET_LINK_COMMAND = "python -m profile_app.manage reset-link EMAIL"


class LinkState(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


LINK_MESSAGES: dict[LinkState, str] = {
    LinkState.USED: "This reset link has already been used.",
    LinkState.EXPIRED: "This reset link has expired.",
    LinkState.UNKNOWN: "This reset link is not valid.",
}


class ResetLinkUnusable(DomainError):
    """The link was used, has expired or never existed; `state` says which (the message too)."""

    def __init__(self, state: LinkState):
        super().__init__(LINK_MESSAGES[state])
        self.state = state


class MailNotConfigured(DomainError):
    def __init__(self):
        super().__init__(
            "Email is not set up on this server, so we cannot send reset links. "
            "Ask an administrator to make one for you."
        )


class TooManyResetRequests(TooManyRequests):
    def __init__(self):
        super().__init__("Too many reset requests. Wait a minute and try again.")


def is_well_formed(token: object) -> bool:
    """Cheap shape check before a token from a URL is hashed, looked up or shown anywhere."""
    return isinstance(token, str) and TOKEN_PATTERN.fullmatch(token) is not None


def reset_url(token: str) -> str:
    return f"{get_settings().web_url}/reset/{token}"


def _new_reset(session, user_id: int, created_by: int | None) -> str:
    token = security.new_token()
    now = utcnow()
    session.add(
        PasswordReset(
            user_id=user_id,
            token_hash=security.token_digest(token),
            created_at=now,
            expires_at=now + RESET_LIFETIME,
            created_by=created_by,
        )
    )
    return token


def create_reset_link(user_id: int, *, actor_id: int | None = None) -> str:
    """A new reset link for the user, returned once (only its digest is kept). `actor_id` is the administrator who
    makes it (it must be one; the link is logged on both accounts); None is the operator's command line."""
    with transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("There is no such account.")
        if actor_id is not None:
            actor = session.get(User, actor_id)
            if actor is None or not actor.is_admin:
                raise PermissionDenied()
        token = _new_reset(session, user.id, actor_id)
        by = "by an administrator" if actor_id is not None else "from the server's command line"
        record(session, user.id, EventKind.RESET_LINK_CREATED, detail=by)
        if actor_id is not None and actor_id != user.id:
            record(session, actor_id, EventKind.RESET_LINK_CREATED, detail=f"for {user.email}")
    return reset_url(token)


def create_reset_link_for_email(email: str) -> str:
    """The command line's door: the account is named by its email."""
    email = accounts.normalise_email(email if isinstance(email, str) else "")
    with read() as session:
        user_id = session.exec(select(User.id).where(User.email == email)).first()
    if user_id is None:
        raise NotFound(f"There is no account with the email {email!r}.")
    return create_reset_link(user_id)


def _mail_body(email: str, link: str) -> str:
    return (
        f"Someone, hopefully you, asked to reset the password of the {mail.PRODUCT_NAME} account {email}.\n\n"
        f"Set a new password here:\n{link}\n\n"
        f"The link is valid for {RESET_LIFETIME_TEXT} and works once.\n\n"
        "If you didn't ask, ignore this email: your password stays as it is.\n"
    )


def request_reset(email: str, *, address: str, user_agent: str = "") -> None:
    """'Forgot password?': mail a reset link if the email has an account. The answer (and its timing: the mail
    goes out on the mail threads, and an unknown email does a matching database round trip) is the same either
    way, so the form tells nobody which emails have accounts."""
    if not get_settings().mail_configured:
        raise MailNotConfigured()
    email = accounts.validate_email(email if isinstance(email, str) else "")
    throttle.take(f"reset-request:{address or 'unknown'}", get_settings().sign_in_rate_per_minute)
    try:
        throttle.take(f"reset-email:{email}", REQUESTS_PER_EMAIL_PER_MINUTE)
    except TooManyRequests as error:
        raise TooManyResetRequests() from error
    with transaction() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            # The same work as a known email's insert, minus the row: a digest and a lookup by it.
            decoy = security.token_digest(security.new_token())
            session.exec(select(PasswordReset.id).where(PasswordReset.token_hash == decoy)).first()
            return
        token = _new_reset(session, user.id, None)
        record(session, user.id, EventKind.RESET_LINK_SENT, ip_address=address, user_agent=user_agent)
    mail.send_later(user.email, f"Reset your {mail.PRODUCT_NAME} password", _mail_body(user.email, reset_url(token)))


def reset_state(token: str) -> LinkState:
    """What the reset page should show for this link."""
    if not is_well_formed(token):
        return LinkState.UNKNOWN
    with read() as session:
        row = session.exec(
            select(PasswordReset).where(PasswordReset.token_hash == security.token_digest(token))
        ).first()
    return _state_of(row)


def _state_of(row: PasswordReset | None) -> LinkState:
    if row is None:
        return LinkState.UNKNOWN
    if row.used_at is not None:
        return LinkState.USED
    if row.expires_at <= utcnow():
        return LinkState.EXPIRED
    return LinkState.VALID


def reset_password(token: str, new_password: str, *, address: str, user_agent: str = "") -> int:
    """Set a new password with a reset link; returns the user's id. The link is spent atomically (of two uses at
    once, one wins), every session and pending sign-in of the user ends, the user's other outstanding links die,
    and the sign-in lock on the email lifts: all in one transaction with its security-log event."""
    throttle.take(f"reset-use:{address or 'unknown'}", get_settings().sign_in_rate_per_minute)
    if not is_well_formed(token):
        raise ResetLinkUnusable(LinkState.UNKNOWN)
    if (state := reset_state(token)) is not LinkState.VALID:
        raise ResetLinkUnusable(state)  # before the slow hash: a dead link is refused at once
    password = accounts.validate_password(new_password if isinstance(new_password, str) else "")
    password_hash = security.hash_password(password)  # slow: outside the transaction
    digest = security.token_digest(token)
    now = utcnow()
    with transaction() as session:
        # The conditional update is the single-use guarantee: on PostgreSQL a concurrent use waits for this row's
        # lock and then finds used_at set; on SQLite the write transactions run one after the other.
        spent = session.execute(
            sa.update(PasswordReset)
            .where(
                PasswordReset.token_hash == digest,
                PasswordReset.used_at.is_(None),
                PasswordReset.expires_at > now,
            )
            .values(used_at=now)
        ).rowcount
        row = session.exec(select(PasswordReset).where(PasswordReset.token_hash == digest)).first()
        if not spent:
            state = _state_of(row)
            raise ResetLinkUnusable(LinkState.EXPIRED if state is LinkState.VALID else state)
        user = session.get(User, row.user_id)
        session.execute(
            sa.update(PasswordReset)
            .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
            .values(used_at=now)
        )
        session.execute(sa.update(User).where(User.id == user.id).values(password_hash=password_hash))
        session.execute(sa.delete(AuthSession).where(AuthSession.user_id == user.id))
        session.execute(sa.delete(SignInGrant).where(SignInGrant.user_id == user.id))
        # The sign-in lock of this email (accounts.authenticate counts failures under this subject) lifts.
        subject = f"password:{user.email}"[: throttle.SUBJECT_MAX]
        session.execute(sa.delete(ThrottleFailure).where(ThrottleFailure.subject == subject))
        record(session, user.id, EventKind.PASSWORD_RESET, ip_address=address, user_agent=user_agent)
        user_id = user.id
    session_cache.forget_user(user_id)
    return user_id

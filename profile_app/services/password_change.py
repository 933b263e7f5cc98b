"""Changing the signed-in user's password: the sign-up rules for the new one, the current one checked and
throttled like a sign-in, and every other session of the user signed out in the same transaction (API credentials
are untouched: they are not sessions). An account whose password hash is empty has no password (it signs in with
single sign-on only): it has nothing to change here."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlmodel import select

from profile_app.db import read, transaction
from profile_app.models import User
from profile_app.services import accounts, security, security_log, session_cache, sessions
from profile_app.services.errors import DomainError, InvalidFields, NotSignedIn, PermissionDenied
from profile_app.services.security_log import EventKind

NO_PASSWORD = "This account signs in with single sign-on and has no password."  # noqa: S105 (a message)
SAME_PASSWORD = "The new password must be different from the current one."  # noqa: S105 (a message)
ENTER_CURRENT = "Enter your current password."
CHANGED_MEANWHILE = "Your password was changed meanwhile. Reload the page and try again."  # noqa: S105


@dataclass(frozen=True)
class PasswordStatus:
    has_password: bool


@dataclass(frozen=True)
class PasswordChanged:
    other_sessions_signed_out: int


def password_status(user_id: int) -> PasswordStatus:
    """From the user row (on /profile it is already loaded by the page's one read, so this costs no statement)."""
    with read() as session:
        user = session.get(User, user_id)
    if user is None:
        raise NotSignedIn()
    return PasswordStatus(has_password=bool(user.password_hash))


def change_password(
    user_id: int,
    current_password: str,
    new_password: str,
    *,
    current_digest: str,
    address: str = "",
    user_agent: str = "",
) -> PasswordChanged:
    """Check, then set the new password and sign out every session but `current_digest`'s. Field errors name
    `current_password` and `new_password`. Slow (two argon2 operations): call it off the event loop."""
    current_password = current_password if isinstance(current_password, str) else ""
    new_password = new_password if isinstance(new_password, str) else ""
    with read() as session:
        user = session.get(User, user_id)
    if user is None or not current_digest:
        raise NotSignedIn()
    if not user.password_hash:
        raise PermissionDenied(NO_PASSWORD)
    seen_hash = user.password_hash
    problems: dict[str, str] = {}
    if not current_password:
        problems["current_password"] = ENTER_CURRENT
    try:
        accounts.validate_password(new_password)
    except DomainError as error:
        problems["new_password"] = error.message
    if problems:
        raise InvalidFields(problems)
    try:
        accounts.confirm_password(user_id, current_password, address=address)
    except DomainError as error:
        if error.field == "password":  # wrong or locked: about the current-password field
            error.field = "current_password"
        raise
    # The current password is confirmed, so comparing the texts is comparing with the stored hash.
    if hmac.compare_digest(current_password.encode(), new_password.encode()):
        raise InvalidFields({"new_password": SAME_PASSWORD})
    new_hash = security.hash_password(new_password)  # slow: outside the transaction
    with transaction() as session:
        row = session.exec(select(User).where(User.id == user_id).with_for_update()).first()
        if row is None:
            raise NotSignedIn()
        if row.password_hash != seen_hash:  # a parallel change (or reset) won: this check was against the old one
            raise InvalidFields({"current_password": CHANGED_MEANWHILE})
        row.password_hash = new_hash
        session.add(row)
        ended = sessions.delete_other_sessions(session, user_id, current_digest)
        security_log.record(
            session,
            user_id,
            EventKind.PASSWORD_CHANGED,
            ip_address=address,
            user_agent=user_agent,
            detail=f"{ended} other session{'' if ended == 1 else 's'} signed out" if ended else "",
        )
    session_cache.forget_user(user_id)
    return PasswordChanged(other_sessions_signed_out=ended)

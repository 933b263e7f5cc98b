"""Self-hosted administration: the Users list and what an administrator may do to an account (disable, enable,
make or remove administrator, a one-time password reset link), plus invitation links to the one workspace.

Rules, each enforced inside the one transaction that makes the change:
- only an active (not disabled) administrator of a self-hosted server acts here;
- nobody disables themselves, and the last active administrator can be neither demoted nor disabled;
- disabling keeps every row (sessions excepted): the account, its credentials and its data stay, and Enable
  brings all of it back. What refuses a disabled account is `User.disabled_at`, read where the account is used
  (accounts.authenticate and open_session, credentials' key and token checks).

The last-administrator rule holds under concurrency: every administrative change first locks the one
ServerSettings row (sign-up locks it too, for its first-user-is-administrator rule), so changes are serialised
and each counts the administrators only after the previous change committed (PostgreSQL, READ COMMITTED: the
count is a statement that starts after the lock was granted). On SQLite `transaction()` begins IMMEDIATE, which
serialises every writer already. Two administrators demoting each other at once: the second one, once it gets the
lock, finds it is no longer an administrator itself and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import ApiCredential, AuthSession, ServerSettings, User, Workspace, utcnow
from profile_app.services import password_reset, security_log, session_cache
from profile_app.services.accounts import ensure_server_settings
from profile_app.services.errors import DomainError, NotFound, PermissionDenied
from profile_app.services.security_log import EventKind

ADMINISTRATORS_ONLY = "Only an administrator of this server can manage users."
SELF_HOSTED_ONLY = "Managing users applies to a self-hosted server."


class Role(StrEnum):
    ADMINISTRATOR = "Administrator"
    MEMBER = "Member"


class Status(StrEnum):
    ACTIVE = "Active"
    DISABLED = "Disabled"


class LastAdministrator(DomainError):
    def __init__(self, doing: str):
        super().__init__(f"You cannot {doing} the last administrator. Make someone else an administrator first.")


class SelfDisable(DomainError):
    def __init__(self):
        super().__init__("You cannot disable your own account.")


@dataclass(frozen=True)
class UserRow:
    """One account as the Users list shows it."""

    id: int
    name: str
    email: str
    is_admin: bool
    disabled: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    two_factor: bool
    active_credentials: int

    @property
    def role(self) -> str:
        return Role.ADMINISTRATOR if self.is_admin else Role.MEMBER

    @property
    def status(self) -> str:
        return Status.DISABLED if self.disabled else Status.ACTIVE


@dataclass(frozen=True)
class UsersOverview:
    viewer_id: int
    users: tuple[UserRow, ...]

    def can_disable(self, row: UserRow) -> bool:
        """The page offers only what the service allows (the service re-checks, under its lock)."""
        return row.id != self.viewer_id and not row.disabled and not self.last_administrator(row)

    def last_administrator(self, row: UserRow) -> bool:
        active_admins = [user for user in self.users if user.is_admin and not user.disabled]
        return row.is_admin and not row.disabled and len(active_admins) <= 1


# ---------------------------------------------------------------------------------------------------- hooks


# ---------------------------------------------------------------------------------------------------- checks


def _require_self_hosted() -> None:
    if get_settings().hosted:
        raise PermissionDenied(SELF_HOSTED_ONLY)


def _lock_administration(session: Session) -> None:
    """Serialise every administrative change on the one ServerSettings row (see the module's docstring)."""
    ensure_server_settings(session)
    session.exec(select(ServerSettings.id).where(ServerSettings.id == 1).with_for_update()).one()


def _is_active_administrator(user: User | None) -> bool:
    return user is not None and user.is_admin and user.disabled_at is None


def _require_administrator(session: Session, actor_id: int) -> User:
    actor = session.get(User, actor_id)
    if not _is_active_administrator(actor):
        raise PermissionDenied(ADMINISTRATORS_ONLY)
    return actor


def _locked_target(session: Session, user_id: int) -> User:
    target = session.exec(select(User).where(User.id == user_id).with_for_update()).first()
    if target is None:
        raise NotFound("This account no longer exists.")
    return target


def _active_administrator_count(session: Session) -> int:
    return session.exec(
        select(sa.func.count()).select_from(User).where(User.is_admin.is_(True), User.disabled_at.is_(None))
    ).one()


def _record_both(
    session: Session, actor: User, target: User, kind: EventKind, *, ip_address: str, user_agent: str
) -> None:
    """The administrator's log names whom they acted on; the affected user's names who acted."""
    security_log.record(session, actor.id, kind, ip_address=ip_address, user_agent=user_agent, detail=target.email)
    if target.id != actor.id:
        security_log.record(
            session, target.id, kind, ip_address=ip_address, user_agent=user_agent, detail=f"By {actor.email}"
        )


def is_administrator(user_id: int) -> bool:
    """May this user see the Users section? (self-hosted, an active administrator)"""
    if get_settings().hosted:
        return False
    with read() as session:
        return _is_active_administrator(session.get(User, user_id))


# ---------------------------------------------------------------------------------------------------- reading


def list_users(actor_id: int) -> UsersOverview:
    """Every account, administrators first, then by name: one SQL statement (the actor's own row, already in the
    page's shared read, is checked from the identity map)."""
    _require_self_hosted()
    now = utcnow()
    credentials = (
        select(sa.func.count(ApiCredential.id))
        .where(
            ApiCredential.user_id == User.id,
            ApiCredential.revoked_at.is_(None),
            sa.or_(ApiCredential.expires_at.is_(None), ApiCredential.expires_at > now),
        )
        .correlate(User)
        .scalar_subquery()
    )
    columns = [
        User.id,
        User.name,
        User.email,
        User.is_admin,
        User.disabled_at,
        User.created_at,
        User.last_sign_in_at,
        credentials.label("active_credentials"),
        User.totp_enabled_at.is_not(None).label("two_factor"),  # services/two_factor.py: on once confirmed
    ]
    with read() as session:
        _require_administrator(session, actor_id)
        rows = session.exec(select(*columns).order_by(User.is_admin.desc(), sa.func.lower(User.name), User.id)).all()
    return UsersOverview(
        viewer_id=actor_id,
        users=tuple(
            UserRow(
                id=row.id,
                name=row.name,
                email=row.email,
                is_admin=row.is_admin,
                disabled=row.disabled_at is not None,
                created_at=row.created_at,
                last_sign_in_at=row.last_sign_in_at,
                two_factor=bool(row.two_factor),
                active_credentials=row.active_credentials or 0,
            )
            for row in rows
        ),
    )


# ---------------------------------------------------------------------------------------------------- changes


def disable_user(actor_id: int, user_id: int, *, ip_address: str = "", user_agent: str = "") -> None:
    """Sign the user out everywhere and refuse their password sign-in, API credentials and tokens from now on.
    Nothing else is deleted; `enable_user` restores it all."""
    _require_self_hosted()
    with transaction() as session:
        _lock_administration(session)
        actor = _require_administrator(session, actor_id)
        if user_id == actor_id:
            raise SelfDisable()
        target = _locked_target(session, user_id)
        if target.disabled_at is not None:
            return
        if _is_active_administrator(target) and _active_administrator_count(session) <= 1:
            raise LastAdministrator("disable")
        target.disabled_at = utcnow()
        session.add(target)
        # After the user row's lock: a session opened concurrently either committed before (and is deleted
        # here) or waits for this commit and then finds the account disabled (accounts.open_session).
        session.exec(sa.delete(AuthSession).where(AuthSession.user_id == user_id))
        _record_both(session, actor, target, EventKind.ACCOUNT_DISABLED, ip_address=ip_address, user_agent=user_agent)
    session_cache.forget_user(user_id)


def enable_user(actor_id: int, user_id: int, *, ip_address: str = "", user_agent: str = "") -> None:
    """Undo `disable_user`: sign-in, credentials and tokens that have not expired work again."""
    _require_self_hosted()
    with transaction() as session:
        _lock_administration(session)
        actor = _require_administrator(session, actor_id)
        target = _locked_target(session, user_id)
        if target.disabled_at is None:
            return
        target.disabled_at = None
        session.add(target)
        _record_both(session, actor, target, EventKind.ACCOUNT_ENABLED, ip_address=ip_address, user_agent=user_agent)


def make_admin(actor_id: int, user_id: int, *, ip_address: str = "", user_agent: str = "") -> None:
    _require_self_hosted()
    with transaction() as session:
        _lock_administration(session)
        actor = _require_administrator(session, actor_id)
        target = _locked_target(session, user_id)
        if target.is_admin:
            return
        target.is_admin = True
        session.add(target)
        _record_both(session, actor, target, EventKind.ADMIN_GRANTED, ip_address=ip_address, user_agent=user_agent)


def remove_admin(actor_id: int, user_id: int, *, ip_address: str = "", user_agent: str = "") -> None:
    """Demote an administrator (oneself included) unless they are the last active one."""
    _require_self_hosted()
    with transaction() as session:
        _lock_administration(session)
        actor = _require_administrator(session, actor_id)
        target = _locked_target(session, user_id)
        if not target.is_admin:
            return
        if _is_active_administrator(target) and _active_administrator_count(session) <= 1:
            raise LastAdministrator("remove")
        target.is_admin = False
        session.add(target)
        _record_both(session, actor, target, EventKind.ADMIN_REVOKED, ip_address=ip_address, user_agent=user_agent)


def self_hosted_workspace_id(session: Session) -> int | None:
    """The one workspace of a self-hosted server (the first non-personal one, as accounts.sign_up picks it)."""
    return session.exec(select(Workspace.id).where(Workspace.personal.is_(False)).order_by(Workspace.id)).first()


def create_reset_link(actor_id: int, user_id: int, *, ip_address: str = "", user_agent: str = "") -> str:
    """ "Reset password": a one-time link for the administrator to hand over (shown once, only its digest kept).
    password_reset.create_reset_link makes it and logs it on both accounts in its one transaction; this adds the
    self-hosted, active-administrator rule of every action here. The link neither enables a disabled account nor
    ends the current password until it is used."""
    _require_self_hosted()
    with read() as session:
        _require_administrator(session, actor_id)
    return password_reset.create_reset_link(user_id, actor_id=actor_id)

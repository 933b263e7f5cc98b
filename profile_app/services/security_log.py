"""The user's security log: what happened to their account, when, from where. Each event is written with
`record()` inside the transaction of the change it records, so the log and the change commit or fail together.
Never a secret: details name things (a bucket, an access key, a workspace), never their values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import SecurityEvent, utcnow
from profile_app.services import user_agents
from profile_app.services.errors import ValidationFailed
from profile_app.services.text import clean_text

PAGE_SIZE = 20
DETAIL_MAX = 300


class EventKind(StrEnum):
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGNED_OUT = "signed_out"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event name)
    PASSWORD_RESET = "password_reset"  # noqa: S105
    RESET_LINK_SENT = "reset_link_sent"
    TWO_FACTOR_ON = "two_factor_on"
    TWO_FACTOR_OFF = "two_factor_off"
    RECOVERY_CODE_USED = "recovery_code_used"
    SESSION_SIGNED_OUT = "session_signed_out"
    OTHER_SESSIONS_SIGNED_OUT = "other_sessions_signed_out"
    CREDENTIALS_CREATED = "credentials_created"
    CREDENTIALS_REVOKED = "credentials_revoked"
    CLOUD_ACCESS_ADDED = "cloud_access_added"
    CLOUD_ACCESS_REMOVED = "cloud_access_removed"
    WORKSPACE_JOINED = "workspace_joined"
    WORKSPACE_LEFT = "workspace_left"
    WORKSPACE_REMOVED = "workspace_removed"
    # Administration (both the administrator's log and the affected user's)
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    ADMIN_GRANTED = "admin_granted"
    ADMIN_REVOKED = "admin_revoked"
    RESET_LINK_CREATED = "reset_link_created"
    SSO_LINKED = "sso_linked"
    SSO_SIGNED_UP = "sso_signed_up"


LABELS: dict[EventKind, str] = {
    EventKind.SIGNED_IN: "Signed in",
    EventKind.SIGN_IN_FAILED: "Failed sign-in",
    EventKind.SIGNED_OUT: "Signed out",
    EventKind.PASSWORD_CHANGED: "Password changed",
    EventKind.PASSWORD_RESET: "Password reset",
    EventKind.RESET_LINK_SENT: "Password reset link sent",
    EventKind.TWO_FACTOR_ON: "Two-factor sign-in turned on",
    EventKind.TWO_FACTOR_OFF: "Two-factor sign-in turned off",
    EventKind.RECOVERY_CODE_USED: "Recovery code used",
    EventKind.SESSION_SIGNED_OUT: "Session signed out",
    EventKind.OTHER_SESSIONS_SIGNED_OUT: "All other sessions signed out",
    EventKind.CREDENTIALS_CREATED: "API credentials created",
    EventKind.CREDENTIALS_REVOKED: "API credentials revoked",
    EventKind.CLOUD_ACCESS_ADDED: "Cloud access added",
    EventKind.CLOUD_ACCESS_REMOVED: "Cloud access removed",
    EventKind.WORKSPACE_JOINED: "Joined a workspace",
    EventKind.WORKSPACE_LEFT: "Left a workspace",
    EventKind.WORKSPACE_REMOVED: "Removed from a workspace",
    EventKind.ACCOUNT_DISABLED: "Account disabled",
    EventKind.ACCOUNT_ENABLED: "Account enabled",
    EventKind.ADMIN_GRANTED: "Made administrator",
    EventKind.ADMIN_REVOKED: "Administrator role removed",
    EventKind.RESET_LINK_CREATED: "Password reset link created",
    EventKind.SSO_LINKED: "Single sign-on linked",
    EventKind.SSO_SIGNED_UP: "Signed up with single sign-on",
}

_LABELS_BY_VALUE = {kind.value: label for kind, label in LABELS.items()}


@dataclass(frozen=True)
class LogEntry:
    id: int
    kind: str
    label: str
    occurred_at: datetime
    ip_address: str
    browser: str
    detail: str


@dataclass(frozen=True)
class LogPage:
    entries: tuple[LogEntry, ...]
    page: int
    has_more: bool


def _detail(text: str) -> str:
    """Details quote user-chosen names (a bucket, a workspace); keep them to printable text of bounded length."""
    try:
        return clean_text((text or "")[:DETAIL_MAX], max_length=DETAIL_MAX, field="detail", label="Detail")
    except ValidationFailed:  # a name that is not clean text is still worth a log line, just not its text
        return ""


def record(
    session: Session,
    user_id: int,
    kind: EventKind,
    *,
    ip_address: str = "",
    user_agent: str = "",
    detail: str = "",
    at: datetime | None = None,
) -> None:
    """Add one event to `session` (the caller's transaction). `user_agent` is stored as its summary only."""
    session.add(
        SecurityEvent(
            user_id=user_id,
            kind=EventKind(kind).value,
            occurred_at=at or utcnow(),
            ip_address=(ip_address or "")[:64],
            browser=user_agents.describe(user_agent).summary[:120] if user_agent else "",
            detail=_detail(detail),
        )
    )


def list_events(user_id: int, page: int = 0, page_size: int = PAGE_SIZE) -> LogPage:
    """One page of the user's own events, newest first."""
    page = max(0, int(page))
    with read() as session:
        rows = session.exec(
            select(SecurityEvent)
            .where(SecurityEvent.user_id == user_id)
            .order_by(SecurityEvent.occurred_at.desc(), SecurityEvent.id.desc())
            .offset(page * page_size)
            .limit(page_size + 1)
        ).all()
    entries = tuple(
        LogEntry(
            id=row.id,
            kind=row.kind,
            label=_LABELS_BY_VALUE.get(row.kind, row.kind),
            occurred_at=row.occurred_at,
            ip_address=row.ip_address,
            browser=row.browser,
            detail=row.detail,
        )
        for row in rows[:page_size]
    )
    return LogPage(entries=entries, page=page, has_more=len(rows) > page_size)


def prune(now: datetime | None = None) -> int:
    """Drop events older than PROFILE_SECURITY_LOG_DAYS; returns how many went."""
    cutoff = (now or utcnow()) - timedelta(days=get_settings().security_log_days)
    with transaction() as session:
        return session.exec(sa.delete(SecurityEvent).where(SecurityEvent.occurred_at < cutoff)).rowcount or 0

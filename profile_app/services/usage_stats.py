"""Anonymous usage data (self-hosted servers only): the admins' decision, the report, and its reporter.

The decision is one global setting on the ServerSettings row (id 1), recorded with when, by whom and at which app
version; an admin is asked ("Help us improve") until a decision exists for the running version. The report holds
counts and the installation's random UUID only: never a name, email, key, bucket or URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import httpx
import sqlalchemy as sa
from sqlmodel import Session, select

from profile_app.config import APP_VERSION, get_settings
from profile_app.db import read, transaction
from profile_app.models import ApiCredential, CloudCredential, ServerSettings, User, Workspace, utcnow
from profile_app.services.accounts import ensure_server_settings
from profile_app.services.errors import DomainError, NotSignedIn, PermissionDenied, ValidationFailed

log = logging.getLogger(__name__)

REPORT_SCHEMA_VERSION = 1
SEND_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# However the report server behaves (trickling bytes, stalling), a send gives up after this.
SEND_DEADLINE_S = 20.0
# The reporter's own thread: its database work and its send never wait for, nor hold, a request-serving thread.
_reporter_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-report")
# The background loop wakes this often (bounded), so a short period in tests is honoured and a 24 h period
# costs one cheap query every few minutes. Sending stays at most once per period whatever the wake-up rate.
WAKE_FRACTION_OF_PERIOD = 1 / 20
MIN_WAKE_SECONDS = 0.2
MAX_WAKE_SECONDS = 300.0


class UsageDataUnavailable(DomainError):
    def __init__(self):
        super().__init__("Anonymous usage data is a setting of self-hosted servers only.")


class ReportOutcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    NOT_DUE = "not-due"
    DISABLED = "disabled"
    NO_URL = "no-url"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class UsageState:
    """What the usage-data section shows to one viewer."""

    enabled: bool
    decided: bool  # any decision recorded (for any version)
    decided_at: datetime | None
    decided_by_name: str  # "" when undecided or the deciding admin's account is gone
    decided_by_public_id: str  # the same admin's public id (what the ClearML API reports), or ""
    decided_version: str
    app_version: str
    can_change: bool  # the viewer is an admin
    prompt: bool  # the viewer is an admin and nobody decided for the running version
    report_url_configured: bool
    last_report_at: datetime | None  # the last successful send
    last_failure: str  # "" unless the most recent attempt failed; says when and why, never the URL


def _require_self_hosted() -> None:
    if get_settings().hosted:
        raise UsageDataUnavailable()


def _settings_row(session: Session) -> ServerSettings:
    row = session.get(ServerSettings, 1)
    if row is None:
        raise LookupError("server settings row missing")
    return row


def _ensure_settings_row() -> None:
    with read() as session:
        if session.get(ServerSettings, 1) is not None:
            return
    with transaction() as session:
        ensure_server_settings(session)


def _prompt_needed(row: ServerSettings) -> bool:
    return row.usage_enabled is None or row.usage_decided_version != APP_VERSION


def _state_for(session: Session, row: ServerSettings, viewer: User) -> UsageState:
    decided_by = session.get(User, row.usage_decided_by) if row.usage_decided_by else None
    failed = bool(row.last_report_error)
    return UsageState(
        enabled=bool(row.usage_enabled),
        decided=row.usage_enabled is not None,
        decided_at=row.usage_decided_at,
        decided_by_name=decided_by.name if decided_by else "",
        decided_by_public_id=decided_by.public_id if decided_by else "",
        decided_version=row.usage_decided_version,
        app_version=APP_VERSION,
        can_change=viewer.is_admin,
        prompt=viewer.is_admin and _prompt_needed(row),
        report_url_configured=bool(get_settings().usage_report_url),
        last_report_at=None if failed else row.last_report_at,
        last_failure=row.last_report_error,
    )


def get_usage_state(user_id: int) -> UsageState:
    """Everyone signed in on a self-hosted server may see the decision; only admins may change it."""
    _require_self_hosted()
    _ensure_settings_row()
    with read() as session:
        viewer = session.get(User, user_id)
        if viewer is None:
            raise NotSignedIn()
        return _state_for(session, _settings_row(session), viewer)


def set_usage_enabled(user_id: int, enabled: bool) -> UsageState:
    """Record an admin's decision (the switch, or Approve/Deny in the prompt) for the running version."""
    _require_self_hosted()
    if not isinstance(enabled, bool):
        raise ValidationFailed("Sending anonymous usage data is either on or off.", field="usage_enabled")
    with transaction() as session:
        viewer = session.get(User, user_id)
        if viewer is None:
            raise NotSignedIn()
        if not viewer.is_admin:
            raise PermissionDenied("Only an administrator can decide whether anonymous usage data is sent.")
        ensure_server_settings(session)
        row = session.exec(select(ServerSettings).where(ServerSettings.id == 1).with_for_update()).one()
        row.usage_enabled = enabled
        row.usage_decided_at = utcnow()
        row.usage_decided_by = viewer.id
        row.usage_decided_version = APP_VERSION
        session.flush()
        return _state_for(session, row, viewer)


def installation_id() -> str:
    """The installation's random UUID (server.info's uid; also in every usage report)."""
    _ensure_settings_row()
    with read() as session:
        return _settings_row(session).server_uuid


def admin_prompt_needed(user_id: int) -> bool:
    """Show "Help us improve" to this user now? Admins only, self-hosted only, undecided for this version."""
    if get_settings().hosted:
        return False
    return get_usage_state(user_id).prompt


# ------------------------------------------------------------------------------------------------ the report


def _count(session: Session, statement) -> int:
    return int(session.exec(statement).one())


def _report_from(session: Session) -> dict:
    settings = get_settings()
    row = _settings_row(session)
    return {
        "report_version": REPORT_SCHEMA_VERSION,
        "server_uuid": row.server_uuid,
        "app_version": APP_VERSION,
        "deployment_mode": settings.mode,
        "database_backend": settings.database_backend,
        "counts": {
            "users": _count(session, select(sa.func.count()).select_from(User)),
            "workspaces": _count(session, select(sa.func.count()).select_from(Workspace)),
            "api_credentials": _count(
                session, select(sa.func.count()).select_from(ApiCredential).where(ApiCredential.revoked_at.is_(None))
            ),
            "cloud_access": _count(session, select(sa.func.count()).select_from(CloudCredential)),
        },
    }


def build_report() -> dict:
    """Exactly the JSON object the next send would POST (counts as of now). Shown under "What is sent"."""
    _ensure_settings_row()
    with read() as session:
        return _report_from(session)


# ------------------------------------------------------------------------------------------------ the reporter


def report_period() -> timedelta:
    return timedelta(hours=get_settings().usage_report_period_hours)


def report_due(last_report_at: datetime | None, now: datetime, period: timedelta) -> bool:
    """The period logic on its own: due when never reported or when a whole period has passed."""
    return last_report_at is None or now - last_report_at >= period


def _claim_report_slot(now: datetime) -> dict | None:
    """Atomically decide "due" and take this period's slot; returns the report to send, or None.

    Several backend workers run the reporter. The due check and the claim are one conditional UPDATE of
    last_report_at (enabled, and never reported or reported at least one period ago); only the worker whose
    UPDATE changed the row (rowcount 1) sends. On SQLite the write lock (BEGIN IMMEDIATE) serialises the UPDATEs;
    on PostgreSQL the second UPDATE waits for the first's row lock and then re-checks its WHERE against the new
    last_report_at, so it matches nothing. A failed send keeps the slot, so the retry comes next period.
    """
    cutoff = now - report_period()
    with transaction() as session:
        ensure_server_settings(session)
        result = session.exec(
            sa.update(ServerSettings)
            .where(
                ServerSettings.id == 1,
                ServerSettings.usage_enabled.is_(True),
                sa.or_(ServerSettings.last_report_at.is_(None), ServerSettings.last_report_at <= cutoff),
            )
            .values(last_report_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
        return _report_from(session)


def _record_result(now: datetime, failure: str) -> None:
    with transaction() as session:
        session.exec(
            sa.update(ServerSettings)
            .where(ServerSettings.id == 1, ServerSettings.last_report_at == now)
            .values(last_report_error=failure[:500])
            .execution_options(synchronize_session=False)
        )


def _post(url: str, report: dict) -> str:
    """POST the report; returns "" on success or a short reason (no URL, no response body) on failure. The send is
    asynchronous under an overall deadline (run on its own event loop: callers are the reporter's thread and tests)."""
    return asyncio.run(_post_within_deadline(url, report))


async def _post_within_deadline(url: str, report: dict) -> str:
    headers = {"User-Agent": f"profile-usage-report/{APP_VERSION}"}
    try:
        async with asyncio.timeout(SEND_DEADLINE_S), httpx.AsyncClient(timeout=SEND_TIMEOUT) as client:
            response = await client.post(url, json=report, headers=headers)
    except (TimeoutError, httpx.TimeoutException):
        return "the report server did not answer in time"
    except httpx.HTTPError as exc:
        return f"could not reach the report server ({type(exc).__name__})"
    if not 200 <= response.status_code < 300:
        return f"the report server answered HTTP {response.status_code}"
    return ""


def send_report_if_due(now: datetime | None = None) -> ReportOutcome:
    """Send the anonymous report if enabled, a URL is configured and this period's slot is free. Never raises
    for network trouble: a failure is logged, recorded for the section, and retried in the next period."""
    settings = get_settings()
    if settings.hosted:
        return ReportOutcome.UNAVAILABLE
    if not settings.usage_report_url:
        return ReportOutcome.NO_URL
    now = now or utcnow()
    with read() as session:
        row = session.get(ServerSettings, 1)
        enabled = bool(row and row.usage_enabled)
    if not enabled:
        return ReportOutcome.DISABLED
    report = _claim_report_slot(now)
    if report is None:
        return ReportOutcome.NOT_DUE
    failure = _post(settings.usage_report_url, report)
    if failure:
        log.warning("Anonymous usage report not sent: %s; it is retried in the next period", failure)
        _record_result(now, f"{now:%Y-%m-%d %H:%M} UTC: {failure}")
        return ReportOutcome.FAILED
    _record_result(now, "")
    log.info("Anonymous usage report sent")
    return ReportOutcome.SENT


def reporter_wake_seconds(period_hours: float) -> float:
    return min(MAX_WAKE_SECONDS, max(MIN_WAKE_SECONDS, period_hours * 3600 * WAKE_FRACTION_OF_PERIOD))


async def run_reporter(wake_seconds: float | None = None, stop: asyncio.Event | None = None) -> None:
    """The background reporter, registered as a Reflex lifespan task (one per backend worker; the slot claim
    keeps it to one send per period). A database or network error is logged and the loop goes on."""
    settings = get_settings()
    if settings.hosted or not settings.usage_report_url:
        log.info("Anonymous usage reporter idle: %s", "hosted mode" if settings.hosted else "no report URL set")
        return
    wake = wake_seconds if wake_seconds is not None else reporter_wake_seconds(settings.usage_report_period_hours)
    while stop is None or not stop.is_set():
        try:
            await asyncio.get_running_loop().run_in_executor(_reporter_thread, send_report_if_due)
        except Exception as exc:  # noqa: BLE001 - the loop must outlive any one failure
            log.warning("Anonymous usage reporter: %s; trying again later", type(exc).__name__)
        if stop is None:
            await asyncio.sleep(wake)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wake)

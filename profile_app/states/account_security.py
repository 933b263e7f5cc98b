"""Password and sign-in, Sessions and Security log sections. Thin: resolve the user on the server, call one
service, show its message. Passwords travel only in submitted form data, never in a state var; sessions reach the
browser by their opaque public id only."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from profile_app.services import accounts, password_change, security_log, sessions
from profile_app.services.errors import DomainError
from profile_app.states.base import AuthState, attempt, login_redirect, off_the_event_loop, profile_section
from profile_app.states.busy import Pending, settles
from profile_app.states.display import display_time
from profile_app.states.framework import event

CHANGE_PASSWORD = Pending("password_change")
SIGN_OUT_SESSION = Pending("session_sign_out")
SIGN_OUT_OTHERS = Pending("sessions_sign_out_others")
LOG_PAGE = Pending("security_log_page")

# For the page (components never import services).
NO_PASSWORD = password_change.NO_PASSWORD
PASSWORD_MIN, PASSWORD_MAX = accounts.PASSWORD_MIN, accounts.PASSWORD_MAX
# Form field name -> input id, in form order (the first invalid one gets the focus).
PASSWORD_FIELDS = {"current_password": "current-password", "new_password": "new-password"}
PROFILE_PATH = "/profile"


@dataclass
class SessionRow:
    public_id: str = ""
    device: str = ""
    ip_address: str = ""
    signed_in: str = ""
    last_active: str = ""
    current: bool = False


@dataclass
class LogRow:
    id: int = 0
    label: str = ""
    time: str = ""
    ip_address: str = ""
    browser: str = ""
    detail: str = ""


def _user_agent(state: AuthState) -> str:
    """The acting browser's User-Agent, as the security log records it."""
    return (state.router.headers.raw_headers.get("user-agent", "") or "")[: accounts.USER_AGENT_MAX]


def _actor(state: AuthState) -> dict[str, str]:
    return {"ip_address": state._client_address(), "user_agent": _user_agent(state)}


async def _refresh_after_change(state: AuthState) -> None:
    """After a change the other sections show it at once (the new events, the remaining sessions)."""
    for state_cls in (SessionsState, SecurityLogState):
        if not isinstance(state, state_cls):
            (await state.get_state(state_cls))._reload()


@profile_section
class PasswordState(AuthState):
    has_password: bool = True
    current_password_error: str = ""
    new_password_error: str = ""
    password_error: str = ""  # not about a field (e.g. nobody signed in any more)

    def _clear_password_errors(self) -> None:
        self.current_password_error = self.new_password_error = self.password_error = ""

    @event
    def load(self):
        """From the user row the page has already read: no statement of its own."""
        self._clear_password_errors()
        outcome = self._call(password_change.password_status)
        if outcome.ok:
            self.has_password = outcome.value.has_password

    @event
    @settles(CHANGE_PASSWORD)
    async def change_password(self, form_data: dict):
        self._clear_password_errors()
        user_id = self._user_id()
        if user_id is None:
            return login_redirect(PROFILE_PATH)
        form = form_data if isinstance(form_data, dict) else {}
        try:
            result = await off_the_event_loop(
                password_change.change_password,
                user_id,
                form.get("current_password", ""),
                form.get("new_password", ""),
                current_digest=self._session_digest(),
                address=self._client_address(),
                user_agent=_user_agent(self),
            )
        except DomainError as error:
            problems = getattr(error, "problems", None) or {error.field or "form": error.message}
            self.current_password_error = problems.get("current_password", "")
            self.new_password_error = problems.get("new_password", "")
            self.password_error = "" if set(problems) & set(PASSWORD_FIELDS) else error.message
            if error.message == NO_PASSWORD:
                self.has_password = False
            first = next((field for field in PASSWORD_FIELDS if field in problems), None)
            if first is not None:
                self._focus(PASSWORD_FIELDS[first])
            return None
        await _refresh_after_change(self)
        ended = result.other_sessions_signed_out
        return [
            rx.set_value(PASSWORD_FIELDS["current_password"], ""),
            rx.set_value(PASSWORD_FIELDS["new_password"], ""),
            rx.toast.success(
                "Password changed. Your other sessions were signed out." if ended else "Password changed."
            ),
        ]


def _session_row(view: sessions.SessionView) -> SessionRow:
    return SessionRow(
        public_id=view.public_id,
        device=view.summary,
        ip_address=view.ip_address,
        signed_in=display_time(view.signed_in_at),
        last_active=display_time(view.last_active_at),
        current=view.current,
    )


@profile_section
class SessionsState(AuthState):
    sessions: list[SessionRow] = []
    sessions_error: str = ""

    @rx.var
    def has_other_sessions(self) -> bool:
        return any(not row.current for row in self.sessions)

    def _reload(self) -> None:
        outcome = self._call(sessions.list_sessions, self._session_digest())
        self.sessions = [_session_row(view) for view in outcome.value] if outcome.ok else []
        self.sessions_error = outcome.message

    @event
    def load(self):
        self._reload()

    @event
    @settles(SIGN_OUT_SESSION)
    async def sign_out_session(self, session_id: str):
        user_id = self._user_id()
        if user_id is None:
            return login_redirect(PROFILE_PATH)
        outcome = attempt(sessions.sign_out_session, user_id, str(session_id), **_actor(self))
        self._reload()
        await _refresh_after_change(self)
        if self._user_id() is None:  # it was this browser's own session
            return login_redirect(PROFILE_PATH)
        if not outcome.ok:
            self.sessions_error = outcome.message
            return None
        return rx.toast.success("Session signed out")

    @event
    @settles(SIGN_OUT_OTHERS)
    async def sign_out_other_sessions(self):
        user_id = self._user_id()
        if user_id is None:
            return login_redirect(PROFILE_PATH)
        outcome = attempt(sessions.sign_out_other_sessions, user_id, self._session_digest(), **_actor(self))
        self._reload()
        await _refresh_after_change(self)
        if not outcome.ok:
            self.sessions_error = outcome.message
            return None
        return rx.toast.success("All other sessions signed out" if outcome.value else "No other sessions to sign out")


def _log_row(entry: security_log.LogEntry) -> LogRow:
    return LogRow(
        id=entry.id,
        label=entry.label,
        time=display_time(entry.occurred_at),
        ip_address=entry.ip_address,
        browser=entry.browser,
        detail=entry.detail,
    )


@profile_section
class SecurityLogState(AuthState):
    events: list[LogRow] = []
    log_page: int = 0
    log_has_more: bool = False
    log_error: str = ""

    def _reload(self, page: int = 0) -> None:
        outcome = self._call(security_log.list_events, max(0, page))
        if not outcome.ok:
            self.events, self.log_has_more, self.log_error = [], False, outcome.message
            return
        self.events = [_log_row(entry) for entry in outcome.value.entries]
        self.log_page = outcome.value.page
        self.log_has_more = outcome.value.has_more
        self.log_error = ""

    @event
    def load(self):
        self._reload(0)

    @event
    @settles(LOG_PAGE)
    def show_older(self):
        if self._user_id() is None:
            return login_redirect(PROFILE_PATH)
        self._reload(self.log_page + 1 if self.log_has_more else self.log_page)
        return None

    @event
    @settles(LOG_PAGE)
    def show_newer(self):
        if self._user_id() is None:
            return login_redirect(PROFILE_PATH)
        self._reload(self.log_page - 1)
        return None

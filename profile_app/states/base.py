"""The signed-in user, as the browser may see them. Every section state subclasses AuthState and starts each
handler that touches private data with `user_id = self._user_id()` (None means: not signed in, do nothing)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import accounts
from profile_app.services.errors import DomainError
from profile_app.states.framework import run_handler

SESSION_COOKIE = "profile_session"
log = logging.getLogger(__name__)

# Section states of the Profile page register here (with @profile_section); `AuthState.open_profile` loads them
# all on open, and after a workspace switch `AuthState.reload_sections` reloads them so every table follows at once.
SECTION_STATES: list[type[AuthState]] = []


def profile_section(state_cls):
    """Class decorator for a Profile-page section state; the class must define an `@rx.event def load(self)`."""
    SECTION_STATES.append(state_cls)
    return state_cls


def _session_cookie() -> rx.Cookie:
    """The only credential the browser holds (the server keeps just its sha256): same-site strict, Secure when
    the app is served over https, and no longer-lived than the server-side session."""
    settings = get_settings()
    return rx.Cookie(
        "",
        name=SESSION_COOKIE,
        same_site="strict",
        secure=settings.web_url.startswith("https://"),
        max_age=settings.session_lifetime_hours * 3600,
    )


@dataclass(frozen=True)
class Outcome:
    """What `AuthState._call` reports: the service's result, or the messages of the DomainError it raised (one
    per field when it reports several), or that nobody is signed in (then there is nothing to show)."""

    value: Any = None
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    signed_out: bool = False

    @property
    def ok(self) -> bool:
        return not self.signed_out and not self.message


def attempt(service: Callable[..., Any], user_id: int, *args: Any, **kwargs: Any) -> Outcome:
    """Call a service for an already resolved user; a DomainError becomes messages fit to show."""
    try:
        return Outcome(value=service(user_id, *args, **kwargs))
    except DomainError as error:
        problems = getattr(error, "problems", None) or ({error.field: error.message} if error.field else {})
        return Outcome(message=error.message, errors=dict(problems))


class AuthState(rx.State):
    session_token: str = _session_cookie()

    signed_in: bool = False
    user_id: str = ""
    user_name: str = ""
    user_email: str = ""
    user_initials: str = ""
    is_admin: bool = False
    workspace_name: str = ""
    workspace_id: int = 0
    hosted: bool = True
    hidpi_override: bool = True
    theme: str = "system"
    # An element to focus once this answer has rendered (a fixed element id, e.g. the first invalid field).
    focus_target: str = ""
    focus_serial: int = 0

    def _user_id(self) -> int | None:
        """Resolve the session on the server, every time: public vars are display only, never trusted."""
        return accounts.resolve_session(self.session_token)

    def _call(self, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Outcome:
        """Resolve the signed-in user, call `service(user_id, *args, **kwargs)` and turn a DomainError into
        messages fit to show (the one place handlers catch it)."""
        user_id = self._user_id()
        if user_id is None:
            return Outcome(signed_out=True)
        return attempt(service, user_id, *args, **kwargs)

    def _focus(self, element_id: str) -> None:
        """Move the keyboard focus to this element once the answer has rendered (the page frame does it)."""
        self.focus_target = element_id
        self.focus_serial += 1

    def _load_account(self, user_id: int) -> None:
        account = accounts.get_account(user_id)
        self.signed_in = True
        self.user_id = account.public_id  # what "Copy user ID" copies: the id the API shows, never the row number
        self.user_name = account.name
        self.user_email = account.email
        self.user_initials = account.initials
        self.is_admin = account.is_admin
        self.workspace_name = account.active_workspace_name
        self.workspace_id = account.active_workspace_id or 0
        self.hidpi_override = account.hidpi_override
        self.theme = account.theme

    def _forget_account(self) -> None:
        self.signed_in = False
        self.user_id = self.user_name = self.user_email = self.user_initials = ""
        self.is_admin = False
        self.workspace_name = ""
        self.workspace_id = 0

    @rx.event
    def refresh_account(self):
        """Re-read the header's facts (name, active workspace) after something changed them."""
        user_id = self._user_id()
        if user_id is None:
            self._forget_account()
            return
        self._load_account(user_id)

    async def _load_sections(self) -> None:
        """Run every registered section's `load` inside this one event: one round trip and one state update for
        the whole page, instead of one per section (each load still resolves the session itself)."""
        for section_cls in SECTION_STATES:
            section = await self.get_state(section_cls)
            run_handler(section, "load")

    @rx.event
    async def reload_sections(self):
        """After the active workspace changed: the header's facts and every registered section, no page reload."""
        user_id = self._user_id()
        if user_id is None:
            self._forget_account()
            return
        self._load_account(user_id)
        await self._load_sections()

    @rx.event
    async def open_profile(self):
        """on_load of /profile: sign-in check, then every section, in one event."""
        redirect = run_handler(self, "require_login")
        if redirect is not None:
            return redirect
        await self._load_sections()
        return None

    @rx.event
    def require_login(self):
        """on_load of every signed-in page: resolve the session or go to /login and come back afterwards."""
        self.hosted = get_settings().hosted
        user_id = self._user_id()
        if user_id is None:
            self._forget_account()
            path = (self.router.url.path or "").rstrip("/") or "/profile"
            return rx.redirect(f"/login?next={path}")
        try:
            self._load_account(user_id)
        except DomainError:
            self._forget_account()
            return rx.redirect("/login")
        return None

    @rx.event
    def log_out(self):
        accounts.sign_out(self.session_token)
        self.session_token = ""
        self._forget_account()
        return rx.redirect("/login")

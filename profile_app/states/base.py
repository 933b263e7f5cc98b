"""The signed-in user, as the browser may see them. Every section state subclasses AuthState and starts each
handler that touches private data with `user_id = self._user_id()` (None means: not signed in, do nothing)."""

from __future__ import annotations

import logging

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import accounts
from profile_app.services.errors import DomainError

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

    def _user_id(self) -> int | None:
        """Resolve the session on the server, every time: public vars are display only, never trusted."""
        return accounts.resolve_session(self.session_token)

    def _load_account(self, user_id: int) -> None:
        account = accounts.get_account(user_id)
        self.signed_in = True
        self.user_id = str(account.id)
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
            section_cls.event_handlers["load"].fn(section)

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
        redirect = AuthState.require_login.fn(self)
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

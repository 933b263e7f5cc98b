"""The signed-in user, as the browser may see them. Every section state subclasses AuthState and starts each
handler that touches private data with `user_id = self._user_id()` (None means: not signed in, do nothing)."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import reflex as rx

from profile_app.config import SESSION_COOKIE_NAME, get_settings
from profile_app.db import one_read
from profile_app.services import accounts
from profile_app.services.client_address import client_address
from profile_app.services.errors import DomainError
from profile_app.services.navigation import DEFAULT_NEXT, safe_next

log = logging.getLogger(__name__)

# Section states of the Profile page register here (with @profile_section); `AuthState.open_profile` loads them
# all on open, and after a workspace switch `AuthState.reload_sections` reloads them so every table follows at once.
SECTION_STATES: list[type[AuthState]] = []


def profile_section(state_cls):
    """Class decorator for a Profile-page section state; the class must define an `@rx.event def load(self)`."""
    SECTION_STATES.append(state_cls)
    return state_cls


# Password hashing (argon2, deliberately slow) runs here, off the event loop, two at a time per worker: a burst of
# sign-ins queues instead of stalling every other user's events.
_PASSWORD_WORK = ThreadPoolExecutor(max_workers=2, thread_name_prefix="password-work")


async def off_the_event_loop(function, *args, **kwargs):
    """Run a service call that hashes or verifies a password in the bounded password-work pool."""
    return await asyncio.get_running_loop().run_in_executor(
        _PASSWORD_WORK, functools.partial(function, *args, **kwargs)
    )


def login_redirect(path: str | None):
    """Back to /login, returning to `path` afterwards when it is a safe same-site path (encoded, so nothing the
    browser sent can reach the redirect unescaped)."""
    return rx.redirect("/login?" + urlencode({"next": safe_next(path)}, safe="/"))


# The page-side half of api/session.py: exchange a sign-in grant for the HttpOnly cookie, then load the next page
# in full, so the new socket connects with the cookie. The grant is URL-safe base64 (checked below) and the backend
# URL comes from the operator's configuration; nothing the user typed is in the script.
_START_SESSION_JS = """
fetch(%(url)s, {method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
  body: JSON.stringify({grant: %(grant)s})})
  .then((response) => response.ok ? response.json() : {next: "/login"})
  .then((answer) => window.location.assign(answer.next || "/profile"))
  .catch(() => window.location.assign("/login"));
"""
_END_SESSION_JS = """
fetch(%(url)s, {method: "DELETE", credentials: "include"})
  .finally(() => window.location.assign("/login"));
"""
_GRANT_RE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


def _session_url() -> str:
    return json.dumps(get_settings().backend_url + "/api/session")


def start_session(grant: str):
    """The event that turns a sign-in grant into this browser's session cookie."""
    if not _GRANT_RE.match(grant):
        raise ValueError("a sign-in grant is URL-safe base64")
    return rx.call_script(_START_SESSION_JS % {"url": _session_url(), "grant": json.dumps(grant)})


class AuthState(rx.State):
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

    def _session_digest(self) -> str:
        """The sha256 of this browser's session token, from the cookie of the socket's handshake (the ASGI guard
        hashed it; neither the state store nor this code ever sees the token itself)."""
        for part in (self.router.headers.cookie or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == SESSION_COOKIE_NAME:
                return value
        return ""

    def _client_address(self) -> str:
        headers = self.router.headers.raw_headers
        return client_address(
            headers.get("asgi-scope-client", ""), headers.get("x-forwarded-for", ""), get_settings().trusted_proxies
        )

    def _user_id(self) -> int | None:
        """Resolve the session on the server, every time: public vars are display only, never trusted."""
        return accounts.resolve_session_digest(self._session_digest())

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
        """Run every registered section's `load` inside this one event and one read transaction: one round trip,
        one state update and one consistent snapshot for the whole page (each load still checks the session,
        which the session cache answers from memory)."""
        sections = [await self.get_state(section_cls) for section_cls in SECTION_STATES]
        with one_read():
            for section in sections:
                type(section).event_handlers["load"].fn(section)

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
        with one_read():
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
            return login_redirect((self.router.url.path or "").rstrip("/") or DEFAULT_NEXT)
        try:
            self._load_account(user_id)
        except DomainError:
            self._forget_account()
            return rx.redirect("/login")
        return None

    @rx.event
    def log_out(self):
        """End the session on the server at once, then let the browser clear its cookie and go to /login."""
        accounts.end_session(self._session_digest())
        self._forget_account()
        return rx.call_script(_END_SESSION_JS % {"url": _session_url()})

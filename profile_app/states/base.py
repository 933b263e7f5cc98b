"""The signed-in user, as the browser may see them. Every section state subclasses AuthState; a handler that
touches private data calls its service through `self._call(service, ...)`, which resolves the session on the
server (nobody signed in: nothing happens) and turns a DomainError into messages fit to show."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from profile_app.config import SESSION_COOKIE_NAME, get_settings
from profile_app.db import one_read
from profile_app.services import accounts
from profile_app.services.client_address import client_address
from profile_app.services.errors import DomainError
from profile_app.services.navigation import DEFAULT_NEXT, safe_next
from profile_app.states.framework import run_handler

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


async def attempt_async(service: Callable[..., Any], user_id: int, *args: Any, **kwargs: Any) -> Outcome:
    """`attempt` for a service that is a coroutine (it waits on the network without holding a thread)."""
    try:
        return Outcome(value=await service(user_id, *args, **kwargs))
    except DomainError as error:
        problems = getattr(error, "problems", None) or ({error.field: error.message} if error.field else {})
        return Outcome(message=error.message, errors=dict(problems))


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
    # An element to focus once this answer has rendered (a fixed element id, e.g. the first invalid field).
    focus_target: str = ""
    focus_serial: int = 0

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
        """Run every registered section's `load` inside this one event and one read transaction: one round trip,
        one state update and one consistent snapshot for the whole page (each load still checks the session,
        which the session cache answers from memory)."""
        sections = [await self.get_state(section_cls) for section_cls in SECTION_STATES]
        with one_read():
            for section in sections:
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
        with one_read():
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

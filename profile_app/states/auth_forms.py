"""Log-in and sign-up forms. The password lives only in the submitted form data, never in a state var; the
session itself is opened over HTTP (see api/session.py), so the browser's cookie can be HttpOnly."""

from __future__ import annotations

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import accounts, two_factor, workspaces
from profile_app.services.errors import DomainError
from profile_app.services.navigation import safe_next
from profile_app.states.base import AuthState, off_the_event_loop, start_session
from profile_app.states.busy import Pending, settles
from profile_app.states.two_factor import SignInCodeState

LOG_IN = Pending("log_in")
SIGN_UP = Pending("sign_up")
SIGNUP_FIELDS = ("name", "email", "password")  # form order: the first invalid one gets the focus


class LoginState(AuthState):
    login_error: str = ""

    def _next(self) -> str:
        return safe_next(self.router.url.query_parameters.get("next"))

    @rx.event
    async def open_login(self):
        """on_load of /login: a signed-in visitor goes straight on; a second step left half-done ends."""
        self.login_error = ""
        self.hosted = get_settings().hosted
        (await self.get_state(SignInCodeState))._forget()
        if self._user_id() is not None:
            return rx.redirect(self._next())
        return None

    @rx.event
    @settles(LOG_IN)
    async def log_in(self, form_data: dict):
        self.login_error = ""
        try:
            user_id = await off_the_event_loop(
                accounts.authenticate,
                form_data.get("email", ""),
                form_data.get("password", ""),
                address=self._client_address(),
            )
        except DomainError as error:
            self.login_error = error.message
            self._focus("password")
            return None
        challenge = two_factor.start_sign_in(user_id, self._next())
        if challenge is not None:  # two-factor sign-in is on: no grant until a code is verified
            (await self.get_state(SignInCodeState))._ask(challenge)
            return None
        accounts.end_session(self._session_digest())  # a previous session in this browser ends here
        return start_session(accounts.issue_sign_in_grant(user_id, self._next()))


class SignupState(AuthState):
    name_error: str = ""
    email_error: str = ""
    password_error: str = ""
    signup_error: str = ""
    signup_open: bool = True

    def _clear_errors(self) -> None:
        self.name_error = self.email_error = self.password_error = self.signup_error = ""

    def _invitation(self) -> str:
        """The invitation token when the visitor came from /join/<token> (the link's "Sign up" returns there):
        it admits a sign-up while sign-up is closed (services/workspaces.admit_sign_up checks it)."""
        next_path = safe_next(self.router.url.query_parameters.get("next"))
        prefix = workspaces.JOIN_PATH
        return next_path[len(prefix) :].strip("/") if next_path.startswith(prefix) else ""

    @rx.event
    def open_signup(self):
        self._clear_errors()
        settings = get_settings()
        # Closed sign-up still admits an invitation link's holder; OIDC-only admits SSO sign-up only.
        self.signup_open = (settings.signup_open or self._invitation() != "") and not settings.oidc_only
        self.hosted = settings.hosted
        if self._user_id() is not None:
            return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))
        return None

    @rx.event
    @settles(SIGN_UP)
    async def sign_up(self, form_data: dict):
        self._clear_errors()
        try:
            user_id = await off_the_event_loop(
                accounts.sign_up,
                form_data.get("name", ""),
                form_data.get("email", ""),
                form_data.get("password", ""),
                address=self._client_address(),
                invitation=self._invitation(),
            )
        except DomainError as error:
            target = {"name": "name_error", "email": "email_error", "password": "password_error"}
            problems = getattr(error, "problems", None) or {error.field: error.message}  # every bad field at once
            for field, message in problems.items():
                setattr(self, target.get(field, "signup_error"), message)
            self._focus(next((field for field in SIGNUP_FIELDS if field in problems), "name"))
            return None
        accounts.end_session(self._session_digest())
        return start_session(
            accounts.issue_sign_in_grant(user_id, safe_next(self.router.url.query_parameters.get("next")))
        )

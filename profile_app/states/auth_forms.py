"""Log-in and sign-up forms. The password lives only in the submitted form data, never in a state var."""

from __future__ import annotations

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import accounts
from profile_app.services.errors import DomainError
from profile_app.states.base import AuthState
from profile_app.states.busy import Pending, settles

LOG_IN = Pending("log_in")
SIGN_UP = Pending("sign_up")
SIGNUP_FIELDS = ("name", "email", "password")  # form order: the first invalid one gets the focus

DEFAULT_NEXT = "/profile"


def safe_next(target: str | None) -> str:
    """Only same-site paths: `/profile`, `/join/...`; never `//evil.example` or a full URL. Browsers drop tabs and
    newlines from URLs, so `/<tab>/evil.example` would become `//evil.example`: no whitespace or control
    characters either."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return DEFAULT_NEXT
    if any(char.isspace() or not char.isprintable() for char in target):
        return DEFAULT_NEXT
    return target


class LoginState(AuthState):
    login_error: str = ""
    login_busy: bool = False

    @rx.event
    def open_login(self):
        """on_load of /login: a signed-in visitor goes straight on."""
        self.login_error = ""
        self.hosted = get_settings().hosted
        if self._user_id() is not None:
            return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))
        return None

    @rx.event
    @settles(LOG_IN)
    def log_in(self, form_data: dict):
        self.login_error = ""
        try:
            token = accounts.sign_in(str(form_data.get("email", "")), str(form_data.get("password", "")))
        except DomainError as error:
            self.login_error = error.message
            self._focus("password")
            return None
        accounts.sign_out(self.session_token)  # a previous session in this browser ends here
        self.session_token = token
        return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))


class SignupState(AuthState):
    name_error: str = ""
    email_error: str = ""
    password_error: str = ""
    signup_error: str = ""
    signup_open: bool = True

    def _clear_errors(self) -> None:
        self.name_error = self.email_error = self.password_error = self.signup_error = ""

    @rx.event
    def open_signup(self):
        self._clear_errors()
        settings = get_settings()
        self.signup_open = settings.signup_open
        self.hosted = settings.hosted
        if self._user_id() is not None:
            return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))
        return None

    @rx.event
    @settles(SIGN_UP)
    def sign_up(self, form_data: dict):
        self._clear_errors()
        email = str(form_data.get("email", ""))
        password = str(form_data.get("password", ""))
        try:
            accounts.sign_up(str(form_data.get("name", "")), email, password)
            token = accounts.sign_in(email, password)
        except DomainError as error:
            target = {"name": "name_error", "email": "email_error", "password": "password_error"}
            problems = getattr(error, "problems", None) or {error.field: error.message}  # every bad field at once
            for field, message in problems.items():
                setattr(self, target.get(field, "signup_error"), message)
            self._focus(next((field for field in SIGNUP_FIELDS if field in problems), "name"))
            return None
        self.session_token = token
        return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))

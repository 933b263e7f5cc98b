"""Single sign-on on the pages: the "Sign in with SSO" link on /login and /signup, the /sso-error page, and the
Profile page's "Single sign-on" section (linked or not; "Link single sign-on" after the password)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import single_sign_on
from profile_app.services.errors import DomainError
from profile_app.services.navigation import safe_next
from profile_app.states.base import AuthState, off_the_event_loop, profile_section
from profile_app.states.busy import Pending, settles
from profile_app.states.framework import event

LINK_SSO = Pending("link_sso")
LINK_PASSWORD_INPUT = "sso-link-password"  # noqa: S105 - an element id
LOGIN_PATH = "/api/oidc/login"
_TICKET_RE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


def _login_url(**params: str) -> str:
    return get_settings().backend_url.rstrip("/") + LOGIN_PATH + "?" + urlencode(params, safe="/#")


class SingleSignOnPageState(rx.State):
    """Public facts only (whether SSO is configured, its label), read from the settings at run time."""

    sso_enabled: bool = False
    sso_label: str = ""
    sso_href: str = ""
    password_sign_in: bool = True
    error_message: str = ""

    def _read_options(self) -> None:
        settings = get_settings()
        self.sso_enabled = settings.oidc_configured
        self.sso_label = settings.oidc_button_label
        self.password_sign_in = not settings.oidc_only
        next_path = safe_next(self.router.url.query_parameters.get("next"))
        self.sso_href = _login_url(next=next_path) if settings.oidc_configured else ""

    @rx.event
    def open_options(self):
        """on_load of /login and /signup (after their own handler)."""
        self._read_options()

    @rx.event
    def open_error(self):
        """on_load of /sso-error: the message of a fixed reason code; any other text in the URL is ignored."""
        self._read_options()
        self.error_message = single_sign_on.message_for(self.router.url.query_parameters.get("reason"))


@profile_section
class SingleSignOnState(AuthState):
    sso_configured: bool = False
    sso_linked: bool = False
    sso_has_password: bool = True
    link_dialog_open: bool = False
    link_error: str = ""

    @event
    def load(self):
        if not get_settings().oidc_configured:
            self.sso_configured = False
            return
        outcome = self._call(single_sign_on.link_status)
        if not outcome.ok:
            return
        status = outcome.value
        self.sso_configured, self.sso_linked = status.configured, status.linked
        self.sso_has_password = status.has_password

    @event
    def set_link_dialog_open(self, value: bool):
        self.link_dialog_open = bool(value) and self.sso_configured and not self.sso_linked
        self.link_error = ""

    @event
    @settles(LINK_SSO)
    async def start_linking(self, form_data: dict):
        """Confirm the password, then send this browser to the provider in link mode."""
        if not self.link_dialog_open:
            return None
        user_id = self._user_id()
        if user_id is None or not get_settings().oidc_configured:
            return None
        self.link_error = ""
        password = form_data.get("password", "") if isinstance(form_data, dict) else ""
        try:
            ticket = await off_the_event_loop(
                single_sign_on.start_linking, user_id, password, address=self._client_address()
            )
        except DomainError as error:
            self.link_error = error.message
            self._focus(LINK_PASSWORD_INPUT)
            return None
        if not _TICKET_RE.match(ticket):
            return None
        self.link_dialog_open = False
        # A full page load: the route sets its HttpOnly binding cookie and sends the browser on to the provider.
        return rx.call_script(f"window.location.assign({json.dumps(_login_url(link=ticket))})")

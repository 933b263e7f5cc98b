"""/forgot ("Send reset link") and /reset/<token> ("Set new password"). Nobody is signed in on these pages; the
services decide everything. The token is read from the URL on each event, checked for shape before any use, and
never kept in a var, a toast or a redirect."""

from __future__ import annotations

from profile_app.config import get_settings
from profile_app.services import accounts, password_reset
from profile_app.services.errors import DomainError
from profile_app.states.base import AuthState, off_the_event_loop
from profile_app.states.busy import Pending, settles
from profile_app.states.framework import event

SEND_RESET_LINK = Pending("send_reset_link")
SET_NEW_PASSWORD = Pending("set_new_password")
RESET_PATH = "/reset/"
# The page's wording comes from the service that owns it.
REQUEST_SENT_MESSAGE = password_reset.REQUEST_SENT_MESSAGE
RESET_LINK_COMMAND = password_reset.RESET_LINK_COMMAND
PASSWORD_HINT = f"{accounts.PASSWORD_MIN} to {accounts.PASSWORD_MAX} characters."
PASSWORDS_DIFFER = "The passwords do not match."


class ForgotPasswordState(AuthState):
    forgot_loaded: bool = False  # until on_load answers, neither the form nor the no-mail text is known to apply
    mail_configured: bool = False
    forgot_sent: bool = False
    forgot_email_error: str = ""
    forgot_error: str = ""

    @event
    def open_forgot(self):
        """on_load of /forgot."""
        self.forgot_sent = False
        self.forgot_email_error = self.forgot_error = ""
        self.mail_configured = get_settings().mail_configured
        self.forgot_loaded = True

    @event
    @settles(SEND_RESET_LINK)
    async def send_reset_link(self, form_data: dict):
        self.forgot_email_error = self.forgot_error = ""
        try:
            await off_the_event_loop(
                password_reset.request_reset,
                form_data.get("email", ""),
                address=self._client_address(),
                user_agent=self.router.headers.user_agent or "",
            )
        except DomainError as error:
            if error.field == "email":
                self.forgot_email_error = error.message
                self._focus("email")
            else:
                self.forgot_error = error.message
            return
        self.forgot_sent = True
        self._focus("reset-request-sent")


class ResetPasswordState(AuthState):
    # loading | valid | used | expired | unknown | done
    reset_status: str = "loading"
    link_message: str = ""  # one of LINK_MESSAGES' fixed sentences ("This reset link has expired."), never the token
    new_password_error: str = ""
    confirm_password_error: str = ""
    reset_error: str = ""

    def _token(self) -> str:
        """The token of this page's URL when it has the shape of one of ours, else ''."""
        path = (self.router.url.path or "").rstrip("/")
        token = path[len(RESET_PATH) :] if path.startswith(RESET_PATH) else ""
        return token if password_reset.is_well_formed(token) else ""

    def _show(self, state: password_reset.LinkState) -> None:
        self.reset_status = state.value
        self.link_message = password_reset.LINK_MESSAGES.get(state, "")

    def _clear_errors(self) -> None:
        self.new_password_error = self.confirm_password_error = self.reset_error = ""

    @event
    def open_reset(self):
        """on_load of /reset/<token>: the form only for a link that can still be used."""
        self._clear_errors()
        self._show(password_reset.reset_state(self._token()))

    @event
    @settles(SET_NEW_PASSWORD)
    async def set_new_password(self, form_data: dict):
        self._clear_errors()
        new_password = form_data.get("new_password", "")
        new_password = new_password if isinstance(new_password, str) else ""
        confirmation = form_data.get("confirm_password", "")
        try:
            accounts.validate_password(new_password)
        except DomainError as error:
            self.new_password_error = error.message
        if not self.new_password_error and confirmation != new_password:
            self.confirm_password_error = PASSWORDS_DIFFER
        if self.new_password_error or self.confirm_password_error:
            self._focus("new_password" if self.new_password_error else "confirm_password")
            return
        try:
            await off_the_event_loop(
                password_reset.reset_password,
                self._token(),
                new_password,
                address=self._client_address(),
                user_agent=self.router.headers.user_agent or "",
            )
        except password_reset.ResetLinkUnusable as error:
            self._show(error.state)
            return
        except DomainError as error:
            if error.field == "password":
                self.new_password_error = error.message
                self._focus("new_password")
            else:
                self.reset_error = error.message
            return
        self._forget_account()  # every session of the account ended, this browser's too
        self.reset_status = "done"
        self._focus("reset-done")

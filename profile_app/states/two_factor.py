"""Two-factor sign-in: the Profile section (set up, recovery codes, turn off) and the sign-in step that asks for an
authentication code.

The setup key, its QR code and the recovery codes must reach the browser once. Like a new API secret they never sit
in a Reflex state var: the events push them into client-side (React) variables the dialog renders, and closing the
dialog pushes empty strings. The pending secret itself stays encrypted in the database (services/two_factor.py).
The sign-in challenge's token lives only in a private `_challenge` var, on the server."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from profile_app.services import accounts, two_factor
from profile_app.services.errors import DomainError
from profile_app.services.two_factor import SignInChallengeExpired
from profile_app.states.base import AuthState, attempt, off_the_event_loop, profile_section, start_session
from profile_app.states.busy import Pending, settles
from profile_app.states.display import display_time
from profile_app.states.framework import client_state, event

SETUP = Pending("two_factor_setup")
DISABLE = Pending("two_factor_disable")
VERIFY = Pending("two_factor_verify")

RECOVERY_CODE_COUNT = two_factor.RECOVERY_CODE_COUNT

# Where the one-time values live in the browser, and only while the set-up dialog shows them.
setup_key = client_state("two_factor_setup_key", "")
setup_qr = client_state("two_factor_setup_qr", "")
recovery_codes = client_state("two_factor_recovery_codes", "")
recovery_codes_download = client_state("two_factor_recovery_codes_download", "")
_ONE_TIME_CARRIERS = (setup_key, setup_qr, recovery_codes, recovery_codes_download)

# True from a verified code until the browser has loaded the next page (client-side only, never persisted).
leaving_sign_in = client_state("two_factor_leaving_sign_in", False)

SETUP_CODE_ID = "two-factor-setup-code"
DISABLE_PASSWORD_ID = "two-factor-disable-password"  # noqa: S105 (an element id)
DISABLE_CODE_ID = "two-factor-disable-code"
SIGN_IN_CODE_ID = "sign-in-code"


def _forget_one_time_values() -> list:
    return [carrier.push("") for carrier in _ONE_TIME_CARRIERS]


@profile_section
class TwoFactorState(AuthState):
    two_factor_on: bool = False
    two_factor_since: str = ""
    recovery_codes_left: int = 0
    section_error: str = ""

    setup_dialog_open: bool = False
    setup_done: bool = False  # the dialog shows the recovery codes (which live only client-side)
    setup_error: str = ""

    disable_dialog_open: bool = False
    disable_errors: dict[str, str] = {}

    def _reload(self) -> None:
        outcome = self._call(two_factor.status)
        if not outcome.ok:
            self.section_error = outcome.message
            return
        status = outcome.value
        self.section_error = ""
        self.two_factor_on = status.enabled
        self.two_factor_since = display_time(status.enabled_at) if status.enabled_at else ""
        self.recovery_codes_left = status.recovery_codes_left

    @event
    def load(self):
        """Each visit starts with the dialogs closed (a reload lost what the set-up dialog showed)."""
        self.setup_dialog_open = self.setup_done = self.disable_dialog_open = False
        self.setup_error = ""
        self.disable_errors = {}
        self._reload()

    # --- set up --------------------------------------------------------------------------------------------------

    @event
    def open_setup(self):
        outcome = self._call(two_factor.begin_setup)
        if outcome.signed_out:
            return None
        if not outcome.ok:
            self.section_error = outcome.message
            self._reload()
            return None
        key = outcome.value
        self.setup_error = ""
        self.setup_done = False
        self.setup_dialog_open = True
        self._focus(SETUP_CODE_ID)
        return [setup_key.push(key.grouped), setup_qr.push(key.qr_data_uri)]

    @event
    def set_setup_dialog_open(self, value: bool):
        """Closing (Done, Cancel, Escape) forgets the key and the codes in the browser; closed before a code turned
        it on, the pending secret is dropped on the server too."""
        if value:
            return None
        if self.setup_dialog_open and not self.setup_done:
            self._call(two_factor.cancel_setup)
        self.setup_dialog_open = self.setup_done = False
        self.setup_error = ""
        self._reload()
        return _forget_one_time_values()

    @event
    @settles(SETUP)
    def confirm_setup(self, form_data: dict):
        if not self.setup_dialog_open or self.setup_done:
            return None
        outcome = self._call(
            two_factor.confirm_setup,
            str(form_data.get("code") or ""),
            address=self._client_address(),
            user_agent=self.router.headers.user_agent,
        )
        if outcome.signed_out:
            return None
        if not outcome.ok:
            self.setup_error = outcome.message
            self._focus(SETUP_CODE_ID)
            return None
        text = "\n".join(outcome.value)
        self.setup_error = ""
        self.setup_done = True
        self._reload()
        return [
            setup_key.push(""),
            setup_qr.push(""),
            recovery_codes.push(text),
            recovery_codes_download.push("data:text/plain;charset=utf-8," + quote(text + "\n")),
        ]

    # --- turn off ------------------------------------------------------------------------------------------------

    @event
    def open_disable(self):
        if self._user_id() is None:
            return
        self.disable_errors = {}
        self.disable_dialog_open = True

    @event
    def set_disable_dialog_open(self, value: bool):
        self.disable_dialog_open = bool(value)
        if not value:
            self.disable_errors = {}

    @event
    @settles(DISABLE)
    async def disable(self, form_data: dict):
        if not self.disable_dialog_open:
            return None
        user_id = self._user_id()
        if user_id is None:
            return None
        outcome = await off_the_event_loop(  # the password check is argon2 work
            attempt,
            two_factor.disable,
            user_id,
            str(form_data.get("password") or ""),
            str(form_data.get("code") or ""),
            address=self._client_address(),
            user_agent=self.router.headers.user_agent,
        )
        if not outcome.ok:
            self.disable_errors = outcome.errors or {"code": outcome.message}
            self._focus(DISABLE_PASSWORD_ID if "password" in self.disable_errors else DISABLE_CODE_ID)
            return None
        self.disable_errors = {}
        self.disable_dialog_open = False
        self._reload()
        return rx.toast.success("Two-factor sign-in turned off")


class SignInCodeState(AuthState):
    """The second step of /login for an account with two-factor sign-in on."""

    asking_code: bool = False
    code_error: str = ""
    restart_notice: str = ""  # why the person is back at the password step (shown above it)
    _challenge: str = ""

    def _ask(self, challenge: str) -> None:
        self._challenge = challenge
        self.asking_code = True
        self.code_error = self.restart_notice = ""
        self._focus(SIGN_IN_CODE_ID)

    def _forget(self, notice: str = "") -> None:
        two_factor.end_sign_in(self._challenge)
        self._challenge = ""
        self.asking_code = False
        self.code_error = ""
        self.restart_notice = notice

    @event
    @settles(VERIFY)
    def verify_code(self, form_data: dict):
        if not self._challenge:
            self.asking_code = False
            return None
        try:
            grant = two_factor.complete_sign_in(
                self._challenge,
                str(form_data.get("code") or ""),
                address=self._client_address(),
                user_agent=self.router.headers.user_agent,
            )
        except SignInChallengeExpired as error:
            self._forget(error.message)
            self._focus("email")
            return None
        except DomainError as error:
            self.code_error = error.message
            self._focus(SIGN_IN_CODE_ID)
            return None
        # The step is over on the server, so the next visit to /login starts at the password (a step still marked
        # as open would swap the form under the person's typing when the page hydrates); this page keeps showing
        # it until the browser has moved on.
        self._challenge = ""
        self.asking_code = False
        accounts.end_session(self._session_digest())  # a previous session in this browser ends here
        return [leaving_sign_in.push(True), start_session(grant)]

    @event
    def start_over(self):
        """ "Back to log in": the challenge ends now."""
        self._forget()
        self._focus("email")

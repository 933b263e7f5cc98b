"""App credentials section: the table, create / edit label / revoke dialogs.

A new secret key must reach the browser once. It never sits in a Reflex state var: the create event pushes the
access key, secret and both snippets into client-side (React) variables, the dialog renders them from there, and
closing the dialog pushes empty strings, so neither the server's state nor the page keeps the secret afterwards.
Each opening of the create dialog mints a request key (kept server-side), so a double click or a repeated event
creates one set of credentials, and only the first answer carries its secret.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import credentials
from profile_app.services.credentials import CredentialSummary
from profile_app.services.idempotency import new_request_key
from profile_app.states.base import AuthState, profile_section
from profile_app.states.busy import Pending, settles
from profile_app.states.display import display_time
from profile_app.states.framework import client_state, event
from profile_app.states.shown_rows import RowNoun, RowWindow, asked_rows, row_window

# The one place the newly created pair lives in the browser, and only while the dialog shows it.
new_access_key = client_state("new_credentials_access_key", "")
new_secret_key = client_state("new_credentials_secret_key", "")
new_local_python = client_state("new_credentials_local_python", "")
new_jupyter_notebook = client_state("new_credentials_jupyter_notebook", "")
_SECRET_CARRIERS = (new_access_key, new_secret_key, new_local_python, new_jupyter_notebook)

CREATE = Pending("credentials_create")
EDIT = Pending("credentials_edit")
REVOKE = Pending("credentials_revoke")

LABEL_MAX = credentials.LABEL_MAX  # the label field's limit, for the page (components never import services)
NEVER = "never"
CREDENTIALS_NOUN = RowNoun("credential", "credentials")
CREDENTIALS_SHOWN_ID = "credentials-shown"
CREATE_FIELDS = ("label", "expiry")  # form order: the first invalid one gets the focus
ALREADY_CREATED = (
    "These credentials were already created, and their secret key was shown once. If you did not copy it, revoke "
    "them and create new ones."
)


def revoke_question(label: str, access_key: str) -> str:
    named = f"the {label} credentials" if label else "the credentials"
    return (
        f"Are you sure you want to revoke {named} ({access_key})? Once revoked, these credentials cannot be recovered."
    )


@dataclass
class CredentialRow:
    access_key: str = ""
    label: str = ""
    created: str = ""
    last_used: str = "Never"
    last_used_from: str = ""
    expires: str = "Never"


@dataclass
class ExpiryOption:
    value: str = NEVER
    label: str = "Never"


def _row(summary: CredentialSummary) -> CredentialRow:
    return CredentialRow(
        access_key=summary.access_key,
        label=summary.label,
        created=display_time(summary.created_at),
        last_used=display_time(summary.last_used_at) or "Never",
        last_used_from=summary.last_used_from,
        expires=display_time(summary.expires_at) or "Never",
    )


@profile_section
class CredentialsState(AuthState):
    credentials: list[CredentialRow] = []  # the rows the table shows: the first credentials_window.shown
    credentials_window: RowWindow = RowWindow()
    _all_credentials: list[CredentialRow] = []
    credentials_limit: int = 0
    expiry_options: list[ExpiryOption] = []
    default_expiry: str = NEVER
    section_error: str = ""

    create_dialog_open: bool = False
    created: bool = False  # the dialog shows the result (the secret itself lives only client-side)
    created_expires: str = ""
    create_errors: dict[str, str] = {}
    _create_request_key: str = ""

    edit_dialog_open: bool = False
    edit_access_key: str = ""
    edit_current_label: str = ""
    edit_error: str = ""

    revoke_dialog_open: bool = False
    revoke_access_key: str = ""
    revoke_question: str = ""

    @rx.var
    def at_limit(self) -> bool:
        return self.credentials_limit > 0 and self.credentials_window.total >= self.credentials_limit

    @rx.var
    def limit_reason(self) -> str:
        """Why "Create new credentials" is disabled, shown beside it."""
        if not self.at_limit:
            return ""
        return (
            f"You have {self.credentials_window.total} of {self.credentials_limit} credentials in this workspace, the "
            "most allowed. Revoke some you no longer use to create new ones."
        )

    def _reload(self) -> None:
        self.hosted = get_settings().hosted
        self.credentials_limit = get_settings().credentials_limit
        outcome = self._call(credentials.list_credentials)
        self._all_credentials = [_row(summary) for summary in outcome.value] if outcome.ok else []
        self._show_credentials(self.credentials_window.shown)
        self.section_error = outcome.message
        choices = credentials.expiry_choices()
        self.expiry_options = [
            ExpiryOption(value=NEVER if days is None else str(days), label="Never" if days is None else f"{days} days")
            for days in choices
        ]
        self.default_expiry = NEVER if None in choices else str(choices[0])

    @event
    def load(self):
        """On each visit (and workspace switch) the dialogs start closed: the state outlives the page, while the
        secret a result dialog showed did not survive the reload."""
        self.create_dialog_open = self.created = self.edit_dialog_open = self.revoke_dialog_open = False
        self.created_expires = ""
        self.create_errors = {}
        self.credentials_window = RowWindow()  # a visit (or a workspace switch) starts at the first page
        self._reload()

    def _show_credentials(self, shown: int) -> None:
        self.credentials_window = row_window(len(self._all_credentials), shown, CREDENTIALS_NOUN)
        self.credentials = self._all_credentials[: self.credentials_window.shown]

    @event
    def show_credentials(self, count: int):
        """More rows of the list the section already read ("Show N more credentials", "Show all N credentials")."""
        if self._user_id() is None:
            return
        self._show_credentials(asked_rows(self.credentials_window, count))
        if not self.credentials_window.more_label:
            self._focus(CREDENTIALS_SHOWN_ID)

    # --- create ------------------------------------------------------------------------------------------------

    @event
    def open_create(self):
        if self._user_id() is None:
            return None
        self.create_errors = {}
        self.created = False
        self._create_request_key = new_request_key()
        self.create_dialog_open = True
        return [carrier.push("") for carrier in _SECRET_CARRIERS]

    @event
    def set_create_dialog_open(self, value: bool):
        """Closing (Done, Escape, the X) forgets the new secret in the browser too."""
        self.create_dialog_open = bool(value)
        if value:
            return None
        self.created = False
        self.created_expires = ""
        self.create_errors = {}
        self._create_request_key = ""
        return [carrier.push("") for carrier in _SECRET_CARRIERS]

    @event
    @settles(CREATE)
    def create(self, form_data: dict):
        if not self.create_dialog_open or not self._create_request_key:
            return None
        expiry = str(form_data.get("expiry") or NEVER)
        try:
            expiry_days = None if expiry == NEVER else int(expiry)
        except ValueError:
            expiry_days = -1  # not a choice: the service says which ones are
        outcome = self._call(
            credentials.create_credentials,
            str(form_data.get("label") or ""),
            expiry_days,
            request_key=self._create_request_key,
        )
        if not outcome.ok:
            self.create_errors = outcome.errors or {"form": outcome.message}
            self._focus_first_invalid()
            return None
        new = outcome.value
        self.create_errors = {}
        if new.repeated:  # a second click or a replayed event: the first answer showed the secret (or was lost)
            if not self.created:
                self.create_errors = {"form": ALREADY_CREATED}
            return None
        self.created = True
        self.created_expires = display_time(new.expires_at) or "Never"
        self._reload()
        return [
            new_access_key.push(new.access_key),
            new_secret_key.push(new.secret_key),
            new_local_python.push(new.local_python),
            new_jupyter_notebook.push(new.jupyter_notebook),
        ]

    def _focus_first_invalid(self) -> None:
        for name in CREATE_FIELDS:
            if name in self.create_errors:
                self._focus(f"credentials-{name}")
                return

    # --- edit label ----------------------------------------------------------------------------------------------

    @event
    def open_edit(self, access_key: str, label: str):
        if self._user_id() is None:
            return
        self.edit_access_key = str(access_key)
        self.edit_current_label = str(label)
        self.edit_error = ""
        self.edit_dialog_open = True

    @event
    def set_edit_dialog_open(self, value: bool):
        self.edit_dialog_open = bool(value)
        if not value:
            self.edit_error = ""

    @event
    @settles(EDIT)
    def edit_label(self, form_data: dict):
        if not self.edit_dialog_open:
            return None
        outcome = self._call(credentials.edit_label, self.edit_access_key, str(form_data.get("label") or ""))
        if outcome.signed_out:
            return None
        if not outcome.ok:
            self.edit_error = outcome.message
            self._focus("credentials-edit-label")
            return None
        self.edit_dialog_open = False
        self._reload()
        return rx.toast.success("Label saved")

    # --- revoke ----------------------------------------------------------------------------------------------------

    @event
    def open_revoke(self, access_key: str, label: str):
        if self._user_id() is None:
            return
        self.revoke_access_key = str(access_key)
        self.revoke_question = revoke_question(str(label), str(access_key))
        self.revoke_dialog_open = True

    @event
    def set_revoke_dialog_open(self, value: bool):
        self.revoke_dialog_open = bool(value)

    @event
    @settles(REVOKE)
    def revoke(self):
        if not self.revoke_dialog_open:
            return None
        outcome = self._call(credentials.revoke_credentials, self.revoke_access_key)
        if outcome.signed_out:
            return None
        self.revoke_dialog_open = False
        self._reload()
        if not outcome.ok:
            self.section_error = outcome.message
            return None
        return rx.toast.success("Credentials revoked")

"""App credentials section: the table, create / edit label / revoke dialogs.

A new secret key must reach the browser once. It never sits in a Reflex state var: the create event pushes the
access key, secret and both snippets into client-side (React) variables, the dialog renders them from there, and
closing the dialog pushes empty strings, so neither the server's state nor the page keeps the secret afterwards.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import reflex as rx

from profile_app.config import get_settings
from profile_app.models import utcnow
from profile_app.services import credentials
from profile_app.services.credentials import CredentialSummary
from profile_app.services.errors import DomainError
from profile_app.states.base import AuthState, profile_section

# The one place the newly created pair lives in the browser, and only while the dialog shows it.
new_access_key = rx._x.client_state("new_credentials_access_key", "")
new_secret_key = rx._x.client_state("new_credentials_secret_key", "")
new_local_python = rx._x.client_state("new_credentials_local_python", "")
new_jupyter_notebook = rx._x.client_state("new_credentials_jupyter_notebook", "")
_SECRET_CARRIERS = (new_access_key, new_secret_key, new_local_python, new_jupyter_notebook)

COPIED_SECONDS = 3
COPY_TARGETS = ("Local Python", "Jupyter notebook")  # the snippet tabs
NEVER = "never"


def exact_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def relative_time(moment: datetime, now: datetime) -> str:
    seconds = int((now - moment).total_seconds())
    if seconds < 60:
        return "Just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "Just now"


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
    created_exact: str = ""
    last_used: str = "Never"
    last_used_exact: str = ""
    last_used_from: str = ""
    expires: str = "Never"


@dataclass
class ExpiryOption:
    value: str = NEVER
    label: str = "Never"


def _row(summary: CredentialSummary, now: datetime) -> CredentialRow:
    return CredentialRow(
        access_key=summary.access_key,
        label=summary.label,
        created=summary.created_at.strftime("%Y-%m-%d"),
        created_exact=exact_time(summary.created_at),
        last_used=relative_time(summary.last_used_at, now) if summary.last_used_at else "Never",
        last_used_exact=exact_time(summary.last_used_at) if summary.last_used_at else "",
        last_used_from=summary.last_used_from,
        expires=summary.expires_at.strftime("%Y-%m-%d") if summary.expires_at else "Never",
    )


@profile_section
class CredentialsState(AuthState):
    credentials: list[CredentialRow] = []
    expiry_options: list[ExpiryOption] = []
    default_expiry: str = NEVER
    section_error: str = ""

    create_dialog_open: bool = False
    created: bool = False  # the dialog shows the result (the secret itself lives only client-side)
    created_label: str = ""
    created_expires: str = ""
    create_error: str = ""
    copied: str = ""  # which tab's "Copy to clipboard" shows its check mark

    edit_dialog_open: bool = False
    edit_access_key: str = ""
    edit_current_label: str = ""
    edit_error: str = ""

    revoke_dialog_open: bool = False
    revoke_access_key: str = ""
    revoke_question: str = ""

    def _reload(self, user_id: int) -> None:
        self.hosted = get_settings().hosted
        now = utcnow()
        try:
            self.credentials = [_row(summary, now) for summary in credentials.list_credentials(user_id)]
            self.section_error = ""
        except DomainError as error:
            self.credentials = []
            self.section_error = error.message
        choices = credentials.expiry_choices()
        self.expiry_options = [
            ExpiryOption(value=NEVER if days is None else str(days), label="Never" if days is None else f"{days} days")
            for days in choices
        ]
        self.default_expiry = NEVER if None in choices else str(choices[0])

    @rx.event
    def load(self):
        """On each visit (and workspace switch) the dialogs start closed: the state outlives the page, while the
        secret a result dialog showed did not survive the reload."""
        user_id = self._user_id()
        if user_id is None:
            return
        self.create_dialog_open = self.created = self.edit_dialog_open = self.revoke_dialog_open = False
        self.created_label = self.created_expires = self.create_error = self.copied = ""
        self._reload(user_id)

    # --- create ------------------------------------------------------------------------------------------------

    @rx.event
    def open_create(self):
        if self._user_id() is None:
            return None
        self.create_error = ""
        self.created = False
        self.copied = ""
        self.create_dialog_open = True
        return [carrier.push("") for carrier in _SECRET_CARRIERS]

    @rx.event
    def set_create_dialog_open(self, value: bool):
        """Closing (Done, Escape, the X) forgets the new secret in the browser too."""
        self.create_dialog_open = bool(value)
        if value:
            return None
        self.created = False
        self.created_label = self.created_expires = self.create_error = self.copied = ""
        return [carrier.push("") for carrier in _SECRET_CARRIERS]

    @rx.event
    def create(self, form_data: dict):
        user_id = self._user_id()
        if user_id is None:
            return None
        expiry = str(form_data.get("expiry") or NEVER)
        try:
            expiry_days = None if expiry == NEVER else int(expiry)
        except ValueError:
            self.create_error = "Choose an expiry from the list."
            return None
        try:
            new = credentials.create_credentials(user_id, str(form_data.get("label") or ""), expiry_days)
        except DomainError as error:
            self.create_error = error.message
            return None
        self.create_error = ""
        self.created = True
        self.created_label = new.label
        self.created_expires = new.expires_at.strftime("%Y-%m-%d") if new.expires_at else "Never"
        self._reload(user_id)
        return [
            new_access_key.push(new.access_key),
            new_secret_key.push(new.secret_key),
            new_local_python.push(new.local_python),
            new_jupyter_notebook.push(new.jupyter_notebook),
        ]

    @rx.event
    def mark_copied(self, which: str):
        """`which` names a tab; only the known names are accepted (the argument is sent by the browser and is
        passed on to another event)."""
        if which not in COPY_TARGETS:
            return None
        self.copied = which
        return CredentialsState.clear_copied(which)

    @rx.event(background=True)
    async def clear_copied(self, which: str):
        """The check mark goes back to "Copy to clipboard" after a few seconds."""
        await asyncio.sleep(COPIED_SECONDS)
        if which not in COPY_TARGETS:
            return
        async with self:
            if self.copied == which:
                self.copied = ""

    # --- edit label ----------------------------------------------------------------------------------------------

    @rx.event
    def open_edit(self, access_key: str, label: str):
        self.edit_access_key = str(access_key)
        self.edit_current_label = str(label)
        self.edit_error = ""
        self.edit_dialog_open = True

    @rx.event
    def set_edit_dialog_open(self, value: bool):
        self.edit_dialog_open = bool(value)
        if not value:
            self.edit_error = ""

    @rx.event
    def edit_label(self, form_data: dict):
        user_id = self._user_id()
        if user_id is None:
            return None
        try:
            credentials.edit_label(user_id, self.edit_access_key, str(form_data.get("label") or ""))
        except DomainError as error:
            self.edit_error = error.message
            return None
        self.edit_dialog_open = False
        self._reload(user_id)
        return rx.toast.success("Label saved")

    # --- revoke ----------------------------------------------------------------------------------------------------

    @rx.event
    def open_revoke(self, access_key: str, label: str):
        self.revoke_access_key = str(access_key)
        self.revoke_question = revoke_question(str(label), str(access_key))
        self.revoke_dialog_open = True

    @rx.event
    def set_revoke_dialog_open(self, value: bool):
        self.revoke_dialog_open = bool(value)

    @rx.event
    def revoke(self):
        user_id = self._user_id()
        if user_id is None:
            return None
        self.revoke_dialog_open = False
        try:
            credentials.revoke_credentials(user_id, self.revoke_access_key)
        except DomainError as error:
            self._reload(user_id)
            return rx.toast.error(error.message)
        self._reload(user_id)
        return rx.toast.success("Credentials revoked")

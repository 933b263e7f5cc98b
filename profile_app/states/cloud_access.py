"""Cloud access section: the user's per-bucket credentials, the add/edit form, Test access and Open storage link.

Secrets travel browser -> server once, inside the form's submit event, and are never put in a state var: the
secret fields are uncontrolled inputs (no value binding), and rows carry only the masked last 4 characters. Each
opening of the add dialog mints a request key (kept server-side), so a double click on Save adds one row."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from profile_app.services import cloud_access, signing
from profile_app.services.cloud_access import AZURE, GCS, S3, S3_COMPATIBLE, CloudAccessInput
from profile_app.services.idempotency import new_request_key
from profile_app.states.base import AuthState, attempt_async, profile_section
from profile_app.states.busy import Pending, settles
from profile_app.states.display import display_time
from profile_app.states.framework import client_state, event
from profile_app.states.shown_rows import RowNoun, RowWindow, asked_rows, row_window

INPUT_FIELDS = ("bucket", "key", "secret", "token", "region", "host")
# The inputs the form shows for each provider, in form order (the service's field names; the labels differ:
# for Azure, "host" is the storage account, "bucket" the container and "secret" the SAS). An error about a field
# the form does not show is reported for the whole form.
PROVIDER_FIELDS = {
    S3: ("bucket", "key", "secret", "token", "region"),
    S3_COMPATIBLE: ("bucket", "key", "secret", "token", "region", "host"),
    GCS: ("bucket", "key", "secret", "region", "host"),
    AZURE: ("host", "bucket", "secret"),
}
PROVIDER_CHOICES = [(code, cloud_access.PROVIDER_LABELS[code]) for code in PROVIDER_FIELDS]

# The provider picked in the open form, so its inputs follow the choice at once, without a round trip.
form_provider_choice = client_state("cloud_form_provider", S3)

ROWS_NOUN = RowNoun("bucket", "buckets")
ROWS_SHOWN_ID = "cloud-shown"

SAVE = Pending("cloud_save")
REMOVE = Pending("cloud_remove")
TEST = Pending("cloud_test")
LINK = Pending("cloud_link")


@dataclass
class CloudRow:
    id: int = 0
    provider: str = ""
    bucket: str = ""
    key: str = ""
    secret_masked: str = ""  # "••••" and the last 4 characters only
    token_status: str = ""  # "Set" or empty: whether a session token is stored, never the token
    region: str = ""
    host: str = ""
    warning: str = ""
    test_state: str = ""  # "ok", "failed" or "" (not tested since the last change)
    test_message: str = ""


def _row(view: cloud_access.CloudAccessRow) -> CloudRow:
    tested = bool(view.last_test_result)
    return CloudRow(
        id=view.id,
        provider=view.provider_label,
        bucket=view.bucket,
        key=view.key,
        secret_masked=view.secret_masked,
        token_status="Set" if view.has_token else "",
        region=view.region,
        host=view.host,
        warning=view.warning,
        test_state=("ok" if view.last_test_result == cloud_access.OK else "failed") if tested else "",
        test_message=view.last_test_message or "Not tested yet",
    )


@profile_section
class CloudAccessState(AuthState):
    rows: list[CloudRow] = []  # the rows the table shows: the first rows_window.shown of _all_rows
    rows_window: RowWindow = RowWindow()
    _all_rows: list[CloudRow] = []
    section_error: str = ""
    status: str = ""  # polite live region: the last Test access result
    notice: str = ""  # a warning about the row just saved (plain http, an address the server will not call)

    form_open: bool = False
    form_generation: int = 0  # remounts the form's uncontrolled inputs with fresh defaults
    editing_id: int = 0
    form_provider: str = S3
    form_bucket: str = ""
    form_key: str = ""
    form_region: str = ""
    form_host: str = ""
    form_secret_hint: str = ""
    form_has_token: bool = False
    errors: dict[str, str] = {}
    _add_request_key: str = ""

    remove_id: int = 0
    remove_bucket: str = ""
    remove_dialog_open: bool = False

    testing_id: int = 0

    signed_link: str = ""
    signed_link_expires: str = ""
    link_error: str = ""

    def _reload(self) -> None:
        outcome = self._call(cloud_access.list_cloud_access)
        if outcome.ok:
            self._all_rows = [_row(view) for view in outcome.value]
            self._show_rows(self.rows_window.shown)
        self.section_error = outcome.message

    def _show_rows(self, shown: int) -> None:
        self.rows_window = row_window(len(self._all_rows), shown, ROWS_NOUN)
        self.rows = self._all_rows[: self.rows_window.shown]

    @event
    def load(self):
        """Dialogs start closed on every visit: a reload never reopens one."""
        self.form_open = self.remove_dialog_open = False
        self.errors = {}
        self.status = self.notice = self.link_error = ""
        self.rows_window = RowWindow()  # a visit starts at the first page
        self._reload()

    @event
    def show_rows(self, count: int):
        """More rows of the list the section already read ("Show N more buckets", "Show all N buckets")."""
        if self._user_id() is None:
            return
        self._show_rows(asked_rows(self.rows_window, count))
        if not self.rows_window.more_label:
            self._focus(ROWS_SHOWN_ID)

    def _open_form(self, editing_id: int, provider: str, bucket="", key="", region="", host="", hint="", token=False):
        self.editing_id = editing_id
        self.form_provider = provider
        self.form_bucket, self.form_key, self.form_region, self.form_host = bucket, key, region, host
        self.form_secret_hint = hint
        self.form_has_token = token
        self.errors = {}
        self.form_generation += 1
        self.form_open = True
        return form_provider_choice.push(provider)

    @event
    def open_add(self):
        if self._user_id() is None:
            return None
        self._add_request_key = new_request_key()
        return self._open_form(0, S3)

    @event
    def open_edit(self, row_id: int):
        outcome = self._call(cloud_access.list_cloud_access)
        if not outcome.ok:
            return None
        view = next((v for v in outcome.value if v.id == row_id), None)
        if view is None:
            self._reload()
            return rx.toast.error("These access keys no longer exist.")
        self._add_request_key = ""
        return self._open_form(
            view.id,
            view.provider,
            view.bucket,
            view.key,
            view.region,
            view.host,
            f"Stored secret {view.secret_masked}: leave empty to keep it.",
            view.has_token,
        )

    @event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)
        if not value:
            self.errors = {}

    @event
    @settles(SAVE)
    def save(self, form_data: dict):
        """Add or edit from the form; on errors every bad field says why, the first gets the focus, nothing is
        saved."""
        if not self.form_open or not (self.editing_id or self._add_request_key):
            return None
        provider = str(form_data.get("provider") or "")
        shown = PROVIDER_FIELDS.get(provider, INPUT_FIELDS)
        values = {name: str(form_data.get(name) or "") if name in shown else "" for name in INPUT_FIELDS}
        data = CloudAccessInput(provider=provider, **values)
        if self.editing_id:
            outcome = self._call(cloud_access.edit_cloud_access, self.editing_id, data)
        else:
            outcome = self._call(cloud_access.add_cloud_access, data, request_key=self._add_request_key)
        if outcome.signed_out:
            return None
        if not outcome.ok:
            self.errors = _form_errors(outcome.errors or {"form": outcome.message}, shown)
            first = next((name for name in ("provider", *shown) if name in self.errors), "")
            if first:
                self._focus(f"cloud-{first}")
            return None
        self.errors = {}
        self.form_open = False
        self.notice = outcome.value.warning
        self._reload()
        return rx.toast.success("Access keys saved")

    @event
    def ask_remove(self, row_id: int):
        row = next((r for r in self._all_rows if r.id == row_id), None)
        if self._user_id() is None or row is None:
            return
        self.remove_id, self.remove_bucket, self.remove_dialog_open = row.id, row.bucket, True

    @event
    def set_remove_dialog_open(self, value: bool):
        self.remove_dialog_open = bool(value)

    @event
    @settles(REMOVE)
    def confirm_remove(self):
        if not self.remove_dialog_open:
            return None
        outcome = self._call(cloud_access.remove_cloud_access, self.remove_id)
        if outcome.signed_out:
            return None
        self.remove_dialog_open = False
        self._reload()
        if not outcome.ok:
            self.section_error = outcome.message
            return None
        return rx.toast.success("Access keys removed")

    @event(background=True)
    @settles(TEST)
    async def test_access(self, row_id: int):
        """The check talks to the bucket's host (up to a few seconds); it is asynchronous and holds no thread, one
        at a time per user across tabs and workers. Shows "Testing…" meanwhile; the result is announced politely."""
        async with self:
            user_id = self._user_id()
            row = next((r for r in self._all_rows if r.id == row_id), None)
            if user_id is None or row is None or self.testing_id:
                return
            self.testing_id = row.id
            self.status = f"Testing access for {row.bucket}…"
        try:
            result = await attempt_async(cloud_access.test_cloud_access, user_id, row.id)
        finally:  # an unexpected error must not leave "Testing…" (and the one-test-at-a-time guard) stuck
            async with self:
                self.testing_id = 0
                self._reload()
        async with self:
            if not result.ok:
                self.status = f"Test access for {row.bucket} could not run: {result.message}"
            else:
                verdict = "passed" if result.value.ok else "failed"
                self.status = f"Test access for {row.bucket} {verdict}: {result.value.message}"

    @event
    @settles(LINK)
    def open_storage_link(self, form_data: dict):
        self.signed_link = self.signed_link_expires = self.link_error = ""
        outcome = self._call(signing.sign_storage_url, str(form_data.get("storage_url") or ""))
        if outcome.signed_out:
            return None
        if not outcome.ok:
            self.link_error = outcome.message
            self._focus("storage-url")
            return None
        self.signed_link = outcome.value.url
        self.signed_link_expires = display_time(outcome.value.expires_at)
        return None


def _form_errors(errors: dict[str, str], shown: tuple[str, ...]) -> dict[str, str]:
    """Each message under its input; one about an input this provider's form does not show goes to the form."""
    placed: dict[str, str] = {}
    for name, message in errors.items():
        target = name if name in shown or name == "provider" else "form"
        placed[target] = f"{placed[target]} {message}" if target in placed else message
    return placed

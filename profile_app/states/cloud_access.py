"""Cloud access section: the user's per-bucket credentials, the add/edit form, Test access and Open storage link.

Secrets travel browser -> server once, inside the form's submit event, and are never put in a state var: the
secret fields are uncontrolled inputs (no value binding), and rows carry only the masked last 4 characters."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from profile_app.services import cloud_access, signing
from profile_app.services.cloud_access import CloudAccessInput
from profile_app.services.errors import DomainError
from profile_app.states.base import AuthState, profile_section

FORM_FIELDS = ("provider", "bucket", "key", "secret", "token", "region", "host")
PROVIDER_CHOICES = list(cloud_access.PROVIDER_LABELS.values())
_PROVIDER_BY_LABEL = {label: code for code, label in cloud_access.PROVIDER_LABELS.items()}


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
    test_result: str = ""
    test_message: str = ""
    test_ok: bool = False


def _row(view: cloud_access.CloudAccessRow) -> CloudRow:
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
        test_result=view.last_test_result,
        test_message=view.last_test_message or "Not tested yet",
        test_ok=view.last_test_result == cloud_access.OK,
    )


@profile_section
class CloudAccessState(AuthState):
    rows: list[CloudRow] = []
    section_error: str = ""

    form_open: bool = False
    form_generation: int = 0  # remounts the form's uncontrolled inputs with fresh defaults
    editing_id: int = 0
    form_provider: str = cloud_access.PROVIDER_LABELS[cloud_access.S3]
    form_bucket: str = ""
    form_key: str = ""
    form_region: str = ""
    form_host: str = ""
    form_secret_hint: str = ""
    form_has_token: bool = False
    form_warning: str = ""
    errors: dict[str, str] = {}

    remove_id: int = 0
    remove_bucket: str = ""
    remove_dialog_open: bool = False

    testing_id: int = 0

    signed_link: str = ""
    signed_link_expires: str = ""
    link_error: str = ""

    def _reload(self, user_id: int) -> None:
        try:
            self.rows = [_row(view) for view in cloud_access.list_cloud_access(user_id)]
            self.section_error = ""
        except DomainError as error:
            self.section_error = error.message

    @rx.event
    def load(self):
        user_id = self._user_id()
        if user_id is None:
            return
        self._reload(user_id)

    def _open_form(self, editing_id: int, provider: str, bucket="", key="", region="", host="", hint="", token=False):
        self.editing_id = editing_id
        self.form_provider = provider
        self.form_bucket, self.form_key, self.form_region, self.form_host = bucket, key, region, host
        self.form_secret_hint = hint
        self.form_has_token = token
        self.form_warning = ""
        self.errors = {}
        self.form_generation += 1
        self.form_open = True

    @rx.event
    def open_add(self):
        if self._user_id() is None:
            return
        self._open_form(0, cloud_access.PROVIDER_LABELS[cloud_access.S3])

    @rx.event
    def open_edit(self, row_id: int):
        user_id = self._user_id()
        if user_id is None:
            return
        view = next((v for v in cloud_access.list_cloud_access(user_id) if v.id == row_id), None)
        if view is None:
            self._reload(user_id)
            return rx.toast.error("These access keys no longer exist.")
        self._open_form(
            view.id,
            view.provider_label,
            view.bucket,
            view.key,
            view.region,
            view.host,
            f"Stored secret {view.secret_masked}: leave empty to keep it.",
            view.has_token,
        )

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = value
        if not value:
            self.errors = {}

    @rx.event
    def save(self, form_data: dict):
        """Add or edit from the form; on an error the field's message shows and nothing is saved."""
        user_id = self._user_id()
        if user_id is None:
            return
        values = {name: str(form_data.get(name) or "") for name in FORM_FIELDS}
        data = CloudAccessInput(
            provider=_PROVIDER_BY_LABEL.get(values["provider"], values["provider"]),
            bucket=values["bucket"],
            key=values["key"],
            secret=values["secret"],
            token=values["token"],
            region=values["region"],
            host=values["host"],
        )
        try:
            if self.editing_id:
                view = cloud_access.edit_cloud_access(user_id, self.editing_id, data)
            else:
                view = cloud_access.add_cloud_access(user_id, data)
        except DomainError as error:
            self.errors = {error.field or "form": error.message}
            # Keep what the user typed (except secrets) when the form remounts.
            self.form_provider = values["provider"]
            self.form_bucket, self.form_key = values["bucket"], values["key"]
            self.form_region, self.form_host = values["region"], values["host"]
            return None
        self.errors = {}
        self.form_open = False
        self._reload(user_id)
        # Fixed wording only: a bucket, a host or a message built from them is user text, which must never travel
        # inside a returned event; the row's warning shows in the table.
        return (
            rx.toast.warning("Access keys saved, with a warning")
            if view.warning
            else rx.toast.success("Access keys saved")
        )

    @rx.event
    def ask_remove(self, row_id: int, bucket: str):
        if self._user_id() is None:
            return
        self.remove_id, self.remove_bucket, self.remove_dialog_open = row_id, bucket, True

    @rx.event
    def set_remove_dialog_open(self, value: bool):
        self.remove_dialog_open = value

    @rx.event
    def confirm_remove(self):
        user_id = self._user_id()
        if user_id is None:
            return
        self.remove_dialog_open = False
        try:
            cloud_access.remove_cloud_access(user_id, self.remove_id)
        except DomainError as error:
            self._reload(user_id)
            return rx.toast.error(error.message)
        self._reload(user_id)
        return rx.toast.success("Access keys removed")

    @rx.event(background=True)
    async def test_access(self, row_id: int):
        """The check talks to the bucket's host (up to a few seconds); it is asynchronous and holds no thread, one
        at a time per user across tabs and workers. Shows "Testing…" meanwhile."""
        async with self:
            user_id = self._user_id()
            if user_id is None or self.testing_id:
                return
            self.testing_id = row_id
        failure = ""
        try:
            await cloud_access.test_cloud_access(user_id, row_id)
        except DomainError as error:
            failure = error.message
        finally:  # an unexpected error must not leave "Testing…" (and the one-test-at-a-time guard) stuck
            async with self:
                self.testing_id = 0
                self._reload(user_id)
        if failure:
            return rx.toast.error(failure)
        return None

    @rx.event
    def open_storage_link(self, form_data: dict):
        user_id = self._user_id()
        if user_id is None:
            return
        self.signed_link = self.signed_link_expires = self.link_error = ""
        try:
            link = signing.sign_storage_url(user_id, str(form_data.get("storage_url") or ""))
        except DomainError as error:
            self.link_error = error.message
            return
        self.signed_link = link.url
        self.signed_link_expires = f"{link.expires_at:%Y-%m-%d %H:%M} UTC"

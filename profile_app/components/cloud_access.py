"""Render only: the "Cloud access" section of /profile (rows, add/edit dialog, remove confirmation, Test access,
Open storage link). Secret inputs are uncontrolled: their values are never bound to state. The form shows the
inputs the chosen provider uses, under that provider's names: for Azure the storage account goes in Host, the
container in Bucket and the SAS in Secret, as the service expects them."""

from __future__ import annotations

import reflex as rx

from profile_app.components.dialogs import confirm_dialog, form_dialog, form_dialog_actions
from profile_app.components.forms import field_error, invalid_props, native_select, submit_button
from profile_app.components.sections import Section, section_card
from profile_app.components.styles import VISUALLY_HIDDEN
from profile_app.components.tables import cell_text, data_table, more_rows, row_action, table_row, truncated
from profile_app.states.cloud_access import (
    AZURE,
    GCS,
    LINK,
    PROVIDER_CHOICES,
    PROVIDER_FIELDS,
    REMOVE,
    ROWS_SHOWN_ID,
    S3,
    S3_COMPATIBLE,
    SAVE,
    TEST,
    CloudAccessState,
    CloudRow,
    form_provider_choice,
)
from profile_app.states.framework import connection_lost

COLUMNS = ["Bucket", "Key / Secret", "Region", "Host", "Last test"]

PROVIDER_HINTS = {
    S3: "AWS S3: an access key (AKIA…) and its secret; a session token only for temporary credentials.",
    S3_COMPATIBLE: "MinIO, Ceph and other S3-compatible servers: the Host is required.",
    GCS: (
        "Google Cloud Storage with an HMAC key (Cloud Storage > Settings > Interoperability): its access ID in Key, "
        "its secret in Secret. Host defaults to https://storage.googleapis.com."
    ),
    AZURE: "Azure Blob: the storage account, the container, and a SAS that grants access to it.",
}
# (label, placeholder) of an input, per provider where they differ.
LABELS = {
    "bucket": {AZURE: ("Container", "my-container")},
    "secret": {AZURE: ("SAS", "sv=…&sig=…")},
    "host": {
        AZURE: ("Storage account (or account host)", "myaccount or https://myaccount.blob.core.windows.net"),
        GCS: ("Host (Endpoint, optional)", "https://storage.googleapis.com"),
    },
}
DEFAULT_LABELS = {
    "bucket": ("Bucket", "my-bucket"),
    "key": ("Key", ""),
    "secret": ("Secret", ""),
    "token": ("Token", "Optional session token"),
    "region": ("Region", "us-east-1"),
    "host": ("Host (Endpoint)", "https://minio.example.com:9000"),
}


def _error(name: str) -> rx.Var:
    return CloudAccessState.errors.get(name, "")


def _input(name: str, label: str, placeholder: str, *, default=None, secret: bool = False, hint=None):
    field_id = f"cloud-{name}"
    props = {"default_value": default} if default is not None else {}
    hint_id = f"{field_id}-hint" if hint is not None else None
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        rx.input(
            id=field_id,
            name=name,
            type="password" if secret else "text",
            placeholder=placeholder,
            auto_complete="new-password" if secret else "off",
            width="100%",
            **invalid_props(_error(name), field_id, hint_id),
            **props,
        ),
        rx.text(hint, size="1", color_scheme="gray", id=hint_id) if hint is not None else rx.fragment(),
        field_error(_error(name), field_id),
        spacing="1",
        width="100%",
        align="start",
    )


def _field(provider: str, name: str):
    label, placeholder = LABELS.get(name, {}).get(provider, DEFAULT_LABELS[name])
    if name == "secret":
        hint = rx.cond(
            CloudAccessState.form_secret_hint != "",
            CloudAccessState.form_secret_hint,
            "Stored encrypted, never shown again.",
        )
        return _input(name, label, placeholder, secret=True, hint=hint)
    if name == "token":
        hint = rx.cond(CloudAccessState.form_has_token, "A token is stored: leave empty to keep it.", "")
        return _input(name, label, placeholder, secret=True, hint=hint)
    default = {
        "bucket": CloudAccessState.form_bucket,
        "key": CloudAccessState.form_key,
        "region": CloudAccessState.form_region,
        "host": CloudAccessState.form_host,
    }[name]
    return _input(name, label, placeholder, default=default)


def _provider_inputs(provider: str) -> rx.Component:
    return rx.vstack(
        rx.text(PROVIDER_HINTS[provider], size="1", color_scheme="gray", id="cloud-provider-hint"),
        *[_field(provider, name) for name in PROVIDER_FIELDS[provider]],
        spacing="3",
        width="100%",
    )


def _form() -> rx.Component:
    chosen = form_provider_choice.value.to(str)
    return rx.form(
        rx.vstack(
            rx.vstack(
                rx.el.label("Provider", html_for="cloud-provider", class_name="field-label"),
                native_select(
                    *[rx.el.option(label, value=code) for code, label in PROVIDER_CHOICES],
                    id="cloud-provider",
                    name="provider",
                    default_value=CloudAccessState.form_provider,
                    on_change=form_provider_choice.set,
                    **invalid_props(_error("provider"), "cloud-provider", "cloud-provider-hint"),
                ),
                field_error(_error("provider"), "cloud-provider"),
                spacing="1",
                width="100%",
            ),
            rx.match(
                chosen,
                *[(code, _provider_inputs(code)) for code in PROVIDER_FIELDS if code != S3],
                _provider_inputs(S3),
            ),
            field_error(_error("form"), "cloud-form"),
            form_dialog_actions("Save", SAVE),
            spacing="3",
            width="100%",
        ),
        on_submit=[SAVE.start, CloudAccessState.save],
        reset_on_submit=False,
        key=CloudAccessState.form_generation,
    )


def _form_dialog() -> rx.Component:
    return form_dialog(
        rx.cond(CloudAccessState.editing_id != 0, "Edit access keys", "Add access keys"),
        _form(),
        open=CloudAccessState.form_open,
        on_open_change=CloudAccessState.set_form_open,
        max_width="34em",
    )


def _remove_dialog() -> rx.Component:
    return confirm_dialog(
        "Remove access keys",
        ("Remove the access keys for bucket ", rx.text.strong(CloudAccessState.remove_bucket), "?"),
        "Remove",
        CloudAccessState.confirm_remove,
        pending=REMOVE,
        open=CloudAccessState.remove_dialog_open,
        on_open_change=CloudAccessState.set_remove_dialog_open,
    )


def _last_test(row: CloudRow) -> rx.Component:
    return rx.cond(
        CloudAccessState.testing_id == row.id,
        rx.text("Testing…", size="2"),
        rx.match(
            row.test_state,
            (
                "ok",
                rx.flex(
                    rx.icon("circle-check", size=16, color="var(--green-11)", aria_hidden="true"),
                    rx.el.span(row.test_message),
                    spacing="1",
                    align="start",
                    color="var(--green-11)",
                ),
            ),
            (
                "failed",
                rx.flex(
                    rx.icon("circle-x", size=16, color="var(--red-11)", aria_hidden="true"),
                    rx.el.span(row.test_message),
                    spacing="1",
                    align="start",
                    color="var(--red-11)",
                ),
            ),
            rx.text(row.test_message, color_scheme="gray", size="2"),
        ),
    )


def _row(row: CloudRow) -> rx.Component:
    return table_row(
        COLUMNS,
        rx.el.div(
            truncated(row.bucket, width="13rem"),
            rx.text(row.provider, size="1", color_scheme="gray", weight="regular"),
        ),
        rx.el.div(
            cell_text(row.key, truncate=True, width="10rem"),
            rx.el.div(
                cell_text(row.secret_masked),
                rx.cond(row.token_status != "", " + token", ""),
                white_space="nowrap",
                color="var(--gray-11)",
            ),
        ),
        rx.el.div(cell_text(row.region), white_space="nowrap"),
        rx.el.div(
            cell_text(row.host, truncate=True, width="11rem"),
            rx.cond(row.warning != "", rx.text(row.warning, size="1", color="var(--amber-11)", max_width="14rem")),
        ),
        rx.el.div(_last_test(row), min_width="8rem", max_width="12rem"),
        actions=rx.fragment(
            rx.button(
                "Test access",
                size="1",
                aria_label="Test access for " + row.bucket,
                loading=(CloudAccessState.testing_id == row.id) | TEST.busy_for(row.id),
                disabled=connection_lost | (CloudAccessState.testing_id != 0) | TEST.value,
                on_click=[TEST.start_for(row.id), CloudAccessState.test_access(row.id)],
            ),
            row_action("Edit", "Edit " + row.bucket, CloudAccessState.open_edit(row.id), disabled=connection_lost),
            row_action(
                "Remove",
                "Remove " + row.bucket,
                CloudAccessState.ask_remove(row.id),
                danger=True,
                disabled=connection_lost,
            ),
        ),
    )


def _storage_link() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Open storage link", html_for="storage-url", class_name="field-label"),
            rx.flex(
                rx.input(
                    id="storage-url",
                    name="storage_url",
                    placeholder="s3://bucket/key, gs://bucket/key, azure://account.blob.core.windows.net/container/path",
                    flex="1 1 16em",
                    **invalid_props(CloudAccessState.link_error, "storage-url"),
                ),
                submit_button("Get link", LINK),
                spacing="2",
                wrap="wrap",
                width="100%",
            ),
            field_error(CloudAccessState.link_error, "storage-url"),
            rx.cond(
                CloudAccessState.signed_link != "",
                rx.text(
                    rx.link(
                        "Open object",
                        href=CloudAccessState.signed_link,
                        is_external=True,
                        id="signed-link",
                        underline="always",
                    ),
                    " (link valid until ",
                    CloudAccessState.signed_link_expires,
                    ")",
                    size="2",
                ),
            ),
            spacing="1",
            width="100%",
        ),
        on_submit=[LINK.start, CloudAccessState.open_storage_link],
        reset_on_submit=False,
        width="100%",
    )


def cloud_access_section(section: Section) -> rx.Component:
    return section_card(
        section,
        rx.cond(
            CloudAccessState.section_error != "",
            rx.callout(
                CloudAccessState.section_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
            ),
        ),
        rx.cond(
            CloudAccessState.notice != "",
            rx.callout(
                CloudAccessState.notice, icon="triangle-alert", color_scheme="amber", high_contrast=True, width="100%"
            ),
        ),
        rx.el.p(CloudAccessState.status, role="status", style=VISUALLY_HIDDEN),
        rx.cond(
            CloudAccessState.rows.length() > 0,
            rx.fragment(
                data_table("Cloud access", COLUMNS, CloudAccessState.rows, _row, stack="wide", wrap_actions=True),
                more_rows(CloudAccessState.rows_window, CloudAccessState.show_rows, summary_id=ROWS_SHOWN_ID),
            ),
            rx.text("No access keys yet.", size="2", color_scheme="gray"),
        ),
        _storage_link(),
        _form_dialog(),
        _remove_dialog(),
        action=rx.button(
            rx.icon("plus", size=16, aria_hidden="true"),
            "Add access keys",
            disabled=connection_lost,
            on_click=CloudAccessState.open_add,
        ),
        description=(
            "Keys for your buckets, so the web UI can open your artifacts. Secrets are stored encrypted and never "
            "shown again; links are signed on the server."
        ),
    )

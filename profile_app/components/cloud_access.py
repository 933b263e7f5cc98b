"""Render only: the "Cloud access" section of /profile (rows, add/edit dialog, remove confirmation, Test access,
Open storage link). Secret inputs are uncontrolled: their values are never bound to state."""

from __future__ import annotations

import reflex as rx

from profile_app.components.dialogs import confirm_dialog, form_dialog_actions
from profile_app.components.tables import VISUALLY_HIDDEN, row_action
from profile_app.states.cloud_access import PROVIDER_CHOICES, CloudAccessState, CloudRow

PROVIDER_HELP = (
    "S3-compatible (MinIO, Ceph, …) needs a Host. Google Cloud Storage uses HMAC keys through its S3-compatible "
    "endpoint. Azure Blob: the container in Bucket, the account's blob endpoint in Host, the SAS in Secret / SAS, "
    "no Key."
)


def _error(name: str) -> rx.Component:
    message = CloudAccessState.errors.get(name, "")
    return rx.cond(
        message != "",
        rx.text(message, id=f"cloud-{name}-error", color_scheme="red", size="2", role="alert"),
    )


def _field(label: str, name: str, *, default=None, type: str = "text", placeholder: str = "", hint=None):
    field_id = f"cloud-{name}"
    props = {"default_value": default} if default is not None else {}
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        rx.input(
            id=field_id,
            name=name,
            type=type,
            placeholder=placeholder,
            auto_complete="off" if type != "password" else "new-password",
            aria_describedby=f"{field_id}-error",
            width="100%",
            **props,
        ),
        hint if hint is not None else rx.fragment(),
        _error(name),
        spacing="1",
        width="100%",
        align="start",
    )


def _form_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(CloudAccessState.editing_id != 0, "Edit access keys", "Add access keys")),
            rx.form(
                rx.vstack(
                    rx.vstack(
                        rx.el.label("Provider", html_for="cloud-provider", class_name="field-label"),
                        rx.el.select(
                            *[rx.el.option(label, value=label) for label in PROVIDER_CHOICES],
                            id="cloud-provider",
                            name="provider",
                            default_value=CloudAccessState.form_provider,
                            aria_describedby="cloud-provider-error",
                            style={"width": "100%", "padding": "0.4em", "border_radius": "var(--radius-2)"},
                        ),
                        rx.text(PROVIDER_HELP, size="1", color_scheme="gray"),
                        _error("provider"),
                        spacing="1",
                        width="100%",
                    ),
                    _field("Bucket", "bucket", default=CloudAccessState.form_bucket),
                    _field("Key", "key", default=CloudAccessState.form_key),
                    _field(
                        "Secret / SAS",
                        "secret",
                        type="password",
                        hint=rx.cond(
                            CloudAccessState.form_secret_hint != "",
                            rx.text(CloudAccessState.form_secret_hint, size="1", color_scheme="gray"),
                        ),
                    ),
                    _field(
                        "Token",
                        "token",
                        type="password",
                        placeholder="Optional session token",
                        hint=rx.cond(
                            CloudAccessState.form_has_token,
                            rx.text("A token is stored: leave empty to keep it.", size="1", color_scheme="gray"),
                        ),
                    ),
                    _field("Region", "region", default=CloudAccessState.form_region, placeholder="us-east-1"),
                    _field(
                        "Host (Endpoint)",
                        "host",
                        default=CloudAccessState.form_host,
                        placeholder="https://minio.example.com:9000",
                    ),
                    _error("form"),
                    form_dialog_actions("Save"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=CloudAccessState.save,
                reset_on_submit=False,
                key=CloudAccessState.form_generation,
            ),
            max_width="32em",
        ),
        open=CloudAccessState.form_open,
        on_open_change=CloudAccessState.set_form_open,
    )


def _remove_dialog() -> rx.Component:
    return confirm_dialog(
        "Remove access keys",
        ("Remove the access keys for bucket ", rx.text.strong(CloudAccessState.remove_bucket), "?"),
        "Remove",
        CloudAccessState.confirm_remove,
        open=CloudAccessState.remove_dialog_open,
        on_open_change=CloudAccessState.set_remove_dialog_open,
    )


def _row(row: CloudRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.provider),
        rx.table.row_header_cell(row.bucket),
        rx.table.cell(row.key),
        rx.table.cell(row.secret_masked),
        rx.table.cell(row.token_status),
        rx.table.cell(row.region),
        rx.table.cell(
            rx.vstack(
                rx.text(row.host),
                rx.cond(row.warning != "", rx.text(row.warning, size="1", color_scheme="amber")),
                spacing="1",
            )
        ),
        rx.table.cell(
            rx.cond(
                CloudAccessState.testing_id == row.id,
                rx.text("Testing…", aria_live="polite"),
                rx.text(row.test_message, color_scheme=rx.cond(row.test_ok, "green", "gray"), aria_live="polite"),
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    "Test access",
                    size="1",
                    aria_label="Test access for " + row.bucket,
                    loading=CloudAccessState.testing_id == row.id,
                    on_click=CloudAccessState.test_access(row.id),
                ),
                row_action("Edit", "Edit " + row.bucket, CloudAccessState.open_edit(row.id)),
                row_action(
                    "Remove", "Remove " + row.bucket, CloudAccessState.ask_remove(row.id, row.bucket), danger=True
                ),
                spacing="2",
            )
        ),
    )


def _storage_link() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Open storage link", html_for="storage-url", class_name="field-label"),
            rx.hstack(
                rx.input(
                    id="storage-url",
                    name="storage_url",
                    placeholder="s3://bucket/key, gs://bucket/key, azure://account.blob.core.windows.net/container/path",
                    aria_describedby="storage-url-error",
                    width="100%",
                ),
                rx.button("Get link", type="submit"),
                width="100%",
            ),
            rx.cond(
                CloudAccessState.link_error != "",
                rx.text(
                    CloudAccessState.link_error, id="storage-url-error", color_scheme="red", size="2", role="alert"
                ),
            ),
            rx.cond(
                CloudAccessState.signed_link != "",
                rx.text(
                    rx.link("Open object", href=CloudAccessState.signed_link, is_external=True, id="signed-link"),
                    " (link valid until ",
                    CloudAccessState.signed_link_expires,
                    ")",
                    size="2",
                ),
            ),
            spacing="1",
            width="100%",
        ),
        on_submit=CloudAccessState.open_storage_link,
        reset_on_submit=False,
        width="100%",
    )


def cloud_access_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Cloud access", size="5", as_="h2"),
                rx.spacer(),
                rx.button("Add access keys", on_click=CloudAccessState.open_add),
                width="100%",
                align="center",
            ),
            rx.text(
                "Keys for your buckets, so the web UI can open your artifacts. Secrets are stored encrypted and "
                "never shown again; links are signed on the server.",
                size="2",
            ),
            rx.cond(CloudAccessState.section_error != "", rx.text(CloudAccessState.section_error, color_scheme="red")),
            rx.cond(
                CloudAccessState.rows.length() > 0,
                rx.table.root(
                    rx.el.caption("Cloud access", style=VISUALLY_HIDDEN),
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(title)
                                for title in (
                                    "Provider",
                                    "Bucket",
                                    "Key",
                                    "Secret / SAS",
                                    "Token",
                                    "Region",
                                    "Host (Endpoint)",
                                    "Last test",
                                )
                            ],
                            rx.table.column_header_cell(rx.el.span("Actions", style=VISUALLY_HIDDEN)),
                        )
                    ),
                    rx.table.body(rx.foreach(CloudAccessState.rows, _row)),
                    width="100%",
                ),
                rx.text("No access keys yet.", size="2", color_scheme="gray"),
            ),
            _storage_link(),
            _form_dialog(),
            _remove_dialog(),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="cloud-access-section",
    )

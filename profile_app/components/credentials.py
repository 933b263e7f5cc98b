"""Render only: the "App credentials" section of /profile and its dialogs (create, edit label, revoke).
Every control's accessible name starts with its visible wording."""

from __future__ import annotations

import reflex as rx

from profile_app.components.dialogs import confirm_dialog, form_dialog_actions
from profile_app.components.forms import field_error
from profile_app.components.tables import VISUALLY_HIDDEN, row_action
from profile_app.services.credentials import LABEL_MAX
from profile_app.states.base import AuthState
from profile_app.states.credentials import (
    CredentialRow,
    CredentialsState,
    ExpiryOption,
    new_access_key,
    new_jupyter_notebook,
    new_local_python,
    new_secret_key,
)

_SNIPPET_STYLE = {
    "font_family": "var(--code-font-family, monospace)",
    "font_size": "0.8em",
    "white_space": "pre",
    "overflow_x": "auto",
    "padding": "0.75em",
    "border_radius": "var(--radius-2)",
    "background": "var(--gray-a3)",
    "width": "100%",
    "margin": 0,
}


def _credential_row(row: CredentialRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.cond(row.label != "", row.label, rx.text("No label", color_scheme="gray"))),
        rx.table.cell(rx.code(row.access_key)),
        rx.table.cell(rx.el.span(row.created, title=row.created_exact)),
        rx.table.cell(
            rx.cond(
                row.last_used_exact != "",
                rx.el.span(row.last_used, title=row.last_used_exact),
                rx.el.span("Never"),
            )
        ),
        rx.table.cell(rx.cond(row.last_used_from != "", row.last_used_from, "—")),
        rx.table.cell(row.expires),
        rx.table.cell(
            rx.hstack(
                row_action(
                    "Edit label",
                    "Edit label of " + row.access_key,
                    CredentialsState.open_edit(row.access_key, row.label),
                ),
                row_action(
                    "Revoke",
                    "Revoke " + row.access_key,
                    CredentialsState.open_revoke(row.access_key, row.label),
                    danger=True,
                ),
                spacing="2",
            )
        ),
    )


def _table() -> rx.Component:
    return rx.cond(
        CredentialsState.credentials.length() > 0,
        rx.table.root(
            rx.el.caption("App credentials", style=VISUALLY_HIDDEN),
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Label"),
                    rx.table.column_header_cell("Access key"),
                    rx.table.column_header_cell("Created"),
                    rx.table.column_header_cell("Last used"),
                    rx.table.column_header_cell("From"),
                    rx.table.column_header_cell("Expires"),
                    rx.table.column_header_cell(rx.el.span("Actions", style=VISUALLY_HIDDEN)),
                )
            ),
            rx.table.body(rx.foreach(CredentialsState.credentials, _credential_row)),
            width="100%",
        ),
        rx.text("You have no app credentials in this workspace yet.", size="2", color_scheme="gray"),
    )


def _expiry_option(option: ExpiryOption) -> rx.Component:
    return rx.el.option(option.label, value=option.value)


def _create_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Label (optional)", html_for="credentials-label", class_name="field-label"),
            rx.input(
                id="credentials-label",
                name="label",
                max_length=LABEL_MAX,
                placeholder="e.g. laptop, CI runner",
                aria_describedby="credentials-label-error",
                width="100%",
            ),
            rx.el.label("Expiry", html_for="credentials-expiry", class_name="field-label"),
            rx.el.select(
                rx.foreach(CredentialsState.expiry_options, _expiry_option),
                id="credentials-expiry",
                name="expiry",
                default_value=CredentialsState.default_expiry,
                style={"padding": "0.4em", "border_radius": "var(--radius-2)", "width": "100%"},
            ),
            field_error(CredentialsState.create_error, "credentials-label"),
            form_dialog_actions("Create"),
            spacing="2",
            width="100%",
        ),
        on_submit=CredentialsState.create,
        reset_on_submit=False,
    )


def _copy_button(which: str, text) -> rx.Component:
    return rx.button(
        rx.cond(
            CredentialsState.copied == which,
            rx.fragment(rx.icon("check", size=14, aria_hidden="true"), "Copied"),
            "Copy to clipboard",
        ),
        type="button",
        variant="soft",
        on_click=[rx.set_clipboard(text), CredentialsState.mark_copied(which)],
    )


def _snippet(which: str, text, hint: str) -> rx.Component:
    return rx.vstack(
        rx.text(hint, size="2", color_scheme="gray"),
        rx.el.pre(text, style=_SNIPPET_STYLE, aria_label=which),
        _copy_button(which, text),
        spacing="2",
        width="100%",
        padding_top="0.75em",
    )


def _readonly(label: str, field_id: str, value) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        rx.input(id=field_id, value=value, read_only=True, width="100%", font_family="monospace"),
        spacing="1",
        width="100%",
    )


def _create_result() -> rx.Component:
    return rx.vstack(
        _readonly("Access key", "new-access-key", new_access_key.value),
        _readonly("Secret key", "new-secret-key", new_secret_key.value),
        rx.callout(
            "This secret key will not be shown again. Copy it now and keep it somewhere safe.",
            icon="triangle_alert",
            color_scheme="amber",
            size="1",
            width="100%",
        ),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Local Python", value="local"),
                rx.tabs.trigger("Jupyter notebook", value="jupyter"),
            ),
            rx.tabs.content(
                _snippet("Local Python", new_local_python.value, "Run clearml-init and paste this configuration:"),
                value="local",
            ),
            rx.tabs.content(
                _snippet("Jupyter notebook", new_jupyter_notebook.value, "Paste these lines into a notebook cell:"),
                value="jupyter",
            ),
            default_value="local",
            width="100%",
        ),
        rx.hstack(
            rx.dialog.close(rx.button("Done", type="button")),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(CredentialsState.created, "New credentials", "Create new credentials")),
            rx.dialog.description(
                rx.cond(
                    CredentialsState.created,
                    "Credentials for "
                    + AuthState.workspace_name
                    + " (expires: "
                    + CredentialsState.created_expires
                    + ").",
                    "Credentials let the ClearML SDK and clearml-init act as you in " + AuthState.workspace_name + ".",
                ),
                margin_bottom="1em",
            ),
            rx.cond(CredentialsState.created, _create_result(), _create_form()),
            max_width="44em",
        ),
        open=CredentialsState.create_dialog_open,
        on_open_change=CredentialsState.set_create_dialog_open,
    )


def _edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit label"),
            rx.dialog.description(
                "Up to " + str(LABEL_MAX) + " characters; leave it empty to clear the label.", margin_bottom="1em"
            ),
            rx.form(
                rx.vstack(
                    rx.el.label("Label", html_for="credentials-edit-label", class_name="field-label"),
                    rx.input(
                        id="credentials-edit-label",
                        name="label",
                        default_value=CredentialsState.edit_current_label,
                        max_length=LABEL_MAX,
                        aria_describedby="credentials-edit-label-error",
                        width="100%",
                    ),
                    field_error(CredentialsState.edit_error, "credentials-edit-label"),
                    form_dialog_actions("Save"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=CredentialsState.edit_label,
                reset_on_submit=False,
            ),
            max_width="30em",
        ),
        open=CredentialsState.edit_dialog_open,
        on_open_change=CredentialsState.set_edit_dialog_open,
    )


def _revoke_dialog() -> rx.Component:
    return confirm_dialog(
        "Revoke credentials",
        CredentialsState.revoke_question,
        "Revoke",
        CredentialsState.revoke,
        open=CredentialsState.revoke_dialog_open,
        on_open_change=CredentialsState.set_revoke_dialog_open,
    )


def credentials_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("App credentials", size="5", as_="h2"),
                rx.spacer(),
                rx.button(
                    rx.icon("plus", size=16, aria_hidden="true"),
                    "Create new credentials",
                    on_click=CredentialsState.open_create,
                ),
                width="100%",
                align="center",
            ),
            rx.text(
                rx.cond(
                    AuthState.hosted,
                    "Credentials for the ClearML SDK and clearml-init in "
                    + AuthState.workspace_name
                    + ". Each workspace you use needs its own set.",
                    "This server has a single workspace, so one set of credentials is enough for all your work.",
                ),
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                CredentialsState.section_error != "",
                rx.text(CredentialsState.section_error, color_scheme="red", role="alert"),
            ),
            _table(),
            _create_dialog(),
            _edit_dialog(),
            _revoke_dialog(),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="app-credentials",
    )

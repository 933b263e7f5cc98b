"""Render only: the "App credentials" section of /profile and its dialogs (create, edit label, revoke).
Every control's accessible name starts with its visible wording."""

from __future__ import annotations

import reflex as rx

from profile_app.components.copy import copy_control
from profile_app.components.dialogs import confirm_dialog, form_dialog, form_dialog_actions
from profile_app.components.forms import field_error, invalid_props, native_select
from profile_app.components.sections import Section, section_card
from profile_app.components.styles import SNIPPET
from profile_app.components.tables import cell_text, data_table, more_rows, row_action, table_row, truncated
from profile_app.states.base import AuthState
from profile_app.states.credentials import (
    CREATE,
    CREDENTIALS_SHOWN_ID,
    EDIT,
    LABEL_MAX,
    REVOKE,
    CredentialRow,
    CredentialsState,
    ExpiryOption,
    new_access_key,
    new_jupyter_notebook,
    new_local_python,
    new_secret_key,
)
from profile_app.states.framework import connection_lost

COLUMNS = ["Label", "Access key", "Created", "Last used", "From", "Expires"]
LIMIT_REASON_ID = "credentials-limit-reason"


def _credential_row(row: CredentialRow) -> rx.Component:
    return table_row(
        COLUMNS,
        rx.cond(row.label != "", truncated(row.label, width="16rem"), rx.text("No label", color_scheme="gray")),
        rx.code(row.access_key),
        rx.el.span(row.created),
        rx.el.span(row.last_used),
        cell_text(row.last_used_from, truncate=True, width="10rem"),
        rx.el.span(row.expires),
        actions=rx.fragment(
            row_action(
                "Edit label",
                "Edit label of " + row.access_key,
                CredentialsState.open_edit(row.access_key, row.label),
                disabled=connection_lost,
            ),
            row_action(
                "Revoke",
                "Revoke " + row.access_key,
                CredentialsState.open_revoke(row.access_key, row.label),
                danger=True,
                disabled=connection_lost,
            ),
        ),
    )


def _table() -> rx.Component:
    return rx.cond(
        CredentialsState.credentials.length() > 0,
        rx.fragment(
            data_table("App credentials", COLUMNS, CredentialsState.credentials, _credential_row, stack="wide"),
            more_rows(
                CredentialsState.credentials_window, CredentialsState.show_credentials, summary_id=CREDENTIALS_SHOWN_ID
            ),
        ),
        rx.text("You have no app credentials in this workspace yet.", size="2", color_scheme="gray"),
    )


def _expiry_option(option: ExpiryOption) -> rx.Component:
    return rx.el.option(option.label, value=option.value)


def _create_form() -> rx.Component:
    label_error = CredentialsState.create_errors.get("label", "")
    expiry_error = CredentialsState.create_errors.get("expiry", "")
    form_error = CredentialsState.create_errors.get("form", "")
    return rx.form(
        rx.vstack(
            rx.el.label("Label (optional)", html_for="credentials-label", class_name="field-label"),
            rx.input(
                id="credentials-label",
                name="label",
                max_length=LABEL_MAX,
                placeholder="e.g. laptop, CI runner",
                width="100%",
                **invalid_props(label_error, "credentials-label"),
            ),
            field_error(label_error, "credentials-label"),
            rx.el.label("Expiry", html_for="credentials-expiry", class_name="field-label"),
            native_select(
                rx.foreach(CredentialsState.expiry_options, _expiry_option),
                id="credentials-expiry",
                name="expiry",
                default_value=CredentialsState.default_expiry,
                **invalid_props(expiry_error, "credentials-expiry"),
            ),
            field_error(expiry_error, "credentials-expiry"),
            field_error(form_error, "credentials-form"),
            form_dialog_actions("Create", CREATE),
            spacing="2",
            width="100%",
        ),
        on_submit=[CREATE.start, CredentialsState.create],
        reset_on_submit=False,
    )


def _snippet(which: str, name: str, text, hint: str) -> rx.Component:
    return rx.vstack(
        rx.text(hint, size="2", color_scheme="gray"),
        rx.el.pre(text, style=SNIPPET, aria_label=which, tab_index=0),
        copy_control(text, name=name, field_label=which, multiline=True),
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
            high_contrast=True,
            size="1",
            width="100%",
        ),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Local Python", value="local"),
                rx.tabs.trigger("Jupyter notebook", value="jupyter"),
            ),
            rx.tabs.content(
                _snippet(
                    "Local Python",
                    "local_python",
                    new_local_python.value,
                    "Run clearml-init and paste this configuration:",
                ),
                value="local",
            ),
            rx.tabs.content(
                _snippet(
                    "Jupyter notebook",
                    "jupyter_notebook",
                    new_jupyter_notebook.value,
                    "Paste these lines into a notebook cell:",
                ),
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
    return form_dialog(
        rx.cond(CredentialsState.created, "New credentials", "Create new credentials"),
        rx.cond(CredentialsState.created, _create_result(), _create_form()),
        description=rx.el.span(
            rx.cond(
                CredentialsState.created,
                rx.fragment(
                    "Credentials for ",
                    rx.text.strong(AuthState.workspace_name),
                    " (expires: ",
                    CredentialsState.created_expires,
                    ").",
                ),
                rx.fragment(
                    "Credentials let the ClearML SDK and clearml-init act as you in ",
                    rx.text.strong(AuthState.workspace_name),
                    ".",
                ),
            ),
            class_name="wrap-anywhere",
        ),
        open=CredentialsState.create_dialog_open,
        on_open_change=CredentialsState.set_create_dialog_open,
        max_width="44em",
    )


def _edit_dialog() -> rx.Component:
    return form_dialog(
        "Edit label",
        rx.form(
            rx.vstack(
                rx.el.label("Label", html_for="credentials-edit-label", class_name="field-label"),
                rx.input(
                    id="credentials-edit-label",
                    name="label",
                    default_value=CredentialsState.edit_current_label,
                    max_length=LABEL_MAX,
                    width="100%",
                    **invalid_props(CredentialsState.edit_error, "credentials-edit-label"),
                ),
                field_error(CredentialsState.edit_error, "credentials-edit-label"),
                form_dialog_actions("Save", EDIT),
                spacing="2",
                width="100%",
            ),
            on_submit=[EDIT.start, CredentialsState.edit_label],
            reset_on_submit=False,
        ),
        description="Up to " + str(LABEL_MAX) + " characters; leave it empty to clear the label.",
        open=CredentialsState.edit_dialog_open,
        on_open_change=CredentialsState.set_edit_dialog_open,
        max_width="30em",
    )


def _revoke_dialog() -> rx.Component:
    return confirm_dialog(
        "Revoke credentials",
        CredentialsState.revoke_question,
        "Revoke",
        CredentialsState.revoke,
        pending=REVOKE,
        open=CredentialsState.revoke_dialog_open,
        on_open_change=CredentialsState.set_revoke_dialog_open,
    )


def _create_button() -> rx.Component:
    return rx.button(
        rx.icon("plus", size=16, aria_hidden="true"),
        "Create new credentials",
        disabled=CredentialsState.at_limit | connection_lost,
        aria_describedby=rx.cond(CredentialsState.at_limit, LIMIT_REASON_ID, ""),
        on_click=CredentialsState.open_create,
    )


def credentials_section(section: Section) -> rx.Component:
    return section_card(
        section,
        rx.cond(
            CredentialsState.at_limit,
            rx.callout(
                CredentialsState.limit_reason,
                icon="info",
                id=LIMIT_REASON_ID,
                color_scheme="amber",
                high_contrast=True,
                width="100%",
            ),
        ),
        rx.cond(
            CredentialsState.section_error != "",
            rx.callout(
                CredentialsState.section_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
            ),
        ),
        _table(),
        _create_dialog(),
        _edit_dialog(),
        _revoke_dialog(),
        action=_create_button(),
        description=rx.cond(
            AuthState.hosted,
            rx.el.span(
                "Credentials for the ClearML SDK and clearml-init in ",
                rx.text.strong(AuthState.workspace_name),
                ". Each workspace you use needs its own set.",
                class_name="wrap-anywhere",
            ),
            "This server has a single workspace, so one set of credentials is enough for all your work.",
        ),
    )

"""Render only: the "Profile" section (name, email, workspace, Copy user ID), "User preferences" and
"Anonymous usage data". Every control's accessible name is its visible wording."""

from __future__ import annotations

import reflex as rx

from profile_app.components.copy import copy_control
from profile_app.components.forms import action_button, field_error, invalid_props, submit_button
from profile_app.components.sections import Section, section_card
from profile_app.states.base import AuthState
from profile_app.states.framework import connection_lost, js_handler
from profile_app.states.preferences import (
    EDIT_NAME_BUTTON,
    NAME_INPUT,
    NAME_MAX,
    SAVE_NAME,
    USAGE,
    PreferencesState,
)

APPEARANCES = (("light", "Light"), ("dark", "Dark"), ("system", "System"))
NAME_CANCEL = "name-cancel"
# Esc in the name field is handled in the browser: it presses Cancel (one event, no event per keystroke). Reflex
# hands a key-down trigger the key's name first.
_ESC_CANCELS = js_handler(
    f'(key) => {{ if (key === "Escape") {{ const cancel = document.getElementById("{NAME_CANCEL}"); '
    "if (cancel) cancel.click(); } }"
)


def _labelled_switch(label: str, **props) -> rx.Component:
    """A switch inside its <label>, so the visible words are its accessible name; a clear gap between them."""
    return rx.text(
        rx.flex(rx.switch(**props), rx.el.span(label), spacing="3", align="center"),
        as_="label",
        size="2",
    )


def _name_view() -> rx.Component:
    return rx.hstack(
        rx.heading(AuthState.user_name, size="5", as_="h2", id="profile-name", class_name="wrap-anywhere"),
        rx.icon_button(
            rx.icon("pencil", size=14, aria_hidden="true"),
            size="1",
            variant="ghost",
            aria_label="Edit name",
            title="Edit name",
            id=EDIT_NAME_BUTTON,
            disabled=connection_lost,
            on_click=PreferencesState.start_name_edit,
        ),
        align="center",
        spacing="2",
        min_width="0",
        max_width="100%",
    )


def _name_editor() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.flex(
                rx.input(
                    id=NAME_INPUT,
                    name="name",
                    default_value=AuthState.user_name,
                    aria_label="Name",
                    max_length=NAME_MAX,
                    auto_focus=True,
                    on_key_down=_ESC_CANCELS,
                    flex="1 1 16em",
                    max_width="28em",
                    **invalid_props(PreferencesState.name_error, NAME_INPUT, f"{NAME_INPUT}-hint"),
                ),
                rx.hstack(
                    submit_button("Save", SAVE_NAME, size="2"),
                    rx.button(
                        "Cancel",
                        type="button",
                        size="2",
                        variant="soft",
                        color_scheme="gray",
                        id=NAME_CANCEL,
                        on_click=PreferencesState.cancel_name_edit,
                    ),
                    spacing="2",
                ),
                spacing="2",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            field_error(PreferencesState.name_error, NAME_INPUT),
            rx.text("Enter saves, Esc cancels.", size="1", color_scheme="gray", id=f"{NAME_INPUT}-hint"),
            spacing="1",
            width="100%",
        ),
        on_submit=[SAVE_NAME.start, PreferencesState.save_name],
        reset_on_submit=False,
        width="100%",
    )


def identity_section(section: Section) -> rx.Component:
    return section_card(
        section,
        rx.vstack(
            rx.cond(PreferencesState.editing_name, _name_editor(), _name_view()),
            rx.text(AuthState.user_email, id="profile-email", class_name="wrap-anywhere"),
            rx.text(
                "Workspace: ",
                rx.text.strong(AuthState.workspace_name),
                id="profile-workspace",
                class_name="wrap-anywhere",
            ),
            rx.box(
                copy_control(AuthState.user_id, name="user_id", label="Copy user ID", field_label="User ID", size="1"),
                max_width="28em",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        level=1,
    )


def _appearance_choice(value: str, label: str) -> rx.Component:
    return rx.text(
        rx.flex(rx.radio_group.item(value=value), rx.el.span(label), spacing="2", align="center"),
        as_="label",
        size="2",
    )


def preferences_section(section: Section) -> rx.Component:
    return section_card(
        section,
        _labelled_switch(
            "HiDPI browser scale override",
            checked=AuthState.hidpi_override,
            disabled=connection_lost,
            on_change=PreferencesState.change_hidpi_override,
        ),
        rx.text(
            "Adjusts scaling on High-DPI monitors to improve the Web UI experience. Applies to this and every "
            "browser you sign in to.",
            size="1",
            color_scheme="gray",
            margin_top="calc(-1 * var(--space-2))",
        ),
        rx.el.fieldset(
            rx.el.legend(rx.text("Appearance", size="2", weight="medium")),
            rx.radio_group.root(
                rx.flex(*[_appearance_choice(value, label) for value, label in APPEARANCES], spacing="5", wrap="wrap"),
                value=AuthState.theme,
                disabled=connection_lost,
                on_change=PreferencesState.change_appearance,
                name="appearance",
                aria_label="Appearance",
                margin_top="0.5em",
            ),
            border="none",
            padding="0",
            margin="0",
        ),
        rx.cond(
            PreferencesState.preferences_error != "",
            rx.text(PreferencesState.preferences_error, color_scheme="red", size="2", role="alert"),
        ),
    )


def _usage_prompt() -> rx.Component:
    return rx.callout.root(
        rx.vstack(
            rx.heading("Help us improve", size="3", as_="h3"),
            rx.text(
                "May this server send anonymous usage data? It holds counts and a random server ID only: never "
                "a name, email, key, bucket or URL. You can change this at any time.",
                size="2",
            ),
            rx.hstack(
                action_button("Approve", USAGE, PreferencesState.approve_usage, size="2"),
                action_button(
                    "Deny", USAGE, PreferencesState.deny_usage, size="2", variant="soft", color_scheme="gray"
                ),
                spacing="2",
            ),
            spacing="2",
        ),
        role="region",
        aria_label="Help us improve",
        width="100%",
    )


def usage_data_section(section: Section) -> rx.Component:
    """Self-hosted servers only: the page's section list shows it only there."""
    return section_card(
        section,
        rx.cond(PreferencesState.usage_prompt, _usage_prompt()),
        _labelled_switch(
            "Send anonymous usage data",
            checked=PreferencesState.usage_enabled,
            disabled=~PreferencesState.usage_can_change | connection_lost | USAGE.value,
            on_change=[USAGE.start, PreferencesState.change_usage_enabled],
        ),
        rx.cond(
            ~PreferencesState.usage_can_change,
            rx.text("An administrator decides whether this server sends anonymous usage data.", size="2"),
        ),
        rx.text(PreferencesState.usage_decision, size="2", color_scheme="gray", id="usage-decision"),
        rx.cond(
            PreferencesState.usage_error != "",
            rx.text(PreferencesState.usage_error, color_scheme="red", size="2", role="alert"),
        ),
        rx.heading("What is sent", size="3", as_="h3"),
        rx.el.pre(
            PreferencesState.usage_report_json,
            aria_label="Next usage report",
            style={"font_size": "0.8em", "white_space": "pre-wrap", "margin": "0", "overflow_wrap": "anywhere"},
        ),
        rx.text("Last successful send: ", PreferencesState.usage_last_sent, size="2", id="usage-last-sent"),
        rx.cond(
            PreferencesState.usage_last_failure != "",
            rx.text(
                "The last attempt failed (",
                PreferencesState.usage_last_failure,
                "); it is retried in the next period.",
                size="2",
                color="var(--amber-11)",
            ),
        ),
        rx.cond(
            ~PreferencesState.usage_url_configured,
            rx.text("No report address is configured on this server, so nothing is sent.", size="2"),
        ),
    )

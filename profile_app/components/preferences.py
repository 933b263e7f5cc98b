"""Render only: the identity card, the "User preferences" section and the "Anonymous usage data" section.
Every control's accessible name is its visible wording."""

from __future__ import annotations

import reflex as rx

from profile_app.states.base import AuthState
from profile_app.states.preferences import PreferencesState

APPEARANCES = (("light", "Light"), ("dark", "Dark"), ("system", "System"))


def _labelled_switch(label: str, **props) -> rx.Component:
    """A switch inside its <label>, so the visible words are its accessible name."""
    return rx.text(
        rx.flex(rx.switch(**props), label, gap="3", align="center"),
        as_="label",
        size="2",
    )


def _name_view() -> rx.Component:
    return rx.hstack(
        rx.heading(AuthState.user_name, size="5", as_="h2", id="profile-name"),
        rx.icon_button(
            rx.icon("pencil", size=14, aria_hidden="true"),
            size="1",
            variant="ghost",
            aria_label="Edit name",
            title="Edit name",
            on_click=PreferencesState.start_name_edit,
        ),
        align="center",
        spacing="2",
    )


def _name_editor() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.hstack(
                rx.input(
                    name="name",
                    default_value=AuthState.user_name,
                    aria_label="Name",
                    aria_invalid=rx.cond(PreferencesState.name_error != "", "true", "false"),
                    aria_describedby="name-error",
                    auto_focus=True,
                    max_length=200,
                    on_key_down=PreferencesState.name_key_down,
                    width="22em",
                ),
                rx.button("Save", type="submit", size="2"),
                rx.button(
                    "Cancel",
                    type="button",
                    size="2",
                    variant="soft",
                    color_scheme="gray",
                    on_click=PreferencesState.cancel_name_edit,
                ),
                align="center",
                spacing="2",
            ),
            rx.text(PreferencesState.name_error, color_scheme="red", size="2", id="name-error", role="alert"),
            rx.text("Enter saves, Esc cancels.", size="1", color_scheme="gray"),
            spacing="1",
        ),
        on_submit=PreferencesState.save_name,
        reset_on_submit=False,
    )


def identity_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.cond(PreferencesState.editing_name, _name_editor(), _name_view()),
            rx.text(AuthState.user_email, id="profile-email"),
            rx.text("Workspace: ", rx.text.strong(AuthState.workspace_name), id="profile-workspace"),
            rx.button(
                rx.icon("copy", size=14, aria_hidden="true"),
                "Copy user ID",
                size="1",
                variant="soft",
                on_click=[rx.set_clipboard(AuthState.user_id), rx.toast.success("User ID copied")],
            ),
            spacing="2",
        ),
        width="100%",
        aria_label="Identity",
        role="region",
    )


def _appearance_choice(value: str, label: str) -> rx.Component:
    return rx.text(
        rx.flex(rx.radio_group.item(value=value), label, gap="2", align="center"),
        as_="label",
        size="2",
    )


def user_preferences_section() -> rx.Component:
    return rx.el.section(
        rx.vstack(
            rx.heading("User preferences", size="5", as_="h2"),
            _labelled_switch(
                "HiDPI browser scale override",
                checked=AuthState.hidpi_override,
                on_change=PreferencesState.change_hidpi_override,
            ),
            rx.text(
                "Adjusts scaling on High-DPI monitors to improve the Web UI experience. Applies to this and every "
                "browser you sign in to.",
                size="1",
                color_scheme="gray",
            ),
            rx.el.fieldset(
                rx.el.legend(rx.text("Appearance", size="2", weight="medium")),
                rx.radio_group.root(
                    rx.hstack(*[_appearance_choice(value, label) for value, label in APPEARANCES], spacing="4"),
                    value=AuthState.theme,
                    on_change=PreferencesState.change_appearance,
                    name="appearance",
                    aria_label="Appearance",
                ),
                border="none",
                padding="0",
                margin="0",
            ),
            rx.cond(
                PreferencesState.preferences_error != "",
                rx.text(PreferencesState.preferences_error, color_scheme="red", size="2", role="alert"),
            ),
            spacing="3",
            width="100%",
        ),
        aria_label="User preferences",
        width="100%",
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
                rx.button("Approve", size="2", on_click=PreferencesState.approve_usage),
                rx.button("Deny", size="2", variant="soft", color_scheme="gray", on_click=PreferencesState.deny_usage),
                spacing="2",
            ),
            spacing="2",
        ),
        role="region",
        aria_label="Help us improve",
        width="100%",
    )


def usage_data_section() -> rx.Component:
    """Self-hosted servers only: the page leaves it out in hosted mode."""
    return rx.el.section(
        rx.vstack(
            rx.heading("Anonymous usage data", size="5", as_="h2"),
            rx.cond(PreferencesState.usage_prompt, _usage_prompt()),
            _labelled_switch(
                "Send anonymous usage data",
                checked=PreferencesState.usage_enabled,
                disabled=~PreferencesState.usage_can_change,
                on_change=PreferencesState.change_usage_enabled,
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
                style={"font_size": "0.8em", "white_space": "pre-wrap", "margin": "0"},
            ),
            rx.text("Last successful send: ", PreferencesState.usage_last_sent, size="2", id="usage-last-sent"),
            rx.cond(
                PreferencesState.usage_last_failure != "",
                rx.text(
                    "The last attempt failed (",
                    PreferencesState.usage_last_failure,
                    "); it is retried in the next period.",
                    size="2",
                    color_scheme="amber",
                ),
            ),
            rx.cond(
                ~PreferencesState.usage_url_configured,
                rx.text("No report address is configured on this server, so nothing is sent.", size="2"),
            ),
            spacing="3",
            width="100%",
        ),
        aria_label="Anonymous usage data",
        width="100%",
    )


def preferences_sections() -> list[rx.Component]:
    """In page order: the identity card first, then preferences, then (self-hosted only) usage data."""
    return [
        identity_card(),
        rx.card(user_preferences_section(), width="100%"),
        rx.cond(~AuthState.hosted, rx.card(usage_data_section(), width="100%")),
    ]

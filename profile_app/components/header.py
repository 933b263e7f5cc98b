"""The header of every signed-in page, with the Profile button (upper right) and its menu.
Radix's dropdown menu gives the WAI-ARIA menu-button behaviour: Enter, Space or Arrow Down open it, arrows move,
Esc closes and returns focus to the button."""

from __future__ import annotations

import reflex as rx

from profile_app.components.workspaces import workspace_switch_menu_items
from profile_app.states.base import AuthState


def _menu_link(label: str, href: str) -> rx.Component:
    return rx.menu.item(label, on_select=rx.redirect(href))


def workspace_menu_items() -> list[rx.Component]:
    """The hosted-mode workspace part of the menu (the workspaces feature fills this in)."""
    return [
        rx.text(
            AuthState.workspace_name,
            size="1",
            weight="bold",
            color_scheme="gray",
            padding_x="0.75em",
            padding_y="0.25em",
        ),
        rx.menu.separator(),
        *workspace_switch_menu_items(),
    ]


def profile_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=AuthState.user_initials, size="1", radius="full", aria_hidden="true"),
                rx.text(AuthState.user_name, size="2"),
                rx.icon("chevron-down", size=14, aria_hidden="true"),
                variant="ghost",
                aria_label="Profile, " + AuthState.user_name,
                id="profile-button",
            ),
        ),
        rx.menu.content(
            *workspace_menu_items(),
            _menu_link("Profile", "/profile"),
            rx.menu.item("Log out", on_select=AuthState.log_out),
            align="end",
            min_width="14em",
        ),
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(rx.heading("Profile", size="4", as_="span"), href="/profile", underline="none"),
            rx.spacer(),
            rx.text(AuthState.workspace_name, size="2", color_scheme="gray", id="header-workspace"),
            profile_menu(),
            align="center",
            spacing="4",
            width="100%",
            padding_x="1.5em",
            padding_y="0.75em",
        ),
        border_bottom="1px solid var(--gray-a5)",
        width="100%",
    )

"""The header of every signed-in page, with the Profile button (upper right) and its menu.
Radix's dropdown menu gives the WAI-ARIA menu-button behaviour: Enter, Space or Arrow Down open it, arrows move,
Esc closes and returns focus to the button. The menu is not modal, so the rest of the page is never hidden from
assistive technology (with focusable controls inside) while it is open.

Adding a menu entry: append a `MenuLink(label, href, visible)` to `MENU_LINKS` (e.g. an administrator's "Users"
page with `visible=AuthState.is_admin`); it appears between the workspace part and "Log out"."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from profile_app.components.styles import VISUALLY_HIDDEN
from profile_app.components.tables import truncated
from profile_app.components.workspaces import invite_dialog, workspace_switch_menu_items
from profile_app.states.base import AuthState
from profile_app.states.framework import connection_lost, element_by_id

HEADER_ID = "app-header"


@dataclass(frozen=True)
class MenuLink:
    label: str
    href: str
    visible: rx.Var[bool] | None = None  # None: always shown


MENU_LINKS: list[MenuLink] = [
    MenuLink("Profile", "/profile"),
]


def _menu_link(link: MenuLink) -> rx.Component:
    item = rx.menu.item(link.label, on_select=rx.redirect(link.href))
    return rx.cond(link.visible, item) if link.visible is not None else item


def workspace_menu_items() -> list[rx.Component]:
    """The signed-in user's active workspace, then (hosted) the switcher and "Invite a User"."""
    return [
        rx.box(
            truncated(AuthState.workspace_name, width="16rem"),
            font_size="var(--font-size-1)",
            font_weight="bold",
            color="var(--gray-11)",
            padding_x="0.75em",
            padding_y="0.25em",
        ),
        rx.menu.separator(),
        *workspace_switch_menu_items(),
    ]


def profile_menu() -> rx.Component:
    # No aria-label: the accessible name is the visible text ("Profile, <name>"), so they cannot disagree.
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.el.span(
                    rx.avatar(fallback=AuthState.user_initials, size="1", radius="full"),
                    aria_hidden="true",
                    style={"display": "inline-flex"},
                ),
                rx.el.span("Profile, ", style=VISUALLY_HIDDEN),
                truncated(AuthState.user_name, class_name="truncate header-user-name"),
                rx.icon("chevron-down", size=14, aria_hidden="true"),
                variant="ghost",
                id="profile-button",
                max_width="100%",
            ),
        ),
        rx.menu.content(
            *workspace_menu_items(),
            *[_menu_link(link) for link in MENU_LINKS],
            rx.menu.item("Log out", on_select=AuthState.log_out, disabled=connection_lost),
            align="end",
            min_width="14em",
            max_width="min(22em, calc(100vw - 1em))",
            # Rendered inside the header (a landmark), not at the end of <body>, so the open menu is part of the
            # page's structure for assistive technology.
            custom_attrs={"container": element_by_id(HEADER_ID)},
        ),
        modal=False,
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.el.div(
            rx.link(
                rx.text("Profile", size="4", weight="bold", as_="span"),
                href="/profile",
                underline="none",
                flex_shrink="0",
            ),
            rx.spacer(),
            truncated(AuthState.workspace_name, id="header-workspace", class_name="truncate header-workspace"),
            profile_menu(),
            invite_dialog(),
            class_name="app-header-inner",
        ),
        class_name="app-header",
        id=HEADER_ID,
    )

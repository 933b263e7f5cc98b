"""Render only: the "Users" section of /profile (self-hosted, administrators), its confirmation dialog and the
dialog that shows a new password reset link once. Row buttons and their dialogs' confirm buttons share their
wording ("Disable", "Make admin", ...); each row button's accessible name adds whom it acts on."""

from __future__ import annotations

import reflex as rx

from profile_app.components.dialogs import confirm_dialog, shown_once_dialog
from profile_app.components.forms import action_button
from profile_app.components.sections import Section, section_card
from profile_app.components.tables import data_table, more_rows, row_action, table_row, truncated
from profile_app.states.administration import (
    ACTION_NAMES,
    DISABLE,
    ENABLE,
    MAKE_ADMIN,
    REMOVE_ADMIN,
    RESET_PASSWORD,
    USER_ACTION,
    USERS_SHOWN_ID,
    UserListRow,
    UsersState,
    new_reset_link,
)
from profile_app.states.framework import connection_lost
from profile_app.states.workspaces import INVITE, WorkspacesState

USER_COLUMNS = ["Name", "Email", "Role", "Status", "Created", "Last sign-in", "Two-factor", "API credentials"]


def _action(kind: str, row: UserListRow, *, danger: bool = False) -> rx.Component:
    name = ACTION_NAMES[kind]
    return row_action(
        name, name + " " + row.name, UsersState.ask(kind, row.id), danger=danger, disabled=connection_lost
    )


def _actions(row: UserListRow) -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.cond(row.disabled, _action(ENABLE, row), rx.cond(row.can_disable, _action(DISABLE, row, danger=True))),
            # Offered on the last administrator's row too: the refusal says why, next to the button.
            rx.cond(row.admin, _action(REMOVE_ADMIN, row), _action(MAKE_ADMIN, row)),
            _action(RESET_PASSWORD, row),
            spacing="2",
            wrap="wrap",
            justify="end",
        ),
        rx.cond(
            row.error != "",
            rx.text(row.error, color_scheme="red", size="1", role="alert", class_name="wrap-anywhere"),
        ),
        spacing="1",
        align="end",
    )


def _cells(row: UserListRow) -> list:
    return [
        truncated(row.email, width="16rem"),
        rx.el.span(row.role),
        rx.badge(row.status, color_scheme=rx.cond(row.disabled, "red", "green"), high_contrast=True),
        rx.el.span(row.created),
        rx.cond(row.last_sign_in != "", rx.el.span(row.last_sign_in), rx.el.span("Never")),
        rx.el.span(row.two_factor),
        rx.el.span(row.credentials.to_string()),
    ]


def _table() -> rx.Component:
    def render(row: UserListRow) -> rx.Component:
        return table_row(USER_COLUMNS, truncated(row.name, width="12rem"), *_cells(row), actions=_actions(row))

    return rx.fragment(
        data_table("Users", USER_COLUMNS, UsersState.users, render, stack="wide", wrap_actions=True),
        more_rows(UsersState.users_window, UsersState.show_users, summary_id=USERS_SHOWN_ID),
    )


def _confirm_dialog() -> rx.Component:
    return confirm_dialog(
        UsersState.confirm_title,
        UsersState.confirm_text,
        UsersState.confirm_action,
        UsersState.confirm,
        pending=USER_ACTION,
        open=UsersState.confirm_open,
        on_open_change=UsersState.set_confirm_open,
    )


def _reset_link_dialog() -> rx.Component:
    return shown_once_dialog(
        "Password reset link",
        "Reset link",
        "reset-link",
        new_reset_link.value,
        "reset_link",
        description=rx.el.span(
            "Give this link to ",
            rx.text.strong(UsersState.link_user_name),
            ": it lets them choose a new password, once, within an hour. Copy it now: it is shown only once.",
            class_name="wrap-anywhere",
        ),
        open=UsersState.reset_dialog_open,
        on_open_change=UsersState.close_reset_dialog,
    )


def _invite_button() -> rx.Component:
    """Self-hosted "Invite users": the workspace invitation link (its dialog is the header's), for the one
    workspace every account joins; with PROFILE_SIGNUP_OPEN=false it is how people get an account."""
    return action_button(
        (rx.icon("user-plus", size=16, aria_hidden="true"), "Invite users"),
        INVITE,
        WorkspacesState.create_invitation,
    )


def users_section(section: Section) -> rx.Component:
    return section_card(
        section,
        rx.cond(
            UsersState.users_error != "",
            rx.callout(UsersState.users_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
        ),
        _table(),
        _confirm_dialog(),
        _reset_link_dialog(),
        action=_invite_button(),
        description="Everyone with an account on this server. Disabling signs a person out everywhere and stops "
        "their API credentials; nothing is deleted, and Enable restores it all.",
    )

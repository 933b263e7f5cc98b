"""Render only: the Workspaces and Members sections of /profile and the header menu's workspace items.
Every control's accessible name starts with its visible wording."""

from __future__ import annotations

import reflex as rx

from profile_app.components.dialogs import confirm_dialog, form_dialog_actions
from profile_app.components.tables import VISUALLY_HIDDEN, row_action
from profile_app.services.workspaces import SELF_HOSTED_REFUSAL
from profile_app.states.base import AuthState
from profile_app.states.workspaces import (
    InvitationRow,
    MemberRow,
    WorkspaceRow,
    WorkspacesState,
    new_invitation_link,
)


def _visually_hidden(text: str) -> rx.Component:
    return rx.el.span(text, style=VISUALLY_HIDDEN)


def _caption(text: str) -> rx.Component:
    return rx.el.caption(text, style=VISUALLY_HIDDEN)


# ------------------------------------------------------------------------------------------------ Workspaces


def _workspace_row(row: WorkspaceRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.hstack(
                rx.text(row.name, weight="medium"),
                rx.cond(row.active, rx.badge("Active", color_scheme="green")),
                rx.cond(row.personal, rx.badge("Personal", color_scheme="gray")),
                spacing="2",
                align="center",
            )
        ),
        rx.table.cell(row.role),
        rx.table.cell(row.members_line),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    AuthState.hosted & ~row.active,
                    rx.button(
                        "Switch to workspace",
                        size="1",
                        aria_label="Switch to workspace " + row.name,
                        on_click=WorkspacesState.switch_workspace(row.id),
                    ),
                ),
                rx.cond(
                    row.owner,
                    row_action("Rename", "Rename " + row.name, WorkspacesState.open_rename(row.id, row.name)),
                ),
                spacing="2",
            )
        ),
        aria_current=rx.cond(row.active, "true", "false"),
    )


def _rename_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename workspace"),
            rx.form(
                rx.vstack(
                    rx.el.label("Workspace name", html_for="workspace-name", class_name="field-label"),
                    rx.input(
                        id="workspace-name",
                        name="name",
                        default_value=WorkspacesState.rename_current_name,
                        key=WorkspacesState.rename_workspace_id,
                        aria_describedby="workspace-name-error",
                        required=True,
                        width="100%",
                    ),
                    rx.cond(
                        WorkspacesState.rename_error != "",
                        rx.text(WorkspacesState.rename_error, id="workspace-name-error", color_scheme="red", size="2"),
                    ),
                    form_dialog_actions("Save name"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=WorkspacesState.rename,
                reset_on_submit=False,
            ),
            max_width="28em",
        ),
        open=WorkspacesState.rename_dialog_open,
        on_open_change=WorkspacesState.set_rename_dialog_open,
    )


def workspaces_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Workspaces", size="5", as_="h2"),
            rx.cond(
                AuthState.hosted,
                rx.text("Switch the workspace you work in; your choice is kept for your next sign-in.", size="2"),
                rx.callout(SELF_HOSTED_REFUSAL, icon="info", id="self-hosted-workspaces-note"),
            ),
            rx.table.root(
                _caption("Workspaces"),
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Workspace"),
                        rx.table.column_header_cell("Your role"),
                        rx.table.column_header_cell("Members"),
                        rx.table.column_header_cell(_visually_hidden("Actions")),
                    )
                ),
                rx.table.body(rx.foreach(WorkspacesState.workspaces, _workspace_row)),
                width="100%",
            ),
            _rename_dialog(),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="workspaces-section",
    )


# ------------------------------------------------------------------------------------------------ Members


def _remove_member_button(row: MemberRow) -> rx.Component:
    return confirm_dialog(
        "Remove " + row.name + "?",
        row.name + " loses access to " + AuthState.workspace_name + ", and their app credentials in it "
        "are revoked at once. Coming back needs a new invitation.",
        "Remove member",
        WorkspacesState.remove_member(row.user_id),
        trigger=row_action("Remove", "Remove " + row.name, danger=True),
    )


def _member_row(row: MemberRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.name),
        rx.table.cell(row.email),
        rx.table.cell(row.role),
        rx.table.cell(row.joined),
        rx.table.cell(rx.cond(row.removable, _remove_member_button(row))),
    )


def _invitation_row(row: InvitationRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.created_by),
        rx.table.cell(row.created),
        rx.table.cell(row.expires),
        rx.table.cell(
            rx.cond(
                row.can_revoke,
                row_action(
                    "Revoke link",
                    "Revoke link made by " + row.created_by + " on " + row.created,
                    WorkspacesState.revoke_invitation(row.id),
                    danger=True,
                ),
            )
        ),
    )


def _invite_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New invitation link"),
            rx.dialog.description(
                "Anyone with this link can join " + AuthState.workspace_name + " until it expires or the workspace "
                "is full. Copy it now: it is shown only once."
            ),
            rx.vstack(
                rx.el.label("Invitation link", html_for="invitation-link", class_name="field-label"),
                rx.input(id="invitation-link", value=new_invitation_link.value, read_only=True, width="100%"),
                rx.hstack(
                    rx.button(
                        "Copy link",
                        on_click=[
                            rx.set_clipboard(new_invitation_link.value),
                            rx.toast.success("Invitation link copied"),
                        ],
                    ),
                    rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                margin_top="1em",
            ),
            max_width="36em",
        ),
        open=WorkspacesState.invite_dialog_open,
        on_open_change=WorkspacesState.close_invite_dialog,
    )


def _leave_button() -> rx.Component:
    return confirm_dialog(
        "Leave " + AuthState.workspace_name + "?",
        "You will lose access to " + AuthState.workspace_name + ", and your app credentials in it are "
        "revoked at once. Coming back needs a valid invitation.",
        "Leave workspace",
        WorkspacesState.leave_workspace,
        trigger=rx.button("Leave workspace", color_scheme="red", variant="outline"),
    )


def _invitations_part() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.button(
                "Invite user",
                disabled=WorkspacesState.full,
                on_click=WorkspacesState.create_invitation,
            ),
            rx.cond(WorkspacesState.can_leave, _leave_button()),
            spacing="3",
        ),
        _invite_dialog(),
        rx.heading("Active invitation links", size="3", as_="h3"),
        rx.cond(
            WorkspacesState.invitations.length() > 0,
            rx.table.root(
                _caption("Active invitation links"),
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Made by"),
                        rx.table.column_header_cell("Created"),
                        rx.table.column_header_cell("Expires"),
                        rx.table.column_header_cell(_visually_hidden("Actions")),
                    )
                ),
                rx.table.body(rx.foreach(WorkspacesState.invitations, _invitation_row)),
                width="100%",
            ),
            rx.text("No active invitation links.", size="2", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )


def members_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Members", size="5", as_="h2"),
            rx.text(
                AuthState.workspace_name + ": " + WorkspacesState.members_summary,
                id="members-summary",
                size="2",
            ),
            rx.cond(
                AuthState.hosted & WorkspacesState.full,
                rx.callout(
                    "This workspace has reached its maximum of " + WorkspacesState.max_members.to_string() + " members",
                    icon="users",
                    color_scheme="amber",
                    id="members-full",
                ),
            ),
            rx.cond(
                WorkspacesState.section_error != "",
                rx.callout(WorkspacesState.section_error, icon="triangle-alert", color_scheme="red", role="alert"),
            ),
            rx.table.root(
                _caption("Members"),
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Name"),
                        rx.table.column_header_cell("Email"),
                        rx.table.column_header_cell("Role"),
                        rx.table.column_header_cell("Joined"),
                        rx.table.column_header_cell(_visually_hidden("Actions")),
                    )
                ),
                rx.table.body(rx.foreach(WorkspacesState.members, _member_row)),
                width="100%",
            ),
            rx.cond(AuthState.hosted, _invitations_part()),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="members-section",
    )


# ------------------------------------------------------------------------------------------------ header menu


def _workspace_menu_item(row: WorkspaceRow) -> rx.Component:
    return rx.menu.item(
        rx.hstack(
            rx.cond(
                row.active,
                rx.icon("check", size=14, aria_hidden="true"),
                rx.box(width="14px", aria_hidden="true"),
            ),
            rx.text(row.name),
            spacing="2",
            align="center",
        ),
        aria_checked=row.active,
        custom_attrs={"role": "menuitemradio"},
        on_select=WorkspacesState.switch_workspace(row.id),
    )


def workspace_switch_menu_items() -> list[rx.Component]:
    """Hosted mode: each workspace (a check on the active one; choosing one switches) and "Invite a User"."""
    return [
        rx.cond(
            AuthState.hosted,
            rx.fragment(
                rx.foreach(WorkspacesState.workspaces, _workspace_menu_item),
                rx.menu.separator(),
                rx.menu.item(
                    "Invite a User",
                    disabled=WorkspacesState.full,
                    on_select=WorkspacesState.invite_from_menu,
                ),
                rx.menu.separator(),
            ),
        ),
    ]

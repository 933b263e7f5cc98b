"""Render only: the "Workspaces & members" section of /profile, the invitation-link dialog and the header menu's
workspace items. Every control's accessible name starts with its visible wording."""

from __future__ import annotations

import reflex as rx

from profile_app.components.dialogs import confirm_dialog, form_dialog, form_dialog_actions, shown_once_dialog
from profile_app.components.forms import action_button, field_error, invalid_props
from profile_app.components.sections import Section, section_card
from profile_app.components.tables import data_table, more_rows, row_action, table_row, truncated
from profile_app.states.base import AuthState
from profile_app.states.framework import connection_lost
from profile_app.states.workspaces import (
    CONFIRM,
    INVITE,
    MEMBERS_SHOWN_ID,
    RENAME,
    SELF_HOSTED_NOTE,
    SWITCH,
    InvitationRow,
    MemberRow,
    WorkspaceRow,
    WorkspacesState,
    new_invitation_link,
)

WORKSPACE_COLUMNS = ["Workspace", "Your role", "Members"]
MEMBER_COLUMNS = ["Name", "Email", "Role", "Joined"]
INVITATION_COLUMNS = ["Made by", "Created", "Expires"]


# ------------------------------------------------------------------------------------------------ Workspaces


def _workspace_row(row: WorkspaceRow) -> rx.Component:
    return table_row(
        WORKSPACE_COLUMNS,
        rx.flex(
            truncated(row.name, width="20rem", style={"font_weight": "500"}),
            rx.cond(row.active, rx.badge("Active", color_scheme="green", high_contrast=True)),
            rx.cond(row.personal, rx.badge("Personal", color_scheme="gray", high_contrast=True)),
            spacing="2",
            align="center",
            wrap="wrap",
            min_width="0",
        ),
        rx.el.span(row.role),
        rx.el.span(row.members_line),
        actions=rx.fragment(
            rx.cond(
                AuthState.hosted & ~row.active,
                rx.button(
                    "Switch to workspace",
                    size="1",
                    aria_label="Switch to workspace " + row.name,
                    loading=SWITCH.busy_for(row.id),
                    disabled=connection_lost | SWITCH.value,
                    on_click=[SWITCH.start_for(row.id), WorkspacesState.switch_workspace(row.id)],
                ),
            ),
            rx.cond(
                row.owner,
                row_action(
                    "Rename",
                    "Rename " + row.name,
                    WorkspacesState.open_rename(row.id),
                    disabled=connection_lost,
                ),
            ),
        ),
        aria_current=rx.cond(row.active, "true", "false"),
    )


def _rename_dialog() -> rx.Component:
    return form_dialog(
        "Rename workspace",
        rx.form(
            rx.vstack(
                rx.el.label("Workspace name", html_for="workspace-name", class_name="field-label"),
                rx.input(
                    id="workspace-name",
                    name="name",
                    default_value=WorkspacesState.rename_current_name,
                    key=WorkspacesState.rename_workspace_id,
                    required=True,
                    width="100%",
                    **invalid_props(WorkspacesState.rename_error, "workspace-name"),
                ),
                field_error(WorkspacesState.rename_error, "workspace-name"),
                form_dialog_actions("Save name", RENAME),
                spacing="3",
                width="100%",
            ),
            on_submit=[RENAME.start, WorkspacesState.rename],
            reset_on_submit=False,
        ),
        open=WorkspacesState.rename_dialog_open,
        on_open_change=WorkspacesState.set_rename_dialog_open,
        max_width="28em",
    )


def _workspaces_part() -> rx.Component:
    return rx.vstack(
        rx.cond(
            AuthState.hosted,
            rx.text("Switch the workspace you work in; your choice is kept for your next sign-in.", size="2"),
            rx.callout(SELF_HOSTED_NOTE, icon="info", id="self-hosted-workspaces-note", width="100%"),
        ),
        data_table("Workspaces", WORKSPACE_COLUMNS, WorkspacesState.workspaces, _workspace_row, stack="medium"),
        spacing="3",
        width="100%",
    )


# ------------------------------------------------------------------------------------------------ Members


def _member_row(row: MemberRow) -> rx.Component:
    return table_row(
        MEMBER_COLUMNS,
        truncated(row.name, width="14rem"),
        truncated(row.email, width="18rem"),
        rx.el.span(row.role),
        rx.el.span(row.joined),
        actions=rx.fragment(
            rx.cond(
                row.role_changeable,
                row_action(
                    rx.cond(row.admin, "Remove admin", "Make admin"),
                    rx.cond(row.admin, "Remove admin ", "Make admin ") + row.name,
                    WorkspacesState.ask_role_change(row.user_id),
                    disabled=connection_lost,
                ),
            ),
            rx.cond(
                row.removable,
                row_action(
                    "Remove",
                    "Remove " + row.name,
                    WorkspacesState.ask_remove_member(row.user_id),
                    danger=True,
                    disabled=connection_lost,
                ),
            ),
        ),
    )


def _invitation_row(row: InvitationRow) -> rx.Component:
    return table_row(
        INVITATION_COLUMNS,
        truncated(row.created_by, width="14rem"),
        rx.el.span(row.created),
        rx.el.span(row.expires),
        actions=rx.cond(
            row.can_revoke,
            row_action(
                "Revoke link",
                "Revoke link made by " + row.created_by + " on " + row.created,
                WorkspacesState.ask_revoke_invitation(row.id),
                danger=True,
                disabled=connection_lost,
            ),
        ),
    )


def _invite_button() -> rx.Component:
    return action_button(
        (rx.icon("user-plus", size=16, aria_hidden="true"), "Invite user"),
        INVITE,
        WorkspacesState.create_invitation,
        disabled=WorkspacesState.full,
    )


def _members_part() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading("Members", size="4", as_="h3"),
            rx.cond(
                WorkspacesState.can_leave,
                rx.button(
                    "Leave workspace",
                    color_scheme="red",
                    variant="outline",
                    disabled=connection_lost,
                    on_click=WorkspacesState.ask_leave,
                ),
            ),
            justify="between",
            align="center",
            wrap="wrap",
            spacing="3",
            width="100%",
        ),
        rx.text(
            AuthState.workspace_name + ": " + WorkspacesState.members_summary,
            id="members-summary",
            size="2",
            class_name="wrap-anywhere",
        ),
        rx.cond(
            AuthState.hosted & WorkspacesState.full,
            rx.callout(
                "This workspace has reached its maximum of " + WorkspacesState.max_members.to_string() + " members",
                icon="users",
                color_scheme="amber",
                high_contrast=True,
                id="members-full",
                width="100%",
            ),
        ),
        data_table("Members", MEMBER_COLUMNS, WorkspacesState.members, _member_row, stack="medium"),
        more_rows(WorkspacesState.members_window, WorkspacesState.show_members, summary_id=MEMBERS_SHOWN_ID),
        spacing="3",
        width="100%",
    )


def _invitations_part() -> rx.Component:
    return rx.vstack(
        rx.heading("Active invitation links", size="4", as_="h3"),
        rx.cond(
            WorkspacesState.invitations.length() > 0,
            data_table("Active invitation links", INVITATION_COLUMNS, WorkspacesState.invitations, _invitation_row),
            rx.text("No active invitation links.", size="2", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )


def _confirm_dialog() -> rx.Component:
    return confirm_dialog(
        WorkspacesState.confirm_title,
        WorkspacesState.confirm_text,
        WorkspacesState.confirm_action,
        WorkspacesState.confirm,
        pending=CONFIRM,
        open=WorkspacesState.confirm_open,
        on_open_change=WorkspacesState.set_confirm_open,
    )


def workspaces_section(section: Section) -> rx.Component:
    return section_card(
        section,
        rx.cond(
            WorkspacesState.section_error != "",
            rx.callout(
                WorkspacesState.section_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
            ),
        ),
        _workspaces_part(),
        _members_part(),
        rx.cond(AuthState.hosted | AuthState.is_admin, _invitations_part()),
        _rename_dialog(),
        _confirm_dialog(),
        action=rx.cond(AuthState.hosted, _invite_button()),
    )


# ------------------------------------------------------------------------------------------------ invitation link


def invite_dialog() -> rx.Component:
    """Shows a new invitation link once, from Members > "Invite user" or the header's "Invite a User"."""
    return shown_once_dialog(
        "New invitation link",
        "Invitation link",
        "invitation-link",
        new_invitation_link.value,
        "invitation_link",
        description=rx.el.span(
            "Anyone with this link can join ",
            rx.text.strong(AuthState.workspace_name),
            " until it expires or the workspace is full. Copy it now: it is shown only once.",
            class_name="wrap-anywhere",
        ),
        open=WorkspacesState.invite_dialog_open,
        on_open_change=WorkspacesState.close_invite_dialog,
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
            truncated(row.name, width="16rem"),
            spacing="2",
            align="center",
            min_width="0",
        ),
        aria_checked=row.active,
        custom_attrs={"role": "menuitemradio"},
        disabled=connection_lost,
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
                    disabled=WorkspacesState.full | connection_lost,
                    on_select=WorkspacesState.invite_from_menu,
                ),
                rx.menu.separator(),
            ),
        ),
    ]

"""Workspaces and Members sections, the header menu's workspace items, and the /join/<token> page.

Invitation links are secrets: they never sit in a state var. A new link goes to the browser once, inside the
event that shows it (a client-side variable), and the state forgets it at once. "Invite user" has no dialog
before it creates, so its request key is minted when the section loads and again once the person has closed the
dialog that showed the link: every click until then (a double click, a replayed event) gets that same link row.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import administration, workspaces
from profile_app.services.idempotency import new_request_key
from profile_app.states.base import AuthState, login_redirect, profile_section
from profile_app.states.busy import Pending, settles
from profile_app.states.display import display_time
from profile_app.states.framework import client_state, event
from profile_app.states.shown_rows import RowNoun, RowWindow, asked_rows, row_window

# The one place a new invitation link lives in the browser: React state, not Reflex state.
new_invitation_link = client_state("new_invitation_link", "")

INVITE = Pending("workspace_invite")
JOIN = Pending("join")
SWITCH = Pending("workspace_switch")
RENAME = Pending("workspace_rename")
CONFIRM = Pending("workspace_confirm")  # Remove member, Revoke link, Leave workspace, Make / Remove admin

SELF_HOSTED_NOTE = workspaces.SELF_HOSTED_REFUSAL  # for the page (components never import services)

# What the confirmation dialog is about.
REMOVE_MEMBER, REVOKE_LINK, LEAVE = "remove_member", "revoke_link", "leave"
MAKE_ADMIN, REMOVE_ADMIN = "make_admin", "remove_admin"
ROLE_CHANGES = {MAKE_ADMIN: workspaces.ADMIN, REMOVE_ADMIN: workspaces.MEMBER}

MEMBERS_NOUN = RowNoun("member", "members")
MEMBERS_SHOWN_ID = "members-shown"  # the Members table's "Showing 20 of 1,000 members" line


def members_line(count: int, maximum: int, hosted: bool = True) -> str:
    """ "N of M members" where a member limit applies (hosted); "N members" on a self-hosted server, where
    everyone who signs up joins the one workspace."""
    if not hosted:
        return f"{count} member" + ("" if count == 1 else "s")
    return f"{count} of {maximum} member" + ("" if maximum == 1 else "s")


@dataclass
class WorkspaceRow:
    id: int = 0
    name: str = ""
    role: str = ""
    members_line: str = ""
    active: bool = False
    personal: bool = False
    owner: bool = False


@dataclass
class MemberRow:
    user_id: int = 0
    name: str = ""
    email: str = ""
    role: str = ""
    joined: str = ""
    removable: bool = False
    role_changeable: bool = False  # the viewer (the owner) may make them an admin or take it back
    admin: bool = False


@dataclass
class InvitationRow:
    id: int = 0
    created_by: str = ""
    created: str = ""
    expires: str = ""
    can_revoke: bool = False


@profile_section
class WorkspacesState(AuthState):
    workspaces: list[WorkspaceRow] = []
    members: list[MemberRow] = []  # the rows the table shows: the first members_window.shown of _all_members
    members_window: RowWindow = RowWindow()
    _all_members: list[MemberRow] = []
    invitations: list[InvitationRow] = []
    member_count: int = 0
    max_members: int = 0
    full: bool = False
    can_leave: bool = False
    section_error: str = ""

    invite_dialog_open: bool = False
    _invite_request_key: str = ""

    rename_dialog_open: bool = False
    rename_workspace_id: int = 0
    rename_current_name: str = ""
    rename_error: str = ""

    confirm_kind: str = ""  # REMOVE_MEMBER | REVOKE_LINK | LEAVE, or "" when the dialog is closed
    confirm_title: str = ""
    confirm_text: str = ""
    confirm_action: str = ""
    _confirm_id: int = 0

    @rx.var
    def members_summary(self) -> str:
        return members_line(self.member_count, self.max_members, self.hosted)

    @rx.var
    def confirm_open(self) -> bool:
        return self.confirm_kind != ""

    def _reload(self) -> None:
        self.hosted = get_settings().hosted
        outcome = self._call(_overview)
        self.section_error = outcome.message
        if not outcome.ok:
            return
        listed, members, invitations = outcome.value
        self.workspaces = [
            WorkspaceRow(
                id=w.id,
                name=w.name,
                role=w.role.capitalize(),
                members_line=members_line(w.member_count, w.max_members, self.hosted),
                active=w.active,
                personal=w.personal,
                owner=w.is_owner,
            )
            for w in listed
        ]
        self._all_members = [
            MemberRow(
                user_id=m.user_id,
                name=m.name,
                email=m.email,
                role=m.role.capitalize(),
                joined=display_time(m.joined_at),
                removable=members.can_remove(m),
                role_changeable=members.can_change_role(m),
                admin=m.role == workspaces.ADMIN,
            )
            for m in members.members
        ]
        self._show_members(self.members_window.shown)
        self.member_count = members.member_count
        self.max_members = members.max_members
        self.full = self.hosted and members.full
        self.can_leave = members.can_leave
        self.invitations = [
            InvitationRow(
                id=i.id,
                created_by=i.created_by_name,
                created=display_time(i.created_at),
                expires=display_time(i.expires_at),
                can_revoke=i.can_revoke,
            )
            for i in invitations
        ]

    @event
    def load(self):
        """On opening /profile and after a switch. Dialogs start closed: the state outlives page visits, while
        a shown invitation link does not (it lived only in the page)."""
        self.invite_dialog_open = self.rename_dialog_open = False
        self.confirm_kind = ""
        self._invite_request_key = new_request_key()
        self.members_window = RowWindow()  # a visit (or a switch to another workspace) starts at the first page
        self._reload()

    def _show_members(self, shown: int) -> None:
        self.members_window = row_window(len(self._all_members), shown, MEMBERS_NOUN)
        self.members = self._all_members[: self.members_window.shown]

    @event
    def show_members(self, count: int):
        """More rows of the list the section already read ("Show N more members", "Show all N members")."""
        if self._user_id() is None:
            return
        self._show_members(asked_rows(self.members_window, count))
        if not self.members_window.more_label:
            self._focus(MEMBERS_SHOWN_ID)

    @event
    @settles(SWITCH)
    def switch_workspace(self, workspace_id: int):
        """Switch, then reload the header and every Profile-page section so they all show the new workspace."""
        outcome = self._call(workspaces.switch_workspace, _whole_number(workspace_id))
        if outcome.signed_out:
            return None
        if not outcome.ok:
            self.section_error = outcome.message
            return None
        return AuthState.reload_sections

    # --- rename ---------------------------------------------------------------------------------------------------

    @event
    def open_rename(self, workspace_id: int):
        if self._user_id() is None:
            return
        row = next((w for w in self.workspaces if w.id == _whole_number(workspace_id) and w.owner), None)
        if row is None:
            return
        self.rename_workspace_id = row.id
        self.rename_current_name = row.name
        self.rename_error = ""
        self.rename_dialog_open = True

    @event
    def set_rename_dialog_open(self, value: bool):
        self.rename_dialog_open = bool(value)
        if not value:
            self.rename_error = ""

    @event
    @settles(RENAME)
    def rename(self, form_data: dict):
        if not self.rename_dialog_open:
            return None
        outcome = self._call(workspaces.rename_workspace, self.rename_workspace_id, str(form_data.get("name", "")))
        if outcome.signed_out:
            return None
        if not outcome.ok:
            self.rename_error = outcome.message
            self._focus("workspace-name")
            return None
        self.rename_dialog_open = False
        return [AuthState.reload_sections, rx.toast.success("Workspace renamed")]

    # --- confirmations: remove a member, revoke a link, leave --------------------------------------------------------

    @event
    def ask_remove_member(self, member_user_id: int):
        if self._user_id() is None:
            return
        member = next(
            (m for m in self._all_members if m.user_id == _whole_number(member_user_id) and m.removable), None
        )
        if member is None:
            return
        self._ask(
            REMOVE_MEMBER,
            member.user_id,
            f"Remove {member.name}?",
            f"{member.name} loses access to {self.workspace_name}, and their app credentials in it are revoked at "
            "once. Coming back needs a new invitation.",
            "Remove member",
        )

    @event
    def ask_role_change(self, member_user_id: int):
        """Make admin / Remove admin (hosted, the owner): the member's current role says which."""
        if self._user_id() is None:
            return
        member = next(
            (m for m in self._all_members if m.user_id == _whole_number(member_user_id) and m.role_changeable), None
        )
        if member is None:
            return
        if member.admin:
            self._ask(
                REMOVE_ADMIN,
                member.user_id,
                f"Remove {member.name} as admin?",
                f"{member.name} stays a member of {self.workspace_name} but can no longer remove members.",
                "Remove admin",
            )
        else:
            self._ask(
                MAKE_ADMIN,
                member.user_id,
                f"Make {member.name} an admin?",
                f"{member.name} will be able to invite and remove members of {self.workspace_name} (never you).",
                "Make admin",
            )

    @event
    def ask_revoke_invitation(self, invitation_id: int):
        if self._user_id() is None:
            return
        link = next((i for i in self.invitations if i.id == _whole_number(invitation_id) and i.can_revoke), None)
        if link is None:
            return
        self._ask(
            REVOKE_LINK,
            link.id,
            "Revoke invitation link?",
            f"The link {link.created_by} made on {link.created} stops working at once. Anyone who has not joined "
            "yet needs a new link.",
            "Revoke link",
        )

    @event
    def ask_leave(self):
        if self._user_id() is None or not self.can_leave:
            return
        self._ask(
            LEAVE,
            self.workspace_id,
            f"Leave {self.workspace_name}?",
            f"You will lose access to {self.workspace_name}, and your app credentials in it are revoked at once. "
            "Coming back needs a valid invitation.",
            "Leave workspace",
        )

    def _ask(self, kind: str, target: int, title: str, text: str, action: str) -> None:
        self.confirm_kind, self._confirm_id = kind, target
        self.confirm_title, self.confirm_text, self.confirm_action = title, text, action

    @event
    def set_confirm_open(self, value: bool):
        if not value:
            self.confirm_kind = ""

    @event
    @settles(CONFIRM)
    def confirm(self):
        """Do what the open confirmation asks; the dialog closes with the answer."""
        kind, target = self.confirm_kind, self._confirm_id
        if not kind:
            return None
        if kind == REMOVE_MEMBER:
            outcome, done = self._call(workspaces.remove_member, target), "Member removed"
        elif kind == REVOKE_LINK:
            outcome, done = self._call(workspaces.revoke_invitation, target), "Invitation link revoked"
        elif kind in ROLE_CHANGES:
            outcome = self._call(workspaces.set_member_role, target, ROLE_CHANGES[kind])
            done = "Admin added" if kind == MAKE_ADMIN else "Admin removed"
        else:
            outcome, done = self._call(workspaces.leave_workspace), "You left the workspace"
        if outcome.signed_out:
            return None
        self.confirm_kind = ""
        if not outcome.ok:
            self._reload()
            self.section_error = outcome.message
            return None
        if kind == LEAVE:  # the service switched to the personal workspace: every section follows
            return [AuthState.reload_sections, rx.toast.success(done)]
        self._reload()
        return rx.toast.success(done)

    # --- invitation links ---------------------------------------------------------------------------------------------

    def _invite(self):
        """Make (or, for a repeated click, find) the link of this request key; show a new one in the dialog."""
        if not self._invite_request_key:
            self._invite_request_key = new_request_key()
        outcome = self._call(workspaces.create_invitation, request_key=self._invite_request_key)
        if outcome.signed_out:
            return None
        if not outcome.ok:
            self.section_error = outcome.message
            return rx.toast.error("No invitation link was made")
        self.section_error = ""
        self._reload()
        if outcome.value.repeated:  # the first answer already showed this link
            return None
        self.invite_dialog_open = True
        return new_invitation_link.push(outcome.value.link)

    @event
    @settles(INVITE)
    def create_invitation(self):
        """Members > "Invite user"."""
        return self._invite()

    @event
    @settles(INVITE)
    def invite_from_menu(self):
        """The header's "Invite a User": the same link dialog, opened from the menu."""
        return self._invite()

    @event
    def close_invite_dialog(self, value: bool = False):
        """Closing forgets the link in the page, and the next "Invite user" is a new request."""
        self.invite_dialog_open = bool(value)
        if value:
            return None
        self._invite_request_key = new_request_key()
        return new_invitation_link.push("")


def _overview(user_id: int) -> tuple:
    """Everything the two sections show, for one resolution of the signed-in user."""
    administrator = not get_settings().hosted and administration.is_administrator(user_id)
    invitations = workspaces.list_invitations(user_id) if get_settings().hosted or administrator else []
    return workspaces.list_workspaces(user_id), workspaces.list_members(user_id), invitations


def _whole_number(value) -> int:
    """A row id from an event argument; anything that is not a plain whole number matches no row."""
    return value if type(value) is int and 0 < value < 2**63 else 0


class JoinState(AuthState):
    """/join/<token>. The token is read from the URL on each event and never kept in a var."""

    # loading | ok | unknown | expired | revoked | already_member | full | removed
    join_status: str = "loading"
    join_message: str = ""
    join_workspace_name: str = ""
    join_inviter_name: str = ""
    join_workspace_id: int = 0
    join_error: str = ""

    def _token(self) -> str:
        path = (self.router.url.path or "").rstrip("/")
        prefix = workspaces.JOIN_PATH
        return path[len(prefix) :] if path.startswith(prefix) else ""

    def _preview(self, user_id: int | None) -> None:
        preview = workspaces.preview_invitation(self._token(), user_id)
        self.join_status = preview.state
        self.join_message = preview.message
        self.join_workspace_name = preview.workspace_name
        self.join_inviter_name = preview.inviter_name
        self.join_workspace_id = preview.workspace_id or 0

    @event
    def open_join(self):
        self.join_error = ""
        self.hosted = get_settings().hosted
        user_id = self._user_id()
        if not self.hosted and user_id is not None:  # every account is in the one workspace already
            return rx.redirect("/profile")
        if user_id is None:
            self._forget_account()
        else:
            self._load_account(user_id)
        self._preview(user_id)

    @event
    @settles(JOIN)
    def join(self):
        outcome = self._call(workspaces.join_workspace, self._token())
        if outcome.signed_out:
            return login_redirect(self.router.url.path)
        if not outcome.ok:
            self._preview(self._user_id())
            self.join_error = outcome.message
            return None
        return rx.redirect("/profile")

    @event
    @settles(JOIN)
    def switch_to_workspace(self):
        outcome = self._call(workspaces.switch_workspace, self.join_workspace_id)
        if outcome.signed_out:
            return login_redirect(self.router.url.path)
        if not outcome.ok:
            self.join_error = outcome.message
            return None
        return rx.redirect("/profile")

"""Workspaces and Members sections, the header menu's workspace items, and the /join/<token> page.

Invitation links are secrets: they never sit in a state var. A new link goes to the browser once, inside the
event that shows or copies it (a client-side variable and the clipboard), and the state forgets it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import workspaces
from profile_app.services.errors import DomainError
from profile_app.states.base import AuthState, login_redirect, profile_section

# The one place a new invitation link lives in the browser: React state, not Reflex state.
new_invitation_link = rx._x.client_state("new_invitation_link", "")


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


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
    members: list[MemberRow] = []
    invitations: list[InvitationRow] = []
    member_count: int = 0
    max_members: int = 0
    members_summary: str = ""
    full: bool = False
    viewer_is_owner: bool = False
    can_leave: bool = False
    section_error: str = ""
    invite_dialog_open: bool = False
    rename_dialog_open: bool = False
    rename_workspace_id: int = 0
    rename_current_name: str = ""
    rename_error: str = ""

    def _reload(self, user_id: int) -> None:
        self.hosted = get_settings().hosted
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
            for w in workspaces.list_workspaces(user_id)
        ]
        overview = workspaces.list_members(user_id)
        viewer_is_owner = overview.viewer_role == workspaces.OWNER
        self.members = [
            MemberRow(
                user_id=m.user_id,
                name=m.name,
                email=m.email,
                role=m.role.capitalize(),
                joined=_day(m.joined_at),
                removable=self.hosted and viewer_is_owner and m.user_id != user_id,
            )
            for m in overview.members
        ]
        self.member_count = overview.member_count
        self.max_members = overview.max_members
        self.members_summary = members_line(overview.member_count, overview.max_members, self.hosted)
        self.full = self.hosted and overview.full
        self.viewer_is_owner = viewer_is_owner
        self.can_leave = self.hosted and not overview.personal and not viewer_is_owner
        self.invitations = (
            [
                InvitationRow(
                    id=i.id,
                    created_by=i.created_by_name,
                    created=_minute(i.created_at),
                    expires=_minute(i.expires_at),
                    can_revoke=i.can_revoke,
                )
                for i in workspaces.list_invitations(user_id)
            ]
            if self.hosted
            else []
        )

    def _reload_or_report(self, user_id: int) -> None:
        try:
            self._reload(user_id)
            self.section_error = ""
        except DomainError as error:
            self.section_error = error.message

    @rx.event
    def load(self):
        """On opening /profile and after a switch. Dialogs start closed: the state outlives page visits, while
        a shown invitation link does not (it lived only in the page)."""
        user_id = self._user_id()
        if user_id is None:
            return
        self.invite_dialog_open = False
        self.rename_dialog_open = False
        self._reload_or_report(user_id)

    @rx.event
    def switch_workspace(self, workspace_id: int):
        """Switch, then reload the header and every Profile-page section so they all show the new workspace."""
        user_id = self._user_id()
        if user_id is None:
            return None
        try:
            workspaces.switch_workspace(user_id, int(workspace_id))
        except (DomainError, ValueError, TypeError) as error:
            return rx.toast.error(getattr(error, "message", "That workspace cannot be chosen."))
        return AuthState.reload_sections

    @rx.event
    def open_rename(self, workspace_id: int, current_name: str):
        self.rename_workspace_id = int(workspace_id)
        self.rename_current_name = str(current_name)
        self.rename_error = ""
        self.rename_dialog_open = True

    @rx.event
    def set_rename_dialog_open(self, value: bool):
        self.rename_dialog_open = bool(value)
        if not value:
            self.rename_error = ""

    @rx.event
    def rename(self, form_data: dict):
        user_id = self._user_id()
        if user_id is None:
            return None
        try:
            workspaces.rename_workspace(user_id, self.rename_workspace_id, str(form_data.get("name", "")))
        except DomainError as error:
            self.rename_error = error.message
            return None
        self.rename_dialog_open = False
        return AuthState.reload_sections

    @rx.event
    def remove_member(self, member_user_id: int):
        user_id = self._user_id()
        if user_id is None:
            return None
        try:
            workspaces.remove_member(user_id, int(member_user_id))
        except (DomainError, ValueError, TypeError) as error:
            return rx.toast.error(getattr(error, "message", "That member cannot be removed."))
        self._reload_or_report(user_id)
        return rx.toast.success("Member removed")

    def _new_invitation_link(self):
        """A new link for the active workspace (the sections reload to list it), or a toast saying why not."""
        user_id = self._user_id()
        if user_id is None:
            return None, None
        try:
            link = workspaces.create_invitation(user_id).link
        except DomainError as error:
            return None, rx.toast.error(error.message)
        self._reload_or_report(user_id)
        return link, None

    @rx.event
    def create_invitation(self):
        """Make a link and hand it to the browser once (the dialog shows it with "Copy link")."""
        link, refusal = self._new_invitation_link()
        if link is None:
            return refusal
        self.invite_dialog_open = True
        return new_invitation_link.push(link)

    @rx.event
    def close_invite_dialog(self, value: bool = False):
        self.invite_dialog_open = bool(value)
        if not value:
            return new_invitation_link.push("")
        return None

    @rx.event
    def invite_from_menu(self):
        """The header's "Invite a User": make a link and put it on the clipboard."""
        link, refusal = self._new_invitation_link()
        if link is None:
            return refusal
        return [rx.set_clipboard(link), rx.toast.success("Invitation link copied")]

    @rx.event
    def revoke_invitation(self, invitation_id: int):
        user_id = self._user_id()
        if user_id is None:
            return None
        try:
            workspaces.revoke_invitation(user_id, int(invitation_id))
        except (DomainError, ValueError, TypeError) as error:
            return rx.toast.error(getattr(error, "message", "That link cannot be revoked."))
        self._reload_or_report(user_id)
        return rx.toast.success("Invitation link revoked")

    @rx.event
    def leave_workspace(self):
        """Leave the active workspace; the service switches to the personal one, so every section reloads."""
        user_id = self._user_id()
        if user_id is None:
            return None
        try:
            workspaces.leave_workspace(user_id)
        except DomainError as error:
            return rx.toast.error(error.message)
        # Fixed wording: the name is user text and must never travel inside a returned event.
        return [AuthState.reload_sections, rx.toast.success("You left the workspace")]


class JoinState(AuthState):
    """/join/<token>. The token is read from the URL on each event and never kept in a var."""

    join_status: str = "loading"  # loading | ok | unknown | expired | revoked | already_member | full | self_hosted
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

    @rx.event
    def open_join(self):
        self.join_error = ""
        self.hosted = get_settings().hosted
        if not self.hosted:
            self.join_status = "self_hosted"
            self.join_message = workspaces.SELF_HOSTED_REFUSAL
            return
        user_id = self._user_id()
        if user_id is None:
            self._forget_account()
        else:
            self._load_account(user_id)
        self._preview(user_id)

    @rx.event
    def join(self):
        user_id = self._user_id()
        if user_id is None:
            return login_redirect(self.router.url.path)
        try:
            workspaces.join_workspace(user_id, self._token())
        except DomainError as error:
            self._preview(user_id)
            self.join_error = error.message
            return None
        return rx.redirect("/profile")

    @rx.event
    def switch_to_workspace(self):
        user_id = self._user_id()
        if user_id is None:
            return login_redirect(self.router.url.path)
        try:
            workspaces.switch_workspace(user_id, self.join_workspace_id)
        except DomainError as error:
            self.join_error = error.message
            return None
        return rx.redirect("/profile")

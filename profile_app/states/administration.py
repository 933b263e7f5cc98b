"""The Users section (self-hosted, administrators only): every account, and Disable / Enable, Make admin /
Remove admin and Reset password, each confirmed in a dialog. The service checks every rule again under its lock;
this state only offers what it would allow and shows its answer next to the row's actions.

A new password reset link is a secret: like an invitation link it goes to the browser once, inside the event that
shows it (a client-side variable), and is never kept in a state var."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import administration
from profile_app.states.base import AuthState, profile_section
from profile_app.states.busy import Pending, settles
from profile_app.states.display import display_time
from profile_app.states.framework import client_state, event
from profile_app.states.shown_rows import RowNoun, RowWindow, asked_rows, row_window

new_reset_link = client_state("new_reset_link", "")

USERS_NOUN = RowNoun("user", "users")
USERS_SHOWN_ID = "users-shown"

USER_ACTION = Pending("user_action")  # the confirm button of every Users dialog

DISABLE, ENABLE, MAKE_ADMIN, REMOVE_ADMIN, RESET_PASSWORD = "disable", "enable", "make_admin", "remove_admin", "reset"
# What each action is called on its row button and on its dialog's confirm button (the same words).
ACTION_NAMES = {
    DISABLE: "Disable",
    ENABLE: "Enable",
    MAKE_ADMIN: "Make admin",
    REMOVE_ADMIN: "Remove admin",
    RESET_PASSWORD: "Reset password",
}
DONE = {
    DISABLE: "Account disabled",
    ENABLE: "Account enabled",
    MAKE_ADMIN: "Administrator added",
    REMOVE_ADMIN: "Administrator removed",
}


@dataclass
class UserListRow:
    id: int = 0
    name: str = ""
    email: str = ""
    role: str = ""
    status: str = ""
    created: str = ""
    last_sign_in: str = ""
    two_factor: str = ""
    credentials: int = 0
    admin: bool = False
    disabled: bool = False
    can_disable: bool = False
    error: str = ""  # the answer to the last action on this row, shown beside its buttons


def _services():
    """The service calls a handler may make, by action (the state never decides a rule itself)."""
    return {
        DISABLE: administration.disable_user,
        ENABLE: administration.enable_user,
        MAKE_ADMIN: administration.make_admin,
        REMOVE_ADMIN: administration.remove_admin,
        RESET_PASSWORD: administration.create_reset_link,
    }


@profile_section
class UsersState(AuthState):
    users: list[UserListRow] = []  # the rows the table shows: the first users_window.shown of _all_users
    users_window: RowWindow = RowWindow()
    _all_users: list[UserListRow] = []
    users_error: str = ""

    confirm_kind: str = ""  # one of ACTION_NAMES' keys, or "" while no dialog is open
    confirm_title: str = ""
    confirm_text: str = ""
    confirm_action: str = ""
    _confirm_user: int = 0

    reset_dialog_open: bool = False
    link_user_name: str = ""  # whose reset link the dialog shows (a name the table shows too), not the link

    @rx.var
    def confirm_open(self) -> bool:
        return self.confirm_kind != ""

    def _reload(self, errors: dict[int, str] | None = None) -> None:
        self.hosted = get_settings().hosted
        if self.hosted or not self.is_admin:
            self._show_users([], 0)
            return
        outcome = self._call(administration.list_users)
        self.users_error = outcome.message
        if not outcome.ok:
            self._show_users([], 0)
            return
        overview = outcome.value
        errors = errors or {}
        rows = [
            UserListRow(
                id=row.id,
                name=row.name,
                email=row.email,
                role=row.role,
                status=row.status,
                created=display_time(row.created_at),
                last_sign_in=display_time(row.last_sign_in_at),
                two_factor="On" if row.two_factor else "Off",
                credentials=row.active_credentials,
                admin=row.is_admin,
                disabled=row.disabled,
                can_disable=overview.can_disable(row),
                error=errors.get(row.id, ""),
            )
            for row in overview.users
        ]
        self._show_users(rows, self.users_window.shown)

    def _show_users(self, rows: list[UserListRow] | None, shown: int) -> None:
        """Show the first `shown` of `rows` (None: of the list already read)."""
        if rows is not None:
            self._all_users = rows
        self.users_window = row_window(len(self._all_users), shown, USERS_NOUN)
        self.users = self._all_users[: self.users_window.shown]

    @event
    def load(self):
        """On opening /profile (inside the page's one read): one statement, for administrators only."""
        self.confirm_kind = ""
        self.reset_dialog_open = False
        self.users_window = RowWindow()  # a visit starts at the first page
        self._reload()

    @event
    def show_users(self, count: int):
        """More rows of the list the section already read ("Show N more users", "Show all N users")."""
        if self._user_id() is None:
            return
        self._show_users(None, asked_rows(self.users_window, count))
        if not self.users_window.more_label:
            self._focus(USERS_SHOWN_ID)

    @event
    def ask(self, kind: str, user_id: int):
        """Open the confirmation of one row action (nothing changes until its confirm button)."""
        if self._user_id() is None or kind not in ACTION_NAMES:
            return
        row = next((user for user in self._all_users if user.id == _whole_number(user_id)), None)
        if row is None:
            return
        name = ACTION_NAMES[kind]
        title, text = _confirmation(kind, row)
        self.confirm_kind, self._confirm_user = kind, row.id
        self.confirm_title, self.confirm_text, self.confirm_action = title, text, name

    @event
    def set_confirm_open(self, value: bool):
        if not value:
            self.confirm_kind = ""

    @event
    @settles(USER_ACTION)
    def confirm(self):
        """Do what the open confirmation asks; its answer shows next to that row's actions."""
        kind, user_id = self.confirm_kind, self._confirm_user
        if not kind:
            return None
        outcome = self._call(
            _services()[kind],
            user_id,
            ip_address=self._client_address(),
            user_agent=self.router.headers.user_agent or "",
        )
        if outcome.signed_out:
            return None
        self.confirm_kind = ""
        if not outcome.ok:
            self._reload({user_id: outcome.message})
            return None
        if kind == RESET_PASSWORD:
            row = next((user for user in self._all_users if user.id == user_id), None)
            self.link_user_name = row.name if row else ""
            self.reset_dialog_open = True
            self._reload()
            return new_reset_link.push(outcome.value)
        if (own_id := self._user_id()) is not None:
            self._load_account(own_id)  # an administrator who removed their own role loses the section at once
        self._reload()
        return rx.toast.success(DONE[kind])

    @event
    def close_reset_dialog(self, value: bool = False):
        """Closing forgets the link in the page: it was shown once."""
        self.reset_dialog_open = bool(value)
        if value:
            return None
        self.link_user_name = ""
        return new_reset_link.push("")


def _confirmation(kind: str, row: UserListRow) -> tuple[str, str]:
    who = row.name
    if kind == DISABLE:
        return (
            f"Disable {who}?",
            f"{who} is signed out everywhere at once, cannot sign in, and their API credentials stop working. "
            "Nothing is deleted: Enable restores everything.",
        )
    if kind == ENABLE:
        return f"Enable {who}?", f"{who} can sign in again, and their API credentials work again."
    if kind == MAKE_ADMIN:
        return f"Make {who} an administrator?", f"{who} will be able to manage every user of this server."
    if kind == REMOVE_ADMIN:
        return f"Remove {who} as administrator?", f"{who} will no longer be able to manage users."
    return (
        f"Reset the password of {who}?",
        f"You get a one-time link to give to {who}; it lets whoever opens it choose a new password. "
        "Their current password keeps working until then.",
    )


def _whole_number(value) -> int:
    """A row id from an event argument; anything that is not a plain whole number matches no row."""
    return value if type(value) is int and 0 < value < 2**63 else 0

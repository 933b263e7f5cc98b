"""Identity card, User preferences and Anonymous usage data sections. Thin: resolve the user, call one service,
show its message. The HiDPI and appearance vars live on AuthState, so every signed-in page applies them."""

from __future__ import annotations

import json

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import accounts, preferences, usage_stats
from profile_app.states.base import AuthState, profile_section
from profile_app.states.busy import Pending, settles
from profile_app.states.display import display_time
from profile_app.states.framework import event

SAVE_NAME = Pending("name_save")
USAGE = Pending("usage_decision")

NAME_MAX = accounts.NAME_MAX  # the name field's limit, for the page (components never import services)

# Where the keyboard focus goes when the inline name editor closes, and the editor's input.
EDIT_NAME_BUTTON, NAME_INPUT = "edit-name", "name-input"


def _usage_view(user_id: int) -> tuple:
    return usage_stats.get_usage_state(user_id), usage_stats.build_report()


@profile_section
class PreferencesState(AuthState):
    editing_name: bool = False
    name_error: str = ""
    preferences_error: str = ""

    usage_enabled: bool = False
    usage_can_change: bool = False
    usage_prompt: bool = False
    usage_decision: str = ""
    usage_report_json: str = ""
    usage_last_sent: str = ""
    usage_last_failure: str = ""
    usage_url_configured: bool = False
    usage_error: str = ""

    def _load_usage(self) -> None:
        self.hosted = get_settings().hosted
        if self.hosted:
            return
        outcome = self._call(_usage_view)
        if not outcome.ok:
            self.usage_error = outcome.message
            return
        state, report = outcome.value
        self.usage_enabled = state.enabled
        self.usage_can_change = state.can_change
        self.usage_prompt = state.prompt
        if state.decided:
            by = f" by {state.decided_by_name}" if state.decided_by_name else ""
            verb = "Enabled" if state.enabled else "Disabled"
            self.usage_decision = f"{verb}{by} on {display_time(state.decided_at)} (version {state.decided_version})."
        else:
            self.usage_decision = "No decision has been made yet."
        self.usage_report_json = json.dumps(report, indent=2)
        self.usage_last_sent = display_time(state.last_report_at) or "never"
        self.usage_last_failure = state.last_failure
        self.usage_url_configured = state.report_url_configured

    @event
    def load(self):
        self.editing_name = False
        self.name_error = self.preferences_error = self.usage_error = ""
        self._load_usage()

    # ------------------------------------------------------------------------------------------ identity card

    @event
    def start_name_edit(self):
        if self._user_id() is None:
            return
        self.name_error = ""
        self.editing_name = True
        self._focus(NAME_INPUT)

    @event
    def cancel_name_edit(self):
        """Cancel or Esc: the editor closes and the focus goes back to "Edit name"."""
        self.editing_name = False
        self.name_error = ""
        self._focus(EDIT_NAME_BUTTON)

    @event
    @settles(SAVE_NAME)
    def save_name(self, form_data: dict):
        user_id = self._user_id()
        if user_id is None:
            return None
        outcome = self._call(preferences.rename_user, form_data.get("name"))
        if not outcome.ok:
            self.name_error = outcome.message
            self._focus(NAME_INPUT)
            return None
        self._load_account(user_id)
        self.editing_name = False
        self.name_error = ""
        self._focus(EDIT_NAME_BUTTON)
        return rx.toast.success("Name saved")

    # ------------------------------------------------------------------------------------------ preferences

    @event
    def change_hidpi_override(self, enabled: bool):
        outcome = self._call(preferences.set_hidpi_override, enabled)
        if outcome.ok:
            self.hidpi_override = outcome.value.hidpi_override
        self.preferences_error = outcome.message

    @event
    def change_appearance(self, theme: str):
        outcome = self._call(preferences.set_theme, theme)
        if outcome.ok:
            self.theme = outcome.value.theme
        self.preferences_error = outcome.message

    # ------------------------------------------------------------------------------------------ usage data

    def _decide_usage(self, enabled: bool):
        outcome = self._call(usage_stats.set_usage_enabled, enabled)
        if outcome.signed_out:
            return None
        self.usage_error = outcome.message
        self._load_usage()
        if not outcome.ok:
            return None
        return rx.toast.success("Anonymous usage data will be sent" if enabled else "Anonymous usage data is off")

    @event
    @settles(USAGE)
    def change_usage_enabled(self, enabled: bool):
        return self._decide_usage(enabled)

    @event
    @settles(USAGE)
    def approve_usage(self):
        return self._decide_usage(True)

    @event
    @settles(USAGE)
    def deny_usage(self):
        return self._decide_usage(False)

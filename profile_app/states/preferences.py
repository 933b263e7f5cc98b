"""Identity card, User preferences and Anonymous usage data sections. Thin: resolve the user, call one service,
show its message. The HiDPI and appearance vars live on AuthState, so every signed-in page applies them."""

from __future__ import annotations

import json
from datetime import datetime

import reflex as rx

from profile_app.config import get_settings
from profile_app.services import preferences, usage_stats
from profile_app.services.errors import DomainError
from profile_app.states.base import AuthState, profile_section


def _minute(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


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

    def _load_usage(self, user_id: int) -> None:
        self.hosted = get_settings().hosted
        if self.hosted:
            return
        state = usage_stats.get_usage_state(user_id)
        self.usage_enabled = state.enabled
        self.usage_can_change = state.can_change
        self.usage_prompt = state.prompt
        if state.decided:
            by = f" by {state.decided_by_name}" if state.decided_by_name else ""
            verb = "Enabled" if state.enabled else "Disabled"
            self.usage_decision = f"{verb}{by} on {_minute(state.decided_at)} (version {state.decided_version})."
        else:
            self.usage_decision = "No decision has been made yet."
        self.usage_report_json = json.dumps(usage_stats.build_report(), indent=2)
        self.usage_last_sent = _minute(state.last_report_at) or "never"
        self.usage_last_failure = state.last_failure
        self.usage_url_configured = state.report_url_configured

    @rx.event
    def load(self):
        user_id = self._user_id()
        if user_id is None:
            return
        self.editing_name = False
        self.name_error = self.preferences_error = self.usage_error = ""
        self._load_usage(user_id)

    # ------------------------------------------------------------------------------------------ identity card

    @rx.event
    def start_name_edit(self):
        if self._user_id() is None:
            return
        self.name_error = ""
        self.editing_name = True

    @rx.event
    def cancel_name_edit(self):
        self.editing_name = False
        self.name_error = ""

    @rx.event
    def name_key_down(self, key: str):
        """Esc cancels; Enter submits the form, which calls save_name."""
        if key == "Escape":
            self.editing_name = False
            self.name_error = ""

    @rx.event
    def save_name(self, form_data: dict):
        user_id = self._user_id()
        if user_id is None:
            return None
        try:
            preferences.rename_user(user_id, form_data.get("name"))
        except DomainError as error:
            self.name_error = error.message
            return None
        self._load_account(user_id)
        self.editing_name = False
        self.name_error = ""
        return rx.toast.success("Name saved")

    # ------------------------------------------------------------------------------------------ preferences

    @rx.event
    def change_hidpi_override(self, enabled: bool):
        user_id = self._user_id()
        if user_id is None:
            return
        try:
            self.hidpi_override = preferences.set_hidpi_override(user_id, enabled).hidpi_override
            self.preferences_error = ""
        except DomainError as error:
            self.preferences_error = error.message

    @rx.event
    def change_appearance(self, theme: str):
        user_id = self._user_id()
        if user_id is None:
            return
        try:
            self.theme = preferences.set_theme(user_id, theme).theme
            self.preferences_error = ""
        except DomainError as error:
            self.preferences_error = error.message

    # ------------------------------------------------------------------------------------------ usage data

    def _decide_usage(self, enabled: bool):
        user_id = self._user_id()
        if user_id is None:
            return None
        try:
            usage_stats.set_usage_enabled(user_id, enabled)
            self.usage_error = ""
        except DomainError as error:
            self.usage_error = error.message
            return None
        finally:
            if not get_settings().hosted:
                self._load_usage(user_id)
        return rx.toast.success("Anonymous usage data will be sent" if enabled else "Anonymous usage data is off")

    @rx.event
    def change_usage_enabled(self, enabled: bool):
        return self._decide_usage(enabled)

    @rx.event
    def approve_usage(self):
        return self._decide_usage(True)

    @rx.event
    def deny_usage(self):
        return self._decide_usage(False)

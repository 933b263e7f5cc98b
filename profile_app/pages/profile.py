"""/profile: the sections in page order, and the navigation built from the same list.

Adding a section is one entry in `SECTIONS`: `Section(title, anchor, component, visible)`.
- `title`: the heading and the navigation label ("Password and sign-in").
- `anchor`: the section's id and URL, `/profile#<anchor>` ("sign-in").
- `component`: a function `(section) -> rx.Component` in `components/<feature>.py` that renders its content with
  `section_card(section, *content, action=<primary button>, description=...)`.
- `visible`: a state var deciding whether the section (and its link) shows, e.g. `AuthState.is_admin` for
  "Users", `~AuthState.hosted` for self-hosted only; leave it out for always.
The section's state registers itself with `@profile_section` (states/base.py) so the page loads it on open."""

from __future__ import annotations

import reflex as rx

from profile_app.components.account_security import password_section, security_log_section, sessions_section
from profile_app.components.administration import users_section
from profile_app.components.cloud_access import cloud_access_section
from profile_app.components.credentials import credentials_section
from profile_app.components.layout import signed_in_page
from profile_app.components.preferences import identity_section, preferences_section, usage_data_section
from profile_app.components.sections import Section, render_sections, section_nav
from profile_app.components.single_sign_on import single_sign_on_section
from profile_app.components.two_factor import two_factor_section
from profile_app.components.workspaces import workspaces_section
from profile_app.states.base import AuthState
from profile_app.states.single_sign_on import SingleSignOnState

SECTIONS: list[Section] = [
    Section("Profile", "profile", identity_section),
    Section("User preferences", "preferences", preferences_section),
    Section("Anonymous usage data", "usage-data", usage_data_section, visible=~AuthState.hosted),
    Section("Workspaces & members", "workspaces", workspaces_section),
    Section("Users", "users", users_section, visible=AuthState.is_admin & ~AuthState.hosted),
    Section("App credentials", "credentials", credentials_section),
    Section("Cloud access", "cloud-access", cloud_access_section),
    Section("Password and sign-in", "sign-in", password_section),
    Section("Two-factor sign-in", "two-factor", two_factor_section),
    Section("Sessions", "sessions", sessions_section),
    Section("Security log", "security-log", security_log_section),
    Section("Single sign-on", "single-sign-on", single_sign_on_section, visible=SingleSignOnState.sso_configured),
]


def profile_page() -> rx.Component:
    return signed_in_page(*render_sections(SECTIONS), nav=section_nav(SECTIONS))

"""/profile: the sections in page order. A feature adds its section here: import its component function and
append it to `sections()`; its state registers itself with @profile_section so the page loads it on open."""

from __future__ import annotations

import reflex as rx

from profile_app.components.credentials import credentials_section
from profile_app.components.layout import signed_in_page
from profile_app.components.workspaces import members_section, workspaces_section
from profile_app.states.base import AuthState


def account_summary() -> rx.Component:
    """Who is signed in and where (the identity card of the preferences feature supersedes it)."""
    return rx.card(
        rx.vstack(
            rx.heading(AuthState.user_name, size="5", as_="h2", id="profile-name"),
            rx.text(AuthState.user_email, id="profile-email"),
            rx.text("Workspace: ", rx.text.strong(AuthState.workspace_name), id="profile-workspace"),
            spacing="1",
        ),
        width="100%",
    )


def sections() -> list[rx.Component]:
    return [account_summary(), workspaces_section(), members_section(), credentials_section()]


def profile_page() -> rx.Component:
    return signed_in_page(rx.heading("Profile", size="7", as_="h1"), *sections())

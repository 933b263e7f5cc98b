"""/profile: the sections in page order. A feature adds its section here: import its component function and
append it to `sections()`; its state registers itself with @profile_section so the page loads it on open."""

from __future__ import annotations

import reflex as rx

from profile_app.components.cloud_access import cloud_access_section
from profile_app.components.credentials import credentials_section
from profile_app.components.layout import signed_in_page
from profile_app.components.preferences import preferences_sections
from profile_app.components.workspaces import members_section, workspaces_section


def sections() -> list[rx.Component]:
    return [
        *preferences_sections(),
        workspaces_section(),
        members_section(),
        credentials_section(),
        cloud_access_section(),
    ]


def profile_page() -> rx.Component:
    return signed_in_page(rx.heading("Profile", size="7", as_="h1"), *sections())

"""Page frames: the signed-in frame (skip link, header, optional section navigation, main content) and the
centred card of the public pages. Every page has one `main` landmark, reached by the skip link."""

from __future__ import annotations

import reflex as rx

from profile_app.components.focus import focus_keeper
from profile_app.components.header import header
from profile_app.components.hidpi import display_preferences
from profile_app.states.base import AuthState
from profile_app.states.framework import anchor

MAIN_ID = "main-content"


def skip_link() -> rx.Component:
    return anchor("Skip to main content", href=f"#{MAIN_ID}", class_name="skip-link")


def _loading() -> rx.Component:
    return rx.el.main(
        rx.center(rx.spinner(size="3"), height="50vh"),
        id=MAIN_ID,
        aria_busy="true",
        aria_label="Loading",
    )


def signed_in_page(*children: rx.Component, nav: rx.Component | None = None) -> rx.Component:
    """Renders nothing private until the server has resolved the session (require_login runs on load)."""
    return rx.box(
        rx.cond(
            AuthState.signed_in,
            rx.fragment(
                display_preferences(),
                focus_keeper(),
                skip_link(),
                header(),
                rx.el.div(
                    nav if nav is not None else rx.fragment(),
                    rx.el.main(*children, id=MAIN_ID, tab_index=-1, class_name="page-main"),
                    class_name="page-shell has-nav" if nav is not None else "page-shell",
                ),
            ),
            _loading(),
        ),
        width="100%",
    )


def public_card(*children: rx.Component) -> rx.Component:
    return rx.fragment(
        focus_keeper(),
        skip_link(),
        rx.el.main(
            rx.center(
                rx.card(rx.vstack(*children, spacing="4", width="100%"), width="100%", max_width="26em", size="3"),
                min_height="85vh",
                padding="1em",
            ),
            id=MAIN_ID,
            tab_index=-1,
            style={"outline": "none"},
        ),
    )

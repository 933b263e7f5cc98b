"""Page frames: the signed-in frame (header, main content) and the centred card of the public pages."""

from __future__ import annotations

import reflex as rx

from profile_app.components.header import header
from profile_app.components.hidpi import display_preferences
from profile_app.states.base import AuthState


def signed_in_page(*children: rx.Component) -> rx.Component:
    """Renders nothing private until the server has resolved the session (require_login runs on load)."""
    return rx.box(
        rx.cond(
            AuthState.signed_in,
            rx.fragment(
                display_preferences(),
                header(),
                rx.el.main(
                    rx.vstack(*children, spacing="6", width="100%", max_width="72em", padding="1.5em"),
                    width="100%",
                    display="flex",
                    justify_content="center",
                ),
            ),
            rx.center(rx.spinner(size="3"), height="50vh", aria_label="Loading"),
        ),
        width="100%",
    )


def public_card(*children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(rx.vstack(*children, spacing="4", width="100%"), width="100%", max_width="26em", size="3"),
        min_height="85vh",
        padding="1em",
    )

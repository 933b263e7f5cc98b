"""The page for an address that does not exist: the app's look, plain words and a way back."""

from __future__ import annotations

import reflex as rx

from profile_app.components.layout import public_card


def not_found_page() -> rx.Component:
    return public_card(
        rx.heading("Page not found", size="6", as_="h1"),
        rx.text("There is nothing at this address. Check the link, or go back to your profile.", size="2"),
        rx.button(rx.link("Go to your profile", href="/profile", underline="none"), as_child=True, width="100%"),
    )

"""/sso-error?reason=<fixed code>: where every failed single sign-on ends. The message comes from the code's fixed
text (services/single_sign_on.py MESSAGES); nothing else in the URL is shown."""

from __future__ import annotations

import reflex as rx

from profile_app.components.layout import public_card
from profile_app.states.single_sign_on import SingleSignOnPageState


def sso_error_page() -> rx.Component:
    return public_card(
        rx.heading("Single sign-on did not complete", size="6", as_="h1"),
        rx.callout(SingleSignOnPageState.error_message, icon="triangle_alert", color_scheme="red", role="alert"),
        rx.text(rx.link("Back to log in", href="/login", underline="always"), size="2"),
    )

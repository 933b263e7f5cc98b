"""Single sign-on on the page: the "Sign in with SSO" link of /login and /signup, the /sso-error card, and the
Profile page's "Single sign-on" section with its password dialog."""

from __future__ import annotations

import reflex as rx

from profile_app.components.dialogs import form_dialog, form_dialog_actions
from profile_app.components.forms import field_error, invalid_props
from profile_app.components.sections import Section, section_card
from profile_app.components.styles import FIELD_LABEL
from profile_app.states.single_sign_on import (
    LINK_PASSWORD_INPUT,
    LINK_SSO,
    SingleSignOnPageState,
    SingleSignOnState,
)


def sso_sign_in_link() -> rx.Component:
    """A plain link (a full page load to the backend's /api/oidc/login), shaped like a button."""
    return rx.cond(
        SingleSignOnPageState.sso_enabled,
        rx.button(
            rx.el.a(
                SingleSignOnPageState.sso_label,
                href=SingleSignOnPageState.sso_href,
                id="sso-sign-in",
                reload_document=True,  # a document load of the backend route, not a client-side page change
            ),
            as_child=True,
            variant="outline",
            width="100%",
            size="3",
        ),
    )


def password_sign_in_display() -> rx.Var[str]:
    """The password form's CSS display: none with PROFILE_OIDC_ONLY (the server refuses passwords anyway)."""
    return rx.cond(SingleSignOnPageState.password_sign_in, "block", "none")


def _link_dialog() -> rx.Component:
    return form_dialog(
        "Link single sign-on",
        rx.form(
            rx.vstack(
                rx.el.label("Current password", html_for=LINK_PASSWORD_INPUT, class_name=FIELD_LABEL),
                rx.input(
                    id=LINK_PASSWORD_INPUT,
                    name="password",
                    type="password",
                    auto_complete="current-password",
                    required=True,
                    width="100%",
                    **invalid_props(SingleSignOnState.link_error, LINK_PASSWORD_INPUT),
                ),
                field_error(SingleSignOnState.link_error, LINK_PASSWORD_INPUT),
                form_dialog_actions("Continue", LINK_SSO),
                spacing="3",
                width="100%",
            ),
            on_submit=[LINK_SSO.start, SingleSignOnState.start_linking],
            reset_on_submit=False,
            no_validate=True,
        ),
        description="Confirm your password; you will then sign in at your single sign-on provider once.",
        open=SingleSignOnState.link_dialog_open,
        on_open_change=SingleSignOnState.set_link_dialog_open,
        max_width="28em",
    )


def single_sign_on_section(section: Section) -> rx.Component:
    return section_card(
        section,
        rx.cond(
            SingleSignOnState.sso_linked,
            rx.text("Linked: you can sign in with single sign-on.", size="2", id="sso-status"),
            rx.text("Not linked.", size="2", id="sso-status"),
        ),
        rx.cond(
            SingleSignOnState.sso_has_password,
            rx.fragment(),
            rx.text("This account has no password: it signs in with single sign-on only.", size="2"),
        ),
        _link_dialog(),
        action=rx.cond(
            SingleSignOnState.sso_linked | ~SingleSignOnState.sso_has_password,
            rx.fragment(),
            rx.button("Link single sign-on", on_click=SingleSignOnState.set_link_dialog_open(True)),
        ),
        description="Sign in through your organisation's identity provider.",
    )

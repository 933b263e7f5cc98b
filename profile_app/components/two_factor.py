"""Render only: the "Two-factor sign-in" section of /profile (set-up dialog with the QR code, the setup key and then
the recovery codes; the turn-off dialog) and the "Authentication code" step of /login."""

from __future__ import annotations

import reflex as rx

from profile_app.components.copy import copy_control
from profile_app.components.dialogs import form_dialog, form_dialog_actions
from profile_app.components.forms import field_error, invalid_props, labeled_input, submit_button
from profile_app.components.sections import Section, section_card
from profile_app.components.styles import SNIPPET
from profile_app.states.framework import connection_lost
from profile_app.states.two_factor import (
    DISABLE,
    DISABLE_CODE_ID,
    DISABLE_PASSWORD_ID,
    RECOVERY_CODE_COUNT,
    SETUP,
    SETUP_CODE_ID,
    SIGN_IN_CODE_ID,
    VERIFY,
    SignInCodeState,
    TwoFactorState,
    leaving_sign_in,
    recovery_codes,
    recovery_codes_download,
    setup_key,
    setup_qr,
)

QR_ALT = "QR code for your authenticator app. It holds the same setup key that is shown as text below."
CODE_HINT = "The 6-digit code from your authenticator app, or one of your recovery codes."


def _code_input(field_id: str, error, hint_id: str | None = None, **props) -> rx.Component:
    return rx.input(
        id=field_id,
        name="code",
        auto_complete="one-time-code",
        spell_check=False,
        auto_capitalize="none",
        max_length=32,
        width="100%",
        **invalid_props(error, field_id, hint_id),
        **props,
    )


# ---------------------------------------------------------------------------------------------- set-up dialog


def _setup_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "1. Scan this QR code with your authenticator app (for example Google Authenticator, Microsoft "
                "Authenticator or 1Password), or enter the setup key by hand.",
                size="2",
            ),
            rx.center(
                rx.cond(
                    setup_qr.value.to(str) != "",
                    rx.image(src=setup_qr.value.to(str), alt=QR_ALT, width="200px", height="200px"),
                    rx.spinner(size="3"),
                ),
                class_name="two-factor-qr",
                width="100%",
                padding="0.5em",
                background_color="white",
                border_radius="var(--radius-3)",
            ),
            rx.el.label("Setup key", html_for="two-factor-setup-key", class_name="field-label"),
            rx.input(
                id="two-factor-setup-key",
                value=setup_key.value.to(str),
                read_only=True,
                width="100%",
                font_family="monospace",
            ),
            copy_control(
                setup_key.value, name="two_factor_setup_key", field_id="two-factor-setup-key", label="Copy setup key"
            ),
            rx.text("2. Enter the 6-digit code the app shows.", size="2"),
            rx.el.label("Authentication code", html_for=SETUP_CODE_ID, class_name="field-label"),
            _code_input(SETUP_CODE_ID, TwoFactorState.setup_error, input_mode="numeric"),
            field_error(TwoFactorState.setup_error, SETUP_CODE_ID),
            form_dialog_actions("Turn on two-factor sign-in", SETUP),
            spacing="2",
            width="100%",
        ),
        on_submit=[SETUP.start, TwoFactorState.confirm_setup],
        reset_on_submit=False,
    )


def _recovery_codes() -> rx.Component:
    return rx.vstack(
        rx.callout(
            f"Two-factor sign-in is on. Save these {RECOVERY_CODE_COUNT} recovery codes somewhere safe: each one "
            "signs you in once if you lose your authenticator app. They will not be shown again.",
            icon="triangle_alert",
            color_scheme="amber",
            high_contrast=True,
            size="1",
            width="100%",
        ),
        rx.el.pre(
            recovery_codes.value.to(str),
            id="two-factor-recovery-codes",
            aria_label="Recovery codes",
            tab_index=0,
            style={**SNIPPET, "column_count": "2", "line_height": "1.8"},
        ),
        rx.hstack(
            copy_control(
                recovery_codes.value,
                name="two_factor_recovery_codes",
                label="Copy recovery codes",
                field_label="Recovery codes",
                multiline=True,
            ),
            rx.link(
                rx.icon("download", size=16, aria_hidden="true"),
                "Download as text",
                href=recovery_codes_download.value.to(str),
                download="recovery-codes.txt",
                size="2",
                underline="always",
                display="inline-flex",
                align_items="center",
                gap="0.3em",
            ),
            spacing="4",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        rx.hstack(rx.dialog.close(rx.button("Done", type="button")), justify="end", width="100%"),
        spacing="3",
        width="100%",
    )


def _setup_dialog() -> rx.Component:
    return form_dialog(
        rx.cond(TwoFactorState.setup_done, "Save your recovery codes", "Set up two-factor sign-in"),
        rx.cond(TwoFactorState.setup_done, _recovery_codes(), _setup_form()),
        open=TwoFactorState.setup_dialog_open,
        on_open_change=TwoFactorState.set_setup_dialog_open,
        max_width="34em",
    )


# -------------------------------------------------------------------------------------------- turn-off dialog


def _disable_dialog() -> rx.Component:
    password_error = TwoFactorState.disable_errors.get("password", "")
    code_error = TwoFactorState.disable_errors.get("code", "")
    return form_dialog(
        "Turn off two-factor sign-in",
        rx.form(
            rx.vstack(
                labeled_input(
                    "Password",
                    "password",
                    type="password",
                    id=DISABLE_PASSWORD_ID,
                    error=password_error,
                    autocomplete="current-password",
                ),
                rx.el.label("Authentication code", html_for=DISABLE_CODE_ID, class_name="field-label"),
                _code_input(DISABLE_CODE_ID, code_error),
                field_error(code_error, DISABLE_CODE_ID),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                    submit_button("Turn off two-factor sign-in", DISABLE, color_scheme="red"),
                    justify="end",
                    spacing="3",
                    width="100%",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=[DISABLE.start, TwoFactorState.disable],
            reset_on_submit=False,
        ),
        description="Enter your password and a code from your authenticator app (or a recovery code).",
        open=TwoFactorState.disable_dialog_open,
        on_open_change=TwoFactorState.set_disable_dialog_open,
        max_width="30em",
    )


# ------------------------------------------------------------------------------------------------------ section


def _status() -> rx.Component:
    return rx.cond(
        TwoFactorState.two_factor_on,
        rx.vstack(
            rx.hstack(
                rx.badge("On", color_scheme="green", high_contrast=True),
                rx.text("Since ", TwoFactorState.two_factor_since, size="2"),
                spacing="2",
                align="center",
            ),
            rx.text(
                "Recovery codes left: ",
                TwoFactorState.recovery_codes_left,
                f" of {RECOVERY_CODE_COUNT}.",
                size="2",
                color_scheme="gray",
            ),
            spacing="1",
        ),
        rx.hstack(rx.badge("Off", color_scheme="gray", high_contrast=True), spacing="2"),
    )


def _action() -> rx.Component:
    return rx.cond(
        TwoFactorState.two_factor_on,
        rx.button(
            "Turn off two-factor sign-in",
            variant="soft",
            color_scheme="red",
            disabled=connection_lost,
            on_click=TwoFactorState.open_disable,
        ),
        rx.button(
            rx.icon("shield-check", size=16, aria_hidden="true"),
            "Set up two-factor sign-in",
            disabled=connection_lost,
            on_click=TwoFactorState.open_setup,
        ),
    )


def two_factor_section(section: Section) -> rx.Component:
    return section_card(
        section,
        rx.cond(
            TwoFactorState.section_error != "",
            rx.callout(
                TwoFactorState.section_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
            ),
        ),
        _status(),
        _setup_dialog(),
        _disable_dialog(),
        action=_action(),
        description="Log in with your password and a code from an authenticator app on your phone. "
        "API credentials (access key and secret) keep working without a code.",
    )


# ------------------------------------------------------------------------------------------- the sign-in step


def sign_in_code_step() -> rx.Component:
    """Shown on /login instead of the password form while a challenge waits for its code."""
    return rx.vstack(
        rx.form(
            rx.vstack(
                rx.text("Two-factor sign-in is on for this account.", size="2"),
                rx.el.label("Authentication code", html_for=SIGN_IN_CODE_ID, class_name="field-label"),
                _code_input(
                    SIGN_IN_CODE_ID,
                    SignInCodeState.code_error,
                    hint_id=f"{SIGN_IN_CODE_ID}-hint",
                ),
                rx.text(CODE_HINT, id=f"{SIGN_IN_CODE_ID}-hint", size="1", color_scheme="gray"),
                field_error(SignInCodeState.code_error, SIGN_IN_CODE_ID),
                submit_button("Verify", VERIFY, width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=[VERIFY.start, SignInCodeState.verify_code],
            reset_on_submit=True,
            no_validate=True,
            width="100%",
        ),
        rx.button(
            "Back to log in",
            type="button",
            variant="ghost",
            on_click=SignInCodeState.start_over,
        ),
        spacing="3",
        width="100%",
    )


def sign_in_code_shown() -> rx.Var[bool]:
    """Whether /login shows the code step instead of the password form."""
    return SignInCodeState.asking_code | leaving_sign_in.value.to(bool)


def sign_in_restart_notice() -> rx.Component:
    return rx.cond(
        SignInCodeState.restart_notice != "",
        rx.callout(SignInCodeState.restart_notice, icon="info", role="status", width="100%"),
    )

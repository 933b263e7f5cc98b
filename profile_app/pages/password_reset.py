"""/forgot: "Send reset link" (the same answer whether or not the email has an account; without mail, how an
administrator makes a link) and /reset/<token>: "Set new password", or why the link cannot be used."""

from __future__ import annotations

import reflex as rx

from profile_app.components.forms import field_error, labeled_input, submit_button
from profile_app.components.layout import public_card
from profile_app.states.password_reset import (
    PASSWORD_HINT,
    REQUEST_SENT_MESSAGE,
    RESET_LINK_COMMAND,
    SEND_RESET_LINK,
    SET_NEW_PASSWORD,
    ForgotPasswordState,
    ResetPasswordState,
)


def _back_to_login(text: str = "Back to log in") -> rx.Component:
    return rx.text(rx.link(text, href="/login", underline="always"), size="2")


def _forgot_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Enter the email of your account and we will send you a link to set a new password."),
            labeled_input(
                "Email",
                "email",
                type="email",
                error=ForgotPasswordState.forgot_email_error,
                autocomplete="email",
                required=True,
            ),
            field_error(ForgotPasswordState.forgot_error, "forgot"),
            submit_button("Send reset link", SEND_RESET_LINK, width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=[SEND_RESET_LINK.start, ForgotPasswordState.send_reset_link],
        reset_on_submit=False,
        no_validate=True,
        width="100%",
    )


def _request_sent() -> rx.Component:
    return rx.callout(
        REQUEST_SENT_MESSAGE,
        icon="mail",
        id="reset-request-sent",
        tab_index=-1,
        role="status",
        width="100%",
    )


def _mail_not_set_up() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("info")),
        rx.callout.text(
            "Email is not set up on this server, so it cannot send reset links. "
            "An administrator can make a reset link for you with ",
            rx.code(RESET_LINK_COMMAND, class_name="wrap-anywhere"),
            ".",
        ),
        id="reset-mail-not-set-up",
        width="100%",
    )


def forgot_page() -> rx.Component:
    return public_card(
        rx.heading("Reset your password", size="6", as_="h1"),
        rx.cond(
            ForgotPasswordState.forgot_loaded,
            rx.cond(
                ForgotPasswordState.mail_configured,
                rx.cond(ForgotPasswordState.forgot_sent, _request_sent(), _forgot_form()),
                _mail_not_set_up(),
            ),
            _spinner(),
        ),
        _back_to_login(),
    )


def _reset_form() -> rx.Component:
    return rx.vstack(
        rx.heading("Set a new password", size="6", as_="h1"),
        rx.text("Setting a new password signs you out everywhere, on every device."),
        rx.form(
            rx.vstack(
                labeled_input(
                    "New password",
                    "new_password",
                    type="password",
                    error=ResetPasswordState.new_password_error,
                    autocomplete="new-password",
                    required=True,
                    hint=PASSWORD_HINT,
                ),
                labeled_input(
                    "Confirm new password",
                    "confirm_password",
                    type="password",
                    error=ResetPasswordState.confirm_password_error,
                    autocomplete="new-password",
                    required=True,
                ),
                field_error(ResetPasswordState.reset_error, "reset"),
                submit_button("Set new password", SET_NEW_PASSWORD, width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=[SET_NEW_PASSWORD.start, ResetPasswordState.set_new_password],
            reset_on_submit=False,
            no_validate=True,
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _reset_problem(title: str) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="6", as_="h1"),
        rx.text(ResetPasswordState.link_message, id="reset-message", role="alert"),
        rx.text(rx.link("Request a new reset link", href="/forgot", underline="always"), size="2"),
        _back_to_login(),
        spacing="3",
        width="100%",
    )


def _reset_done() -> rx.Component:
    return rx.vstack(
        rx.heading("Password changed", size="6", as_="h1"),
        rx.text(
            "Your password has been reset and every session of your account was signed out. "
            "Log in with your new password.",
            id="reset-done",
            tab_index=-1,
            role="status",
        ),
        rx.link("Log in", href="/login", weight="medium", underline="always"),
        spacing="3",
        width="100%",
    )


def _spinner() -> rx.Component:
    return rx.center(rx.spinner(size="3"), aria_busy="true", width="100%")


def _loading() -> rx.Component:
    return rx.vstack(rx.heading("Reset your password", size="6", as_="h1"), _spinner(), width="100%")


def reset_page() -> rx.Component:
    return public_card(
        rx.match(
            ResetPasswordState.reset_status,
            ("valid", _reset_form()),
            ("done", _reset_done()),
            ("used", _reset_problem("Reset link already used")),
            ("expired", _reset_problem("Reset link expired")),
            ("unknown", _reset_problem("Reset link not valid")),
            _loading(),
        ),
    )

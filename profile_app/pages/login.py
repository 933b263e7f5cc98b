"""/login and /signup. A failed sign-up marks every invalid field at once and focuses the first; the submit
button is busy until the answer."""

from __future__ import annotations

import reflex as rx

from profile_app.components.forms import field_error, invalid_props, labeled_input, submit_button
from profile_app.components.layout import public_card
from profile_app.components.single_sign_on import password_sign_in_display, sso_sign_in_link
from profile_app.components.two_factor import sign_in_code_shown, sign_in_code_step, sign_in_restart_notice
from profile_app.states.auth_forms import LOG_IN, SIGN_UP, LoginState, SignupState


def _next_suffix(state) -> rx.Var:
    nxt = state.router.url.query_parameters.get("next", "")
    return rx.cond(nxt != "", "?next=" + nxt.to(str), "")


def _login_field(label: str, name: str, **props) -> rx.Component:
    """Log-in fields share one generic error (which of the two is wrong is not said)."""
    return rx.vstack(
        rx.el.label(label, html_for=name, class_name="field-label"),
        rx.input(id=name, name=name, width="100%", **invalid_props(LoginState.login_error, "login"), **props),
        spacing="1",
        width="100%",
        align="start",
    )


def login_page() -> rx.Component:
    return public_card(
        rx.heading("Log in", size="6", as_="h1"),
        sso_sign_in_link(),
        sign_in_restart_notice(),
        rx.cond(sign_in_code_shown(), sign_in_code_step(), _password_form()),
        rx.text(
            "New here? ",
            rx.link("Create an account", href="/signup" + _next_suffix(LoginState), underline="always"),
            size="2",
            display=password_sign_in_display(),
        ),
    )


def _password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            _login_field("Email", "email", type="email", auto_complete="username", required=True),
            _login_field("Password", "password", type="password", auto_complete="current-password", required=True),
            field_error(LoginState.login_error, "login"),
            submit_button("Log in", LOG_IN, width="100%"),
            rx.link("Forgot password?", href="/forgot", size="2", underline="always"),
            spacing="3",
            width="100%",
        ),
        on_submit=[LOG_IN.start, LoginState.log_in],
        reset_on_submit=False,
        no_validate=True,
        width="100%",
        display=password_sign_in_display(),
    )


def signup_page() -> rx.Component:
    return public_card(
        rx.heading("Sign up", size="6", as_="h1"),
        sso_sign_in_link(),
        rx.cond(
            SignupState.signup_open,
            rx.form(
                rx.vstack(
                    labeled_input("Name", "name", error=SignupState.name_error, autocomplete="name", required=True),
                    labeled_input(
                        "Email",
                        "email",
                        type="email",
                        error=SignupState.email_error,
                        autocomplete="email",
                        required=True,
                    ),
                    labeled_input(
                        "Password",
                        "password",
                        type="password",
                        error=SignupState.password_error,
                        autocomplete="new-password",
                        required=True,
                        hint="12 to 128 characters.",
                    ),
                    field_error(SignupState.signup_error, "signup"),
                    submit_button("Sign up", SIGN_UP, width="100%"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=[SIGN_UP.start, SignupState.sign_up],
                reset_on_submit=False,
                no_validate=True,  # the server reports every field at once, in the page's words
                width="100%",
            ),
            rx.callout("Sign-up is closed on this server. Ask an administrator for an account.", icon="info"),
        ),
        rx.text(
            "Already have an account? ",
            rx.link("Log in", href="/login" + _next_suffix(SignupState), underline="always"),
            size="2",
        ),
    )

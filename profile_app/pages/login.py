from __future__ import annotations

import reflex as rx

from profile_app.components.forms import field_error, labeled_input
from profile_app.components.layout import public_card
from profile_app.states.auth_forms import LoginState, SignupState


def _next_suffix(state) -> rx.Var:
    nxt = state.router.url.query_parameters.get("next", "")
    return rx.cond(nxt != "", "?next=" + nxt.to(str), "")


def login_page() -> rx.Component:
    return public_card(
        rx.heading("Log in", size="6", as_="h1"),
        rx.form(
            rx.vstack(
                labeled_input("Email", "email", type="email", autocomplete="username", required=True),
                labeled_input("Password", "password", type="password", autocomplete="current-password", required=True),
                field_error(LoginState.login_error, "login"),
                rx.button("Log in", type="submit", width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=LoginState.log_in,
            reset_on_submit=False,
            width="100%",
        ),
        rx.text(
            "New here? ",
            rx.link("Create an account", href="/signup" + _next_suffix(LoginState)),
            size="2",
        ),
    )


def signup_page() -> rx.Component:
    return public_card(
        rx.heading("Sign up", size="6", as_="h1"),
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
                    ),
                    rx.text("12 to 128 characters.", size="1", color_scheme="gray"),
                    field_error(SignupState.signup_error, "signup"),
                    rx.button("Sign up", type="submit", width="100%"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=SignupState.sign_up,
                reset_on_submit=False,
                width="100%",
            ),
            rx.callout("Sign-up is closed on this server. Ask an administrator for an account.", icon="info"),
        ),
        rx.text("Already have an account? ", rx.link("Log in", href="/login" + _next_suffix(SignupState)), size="2"),
    )

"""/join/<token>: who invites you where, and "Join workspace"; a signed-out visitor logs in or signs up and
comes back here. Clear pages for an unknown, expired or revoked link, a full workspace, and existing members."""

from __future__ import annotations

import reflex as rx

from profile_app.components.forms import action_button
from profile_app.components.layout import public_card
from profile_app.states.base import AuthState
from profile_app.states.workspaces import JOIN, JoinState


def _next_to_here() -> rx.Var:
    return "?next=" + JoinState.router.url.path


def _join_ok() -> rx.Component:
    return rx.vstack(
        rx.heading("Join " + JoinState.join_workspace_name, size="6", as_="h1", class_name="wrap-anywhere"),
        rx.text(
            rx.cond(
                JoinState.join_inviter_name != "",
                JoinState.join_inviter_name + " invited you to join " + JoinState.join_workspace_name + ".",
                "You are invited to join " + JoinState.join_workspace_name + ".",
            ),
            id="join-invitation",
        ),
        rx.cond(
            AuthState.signed_in,
            rx.vstack(
                rx.text("You are logged in as ", rx.text.strong(AuthState.user_name), " (", AuthState.user_email, ")."),
                action_button("Join workspace", JOIN, JoinState.join, width="100%"),
                width="100%",
            ),
            rx.vstack(
                rx.text("Log in or sign up to join."),
                rx.hstack(
                    rx.link("Log in", href="/login" + _next_to_here(), weight="medium", underline="always"),
                    rx.link("Sign up", href="/signup" + _next_to_here(), weight="medium", underline="always"),
                    spacing="3",
                ),
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _join_problem(title: str, extra: rx.Component | None = None) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="6", as_="h1"),
        rx.text(JoinState.join_message, id="join-message"),
        extra or rx.fragment(),
        rx.link("Go to your profile", href="/profile", underline="always"),
        spacing="3",
        width="100%",
    )


def _loading() -> rx.Component:
    return rx.vstack(
        rx.heading("Join a workspace", size="6", as_="h1"),
        rx.center(rx.spinner(size="3"), aria_busy="true", width="100%"),
        width="100%",
    )


def join_page() -> rx.Component:
    return public_card(
        rx.match(
            JoinState.join_status,
            ("loading", _loading()),
            ("ok", _join_ok()),
            ("unknown", _join_problem("Invitation not found")),
            ("expired", _join_problem("Invitation expired")),
            ("revoked", _join_problem("Invitation revoked")),
            ("full", _join_problem("Workspace full")),
            (
                "already_member",
                _join_problem(
                    "Already a member",
                    action_button(
                        "Switch to " + JoinState.join_workspace_name,
                        JOIN,
                        JoinState.switch_to_workspace,
                        width="100%",
                    ),
                ),
            ),
            ("removed", _join_problem("Invitation no longer valid for you")),
            _loading(),
        ),
        rx.cond(
            JoinState.join_error != "",
            rx.text(JoinState.join_error, color_scheme="red", size="2", role="alert"),
        ),
    )

"""Wiring only: the Reflex app, its pages, the HTTP API and the start-up tasks."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import reflex as rx

from profile_app.api import create_api
from profile_app.asgi_guard import security_guard
from profile_app.components.connection import connection_banner
from profile_app.components.styles import GLOBAL_CSS
from profile_app.config import get_settings
from profile_app.pages.join import join_page
from profile_app.pages.login import login_page, signup_page
from profile_app.pages.not_found import not_found_page
from profile_app.pages.password_reset import forgot_page, reset_page
from profile_app.pages.profile import profile_page
from profile_app.pages.single_sign_on import sso_error_page
from profile_app.services.housekeeping import run_pruner
from profile_app.services.usage_stats import run_reporter
from profile_app.states.auth_forms import LoginState, SignupState
from profile_app.states.base import AuthState
from profile_app.states.busy import UNEXPECTED_FAILURE
from profile_app.states.event_guard import MarkerGuard, frontend_exception_logger
from profile_app.states.framework import replace_app_wraps
from profile_app.states.password_reset import ForgotPasswordState, ResetPasswordState
from profile_app.states.single_sign_on import SingleSignOnPageState
from profile_app.states.workspaces import JoinState


def prepare_database() -> None:
    """The embedded default migrates its SQLite file to head before serving; production runs
    `python -m profile_app.manage migrate` once, before it starts its workers."""
    from profile_app.db import restrict_file_permissions, transaction
    from profile_app.migrations import upgrade_to_head
    from profile_app.services.accounts import ensure_server_settings

    # Whatever the backend writes from now on (Reflex's state files, new database files) is owner-only.
    os.umask(0o077)
    restrict_file_permissions()
    states_dir = Path(os.environ.get("REFLEX_STATES_WORKDIR", ".states"))
    if states_dir.is_dir():
        states_dir.chmod(0o700)
    if get_settings().embedded:
        upgrade_to_head()
    with transaction() as session:
        ensure_server_settings(session)


def index() -> rx.Component:
    return rx.el.main(rx.center(rx.spinner(), height="50vh"), aria_label="Loading")


def backend_exception_handler(exception: Exception):
    """An error nobody planned for: logged with its traceback for the operator, a plain sentence for the person."""
    logging.getLogger("profile_app").error("unexpected error in an event handler", exc_info=exception)
    return rx.toast.error(UNEXPECTED_FAILURE, id="backend_error")


app = rx.App(
    # The API's routes beside Reflex's, then the guard around everything (cookie digest, headers, origins).
    api_transformer=[create_api(), security_guard],
    frontend_exception_handler=frontend_exception_logger,
    backend_exception_handler=backend_exception_handler,
    head_components=[rx.el.style(GLOBAL_CSS)],
    html_lang="en",
)
app.add_middleware(MarkerGuard())
replace_app_wraps(
    app,
    overlay=connection_banner,
    error_fallback=rx.el.div(
        rx.el.p("Something went wrong on this page."),
        rx.el.a("Reload the page", href="/profile"),
        role="alert",
        style={"padding": "2em", "font_family": "system-ui, sans-serif"},
    ),
)
app.register_lifespan_task(prepare_database)
app.register_lifespan_task(run_reporter)  # anonymous usage reports: self-hosted, when enabled and a URL is set
app.register_lifespan_task(run_pruner)  # hourly: old security events, expired sessions, grants and invitations
app.add_page(index, route="/", title="Profile", on_load=rx.redirect("/profile"))
app.add_page(
    login_page, route="/login", title="Log in · Profile",
    on_load=[LoginState.open_login, SingleSignOnPageState.open_options],
)
app.add_page(
    signup_page, route="/signup", title="Sign up · Profile",
    on_load=[SignupState.open_signup, SingleSignOnPageState.open_options],
)
app.add_page(
    sso_error_page, route="/sso-error", title="Single sign-on · Profile", on_load=SingleSignOnPageState.open_error
)
app.add_page(
    profile_page,
    route="/profile",
    title="Profile",
    on_load=AuthState.open_profile,
)
app.add_page(join_page, route="/join/[token]", title="Join a workspace · Profile", on_load=JoinState.open_join)
app.add_page(
    forgot_page, route="/forgot", title="Reset your password · Profile", on_load=ForgotPasswordState.open_forgot
)
app.add_page(
    reset_page, route="/reset/[token]", title="Set a new password · Profile", on_load=ResetPasswordState.open_reset
)
app.add_page(not_found_page, route="404", title="Page not found · Profile")

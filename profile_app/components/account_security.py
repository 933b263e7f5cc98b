"""Render only: the "Password and sign-in", "Sessions" and "Security log" sections of /profile. Every control's
accessible name starts with its visible wording; the tables stack into cards on narrow screens like the others."""

from __future__ import annotations

import reflex as rx

from profile_app.components.forms import action_button, labeled_input, submit_button
from profile_app.components.sections import Section, section_card
from profile_app.components.tables import cell_text, data_table, table_row, truncated
from profile_app.states.account_security import (
    CHANGE_PASSWORD,
    LOG_PAGE,
    NO_PASSWORD,
    PASSWORD_FIELDS,
    PASSWORD_MAX,
    PASSWORD_MIN,
    SIGN_OUT_OTHERS,
    SIGN_OUT_SESSION,
    LogRow,
    PasswordState,
    SecurityLogState,
    SessionRow,
    SessionsState,
)
from profile_app.states.framework import connection_lost

SESSION_COLUMNS = ["Device", "IP address", "Signed in", "Last active"]
LOG_COLUMNS = ["Event", "Time", "IP address", "Browser", "Detail"]


def _error(message) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )


# ------------------------------------------------------------------------------------------ Password and sign-in


def _password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            labeled_input(
                "Current password",
                "current_password",
                type="password",
                id=PASSWORD_FIELDS["current_password"],
                autocomplete="current-password",
                error=PasswordState.current_password_error,
                max_length=PASSWORD_MAX,
            ),
            labeled_input(
                "New password",
                "new_password",
                type="password",
                id=PASSWORD_FIELDS["new_password"],
                autocomplete="new-password",
                error=PasswordState.new_password_error,
                hint=f"At least {PASSWORD_MIN} characters.",
                max_length=PASSWORD_MAX,
            ),
            _error(PasswordState.password_error),
            submit_button("Change password", CHANGE_PASSWORD),
            spacing="3",
            width="100%",
            max_width="28em",
            align="start",
        ),
        on_submit=[CHANGE_PASSWORD.start, PasswordState.change_password],
        reset_on_submit=False,
        width="100%",
    )


def password_section(section: Section) -> rx.Component:
    return section_card(
        section,
        rx.cond(
            PasswordState.has_password,
            _password_form(),
            rx.text(NO_PASSWORD, size="2", id="sign-in-no-password"),
        ),
        description=rx.cond(
            PasswordState.has_password,
            "Changing your password signs out every other session. Your API credentials are not affected: they "
            "keep working until you revoke them.",
            "Your API credentials work as usual.",
        ),
    )


# ------------------------------------------------------------------------------------------ Sessions


def _session_row(row: SessionRow) -> rx.Component:
    return table_row(
        SESSION_COLUMNS,
        rx.flex(
            truncated(row.device, width="16rem", style={"font_weight": "500"}),
            rx.cond(row.current, rx.badge("This device", color_scheme="green", high_contrast=True)),
            spacing="2",
            align="center",
            wrap="wrap",
            min_width="0",
        ),
        cell_text(row.ip_address, truncate=True, width="12rem"),
        rx.el.span(row.signed_in),
        rx.el.span(row.last_active),
        actions=rx.cond(
            row.current,
            rx.fragment(),
            rx.button(
                "Sign out",
                size="1",
                variant="soft",
                color_scheme="red",
                aria_label="Sign out " + row.device + ", last active " + row.last_active,
                loading=SIGN_OUT_SESSION.busy_for(row.public_id),
                disabled=connection_lost | SIGN_OUT_SESSION.value,
                on_click=[
                    SIGN_OUT_SESSION.start_for(row.public_id),
                    SessionsState.sign_out_session(row.public_id),
                ],
            ),
        ),
        aria_current=rx.cond(row.current, "true", "false"),
    )


def sessions_section(section: Section) -> rx.Component:
    return section_card(
        section,
        _error(SessionsState.sessions_error),
        data_table("Sessions", SESSION_COLUMNS, SessionsState.sessions, _session_row, stack="medium"),
        action=action_button(
            "Sign out all other sessions",
            SIGN_OUT_OTHERS,
            SessionsState.sign_out_other_sessions,
            disabled=~SessionsState.has_other_sessions,
            variant="soft",
            color_scheme="red",
        ),
        description="Browsers where you are signed in. Signing one out ends it at once; API credentials are not "
        "sessions and are not affected.",
    )


# ------------------------------------------------------------------------------------------ Security log


def _log_row(row: LogRow) -> rx.Component:
    return table_row(
        LOG_COLUMNS,
        rx.el.span(row.label),
        rx.el.span(row.time),
        cell_text(row.ip_address, truncate=True, width="12rem"),
        cell_text(row.browser, truncate=True, width="14rem"),
        cell_text(row.detail, truncate=True, width="18rem"),
    )


def _pager() -> rx.Component:
    return rx.hstack(
        action_button(
            "Newer",
            LOG_PAGE,
            SecurityLogState.show_newer,
            disabled=SecurityLogState.log_page == 0,
            size="2",
            variant="soft",
            color_scheme="gray",
        ),
        action_button(
            "Older",
            LOG_PAGE,
            SecurityLogState.show_older,
            disabled=~SecurityLogState.log_has_more,
            size="2",
            variant="soft",
            color_scheme="gray",
        ),
        spacing="2",
        justify="end",
        width="100%",
    )


def security_log_section(section: Section) -> rx.Component:
    return section_card(
        section,
        _error(SecurityLogState.log_error),
        rx.cond(
            SecurityLogState.events.length() > 0,
            rx.fragment(
                data_table("Security log", LOG_COLUMNS, SecurityLogState.events, _log_row, stack="wide"),
                rx.cond((SecurityLogState.log_page > 0) | SecurityLogState.log_has_more, _pager()),
            ),
            rx.text("No events yet.", size="2", color_scheme="gray"),
        ),
        description="What happened to your account, newest first. Events are kept for a limited time.",
    )

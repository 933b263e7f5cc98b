"""Dialogs: the frame of every form dialog, the confirmation of destructive actions, and their Cancel / submit
row. Every dialog gives the keyboard focus back to the control that opened it when it closes (Esc, Cancel, Done,
or after a submit); if that control is gone (the row was removed), to its section's heading.

A dialog's content is in the page only while it is open (`_while_open`): the always-present root keeps Radix's
open/close wiring, and the page's initial tree carries none of the forms. Closing unmounts the content, whose focus
scope then calls `on_close_auto_focus` (RESTORE_FOCUS) as it goes; each opening mounts fresh inputs."""

from __future__ import annotations

import reflex as rx

from profile_app.components.copy import copy_control
from profile_app.components.focus import RESTORE_FOCUS
from profile_app.components.forms import action_button, submit_button
from profile_app.states.busy import Pending


def _while_open(open, content: rx.Component) -> rx.Component:
    """The one place dialog content is made conditional on its dialog's open var."""
    return rx.cond(open, content)


def form_dialog(title, *children, open, on_open_change, description=None, max_width="32em") -> rx.Component:
    return rx.dialog.root(
        _while_open(
            open,
            rx.dialog.content(
                rx.dialog.title(title),
                rx.dialog.description(description, margin_bottom="1em") if description is not None else rx.fragment(),
                *children,
                max_width=max_width,
                on_close_auto_focus=RESTORE_FOCUS,
            ),
        ),
        open=open,
        on_open_change=on_open_change,
    )


def form_dialog_actions(submit_label: str, pending: Pending, *, disabled=None) -> rx.Component:
    """Cancel closes the dialog without submitting; the submit button sends the form and shows it is busy."""
    return rx.hstack(
        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
        submit_button(submit_label, pending, disabled=disabled),
        justify="end",
        spacing="3",
        width="100%",
    )


def confirm_dialog(
    title, description, confirm_label, on_confirm, *, pending: Pending, open, on_open_change
) -> rx.Component:
    """A destructive action's confirmation. It stays open, busy, until the server has answered, then closes."""
    description = description if isinstance(description, tuple) else (description,)
    return rx.alert_dialog.root(
        _while_open(
            open,
            rx.alert_dialog.content(
                rx.alert_dialog.title(title),
                rx.alert_dialog.description(*description, class_name="wrap-anywhere"),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    action_button(confirm_label, pending, on_confirm, color_scheme="red", high_contrast=True),
                    justify="end",
                    spacing="3",
                    margin_top="1em",
                ),
                max_width="32em",
                on_close_auto_focus=RESTORE_FOCUS,
            ),
        ),
        open=open,
        on_open_change=on_open_change,
    )


def shown_once_dialog(title, label, field_id, value, copy_name, *, description, open, on_open_change):
    """A secret link shown once (an invitation, a password reset): read-only, selectable, with its Copy control and
    "Done"; the caller's description says what it grants and that it will not be shown again."""
    return form_dialog(
        title,
        rx.vstack(
            rx.el.label(label, html_for=field_id, class_name="field-label"),
            rx.input(
                id=field_id, value=value, read_only=True, width="100%", font_family="var(--code-font-family, monospace)"
            ),
            copy_control(value, name=copy_name, label="Copy link", field_id=field_id),
            rx.hstack(
                rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        description=description,
        open=open,
        on_open_change=on_open_change,
        max_width="36em",
    )

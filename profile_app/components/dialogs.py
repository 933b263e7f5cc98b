"""Dialog pieces shared by every section: the confirmation dialog of destructive actions (remove, revoke,
leave) and the Cancel / submit row of form dialogs."""

from __future__ import annotations

import reflex as rx


def confirm_dialog(
    title, description, confirm_label: str, on_confirm, *, trigger=None, open=None, on_open_change=None
) -> rx.Component:
    """Opened by `trigger` (a button) or controlled by `open`/`on_open_change` from the state."""
    controlled = {} if open is None else {"open": open, "on_open_change": on_open_change}
    description = description if isinstance(description, tuple) else (description,)
    return rx.alert_dialog.root(
        *([rx.alert_dialog.trigger(trigger)] if trigger is not None else []),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(*description),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(confirm_label, color_scheme="red", on_click=on_confirm)),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
        **controlled,
    )


def form_dialog_actions(submit_label: str) -> rx.Component:
    """Cancel closes the dialog without submitting; the submit button sends the form."""
    return rx.hstack(
        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
        rx.button(submit_label, type="submit"),
        justify="end",
        width="100%",
    )

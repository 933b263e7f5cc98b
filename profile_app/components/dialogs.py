"""The one confirmation dialog every destructive action uses (remove, revoke, leave): a title, what will
happen, Cancel, and a red button named for the action."""

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

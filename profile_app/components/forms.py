"""Form controls with a visible label tied to the input, and the field's error message right beside it."""

from __future__ import annotations

import reflex as rx


def field_error(message, field_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.text(message, id=f"{field_id}-error", color_scheme="red", size="2", role="alert"),
    )


def labeled_input(
    label: str, name: str, *, type: str = "text", error=None, autocomplete: str = "", **props
) -> rx.Component:
    field_id = props.pop("id", name)
    extra = {"aria_describedby": f"{field_id}-error"} if error is not None else {}
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        rx.input(id=field_id, name=name, type=type, auto_complete=autocomplete or None, width="100%", **extra, **props),
        field_error(error, field_id) if error is not None else rx.fragment(),
        spacing="1",
        width="100%",
        align="start",
    )

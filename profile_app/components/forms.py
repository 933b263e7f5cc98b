"""Form controls with a visible label tied to the input, and the field's error right beside it: a failed submit
marks each invalid input (`aria-invalid`) and points it at its message (`aria-describedby`); the state moves the
focus to the first one. Submit buttons show a pending state and ignore clicks until the answer."""

from __future__ import annotations

import reflex as rx

from profile_app.components.styles import FIELD_LABEL, NATIVE_SELECT
from profile_app.states.busy import Pending
from profile_app.states.framework import connection_lost


def field_error(message, field_id: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.text(message, id=f"{field_id}-error", color_scheme="red", size="2", role="alert"),
    )


def invalid_props(message, field_id: str, hint_id: str | None = None) -> dict:
    """aria-invalid and aria-describedby for an input whose error text is `message` (hint: an always-shown help
    text the input is described by too)."""
    error_id = f"{field_id}-error"
    described = rx.cond(message != "", f"{error_id} {hint_id}" if hint_id else error_id, hint_id or "")
    return {"aria_invalid": rx.cond(message != "", "true", "false"), "aria_describedby": described}


def labeled_input(
    label: str, name: str, *, type: str = "text", error=None, autocomplete: str = "", hint: str = "", **props
) -> rx.Component:
    field_id = props.pop("id", name)
    hint_id = f"{field_id}-hint" if hint else None
    extra = invalid_props(error if error is not None else "", field_id, hint_id)
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name=FIELD_LABEL),
        rx.input(id=field_id, name=name, type=type, auto_complete=autocomplete or None, width="100%", **extra, **props),
        rx.text(hint, id=hint_id, size="1", color_scheme="gray") if hint else rx.fragment(),
        field_error(error, field_id) if error is not None else rx.fragment(),
        spacing="1",
        width="100%",
        align="start",
    )


def native_select(*options, **props) -> rx.Component:
    """A native <select>, bordered and sized like the text inputs."""
    return rx.el.select(*options, class_name=NATIVE_SELECT, **props)


def submit_button(label, pending: Pending, **props) -> rx.Component:
    """The form's submit button: busy from the click until the answer, and disabled while the connection is lost.
    (The form's on_submit starts `pending`, so Enter in a field counts too.)"""
    disabled = props.pop("disabled", None)
    blocked = connection_lost | pending.value
    return rx.button(
        *_children(label),
        type="submit",
        loading=pending.value,
        disabled=blocked | disabled if disabled is not None else blocked,
        **props,
    )


def action_button(label, pending: Pending, on_click, **props) -> rx.Component:
    """A button that changes data on its own (no form): busy from the click until the answer."""
    disabled = props.pop("disabled", None)
    blocked = connection_lost | pending.value
    chain = on_click if isinstance(on_click, list) else [on_click]
    return rx.button(
        *_children(label),
        loading=pending.value,
        disabled=blocked | disabled if disabled is not None else blocked,
        on_click=[pending.start, *chain],
        **props,
    )


def _children(label) -> tuple:
    return label if isinstance(label, tuple) else (label,)

"""Pieces every section's table shares: the visually hidden caption style and the small row-action button."""

from __future__ import annotations

import reflex as rx

# Hidden on screen, read by assistive technology (a table's caption names it; empty header cells say "Actions").
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
}


def row_action(label: str, aria_label, on_click=None, *, danger: bool = False) -> rx.Component:
    """A small soft button in a table row; `aria_label` names the row it acts on ("Revoke AKIA…")."""
    props = {"on_click": on_click} if on_click is not None else {}
    return rx.button(
        label, size="1", variant="soft", color_scheme="red" if danger else None, aria_label=aria_label, **props
    )

"""Copy buttons that never claim a copy that did not happen. With the Clipboard API (a secure context: https
or localhost) the button says "Copied" only once the browser confirms; without it, or when the browser refuses,
the text is selected in a read-only field with "Press Ctrl+C (⌘C) to copy". Both outcomes are announced politely."""

from __future__ import annotations

import reflex as rx

from profile_app.components.styles import VISUALLY_HIDDEN
from profile_app.states.framework import client_setter_js, client_state, js_handler

MANUAL_HINT = "Press Ctrl+C (⌘C) to copy"
COPIED = "Copied"
COPIED_SECONDS = 3


def copy_control(
    text: rx.Var,
    *,
    name: str,
    label: str = "Copy to clipboard",
    field_id: str | None = None,
    field_label: str = "",
    multiline: bool = False,
    **button_props,
) -> rx.Component:
    """A copy button for `text` (a var; its value is read in the browser when clicked). `field_id`: a read-only
    field already showing the text, selected for a manual copy; otherwise one appears beside the button."""
    status = client_state(f"copy_{name}", "")
    manual_id = field_id or f"copy-{name}-text"
    setter = client_setter_js(status)
    code = f"""() => {{
  const text = String({text!s} ?? "");
  const manual = () => {{
    {setter}("manual");
    setTimeout(() => {{
      const field = document.getElementById("{manual_id}");
      if (field) {{ field.focus(); field.select(); }}
    }}, 50);
  }};
  if (!text) return;
  if (!window.isSecureContext || !navigator.clipboard || !navigator.clipboard.writeText) {{ manual(); return; }}
  navigator.clipboard.writeText(text).then(() => {{
    {setter}("copied");
    clearTimeout(window.__profileCopyTimer_{name});
    window.__profileCopyTimer_{name} = setTimeout(() => {setter}(""), {COPIED_SECONDS * 1000});
  }}, manual);
}}"""
    state = status.value.to(str)
    manual_field = (
        rx.el.textarea(
            value=text,
            id=manual_id,
            read_only=True,
            rows=6,
            aria_label=field_label or label,
            style={"width": "100%", "font_family": "var(--code-font-family, monospace)", "font_size": "0.8em"},
        )
        if multiline
        else rx.input(id=manual_id, value=text, read_only=True, aria_label=field_label or label, width="100%")
    )
    return rx.vstack(
        rx.button(
            rx.cond(
                state == "copied",
                rx.icon("check", size=14, aria_hidden="true"),
                rx.icon("copy", size=14, aria_hidden="true"),
            ),
            rx.cond(state == "copied", COPIED, label),
            type="button",
            on_click=js_handler(code, status, text),
            **{"variant": "soft", **button_props},
        ),
        rx.cond(
            state == "manual",
            rx.vstack(
                manual_field if field_id is None else rx.fragment(),
                rx.text(MANUAL_HINT, size="2", weight="medium"),
                spacing="1",
                width="100%",
            ),
        ),
        rx.el.span(
            rx.match(state, ("copied", "Copied to the clipboard."), ("manual", MANUAL_HINT + "."), ""),
            role="status",
            style=VISUALLY_HIDDEN,
        ),
        spacing="2",
        align="start",
        width="100%",
    )

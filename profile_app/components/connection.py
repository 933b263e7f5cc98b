"""The connection banner, in place of Reflex's own toast (which speaks of websockets and URLs). While the
browser cannot reach the server a plain banner says so, controls that change data are disabled (they read
`connection_lost`), and clicks are dropped rather than queued (handlers are `temporal`). Once the connection is
back, the page's data reloads by itself (Reflex re-runs the page's load event when it reconnects) and every
pending flag is cleared, since an answer lost with the connection never comes."""

from __future__ import annotations

import reflex as rx

from profile_app.components.styles import CONNECTION_BANNER
from profile_app.states.busy import PENDING_PREFIX
from profile_app.states.framework import connection_lost, effect

CONNECTION_LOST = "Connection lost — reconnecting…"

_FOLLOW_CONNECTION = f"""
const offline = {connection_lost!s};
document.documentElement.toggleAttribute("data-offline", offline);
if (offline) {{ profileWasOffline.current = true; return; }}
if (!profileWasOffline.current) return;
profileWasOffline.current = false;
const prefix = "_client_state_set{PENDING_PREFIX.capitalize()}";
for (const key of Object.keys(refs)) {{
  if (key.startsWith(prefix) && typeof refs[key] === "function") refs[key]("");
}}
"""


def connection_banner() -> rx.Component:
    return rx.fragment(
        effect(_FOLLOW_CONNECTION, [connection_lost], hooks=["const profileWasOffline = useRef(false);"]),
        rx.cond(
            connection_lost,
            rx.el.div(
                rx.icon("wifi-off", size=16, aria_hidden="true"),
                rx.el.span(CONNECTION_LOST),
                role="alert",
                id="connection-banner",
                style=CONNECTION_BANNER,
            ),
        ),
    )

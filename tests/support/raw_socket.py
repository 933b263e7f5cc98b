"""A socket.io client speaking Reflex's event protocol, the way a crafted client would: send any handler any
arguments, record everything the server sends back. Shared by the handler safety net, the hardening tests and the
idempotency tests."""

from __future__ import annotations

import json
import threading
import time
import uuid

import socketio

from profile_app.config import SESSION_COOKIE_NAME

# Reflex's frontend connects to `<backend>/_event`, which socket.io reads as both the path and the namespace.
NAMESPACE = "/_event"


class RawClient:
    """Signed in (with `session_token`) the way a browser is: the HttpOnly session cookie rides on the handshake."""

    def __init__(self, base_url: str, session_token: str | None = None):
        self.token = str(uuid.uuid4())
        self.received: list[str] = []
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self._record, namespace=NAMESPACE)
        headers = {"Cookie": f"{SESSION_COOKIE_NAME}={session_token}"} if session_token else {}
        self.sio.connect(
            f"{base_url}?token={self.token}",
            headers=headers,
            socketio_path="/_event",
            namespaces=[NAMESPACE],
            transports=["websocket"],
            wait_timeout=10,
        )

    def _record(self, data):
        with self.lock:
            self.received.append(json.dumps(data, default=str))

    def emit(self, name: str, payload: dict, router_data: dict | None = None) -> None:
        router_data = router_data or {"pathname": "/profile", "asPath": "/profile"}
        self.sio.emit("event", {"name": name, "payload": payload, "router_data": router_data}, namespace=NAMESPACE)

    def handler(self, state, name: str, payload: dict | None = None) -> None:
        """Call `state.name(**payload)`, e.g. `handler(CredentialsState, "create", {"form_data": {...}})`."""
        self.emit(f"{state.get_full_name()}.{name}", payload or {})

    def settle(self, seconds: float = 0.3) -> None:
        """Wait until the server has been quiet for a moment (no assertion on time)."""
        last = -1
        while True:
            time.sleep(seconds)
            with self.lock:
                if len(self.received) == last:
                    return
                last = len(self.received)

    def close(self) -> None:
        self.sio.disconnect()

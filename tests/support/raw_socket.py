"""A socket.io client speaking Reflex's event protocol, the way a crafted client would: send any handler any
arguments, record everything the server sends back. Signing in is one method, so a change of how the server
learns who is asking touches this file only."""

from __future__ import annotations

import json
import threading
import time
import uuid

import socketio

# Reflex's frontend connects to `<backend>/_event`, which socket.io reads as both the path and the namespace.
NAMESPACE = "/_event"
UPDATE_VARS = "reflex___state____state.reflex___state____update_vars_internal_state.update_vars_internal"


class RawClient:
    def __init__(self, base_url: str):
        self.token = str(uuid.uuid4())
        self.received: list[str] = []
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self._record, namespace=NAMESPACE)
        self.sio.connect(
            f"{base_url}?token={self.token}",
            socketio_path="/_event",
            namespaces=[NAMESPACE],
            transports=["websocket"],
            wait_timeout=10,
        )

    def _record(self, data):
        with self.lock:
            self.received.append(json.dumps(data, default=str))

    def sign_in(self, session_token: str) -> None:
        """Act as the owner of this session from now on."""
        from profile_app.states.base import AuthState

        self.emit(UPDATE_VARS, {"vars": {f"{AuthState.get_full_name()}.session_token": session_token}})

    def emit(self, name: str, payload: dict, path: str = "/profile") -> None:
        self.sio.emit(
            "event",
            {"name": name, "payload": payload, "router_data": {"pathname": path, "asPath": path}},
            namespace=NAMESPACE,
        )

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

"""Shared pieces of the benchmarks: a production-build server, bulk seeding, statistics and socket.io clients.
Benchmarks print figures and ratios against a baseline measured in the same run; they never assert on time."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import platform
import secrets
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import socketio

from tests.e2e.harness import AppServer, make_server

BENCH_PORT = int(os.environ.get("PROFILE_BENCH_PORT", "3900"))
PASSWORD = "benchmark password 123"
NAMESPACE = "/_event"


def start_server(mode: str = "hosted", port: int = BENCH_PORT, **settings: str) -> AppServer:
    server = make_server(mode, port, Path(tempfile.mkdtemp(prefix="profile-bench-")), **settings)
    server.start()
    return server


def summary(samples: list[float]) -> dict:
    """Median and spread (min, p25, p75, p95, max) of a list of samples."""
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "min": ordered[0],
        "p25": pct(25),
        "p75": pct(75),
        "p95": pct(95),
        "max": ordered[-1],
    }


def fmt(stats: dict, unit: str = "ms", scale: float = 1.0) -> str:
    if not stats.get("n"):
        return "n/a"
    spread = ", ".join(f"{k} {stats[k] * scale:.1f}" for k in ("p25", "p75", "p95", "min", "max"))
    return f"median {stats['median'] * scale:.1f} {unit} ({spread}; n={stats['n']})"


def machine() -> str:
    import psutil

    return (
        f"{platform.node()} · {platform.system()} {platform.release()} · {platform.machine()} · "
        f"{os.cpu_count()} CPUs · {psutil.virtual_memory().total / 2**30:.0f} GiB · Python {platform.python_version()}"
    )


@dataclass
class SeededUser:
    user_id: int
    email: str
    token: str
    workspace_id: int


def seed_user(name: str, email: str | None = None) -> SeededUser:
    """Sign up and sign in through the services (call inside `server.services()`)."""
    from profile_app.services import accounts

    email = email or f"bench-{uuid.uuid4().hex[:10]}@example.com"
    user_id = accounts.sign_up(name, email, PASSWORD)
    token = accounts.sign_in(email, PASSWORD)
    return SeededUser(user_id, email, token, accounts.get_account(user_id).active_workspace_id)


def seed_rows(user: SeededUser, *, workspaces: int = 0, credentials: int = 0, cloud_rows: int = 0, members: int = 0):
    """Bulk rows straight into the tables (what the page has to render, not how it got there)."""
    from profile_app.db import transaction
    from profile_app.models import ApiCredential, CloudCredential, Membership, User, Workspace

    fake_hash = "$argon2id$v=19$m=65536,t=3,p=4$" + "A" * 22 + "$" + "B" * 43  # never verified
    with transaction() as session:
        for i in range(workspaces):
            ws = Workspace(name=f"Team {i + 1}", owner_id=user.user_id, max_members=10)
            session.add(ws)
            session.flush()
            session.add(Membership(workspace_id=ws.id, user_id=user.user_id, role="owner"))
        for _ in range(credentials):
            session.add(
                ApiCredential(
                    user_id=user.user_id,
                    workspace_id=user.workspace_id,
                    access_key=secrets.token_hex(12).upper(),
                    secret_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                    label="bench",
                )
            )
        for i in range(cloud_rows):
            session.add(
                CloudCredential(
                    user_id=user.user_id,
                    provider="s3",
                    bucket=f"bench-bucket-{i:03d}",
                    key="AKIA" + secrets.token_hex(8).upper(),
                    secret_last4="abcd",
                )
            )
        if members:
            session.get(Workspace, user.workspace_id).max_members = members + 10
            users = [
                User(email=f"m{i}-{uuid.uuid4().hex[:6]}@example.com", name=f"Member {i}", password_hash=fake_hash)
                for i in range(members)
            ]
            session.add_all(users)
            session.flush()
            session.add_all(Membership(workspace_id=user.workspace_id, user_id=u.id, role="member") for u in users)


class ReflexClient:
    """A socket.io client speaking Reflex's event protocol (what the browser's state.js does), signed in with a
    session token."""

    def __init__(self, base_url: str, session_token: str):
        self.base_url = base_url
        self.session_token = session_token
        self.client_token = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.updates: asyncio.Queue = asyncio.Queue()
        self.sio.on("event", self._on_update, namespace=NAMESPACE)

    async def _on_update(self, data):
        await self.updates.put(data)

    async def connect(self) -> None:
        from profile_app.config import SESSION_COOKIE_NAME
        from profile_app.states.base import AuthState

        # Signed in as a browser is: the HttpOnly session cookie rides on the websocket handshake.
        await self.sio.connect(
            f"{self.base_url}?token={self.client_token}",
            headers={"Cookie": f"{SESSION_COOKIE_NAME}={self.session_token}"},
            socketio_path="/_event",
            namespaces=[NAMESPACE],
            transports=["websocket"],
            wait_timeout=30,
        )
        await self.call(f"{AuthState.get_full_name()}.open_profile", {}, until="user_name")

    async def emit(self, name: str, payload: dict) -> None:
        await self.sio.emit(
            "event",
            {"name": name, "payload": payload, "router_data": {"pathname": "/profile", "asPath": "/profile"}},
            namespace=NAMESPACE,
        )

    async def call(self, name: str, payload: dict, until: str) -> float:
        """Emit an event and wait for the state update that mentions `until`; returns seconds elapsed."""
        while not self.updates.empty():
            self.updates.get_nowait()
        start = time.perf_counter()
        await self.emit(name, payload)
        while True:
            update = await asyncio.wait_for(self.updates.get(), timeout=60)
            if until in json.dumps(update, default=str):
                return time.perf_counter() - start

    async def close(self) -> None:
        await self.sio.disconnect()

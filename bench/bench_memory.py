"""Memory: resident memory of the backend (the server process and its workers) with 0 and then 100 connected,
signed-in sessions (socket.io clients that have loaded the Profile page's state)."""

from __future__ import annotations

import asyncio
import os
import time

import psutil

from bench.common import ReflexClient, seed_user, start_server

SESSIONS = int(os.environ.get("PROFILE_BENCH_SESSIONS", "100"))


def _rss_mib(pid: int) -> float:
    root = psutil.Process(pid)
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 2**20


def _settled_rss(pid: int) -> float:
    time.sleep(2)
    return min(_rss_mib(pid) for _ in range(3) if not time.sleep(0.5))


async def _connect_all(base_url: str, tokens: list[str]) -> list[ReflexClient]:
    clients = [ReflexClient(base_url, token) for token in tokens]
    for start in range(0, len(clients), 20):
        await asyncio.gather(*(c.connect() for c in clients[start : start + 20]))
    return clients


def run() -> dict:
    server = start_server("hosted")
    try:
        with server.services():
            from profile_app.states.base import AuthState  # noqa: F401  (state names, under the server's settings)

            tokens = [seed_user(f"Memory User {i}").token for i in range(SESSIONS)]
        idle = _settled_rss(server.process.pid)

        async def scenario():
            clients = await _connect_all(server.base_url, tokens)
            loaded = _settled_rss(server.process.pid)
            await asyncio.gather(*(c.close() for c in clients))
            return loaded

        loaded = asyncio.run(scenario())
    finally:
        server.stop()
    per_session_kib = (loaded - idle) * 1024 / SESSIONS
    lines = [
        f"0 sessions: {idle:.1f} MiB resident (server and workers)",
        f"{SESSIONS} signed-in sessions: {loaded:.1f} MiB resident",
        f"growth: {loaded - idle:.1f} MiB, {per_session_kib:.0f} KiB per session; ratio {loaded / idle:.2f}×",
    ]
    return {"title": f"Memory: backend RSS, 0 vs {SESSIONS} sessions", "lines": lines, "idle": idle, "loaded": loaded}


if __name__ == "__main__":
    result = run()
    print(result["title"])
    print("\n".join(result["lines"]))

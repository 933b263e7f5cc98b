"""Round trip: a preference toggle from the client's event to the persisted row and the state update coming
back, p50 and p95 at 1, 10 and 100 concurrent sessions (socket.io clients speaking Reflex's protocol), against a
bare python-socketio echo server on the same machine (the transport's floor). After the run every user's stored
preference is checked against the last value that user sent."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request

import socketio

from bench.common import NAMESPACE, ReflexClient, seed_user, start_server, summary
from tests.e2e.harness import PROJECT_ROOT, _free_port

LEVELS = [int(x) for x in os.environ.get("PROFILE_BENCH_LEVELS", "1,10,100").split(",")]
TOGGLES = int(os.environ.get("PROFILE_BENCH_TOGGLES", "20"))  # even, so each level starts from "on"


def _toggle_handler() -> tuple[str, str, str]:
    """(event name, argument name, var that the update carries) of the HiDPI switch's handler."""
    from profile_app.states.preferences import PreferencesState

    return f"{PreferencesState.get_full_name()}.change_hidpi_override", "enabled", "hidpi_override"


async def _app_round(base_url: str, tokens: list[str], event: str, arg: str, marker: str) -> list[float]:
    clients = [ReflexClient(base_url, token) for token in tokens]
    for start in range(0, len(clients), 20):
        await asyncio.gather(*(c.connect() for c in clients[start : start + 20]))

    async def one(client: ReflexClient) -> list[float]:
        samples = []
        for i in range(TOGGLES):
            # Starts from the default (on), so the first toggle turns it off: every event changes the row.
            samples.append(await client.call(event, {arg: i % 2 == 1}, until=marker))
        return samples

    try:
        results = await asyncio.gather(*(one(c) for c in clients))
    finally:
        await asyncio.gather(*(c.close() for c in clients))
    return [s for r in results for s in r]


async def _echo_round(url: str, sessions: int) -> list[float]:
    async def one() -> list[float]:
        client = socketio.AsyncClient(reconnection=False)
        queue: asyncio.Queue = asyncio.Queue()
        client.on("event", lambda data: queue.put_nowait(data), namespace=NAMESPACE)
        await client.connect(url, socketio_path="/_event", namespaces=[NAMESPACE], transports=["websocket"])
        samples = []
        for i in range(TOGGLES):
            start = time.perf_counter()
            await client.emit("event", {"name": "toggle", "payload": {"value": i % 2 == 0}}, namespace=NAMESPACE)
            await asyncio.wait_for(queue.get(), timeout=30)
            samples.append(time.perf_counter() - start)
        await client.disconnect()
        return samples

    results = await asyncio.gather(*(one() for _ in range(sessions)))
    return [s for r in results for s in r]


def _start_echo() -> tuple[subprocess.Popen, str]:
    port = _free_port(3990)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "bench.echo_server:app",
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_event/?EIO=4&transport=polling", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.1)
    return process, f"http://127.0.0.1:{port}"


def run() -> dict:
    server = start_server("hosted")
    echo, echo_url = _start_echo()
    figures: dict[int, dict] = {}
    try:
        with server.services():
            event, arg, marker = _toggle_handler()
            users = [seed_user(f"Round Trip {i}") for i in range(max(LEVELS))]
        for level in LEVELS:
            app_samples = asyncio.run(_app_round(server.base_url, [u.token for u in users[:level]], event, arg, marker))
            echo_samples = asyncio.run(_echo_round(echo_url, level))
            figures[level] = {"app": summary(app_samples), "echo": summary(echo_samples)}
        with server.services():
            from profile_app.services import accounts

            expected = (TOGGLES - 1) % 2 == 1
            wrong = [u.user_id for u in users if accounts.get_account(u.user_id).hidpi_override != expected]
    finally:
        echo.terminate()
        server.stop()
    lines = []
    for level, f in figures.items():
        app, floor = f["app"], f["echo"]
        lines.append(
            f"{level:>3} sessions: app p50 {app['median'] * 1000:.1f} ms, p95 {app['p95'] * 1000:.1f} ms | "
            f"echo p50 {floor['median'] * 1000:.2f} ms, p95 {floor['p95'] * 1000:.2f} ms | "
            f"ratio p50 {app['median'] / floor['median']:.1f}× (target ≤ 5×)"
        )
    lines.append(f"persisted rows matching the last toggle: {len(users) - len(wrong)} of {len(users)}")
    return {"title": "Round trip: preference toggle, app vs socket.io echo", "lines": lines, "figures": figures}


if __name__ == "__main__":
    result = run()
    print(result["title"])
    print("\n".join(result["lines"]))

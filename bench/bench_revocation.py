"""How long a revoked session keeps working on a worker that did not revoke it. Each worker remembers session
lookups for `session_cache.TTL_SECONDS`; the worker that ends a session forgets it at once, the others when their
entry ages out. Production configuration: PostgreSQL, Redis state, two workers. Sessions are ended from this
process (as another worker would), while several connections spread over both workers keep sending events;
the figure is the time from the revocation to the last event that was still accepted. Prints; asserts nothing."""

from __future__ import annotations

import asyncio
import json
import os
import time

from bench.common import ReflexClient, seed_user, start_server, summary

TRIALS = int(os.environ.get("PROFILE_BENCH_REVOCATION_TRIALS", "5"))
CONNECTIONS = int(os.environ.get("PROFILE_BENCH_REVOCATION_CONNECTIONS", "8"))
WATCH_SECONDS = 4.0


async def _trial(base_url: str, token: str, revoke) -> tuple[float, int]:
    from profile_app.states.preferences import PreferencesState

    event = f"{PreferencesState.get_full_name()}.change_hidpi_override"
    clients = [ReflexClient(base_url, token) for _ in range(CONNECTIONS)]
    await asyncio.gather(*(client.connect() for client in clients))
    last_accepted = [0.0] * len(clients)
    sent = [0]
    revoked_at = [0.0]

    async def keep_toggling(index: int, client: ReflexClient) -> None:
        value = True
        while not revoked_at[0] or time.perf_counter() - revoked_at[0] < WATCH_SECONDS:
            value = not value
            while not client.updates.empty():
                client.updates.get_nowait()
            await client.emit(event, {"enabled": value})
            sent[0] += 1
            try:
                update = await asyncio.wait_for(client.updates.get(), timeout=5)
            except TimeoutError:
                continue
            if "hidpi_override" in json.dumps(update, default=str):
                last_accepted[index] = time.perf_counter()

    async def revoke_soon() -> None:
        await asyncio.sleep(1.0)
        revoked_at[0] = time.perf_counter()
        await asyncio.to_thread(revoke)

    try:
        await asyncio.gather(revoke_soon(), *(keep_toggling(i, c) for i, c in enumerate(clients)))
    finally:
        await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)
    return max(0.0, max(last_accepted) - revoked_at[0]), sent[0]


def main() -> None:
    admin = os.environ.get("PROFILE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    os.environ.update(
        PROFILE_E2E_POSTGRES_URL=admin,
        REFLEX_REDIS_URL=os.environ.get("PROFILE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        GRANIAN_WORKERS="2",
    )
    server = start_server()
    try:
        windows, events = [], 0
        with server.services():
            from profile_app.services import accounts, security, session_cache

            for _ in range(TRIALS):
                user = seed_user("Revocation Bench")
                digest = security.token_digest(user.token)
                window, sent = asyncio.run(
                    _trial(server.base_url, user.token, lambda d=digest: accounts.end_session(d))
                )
                windows.append(window)
                events += sent
        stats = summary(windows)
        print(
            f"workers: 2 (PostgreSQL, Redis); connections per trial: {CONNECTIONS}; trials: {TRIALS}; events: {events}"
        )
        print(f"session cache lifetime: {session_cache.TTL_SECONDS * 1000:.0f} ms")
        print(
            "revoked session still accepted for: "
            f"median {stats['median'] * 1000:.0f} ms, max {stats['max'] * 1000:.0f} ms after the revocation"
        )
        print(f"ratio max / 2 s target: {stats['max'] / 2.0:.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

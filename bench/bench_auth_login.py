"""auth.login requests per second against the same server's /ping in the same run. /ping is the floor (no
database, no crypto); auth.login does one sha256, one row read and update, and signs a JWT. A slow password hash on
the 256-bit secret would show up here as a ratio far below the floor. Prints figures; asserts nothing."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench.common import fmt, seed_user, start_server, summary

REQUESTS = int(os.environ.get("PROFILE_BENCH_LOGIN_REQUESTS", "400"))
RUNS = int(os.environ.get("PROFILE_BENCH_RUNS", "5"))
THREADS = [int(x) for x in os.environ.get("PROFILE_BENCH_LOGIN_THREADS", "1,4").split(",")]


def _rate(url: str, threads: int, auth: tuple[str, str] | None) -> float:
    """Requests per second over REQUESTS requests spread across `threads` keep-alive clients; every answer checked."""
    per_thread = max(1, REQUESTS // threads)

    def worker(_: int) -> int:
        with httpx.Client(timeout=30) as client:
            for _ in range(per_thread):
                response = client.get(url, auth=auth)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:200]}")
        return per_thread

    with httpx.Client(timeout=30) as warm:  # first-request costs (imports, pools) stay out of the figure
        for _ in range(5):
            warm.get(url, auth=auth)
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        done = sum(pool.map(worker, range(threads)))
    return done / (time.perf_counter() - started)


def main() -> None:
    server = start_server()
    try:
        with server.services():
            from profile_app.services import credentials

            user = seed_user("Bench User")
            new = credentials.create_credentials(user.user_id, "bench")
        ping_url = f"http://127.0.0.1:{server.port}/ping"
        login_url = f"http://127.0.0.1:{server.port}/api/auth.login"
        print(f"{REQUESTS} requests per measurement, {RUNS} runs, HTTP keep-alive, SQLite (embedded default)")
        for threads in THREADS:
            pings, logins = [], []
            for _ in range(RUNS):  # interleaved, so both see the same machine load
                pings.append(_rate(ping_url, threads, None))
                logins.append(_rate(login_url, threads, (new.access_key, new.secret_key)))
            ping, login = summary(pings), summary(logins)
            print(f"{threads} client thread(s): /ping      {fmt(ping, 'req/s')}")
            print(f"{threads} client thread(s): auth.login {fmt(login, 'req/s')}")
            print(
                f"{threads} client thread(s): ratio of medians auth.login ÷ /ping = "
                f"{login['median'] / ping['median']:.2f} (target ≥ 0.5)"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()

"""Page: time until /profile is interactive for a signed-in user with 5 workspaces, 20 credentials and 10 cloud
rows (production build), cold (new browser context, empty cache) and warm (same context, reload), against /login
on the same server. "Interactive" = the page shows what it must (for /profile: the name, a workspace, a bucket and
an enabled Profile button; for /login: an enabled "Log in" button) and the server's "hydrated" update has arrived
(its on_load work is done, so the controls act), from the start of navigation."""

from __future__ import annotations

import os
import time

from playwright.sync_api import sync_playwright

from bench.common import fmt, seed_rows, seed_user, start_server, summary
from tests.e2e.conftest import CHROMIUM_ARGS, CHROMIUM_PATH

RUNS = int(os.environ.get("PROFILE_BENCH_RUNS", "7"))

PROFILE_READY = """(needles) => {
  const text = document.body ? document.body.innerText : "";
  const button = document.querySelector('#profile-button');
  return !!button && !button.disabled && needles.every((n) => text.includes(n));
}"""
LOGIN_READY = """() => {
  const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Log in');
  return !!button && !button.disabled;
}"""
SCRIPT_BYTES = """() => performance.getEntriesByType('resource')
  .filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js'))
  .reduce((sum, e) => sum + (e.decodedBodySize || 0), 0)"""
HYDRATED = '"is_hydrated_rx_state_":true'


class _HydrationWatch:
    """When the server's update saying the page is hydrated (its on_load work done) reached the browser."""

    def __init__(self, page):
        self.at: float | None = None
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if self.at is None and HYDRATED in str(payload):
            self.at = time.perf_counter()


def _measure(page, watch: _HydrationWatch, url: str, script: str, arg=None, script_bytes: list | None = None) -> float:
    """Milliseconds from navigation until the page shows what it must AND the server finished loading it: a page
    whose HTML is prerendered (like /login) is not interactive until its socket is connected and hydrated."""
    watch.at = None
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(script, arg=arg, polling="raf", timeout=60_000)
    shown = time.perf_counter()
    deadline = shown + 60
    while watch.at is None and time.perf_counter() < deadline:
        page.wait_for_timeout(5)
    if watch.at is None:
        raise RuntimeError(f"{url}: no hydrated update within 60 s")
    if script_bytes is not None:
        script_bytes.append(page.evaluate(SCRIPT_BYTES))
    return (max(shown, watch.at) - started) * 1000


def _server_side(server, token: str, runs: int) -> dict:
    """The page's load event alone over a raw socket (no browser): how much of the page time is the server's."""
    import asyncio

    from bench.common import ReflexClient
    from profile_app.states.base import AuthState

    async def probe() -> list[float]:
        samples = []
        for _ in range(runs):
            client = ReflexClient(server.base_url, token)
            await client.connect()  # itself runs open_profile once (a new tab's first load)
            samples.append(await client.call(f"{AuthState.get_full_name()}.open_profile", {}, until="user_name"))
            await client.close()
        return samples

    return summary([s * 1000 for s in asyncio.run(probe())])


def run() -> dict:
    server = start_server("hosted")
    try:
        with server.services():
            user = seed_user("Page Bench")
            seed_rows(user, workspaces=5, credentials=20, cloud_rows=10)
        needles = os.environ.get("PROFILE_BENCH_PAGE_NEEDLES", "Page Bench|Team 5|bench-bucket-009").split("|")
        results: dict[str, list[float]] = {"profile_cold": [], "profile_warm": [], "login_cold": [], "login_warm": []}
        script_bytes: dict[str, list[int]] = {"profile": [], "login": []}
        with sync_playwright() as playwright:
            options = {"args": CHROMIUM_ARGS}
            if CHROMIUM_PATH:
                options["executable_path"] = CHROMIUM_PATH
            browser = playwright.chromium.launch(**options)
            for _ in range(RUNS):
                context = browser.new_context()
                context.add_cookies([{"name": "profile_session", "value": user.token, "url": server.base_url}])
                page = context.new_page()
                watch = _HydrationWatch(page)
                profile = f"{server.base_url}/profile"
                results["profile_cold"].append(
                    _measure(page, watch, profile, PROFILE_READY, needles, script_bytes["profile"])
                )
                results["profile_warm"].append(_measure(page, watch, profile, PROFILE_READY, needles))
                context.close()
                context = browser.new_context()
                page = context.new_page()
                watch = _HydrationWatch(page)
                login = f"{server.base_url}/login"
                results["login_cold"].append(
                    _measure(page, watch, login, LOGIN_READY, script_bytes=script_bytes["login"])
                )
                results["login_warm"].append(_measure(page, watch, login, LOGIN_READY))
                context.close()
            browser.close()
        with server.services():
            server_side = _server_side(server, user.token, RUNS)
    finally:
        server.stop()
    stats = {k: summary(v) for k, v in results.items()}
    ratios = {
        "cold": stats["profile_cold"]["median"] / stats["login_cold"]["median"],
        "warm": stats["profile_warm"]["median"] / stats["login_warm"]["median"],
    }
    lines = [
        f"/profile cold: {fmt(stats['profile_cold'])}",
        f"/login   cold: {fmt(stats['login_cold'])}",
        f"/profile warm: {fmt(stats['profile_warm'])}",
        f"/login   warm: {fmt(stats['login_warm'])}",
        f"ratio /profile ÷ /login: cold {ratios['cold']:.2f}×, warm {ratios['warm']:.2f}× (target ≤ 1.5×)",
        f"the load event alone, server side over a raw socket: {fmt(server_side)}",
        f"JavaScript loaded cold (decoded): /profile {max(script_bytes['profile']) / 1024:.0f} KiB, "
        f"/login {max(script_bytes['login']) / 1024:.0f} KiB",
    ]
    return {"title": "Page: /profile interactive vs /login", "lines": lines, "stats": stats, "ratios": ratios}


if __name__ == "__main__":
    result = run()
    print(result["title"])
    print("\n".join(result["lines"]))

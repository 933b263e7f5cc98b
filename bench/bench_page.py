"""Page: time until /profile is interactive for a signed-in user with 5 workspaces, 20 credentials and 10 cloud
rows (production build), cold (new browser context, empty cache) and warm (same context, reload), against /login
on the same server. "Interactive" = the page's data is rendered (name, a workspace, a credential, a bucket) and the
Profile button is enabled, measured in the page with performance.now() from navigation start."""

from __future__ import annotations

import os

from playwright.sync_api import sync_playwright

from bench.common import fmt, seed_rows, seed_user, start_server, summary
from tests.e2e.conftest import CHROMIUM_ARGS, CHROMIUM_PATH

RUNS = int(os.environ.get("PROFILE_BENCH_RUNS", "7"))

PROFILE_READY = """(needles) => {
  const text = document.body ? document.body.innerText : "";
  const button = document.querySelector('#profile-button');
  return !!button && !button.disabled && needles.every((n) => text.includes(n)) ? performance.now() : null;
}"""
LOGIN_READY = """() => {
  const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Log in');
  return button && !button.disabled ? performance.now() : null;
}"""


def _measure(page, url: str, script: str, arg=None) -> float:
    page.goto(url, wait_until="commit")
    handle = page.wait_for_function(script, arg=arg, polling="raf", timeout=60_000)
    return handle.json_value()


def run() -> dict:
    server = start_server("hosted")
    try:
        with server.services():
            user = seed_user("Page Bench")
            seed_rows(user, workspaces=5, credentials=20, cloud_rows=10)
        needles = os.environ.get("PROFILE_BENCH_PAGE_NEEDLES", "Page Bench|Team 5|bench-bucket-009").split("|")
        results: dict[str, list[float]] = {"profile_cold": [], "profile_warm": [], "login_cold": [], "login_warm": []}
        with sync_playwright() as playwright:
            options = {"args": CHROMIUM_ARGS}
            if CHROMIUM_PATH:
                options["executable_path"] = CHROMIUM_PATH
            browser = playwright.chromium.launch(**options)
            for _ in range(RUNS):
                context = browser.new_context()
                context.add_cookies([{"name": "profile_session", "value": user.token, "url": server.base_url}])
                page = context.new_page()
                results["profile_cold"].append(_measure(page, f"{server.base_url}/profile", PROFILE_READY, needles))
                results["profile_warm"].append(_measure(page, f"{server.base_url}/profile", PROFILE_READY, needles))
                context.close()
                context = browser.new_context()
                page = context.new_page()
                results["login_cold"].append(_measure(page, f"{server.base_url}/login", LOGIN_READY))
                results["login_warm"].append(_measure(page, f"{server.base_url}/login", LOGIN_READY))
                context.close()
            browser.close()
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
    ]
    return {"title": "Page: /profile interactive vs /login", "lines": lines, "stats": stats, "ratios": ratios}


if __name__ == "__main__":
    result = run()
    print(result["title"])
    print("\n".join(result["lines"]))

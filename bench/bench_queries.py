"""Queries per page: SQL statements the real server executes to render /profile, for a user whose workspace has
1 member versus one with 1,000 members, 100 credentials and 50 cloud rows. The count must not grow with the rows."""

from __future__ import annotations

import os
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.common import seed_rows, seed_user, start_server
from tests.e2e.conftest import CHROMIUM_ARGS, CHROMIUM_PATH

NEEDLES_SMALL = os.environ.get("PROFILE_BENCH_QUERY_NEEDLES_SMALL", "Small User").split("|")
# The long tables show their first rows; their summaries ("Showing 20 of 1,001 members") say every row was read.
NEEDLES_LARGE = os.environ.get(
    "PROFILE_BENCH_QUERY_NEEDLES_LARGE", "Large User|of 1,001 members|of 50 buckets|of 100 credentials"
).split("|")


def _line_count(path: Path) -> int:
    return sum(1 for _ in path.open()) if path.exists() else 0


def _wait_quiet(path: Path, quiet_s: float = 1.5) -> None:
    last, since = -1, time.monotonic()
    while time.monotonic() - since < quiet_s:
        count = _line_count(path)
        if count != last:
            last, since = count, time.monotonic()
        time.sleep(0.1)


def _statements_for(browser, server, token: str, needles: list[str], log: Path) -> tuple[int, list[str]]:
    context = browser.new_context()
    context.add_cookies([{"name": "profile_session", "value": token, "url": server.base_url}])
    page = context.new_page()
    _wait_quiet(log)
    before = _line_count(log)
    page.goto(f"{server.base_url}/profile")
    page.wait_for_function(
        "(needles) => needles.every((n) => document.body.innerText.includes(n))", arg=needles, timeout=60_000
    )
    _wait_quiet(log)
    lines = log.read_text().splitlines()[before:]
    context.close()
    return len(lines), lines


def run() -> dict:
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"profile-statements-{os.getpid()}.log"
    log.unlink(missing_ok=True)
    server = start_server("hosted", SQL_STATEMENT_LOG=str(log))
    try:
        with server.services():
            small = seed_user("Small User")
            large = seed_user("Large User")
            seed_rows(large, members=1000, credentials=100, cloud_rows=50)
        with sync_playwright() as playwright:
            options = {"args": CHROMIUM_ARGS}
            if CHROMIUM_PATH:
                options["executable_path"] = CHROMIUM_PATH
            browser = playwright.chromium.launch(**options)
            small_count, small_lines = _statements_for(browser, server, small.token, NEEDLES_SMALL, log)
            large_count, large_lines = _statements_for(browser, server, large.token, NEEDLES_LARGE, log)
            browser.close()
    finally:
        server.stop()
        log.unlink(missing_ok=True)
    kinds: dict[str, int] = {}
    for line in large_lines:
        kinds[line.split()[0]] = kinds.get(line.split()[0], 0) + 1
    lines = [
        f"1 member, no credentials, no cloud rows: {small_count} statements",
        f"1,000 members, 100 credentials, 50 cloud rows: {large_count} statements ({kinds})",
        f"ratio large ÷ small: {large_count / max(small_count, 1):.2f}× (target: constant, 1.00×)",
    ]
    return {
        "title": "Queries per page: /profile",
        "lines": lines,
        "small": small_count,
        "large": large_count,
        "statements_small": small_lines,
    }


if __name__ == "__main__":
    result = run()
    print(result["title"])
    print("\n".join(result["lines"]))

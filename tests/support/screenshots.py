"""Screenshots for the README (`scripts/screenshots`): start the app on its own port and data directory, seed the
demo account (data in every section), and write PNGs under docs/screenshots/: light, dark, a phone, a dialog open."""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.harness import PROJECT_ROOT, make_server
from tests.support.demo import PASSWORD, seed_demo

OUT = PROJECT_ROOT / "docs" / "screenshots"
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"]


def _log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/profile/?$"))
    expect(page.locator("#credentials").get_by_role("row")).to_have_count(4)
    page.wait_for_timeout(500)


def _shoot(page: Page, name: str) -> Path:
    page.wait_for_timeout(400)  # animations
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def take(base_url: str, email: str, chromium: str | None) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(args=ARGS, **({"executable_path": chromium} if chromium else {}))
        for scheme in ("light", "dark"):
            page = browser.new_context(color_scheme=scheme, **DESKTOP).new_page()
            _log_in(page, base_url, email)
            written.append(_shoot(page, f"profile-{scheme}"))
            if scheme == "light":
                page.get_by_role("navigation", name="Sections").get_by_role("link", name="App credentials").click()
                written.append(_shoot(page, "credentials-and-cloud-access"))
                page.get_by_role("button", name="Add access keys").click()
                expect(page.get_by_role("dialog")).to_be_visible()
                written.append(_shoot(page, "dialog-add-access-keys"))
            page.context.close()
        page = browser.new_context(**PHONE).new_page()
        _log_in(page, base_url, email)
        written.append(_shoot(page, "profile-phone"))
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PROFILE_SCREENSHOTS_PORT", "3900")))
    args = parser.parse_args()
    chromium = os.environ.get("PROFILE_CHROMIUM_PATH", "/usr/bin/chromium") or None
    with tempfile.TemporaryDirectory(prefix="profile-screenshots-") as data_dir:
        server = make_server("hosted", args.port, Path(data_dir))
        server.start()
        try:
            with server.services():
                demo = seed_demo()
            for path in take(server.base_url, demo.email, chromium):
                print(path.relative_to(PROJECT_ROOT))
        finally:
            server.stop()


if __name__ == "__main__":
    main()

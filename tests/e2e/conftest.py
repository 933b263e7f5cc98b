"""End-to-end fixtures: one real app server per deployment mode for the whole session, and Debian's Chromium
driven by Playwright (PROFILE_CHROMIUM_PATH overrides the browser; set it empty to use Playwright's own)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.harness import AppServer, make_server

E2E_PORT = int(os.environ.get("PROFILE_E2E_PORT", "3300"))
CHROMIUM_PATH = os.environ.get("PROFILE_CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct horse battery staple"

expect.set_options(timeout=15_000)


def _server(tmp_path_factory, mode: str, port: int) -> Iterator[AppServer]:
    # Loopback is allow-listed because the tests' S3 and Azure servers listen there; the refusal of private and
    # loopback hosts without the allow-list is tested at the service layer (tests/unit/test_outbound.py).
    server = make_server(mode, port, tmp_path_factory.mktemp(f"app-{mode}"), OUTBOUND_ALLOWLIST="127.0.0.1")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def hosted_app(tmp_path_factory) -> Iterator[AppServer]:
    yield from _server(tmp_path_factory, "hosted", E2E_PORT)


@pytest.fixture(scope="session")
def self_hosted_app(tmp_path_factory) -> Iterator[AppServer]:
    yield from _server(tmp_path_factory, "self-hosted", E2E_PORT + 1)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        options = {"args": CHROMIUM_ARGS}
        if CHROMIUM_PATH:
            options["executable_path"] = CHROMIUM_PATH
        browser = playwright.chromium.launch(**options)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser) -> Iterator[Callable[..., BrowserContext]]:
    """Fresh browser contexts (separate cookies), closed after the test. Clipboard access is granted."""
    contexts: list[BrowserContext] = []

    def make(**options) -> BrowserContext:
        context = browser.new_context(**options)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def sign_up(page: Page, app: AppServer, name: str, email: str | None = None, password: str = PASSWORD) -> str:
    """Sign up through the page and wait for /profile; returns the email used."""
    email = email or unique_email()
    page.goto(f"{app.base_url}/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/profile/?$"))
    expect(page.get_by_role("button", name="Profile")).to_be_visible()
    return email


def log_in(page: Page, app: AppServer, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{app.base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/profile/?$"))
    expect(page.get_by_role("button", name="Profile")).to_be_visible()


def open_profile_menu(page: Page) -> None:
    page.get_by_role("button", name="Profile").click()
    expect(page.get_by_role("menu")).to_be_visible()


def show_every_row(page: Page, noun: str) -> None:
    """A long table shows one page of rows: reveal the rest (if any) of the table whose rows are `noun` ("users",
    "members"), as a person would, with its "Show all N …" button (or "Show N more …" when one page is left). On a
    session's shared server the self-hosted tables grow with every test."""
    button = page.get_by_role("button", name=re.compile(rf"^Show (all [\d,]+|[\d,]+ more) {noun[:-1]}s?$"))
    summary = page.get_by_role("status").filter(has_text=re.compile(rf"^Showing .* {noun[:-1]}s?$"))
    if button.count():
        button.last.click()
        expect(summary).to_have_text(re.compile(r"^Showing all "))

"""Issue 11 item 2 in the browser: the usual self-hosted setup, plain http on a host name other than localhost,
where browsers give no Clipboard API. Chromium maps profile.test to 127.0.0.1; the app's public URLs say
http://profile.test:<port>. "Invite a User" from the header shows the link on screen, and no copy button claims
a copy: the text is selected in a read-only field with "Press Ctrl+C (⌘C) to copy". Where the browser has the API
but refuses, the same happens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM_ARGS, CHROMIUM_PATH, E2E_PORT, PASSWORD, unique_email
from tests.e2e.harness import _free_port, make_server

pytestmark = pytest.mark.e2e

HOST = "profile.test"
MANUAL = "Press Ctrl+C (⌘C) to copy"


@pytest.fixture(scope="module")
def named_host_app(tmp_path_factory):
    port = _free_port(E2E_PORT + 3)
    url = f"http://{HOST}:{port}"
    server = make_server("hosted", port, tmp_path_factory.mktemp("app-named-host"), WEB_URL=url, BACKEND_URL=url)
    server.start()
    yield server, url
    server.stop()


@pytest.fixture(scope="module")
def mapped_browser(browser):
    """A second Chromium from the session's Playwright, resolving profile.test to loopback."""
    options = {"args": [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]}
    if CHROMIUM_PATH:
        options["executable_path"] = CHROMIUM_PATH
    mapped = browser.browser_type.launch(**options)
    yield mapped
    mapped.close()


def _selected_text(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; return e && e.value !== undefined"
        " ? e.value.substring(e.selectionStart, e.selectionEnd) : ''; }"
    )


def test_invite_and_copy_on_plain_http_with_a_host_name(named_host_app, mapped_browser):
    server, url = named_host_app
    context = mapped_browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{url}/signup")
    page.get_by_label("Name").fill("Named Host")
    page.get_by_label("Email").fill(unique_email("named"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/profile/?$"))
    assert page.evaluate("window.isSecureContext") is False
    assert page.evaluate("navigator.clipboard === undefined")

    # Header > Invite a User: the link is on screen.
    page.locator("#profile-button").click()
    page.get_by_role("menuitem", name="Invite a User").click()
    dialog = page.get_by_role("dialog", name="New invitation link")
    link_field = dialog.get_by_role("textbox", name="Invitation link")
    expect(link_field).to_have_value(re.compile(rf"^{re.escape(url)}/join/[A-Za-z0-9_-]{{43}}$"))
    expect(dialog).to_contain_text("Anyone with this link can join")
    link = link_field.input_value()

    # Copy link: no "Copied"; the link is selected for Ctrl+C instead.
    dialog.get_by_role("button", name="Copy link").click()
    expect(dialog.get_by_text(MANUAL, exact=True)).to_be_visible()
    expect(dialog.get_by_role("button", name="Copied")).to_have_count(0)
    expect(link_field).to_be_focused()
    assert _selected_text(page) == link
    expect(dialog.get_by_role("status")).to_have_text(MANUAL + ".")
    dialog.get_by_role("button", name="Done").click()

    # Copy user ID: the same, with the id in a read-only field.
    page.get_by_role("button", name="Copy user ID").click()
    field = page.get_by_role("textbox", name="User ID")
    expect(field).to_be_visible()
    expect(field).to_have_value(re.compile(r"^[0-9a-f]{32}$"))
    expect(field).to_be_focused()
    assert _selected_text(page) == field.input_value()
    expect(page.get_by_text(MANUAL, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Copied")).to_have_count(0)
    context.close()


def test_a_refused_clipboard_is_not_reported_as_copied(hosted_app, new_context):
    """localhost is a secure context, but the browser may still refuse (no permission, not focused)."""
    from tests.e2e.conftest import sign_up

    context = new_context()
    context.add_init_script("navigator.clipboard.writeText = () => Promise.reject(new Error('refused'));")
    page = context.new_page()
    sign_up(page, hosted_app, "Refused Clipboard")
    page.get_by_role("button", name="Copy user ID").click()
    field = page.get_by_role("textbox", name="User ID")
    expect(field).to_be_focused()
    expect(page.get_by_text(MANUAL, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Copied")).to_have_count(0)

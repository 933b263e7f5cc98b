"""Identity card, User preferences and Anonymous usage data, end to end in Chromium: HiDPI scaling (CSS zoom on
the root) on a scaled display (and none on a 1080p one), live toggling that follows the user to a fresh browser,
dark mode, inline name editing with Enter and Esc, Copy user ID, and the usage-data switch per mode and role."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in, sign_up, unique_email

pytestmark = pytest.mark.e2e

SCALED_720P = {"device_scale_factor": 1.5, "screen": {"width": 1280, "height": 720}}
SCALED_1080P = {"device_scale_factor": 1.5, "screen": {"width": 1920, "height": 1080}}
VIEWPORT = {"width": 1280, "height": 720}

ROOT_ZOOM = "getComputedStyle(document.documentElement).zoom"


def wait_for_scaler(page: Page, enabled: bool) -> None:
    """Wait until the page's HiDPI effect has run with the given choice (so 'no zoom' means something)."""
    page.wait_for_function(
        "expected => window.__profileHidpi !== undefined && window.__profileHidpi.enabled === expected", arg=enabled
    )


def root_zoom(page: Page) -> str:
    return page.evaluate(ROOT_ZOOM)


def hidpi_switch(page: Page):
    return page.get_by_role("switch", name="HiDPI browser scale override")


def public_id_of(app, email: str) -> str:
    from profile_app import db
    from profile_app.models import User

    with app.services(), db.read() as session:
        return session.exec(sa.select(User.public_id).where(User.email == email)).scalar_one()


def test_hidpi_scales_a_720p_scaled_display_and_the_choice_follows_the_user(hosted_app, new_context):
    page = new_context(viewport=VIEWPORT, **SCALED_720P).new_page()
    email = sign_up(page, hosted_app, "Hidpi Person")
    expect(hidpi_switch(page)).to_be_checked()  # on by default
    wait_for_scaler(page, True)
    # The root element is zoomed (layout, not paint), the body is not transformed.
    page.wait_for_function(f"{ROOT_ZOOM} === '0.7'")
    assert page.evaluate("document.documentElement.style.zoom") == "0.7"
    assert page.evaluate("getComputedStyle(document.body).transform") == "none"

    # Off: the zoom goes at once, with no reload.
    marker = page.evaluate("window.__noReloadMarker = Math.random()")
    hidpi_switch(page).click()
    expect(hidpi_switch(page)).not_to_be_checked()
    page.wait_for_function(f"{ROOT_ZOOM} === '1'")
    assert page.evaluate("window.__noReloadMarker") == marker

    # It holds after a reload...
    page.reload()
    expect(hidpi_switch(page)).not_to_be_checked()
    wait_for_scaler(page, False)
    assert root_zoom(page) == "1"

    # ...and in a fresh browser after signing in there.
    other = new_context(viewport=VIEWPORT, **SCALED_720P).new_page()
    log_in(other, hosted_app, email)
    expect(hidpi_switch(other)).not_to_be_checked()
    wait_for_scaler(other, False)
    assert root_zoom(other) == "1"

    # On again: scaled at once.
    hidpi_switch(other).click()
    expect(hidpi_switch(other)).to_be_checked()
    other.wait_for_function(f"{ROOT_ZOOM} === '0.7'")


def test_hidpi_leaves_a_1080p_display_unscaled(hosted_app, new_context):
    page = new_context(viewport=VIEWPORT, **SCALED_1080P).new_page()
    sign_up(page, hosted_app, "Full Hd Person")
    expect(hidpi_switch(page)).to_be_checked()
    wait_for_scaler(page, True)
    assert root_zoom(page) == "1"


def test_hidpi_does_nothing_when_the_display_is_not_scaled(hosted_app, new_context):
    page = new_context(viewport=VIEWPORT, device_scale_factor=1, screen={"width": 1280, "height": 720}).new_page()
    sign_up(page, hosted_app, "Plain Display Person")
    wait_for_scaler(page, True)
    assert root_zoom(page) == "1"


def test_dark_mode_applies_at_once_and_follows_the_user(hosted_app, new_context):
    page = new_context(viewport=VIEWPORT).new_page()
    email = sign_up(page, hosted_app, "Dark Mode Person")
    expect(page.get_by_role("radio", name="System")).to_be_checked()
    page.get_by_role("radio", name="Dark").click()
    expect(page.get_by_role("radio", name="Dark")).to_be_checked()
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))

    other = new_context(viewport=VIEWPORT).new_page()
    log_in(other, hosted_app, email)
    expect(other.get_by_role("radio", name="Dark")).to_be_checked()
    expect(other.locator("html")).to_have_class(re.compile(r"\bdark\b"))

    other.get_by_role("radio", name="Light").click()
    expect(other.locator("html")).to_have_class(re.compile(r"\blight\b"))
    expect(other.locator("html")).not_to_have_class(re.compile(r"\bdark\b"))


def test_name_edit_saves_with_enter_cancels_with_esc_and_explains_bad_names(hosted_app, page):
    sign_up(page, hosted_app, "Ada Lovelace")
    name_heading = page.get_by_role("heading", name="Ada Lovelace", level=2)
    expect(name_heading).to_be_visible()

    page.get_by_role("button", name="Edit name").click()
    name_box = page.get_by_role("textbox", name="Name", exact=True)
    expect(name_box).to_be_focused()
    name_box.fill("Someone Else")
    name_box.press("Escape")
    expect(name_box).to_have_count(0)
    expect(name_heading).to_be_visible()

    page.get_by_role("button", name="Edit name").click()
    name_box.fill("   ")
    name_box.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="Name must be at least 2 characters.")).to_be_visible()
    expect(name_box).to_have_attribute("aria-invalid", "true")

    name_box.fill("  Grace   Hopper ")
    name_box.press("Enter")
    expect(page.get_by_role("heading", name="Grace Hopper", level=2)).to_be_visible()
    expect(page.get_by_role("button", name="Profile, Grace Hopper")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Grace Hopper", level=2)).to_be_visible()


def test_copy_user_id_puts_the_public_id_on_the_clipboard(hosted_app, page):
    email = sign_up(page, hosted_app, "Copy Person")
    expect(page.get_by_role("region", name="Profile", exact=True).get_by_text(email)).to_be_visible()
    page.get_by_role("button", name="Copy user ID").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Copied to the clipboard.")).to_have_count(1)
    public_id = public_id_of(hosted_app, email)
    assert re.fullmatch(r"[0-9a-f]{32}", public_id)
    assert page.evaluate("navigator.clipboard.readText()") == public_id
    expect(page.get_by_role("button", name="Copy user ID")).to_be_visible()  # back after a few seconds


def test_usage_data_switch_is_absent_in_hosted_mode(hosted_app, page):
    sign_up(page, hosted_app, "Hosted Person")
    expect(page.get_by_role("heading", name="User preferences")).to_be_visible()
    expect(page.get_by_role("switch", name="Send anonymous usage data")).to_have_count(0)
    expect(page.get_by_role("heading", name="Anonymous usage data")).to_have_count(0)
    expect(page.get_by_role("region", name="Help us improve")).to_have_count(0)


def _make_admin(app, email: str) -> None:
    """The first self-hosted user is the admin; other tests may have signed up first, so make sure."""
    from profile_app import db
    from profile_app.models import User

    with app.services(), db.transaction() as session:
        session.execute(sa.update(User).where(User.email == email).values(is_admin=True))


def _reset_usage_decision(app) -> None:
    from profile_app import db
    from profile_app.models import ServerSettings

    with app.services(), db.transaction() as session:
        session.execute(sa.update(ServerSettings).values(usage_enabled=None, usage_decided_version=""))


def test_usage_data_prompt_for_admins_and_a_disabled_switch_for_others(self_hosted_app, new_context):
    admin_page = new_context(viewport=VIEWPORT).new_page()
    admin_email = unique_email("admin")
    sign_up(admin_page, self_hosted_app, "Usage Admin", admin_email)
    _make_admin(self_hosted_app, admin_email)
    _reset_usage_decision(self_hosted_app)
    admin_page.reload()

    prompt = admin_page.get_by_role("region", name="Help us improve")
    expect(prompt).to_be_visible()
    switch = admin_page.get_by_role("switch", name="Send anonymous usage data")
    expect(switch).to_be_enabled()
    expect(switch).not_to_be_checked()
    report = admin_page.get_by_label("Next usage report")
    expect(report).to_contain_text('"deployment_mode": "self-hosted"')
    expect(report).to_contain_text('"server_uuid"')
    expect(report).not_to_contain_text("@")
    expect(admin_page.locator("#usage-last-sent")).to_have_text("Last successful send: never")

    prompt.get_by_role("button", name="Approve").click()
    expect(prompt).to_have_count(0)
    expect(switch).to_be_checked()
    expect(admin_page.locator("#usage-decision")).to_contain_text("Enabled by Usage Admin")
    admin_page.reload()
    expect(admin_page.get_by_role("switch", name="Send anonymous usage data")).to_be_checked()
    expect(admin_page.get_by_role("region", name="Help us improve")).to_have_count(0)

    member_page = new_context(viewport=VIEWPORT).new_page()
    sign_up(member_page, self_hosted_app, "Usage Member", unique_email("member"))
    member_switch = member_page.get_by_role("switch", name="Send anonymous usage data")
    expect(member_switch).to_be_visible()
    expect(member_switch).to_be_disabled()
    expect(member_switch).to_be_checked()
    expect(
        member_page.get_by_text("An administrator decides whether this server sends anonymous usage data.")
    ).to_be_visible()
    expect(member_page.get_by_role("region", name="Help us improve")).to_have_count(0)

    # The admin turns it off with the switch; the member sees the new state after a reload.
    switch = admin_page.get_by_role("switch", name="Send anonymous usage data")
    switch.click()
    expect(switch).not_to_be_checked()
    member_page.reload()
    expect(member_page.get_by_role("switch", name="Send anonymous usage data")).not_to_be_checked()

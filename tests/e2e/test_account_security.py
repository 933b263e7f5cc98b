"""Account security end to end (issue 13, items 1, 2 and 5): a password changed in one browser signs the other
out and keeps this one; a Safari-on-macOS sign-in is listed as such and "Sign out all other sessions" ends it; one
session signed out from its row; the Security log shows what happened; the new sections pass axe in light and dark
and fit a phone."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, log_in, sign_up
from tests.support.axe import assert_accessible
from tests.support.layout import PHONE, horizontal_overflow

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a brand new passphrase 42"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
LOGIN_URL = re.compile(r".*/login(\?next=/profile)?$")
PROFILE_URL = re.compile(r".*/profile/?(#.*)?$")


def _after_other_workers_forget() -> None:
    """With several backend workers, one that did not end the session may still hold it in its session cache for
    up to TTL_SECONDS (services/session_cache.py); the next page load after that must land on /login."""
    from profile_app.services import session_cache

    time.sleep(session_cache.TTL_SECONDS + 0.2)


def _lands_on_login(page: Page) -> None:
    page.reload()
    page.wait_for_url(LOGIN_URL)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def _stays_on_profile(page: Page, name: str) -> None:
    page.reload()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page).to_have_url(PROFILE_URL)


def _toasts(page: Page):
    return page.get_by_role("region", name=re.compile(r"^Notifications"))


def _change_password(page: Page, current: str, new: str) -> None:
    section = page.locator("#sign-in")
    section.get_by_label("Current password").fill(current)
    section.get_by_label("New password").fill(new)
    section.get_by_role("button", name="Change password").click()


def test_password_change_signs_the_other_browser_out_and_keeps_this_one(hosted_app, new_context):
    app = hosted_app
    a = new_context().new_page()
    email = sign_up(a, app, "Petra Passwords")
    b = new_context().new_page()
    log_in(b, app, email)

    expect(a.get_by_role("region", name="Password and sign-in")).to_contain_text("API credentials are not affected")
    # No current password and a too-short new one: both fields marked at once, the first one focused.
    _change_password(a, "", "short")
    current, new = a.get_by_label("Current password"), a.get_by_label("New password")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(new).to_have_attribute("aria-invalid", "true")
    expect(current).to_be_focused()
    # A wrong current password: refused on its field (and counted like a failed sign-in).
    _change_password(a, "not my password", NEW_PASSWORD)
    expect(a.locator("#current-password-error")).to_have_text("The password is incorrect.")
    expect(new).to_have_attribute("aria-invalid", "false")
    expect(current).to_be_focused()
    # The same password again is refused on the new-password field.
    _change_password(a, PASSWORD, PASSWORD)
    expect(a.locator("#new-password-error")).to_have_text("The new password must be different from the current one.")

    _change_password(a, PASSWORD, NEW_PASSWORD)
    expect(_toasts(a).get_by_text("Password changed. Your other sessions were signed out.")).to_be_visible()
    expect(a.get_by_label("Current password")).to_have_value("")
    expect(a.get_by_label("New password")).to_have_value("")
    # Sessions now lists this browser only; the log shows the change and the sign-ins.
    expect(a.get_by_role("table", name="Sessions").get_by_role("row")).to_have_count(2)  # header + this one
    log = a.get_by_role("region", name="Security log")
    expect(log.get_by_role("row").nth(1)).to_contain_text("Password changed")
    expect(log).to_contain_text("1 other session signed out")
    expect(log).to_contain_text("Signed in")

    _after_other_workers_forget()
    _lands_on_login(b)
    _stays_on_profile(a, "Petra Passwords")

    c = new_context().new_page()
    c.goto(f"{app.base_url}/login")
    c.get_by_label("Email").fill(email)
    c.get_by_label("Password").fill(PASSWORD)
    c.get_by_role("button", name="Log in").click()
    expect(c.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    log_in(c, app, email, NEW_PASSWORD)

    a.reload()
    log = a.get_by_role("region", name="Security log")
    expect(log).to_contain_text("Failed sign-in")
    expect(log).to_contain_text("Password changed")


def test_safari_session_is_listed_and_signed_out_with_all_others(hosted_app, new_context):
    app = hosted_app
    a = new_context().new_page()
    email = sign_up(a, app, "Sam Sessions")
    c = new_context(user_agent=SAFARI_MAC).new_page()
    log_in(c, app, email)
    d = new_context().new_page()
    log_in(d, app, email)

    a.reload()
    table = a.get_by_role("table", name="Sessions")
    expect(table.get_by_role("row")).to_have_count(4)
    this_device = table.get_by_role("row").filter(has_text="This device")
    expect(this_device).to_have_count(1)
    expect(this_device.get_by_role("button")).to_have_count(0)  # this one signs out from the Profile menu
    safari = table.get_by_role("row").filter(has_text="Safari")
    expect(safari).to_contain_text("macOS")
    expect(safari).to_contain_text("127.0.0.1")

    # One session from its row: D's next page load lands on /login, C is untouched.
    sign_out_button = a.get_by_role("button", name=re.compile(r"^Sign out "))
    plain = table.get_by_role("row").filter(has=sign_out_button).filter(has_not_text="Safari")
    expect(plain).to_have_count(1)
    plain.get_by_role("button", name=re.compile(r"^Sign out ")).click()
    expect(_toasts(a).get_by_text("Session signed out", exact=True)).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(3)
    _after_other_workers_forget()
    _lands_on_login(d)
    _stays_on_profile(c, "Sam Sessions")

    a.get_by_role("button", name="Sign out all other sessions").click()
    expect(_toasts(a).get_by_text("All other sessions signed out", exact=True)).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(2)
    expect(a.get_by_role("button", name="Sign out all other sessions")).to_be_disabled()
    _after_other_workers_forget()
    _lands_on_login(c)
    _stays_on_profile(a, "Sam Sessions")

    log = a.get_by_role("region", name="Security log")
    expect(log).to_contain_text("All other sessions signed out")
    expect(log).to_contain_text("Session signed out")
    expect(log.get_by_role("row").filter(has_text="Signed in").filter(has_text="Safari on macOS")).to_have_count(1)


def test_security_log_pages_newest_first(hosted_app, new_context):
    app = hosted_app
    page = new_context().new_page()
    email = sign_up(page, app, "Lara Logs")
    with app.services():
        from profile_app import db
        from profile_app.models import User
        from profile_app.services import security_log
        from profile_app.services.security_log import EventKind

        with db.read() as session:
            user_id = session.exec(sa.select(User.id).where(User.email == email)).scalar_one()
        with db.transaction() as session:
            for index in range(security_log.PAGE_SIZE + 3):
                security_log.record(session, user_id, EventKind.CLOUD_ACCESS_ADDED, detail=f"bucket-{index:02d}")
    page.reload()
    log = page.get_by_role("region", name="Security log")
    rows = log.get_by_role("table", name="Security log").get_by_role("row")
    expect(rows).to_have_count(security_log.PAGE_SIZE + 1)
    expect(log.get_by_role("button", name="Newer")).to_be_disabled()
    log.get_by_role("button", name="Older").click()
    expect(log.get_by_role("button", name="Older")).to_be_disabled()
    expect(rows.filter(has_text="Signed in")).to_have_count(1)  # the oldest: the sign-up's sign-in
    log.get_by_role("button", name="Newer").click()
    expect(rows.nth(1)).to_contain_text(f"bucket-{security_log.PAGE_SIZE + 2:02d}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_new_sections_are_accessible(hosted_app, new_context, scheme):
    app = hosted_app
    page = new_context(color_scheme=scheme, viewport={"width": 1280, "height": 800}, device_scale_factor=2).new_page()
    email = sign_up(page, app, "Axel Access")
    other = new_context(user_agent=SAFARI_MAC).new_page()
    log_in(other, app, email)
    page.reload()
    expect(page.get_by_role("table", name="Sessions").get_by_role("row")).to_have_count(3)
    _change_password(page, "", "short")
    expect(page.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, f"/profile with sessions, a log and password errors ({scheme})")


def test_new_sections_fit_a_phone(hosted_app, new_context):
    app = hosted_app
    page = new_context(**PHONE).new_page()
    email = sign_up(page, app, "Phoebe Phone " + "Long" * 20)
    other = new_context(user_agent=SAFARI_MAC).new_page()
    log_in(other, app, email)
    page.reload()
    table = page.get_by_role("table", name="Sessions")
    row = table.get_by_role("row").filter(has_text="Safari")
    expect(row).to_be_visible()
    assert row.evaluate("element => getComputedStyle(element).display") == "block"  # stacked like the others
    log_row = page.get_by_role("table", name="Security log").get_by_role("row").nth(1)
    assert log_row.evaluate("element => getComputedStyle(element).display") == "block"
    for button in [row.get_by_role("button", name=re.compile(r"^Sign out ")),
                   page.get_by_role("button", name="Sign out all other sessions"),
                   page.get_by_role("button", name="Change password")]:
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert horizontal_overflow(page) <= 0
    assert_accessible(page, "/profile on a phone with sessions and a log")

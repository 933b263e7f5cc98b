"""Issue 13 item 4 in the browser: two-factor sign-in set up from the key text (no camera: the code is computed by
pyotp), ten recovery codes shown once, sign-in then asks for an authentication code (a wrong one is refused, a
recovery code works once, a TOTP code works), turning it off needs the password and a code; axe-clean set-up
dialog and sign-in step, at 1280 px HiDPI, at 390 px and in dark mode."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, open_profile_menu, sign_up
from tests.support.axe import assert_accessible
from tests.support.layout import DESKTOP_HIDPI, PHONE, horizontal_overflow

pytestmark = pytest.mark.e2e

KEY_PATTERN = re.compile(r"^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$")
CODE_PATTERN = re.compile(r"^[a-z2-9]{5}-[a-z2-9]{5}$")


def _section(page: Page):
    return page.get_by_role("region", name="Two-factor sign-in")


def _set_up(page: Page) -> tuple[str, list[str]]:
    """Through the dialog: returns the setup key (spaces removed) and the ten recovery codes."""
    opener = page.get_by_role("button", name="Set up two-factor sign-in")
    opener.click()
    dialog = page.get_by_role("dialog", name="Set up two-factor sign-in")
    expect(dialog.get_by_role("img", name=re.compile("^QR code for your authenticator app"))).to_be_visible()
    key_field = dialog.get_by_label("Setup key")
    expect(key_field).to_have_value(KEY_PATTERN)
    key = key_field.input_value().replace(" ", "")
    assert_accessible(page, "the set-up dialog")

    totp = pyotp.TOTP(key)
    wrong = f"{(int(totp.now()) + 500_000) % 1_000_000:06d}"
    dialog.get_by_label("Authentication code").fill(wrong)
    dialog.get_by_role("button", name="Turn on two-factor sign-in").click()
    code_field = dialog.get_by_label("Authentication code")
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_role("alert")).to_contain_text("That code is not right")
    expect(code_field).to_be_focused()

    code_field.fill(totp.now())
    dialog.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes_dialog = page.get_by_role("dialog", name="Save your recovery codes")
    codes_block = codes_dialog.get_by_label("Recovery codes", exact=True)
    expect(codes_block).to_contain_text(re.compile(r"[a-z2-9]{5}-[a-z2-9]{5}"))
    codes = codes_block.inner_text().split()
    assert len(codes) == 10 and all(CODE_PATTERN.match(code) for code in codes), codes
    assert_accessible(page, "the recovery codes")
    with page.expect_download() as download:
        codes_dialog.get_by_role("link", name="Download as text").click()
    assert download.value.suggested_filename == "recovery-codes.txt"
    assert Path(download.value.path()).read_text().split() == codes
    codes_dialog.get_by_role("button", name="Done").click()
    expect(codes_dialog).to_be_hidden()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_focused()  # the opener is gone
    expect(_section(page)).to_contain_text("Recovery codes left: 10 of 10.")
    return key, codes


def _log_out(page: Page) -> None:
    open_profile_menu(page)
    page.get_by_role("menuitem", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login/?$"))


def _password_step(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Authentication code")).to_be_focused()
    expect(page).to_have_url(re.compile(r".*/login/?$"))  # no session yet


def _submit_code(page: Page, code: str) -> None:
    page.get_by_label("Authentication code").fill(code)
    page.get_by_role("button", name="Verify").click()


def test_set_up_then_sign_in_needs_a_code_and_a_recovery_code_works_once(hosted_app, new_context):
    page = new_context(**DESKTOP_HIDPI).new_page()
    email = sign_up(page, hosted_app, "Katherine Johnson")
    expect(_section(page)).to_contain_text("Off")
    key, codes = _set_up(page)
    _log_out(page)

    _password_step(page, hosted_app.base_url, email)
    assert_accessible(page, "the sign-in code step")
    _submit_code(page, "eeeee-eeeee")
    expect(page.locator("#sign-in-code-error")).to_contain_text("That code is not right")
    expect(page.get_by_label("Authentication code")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the sign-in code step with its error")
    _submit_code(page, codes[0])
    page.wait_for_url(re.compile(r".*/profile/?$"))
    expect(_section(page)).to_contain_text("Recovery codes left: 9 of 10.")
    _log_out(page)

    _password_step(page, hosted_app.base_url, email)
    _submit_code(page, codes[0])  # the same recovery code a second time
    expect(page.locator("#sign-in-code-error")).to_contain_text("That code is not right")
    # The code that turned two-factor on was accepted for the current step; the next step's code is new (and
    # within the window), so it is accepted without waiting for the clock.
    _submit_code(page, pyotp.TOTP(key).at(time.time() + 30))
    page.wait_for_url(re.compile(r".*/profile/?$"))

    _section(page).get_by_role("button", name="Turn off two-factor sign-in").click()
    dialog = page.get_by_role("dialog", name="Turn off two-factor sign-in")
    dialog.get_by_label("Password").fill("not the password!!")
    dialog.get_by_label("Authentication code").fill(codes[1])
    dialog.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(dialog.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(dialog.get_by_label("Password")).to_be_focused()
    dialog.get_by_label("Password").fill(PASSWORD)
    dialog.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(dialog).to_be_hidden()
    expect(_section(page)).to_contain_text("Off")
    expect(page.get_by_role("button", name="Set up two-factor sign-in")).to_be_visible()

    _log_out(page)  # off again: the password alone signs in
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/profile/?$"))


def test_too_many_wrong_codes_send_the_person_back_to_the_password(hosted_app, new_context):
    page = new_context().new_page()
    email = sign_up(page, hosted_app, "Dorothy Vaughan")
    _set_up(page)
    _log_out(page)
    _password_step(page, hosted_app.base_url, email)
    for attempt in range(4):
        _submit_code(page, f"fffff-ffff{'abcd'[attempt]}")
        expect(page.locator("#sign-in-code-error")).to_be_visible()
    _submit_code(page, "fffff-fffff")
    expect(page.get_by_role("status")).to_contain_text("Too many wrong codes. Log in again.")
    expect(page.get_by_label("Email")).to_be_focused()
    expect(page.get_by_label("Authentication code")).to_have_count(0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_set_up_dialog_and_sign_in_step_on_a_phone(hosted_app, new_context, scheme):
    page = new_context(**PHONE, color_scheme=scheme).new_page()
    email = sign_up(page, hosted_app, "Mary Jackson " + "Long-Name " * 8)
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    dialog = page.get_by_role("dialog", name="Set up two-factor sign-in")
    expect(dialog.get_by_label("Setup key")).to_have_value(KEY_PATTERN)
    assert horizontal_overflow(page) == 0
    assert_accessible(page, f"the set-up dialog at 390 px ({scheme})")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Set up two-factor sign-in")).to_be_focused()
    key, _ = _set_up(page)
    assert horizontal_overflow(page) == 0
    _log_out(page)
    _password_step(page, hosted_app.base_url, email)
    assert horizontal_overflow(page) == 0
    assert_accessible(page, f"the sign-in code step at 390 px ({scheme})")
    page.get_by_role("button", name="Back to log in").click()
    expect(page.get_by_label("Email")).to_be_focused()

"""Issue 13 item 3 in the browser: "Forgot password?" → the mail arrives at a real SMTP server on loopback
(aiosmtpd) → the link sets a new password and signs out every session; the new password signs in, the old one
doesn't; the link refuses a second use. Without mail, the page says how an administrator makes a link, and
`python -m profile_app.manage reset-link EMAIL` prints one.

This file starts its own app server (hosted, with PROFILE_SMTP_URL pointing at the test's mail server); the
session's hosted server, without mail, shows the no-SMTP page."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2E_PORT, PASSWORD, log_in, sign_up, unique_email
from tests.e2e.harness import PROJECT_ROOT, make_server
from tests.support.axe import assert_accessible
from tests.support.layout import PHONE, horizontal_overflow
from tests.support.mail import smtp_server

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a brand new passphrase"
SENT = "If an account exists for that email, we sent a link to reset its password. It is valid for 1 hour."


@pytest.fixture(scope="module")
def mail_server():
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def mail_app(tmp_path_factory, mail_server):
    server = make_server(
        "hosted",
        E2E_PORT + 5,
        tmp_path_factory.mktemp("app-mail"),
        SMTP_URL=mail_server.url,
        MAIL_FROM="Profile <profile@example.com>",
    )
    server.start()
    yield server
    server.stop()


def _ask_for_link(page: Page, app, email: str) -> None:
    page.goto(f"{app.base_url}/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url(re.compile(r".*/forgot/?$"))
    # /login has an "Email" field too: wait for /forgot to be on screen before typing.
    expect(page.get_by_role("heading", name="Reset your password", level=1)).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status")).to_have_text(SENT)
    expect(page.get_by_label("Email")).to_have_count(0)


def _set_new_password(page: Page, link: str, password: str = NEW_PASSWORD) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Confirm new password").fill(password)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()


def _refused_log_in(page: Page, app, email: str, password: str) -> None:
    page.goto(f"{app.base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")


def test_a_mailed_link_resets_the_password_and_signs_out_everywhere(mail_app, mail_server, new_context):
    first, second, visitor = (new_context().new_page() for _ in range(3))
    email = sign_up(first, mail_app, "Forgetful Person")
    log_in(second, mail_app, email)

    _ask_for_link(visitor, mail_app, email)
    received = mail_server.wait_for_message(to=email)
    assert received.message["Subject"] == "Reset your Profile password"
    assert "valid for 1 hour" in received.body and "If you didn't ask, ignore this" in received.body
    link = received.reset_link()
    assert link.startswith(f"{mail_app.base_url}/reset/")

    _set_new_password(visitor, link)
    for signed_out in (first, second):  # every session ended: their next page load lands on /login
        signed_out.reload()
        signed_out.wait_for_url(re.compile(r".*/login(\?.*)?$"))
        expect(signed_out.get_by_role("heading", name="Log in")).to_be_visible()

    _refused_log_in(new_context().new_page(), mail_app, email, PASSWORD)
    visitor.get_by_role("link", name="Log in").click()
    log_in(visitor, mail_app, email, NEW_PASSWORD)

    again = new_context().new_page()
    again.goto(link)
    expect(again.get_by_role("heading", name="Reset link already used")).to_be_visible()
    expect(again.get_by_text("This reset link has already been used.")).to_be_visible()
    expect(again.get_by_label("New password", exact=True)).to_have_count(0)
    expect(again.get_by_role("button", name="Set new password")).to_have_count(0)
    again.get_by_role("link", name="Request a new reset link").click()
    again.wait_for_url(re.compile(r".*/forgot/?$"))
    expect(again.get_by_role("button", name="Send reset link")).to_be_visible()


def test_an_unknown_email_gets_the_same_answer_and_no_mail(mail_app, mail_server, page):
    known = unique_email("known")
    with mail_app.services():
        from profile_app.services import accounts

        accounts.sign_up("Known Person", known, PASSWORD)
    stranger = unique_email("nobody")
    _ask_for_link(page, mail_app, stranger)
    # A request for a known email made afterwards arrives; had the unknown one produced mail, it would be here too
    # (the server sends in order on the same threads).
    _ask_for_link(page, mail_app, known)
    mail_server.wait_for_message(to=known)
    assert mail_server.messages_to(stranger) == []


def test_form_errors_are_marked_at_their_fields(mail_app, mail_server, page):
    page.goto(f"{mail_app.base_url}/forgot")
    page.get_by_label("Email").fill("not an email")
    page.get_by_role("button", name="Send reset link").click()
    email_field = page.get_by_label("Email")
    expect(email_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_have_text("Enter a valid email address, like name@example.com.")
    expect(email_field).to_be_focused()

    email = unique_email("mismatch")
    with mail_app.services():
        from profile_app.services import accounts, password_reset

        link = password_reset.create_reset_link(accounts.sign_up("Careful Typist", email, PASSWORD))
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_role("button", name="Set new password").click()
    expect(page.locator("#new_password-error")).to_have_text("Password must be at least 12 characters.")
    expect(page.get_by_label("New password", exact=True)).to_be_focused()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD + "!")
    page.get_by_role("button", name="Set new password").click()
    expect(page.locator("#confirm_password-error")).to_have_text("The passwords do not match.")
    expect(page.get_by_label("Confirm new password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Confirm new password")).to_be_focused()
    _refused_log_in(page, mail_app, email, NEW_PASSWORD)  # nothing changed yet
    _set_new_password(page, link)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_mail_pages_are_accessible(mail_app, new_context, scheme):
    page = new_context(color_scheme=scheme).new_page()
    page.goto(f"{mail_app.base_url}/forgot")
    expect(page.get_by_role("button", name="Send reset link")).to_be_visible()
    assert_accessible(page, f"/forgot with mail ({scheme})")
    page.get_by_label("Email").fill("x")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.locator("#email-error")).to_be_visible()
    assert_accessible(page, f"/forgot with its error ({scheme})")
    page.get_by_label("Email").fill(unique_email("axe"))
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status")).to_have_text(SENT)
    assert_accessible(page, f"/forgot, link sent ({scheme})")


def test_without_mail_the_page_says_how_an_administrator_makes_a_link(hosted_app, page):
    page.goto(f"{hosted_app.base_url}/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url(re.compile(r".*/forgot/?$"))
    # /login has an "Email" field too: wait for /forgot to be on screen before typing.
    expect(page.get_by_role("heading", name="Reset your password", level=1)).to_be_visible()
    expect(page.get_by_text("Email is not set up on this server")).to_be_visible()
    expect(page.get_by_text("python -m profile_app.manage reset-link EMAIL")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_count(0)
    expect(page.get_by_role("button", name="Send reset link")).to_have_count(0)


def _manage(app, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "profile_app.manage", *args],
        cwd=PROJECT_ROOT,
        env=app.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_line_prints_a_working_link(hosted_app, new_context):
    signed_in = new_context().new_page()
    email = sign_up(signed_in, hosted_app, "Locked Out Person")
    done = _manage(hosted_app, "reset-link", email)
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert re.fullmatch(rf"{re.escape(hosted_app.base_url)}/reset/[A-Za-z0-9_-]{{43}}", link), done.stdout

    page = new_context().new_page()
    _set_new_password(page, link)
    signed_in.reload()
    signed_in.wait_for_url(re.compile(r".*/login(\?.*)?$"))
    log_in(page, hosted_app, email, NEW_PASSWORD)

    unknown = _manage(hosted_app, "reset-link", unique_email("nobody"))
    assert unknown.returncode == 1
    assert "There is no account with the email" in unknown.stderr and unknown.stdout == ""


def test_expired_and_forged_links_show_a_message_and_no_form(hosted_app, page):
    email = unique_email("expired")
    with hosted_app.services():
        from profile_app import db
        from profile_app.models import PasswordReset, utcnow
        from profile_app.services import accounts, password_reset

        user_id = accounts.sign_up("Slow Reader", email, PASSWORD)
        link = password_reset.create_reset_link(user_id)
        with db.transaction() as session:
            session.execute(
                sa.update(PasswordReset)
                .where(PasswordReset.user_id == user_id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
    page.goto(link)
    expect(page.get_by_role("heading", name="Reset link expired")).to_be_visible()
    expect(page.get_by_text("This reset link has expired.")).to_be_visible()
    expect(page.get_by_role("button", name="Set new password")).to_have_count(0)

    forged = "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E" + "A" * 30
    for path in (f"/reset/{'A' * 43}", f"/reset/{forged}", f"/reset/{'A' * 500}"):
        page.goto(f"{hosted_app.base_url}{path}")
        expect(page.get_by_role("heading", name="Reset link not valid")).to_be_visible()
        expect(page.get_by_text("This reset link is not valid.")).to_be_visible()
        expect(page.get_by_role("button", name="Set new password")).to_have_count(0)
        assert "onerror" not in page.locator("main").inner_text()


def test_the_pages_fit_a_phone_and_work_from_the_keyboard(hosted_app, mail_app, new_context):
    with hosted_app.services():
        from profile_app.services import accounts, password_reset

        email = unique_email("phone")
        link = password_reset.create_reset_link(accounts.sign_up("Phone Person", email, PASSWORD))
    page = new_context(**PHONE, color_scheme="dark").new_page()
    for url in (f"{hosted_app.base_url}/forgot", f"{mail_app.base_url}/forgot", link, f"{hosted_app.base_url}/reset/x"):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert horizontal_overflow(page) <= 0, url

    page.goto(link)  # keyboard only: type, Tab, type, Enter
    page.get_by_label("New password", exact=True).focus()
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Confirm new password")).to_be_focused()
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    expect(page.locator("#reset-done")).to_be_focused()
    log_in(page, hosted_app, email, NEW_PASSWORD)

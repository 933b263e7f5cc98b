"""Sign up, land on /profile, log out from the Profile menu, sign in again; the wrong password; the redirect."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, log_in, open_profile_menu, sign_up, unique_email


def test_sign_up_log_out_and_log_in_again(page, hosted_app):
    email = sign_up(page, hosted_app, "Grace Hopper")
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    expect(page.locator("#profile-email")).to_have_text(email)
    expect(page.locator("#header-workspace")).to_have_text("Grace Hopper's workspace")
    expect(page.get_by_role("button", name="Profile")).to_contain_text("GH")

    open_profile_menu(page)
    page.get_by_role("menuitem", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login/?$"))
    page.goto(f"{hosted_app.base_url}/profile")
    page.wait_for_url(re.compile(r".*/login\?next=/profile$"))

    log_in(page, hosted_app, email.upper())
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()


def test_wrong_password_shows_the_generic_message(page, hosted_app):
    email = sign_up(page, hosted_app, "Alan Turing")
    page.context.clear_cookies()
    page.goto(f"{hosted_app.base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD + "-wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    expect(page).to_have_url(re.compile(r".*/login/?$"))


def test_signed_out_profile_visit_goes_to_login_and_comes_back(page, hosted_app):
    email = unique_email()
    with hosted_app.services():
        from profile_app.services import accounts

        accounts.sign_up("Barbara Liskov", email, PASSWORD)
    page.goto(f"{hosted_app.base_url}/profile")
    page.wait_for_url(re.compile(r".*/login\?next=/profile$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/profile/?$"))
    expect(page.get_by_role("heading", name="Barbara Liskov")).to_be_visible()


def test_sign_up_errors_are_shown_next_to_the_fields(page, hosted_app):
    page.goto(f"{hosted_app.base_url}/signup")
    page.get_by_label("Name").fill("Edsger Dijkstra")
    page.get_by_label("Email").fill("not-an-email@nowhere")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#email-error")).to_have_text("Enter a valid email address, like name@example.com.")
    page.get_by_label("Email").fill(unique_email())
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#password-error")).to_have_text("Password must be at least 12 characters.")
    expect(page).to_have_url(re.compile(r".*/signup/?$"))

"""Self-hosted administration end to end, on a server whose sign-up is closed (PROFILE_SIGNUP_OPEN=false): the
administrator invites a colleague (who signs up through the link), disables and enables them (sessions, password
sign-in and the official clearml SDK follow at once), cannot remove the last administrator, and hands out a
password reset link that works. The Users section fits a 390 px phone."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2E_PORT, PASSWORD, log_in, unique_email
from tests.e2e.harness import make_server
from tests.support.layout import PHONE, horizontal_overflow, inside_viewport

pytestmark = pytest.mark.e2e

DISABLED = "This account is disabled. Ask an administrator to enable it."
NEW_PASSWORD = "a brand new passphrase"
SDK_SCRIPT = """
import sys
from clearml.backend_api.session import Session
try:
    session = Session(api_key=sys.argv[1], secret_key=sys.argv[2], host=sys.argv[3], http_retries_config={"total": 0})
    print("LOGGED-IN", session.token[:8])
except Exception as exc:
    print("REFUSED", type(exc).__name__, exc)
"""


@pytest.fixture(scope="module")
def closed_app(tmp_path_factory):
    server = make_server("self-hosted", E2E_PORT + 8, tmp_path_factory.mktemp("app-closed"), SIGNUP_OPEN="false")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def admin_email(closed_app) -> str:
    """The first account (the administrator), made by the operator: sign-up is closed on this server."""
    email = unique_email("admin")
    with closed_app.services():
        from profile_app import config
        from profile_app.services import accounts

        os.environ["PROFILE_SIGNUP_OPEN"] = "true"
        config.reload_settings()
        accounts.sign_up("Ada Administrator", email, PASSWORD)
    return email


def _sdk(tmp_path, access_key: str, secret_key: str, api_url: str) -> str:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CLEARML_", "TRAINS_"))}
    env.update(HOME=str(home), CLEARML_CONFIG_FILE=str(home / "absent.conf"), CLEARML_LOG_LEVEL="ERROR")
    result = subprocess.run(
        [sys.executable, "-c", SDK_SCRIPT, access_key, secret_key, api_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout + result.stderr


def _users_table(page: Page):
    return page.get_by_role("table", name="Users")


def _row(page: Page, name: str):
    return _users_table(page).get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def _confirm(page: Page, action: str, name: str) -> None:
    """Click a row action, then its dialog's confirm button of the same name."""
    page.get_by_role("button", name=f"{action} {name}").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=action, exact=True).click()
    expect(dialog).to_have_count(0)


def _invite(page: Page) -> str:
    page.get_by_role("button", name="Invite users").click()
    field = page.get_by_role("textbox", name="Invitation link")
    expect(field).to_have_value(re.compile(r"/join/"))
    link = field.input_value()
    page.get_by_role("dialog").get_by_role("button", name="Done").click()
    return link


def _sign_up_invited(page: Page, app, link: str, name: str) -> str:
    page.goto(f"{app.base_url}/signup")
    expect(page.get_by_text("Sign-up is closed", exact=False).first).to_be_visible()
    expect(page.get_by_role("button", name="Sign up")).to_have_count(0)
    page.goto(link)
    page.get_by_role("link", name="Sign up").click()
    email = unique_email("invited")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/profile/?$"))
    expect(page.get_by_role("button", name="Profile")).to_be_visible()
    return email


def _password_sign_in_answer(page: Page, app, email: str, password: str = PASSWORD):
    page.goto(f"{app.base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_invite_disable_enable_last_admin_and_reset(closed_app, admin_email, new_context, tmp_path):
    admin = new_context().new_page()
    log_in(admin, closed_app, admin_email)
    expect(admin.get_by_role("navigation").get_by_role("link", name="Users")).to_have_count(1)
    expect(admin.get_by_role("heading", name="Users")).to_be_visible()

    # Invitation: sign-up is closed, the link lets a colleague in.
    link = _invite(admin)
    colleague = new_context().new_page()
    colleague_email = _sign_up_invited(colleague, closed_app, link, "Bob Builder")
    expect(colleague.get_by_role("heading", name="Users")).to_have_count(0)  # not an administrator
    with closed_app.services():
        from profile_app.services import accounts, credentials

        bob_id = accounts.authenticate(colleague_email, PASSWORD)
        keys = credentials.create_credentials(bob_id, label="sdk")
    assert "LOGGED-IN" in _sdk(tmp_path, keys.access_key, keys.secret_key, closed_app.api_url)

    admin.reload()
    row = _row(admin, "Bob Builder")
    expect(row.get_by_role("cell", name="Member", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name="1", exact=True)).to_be_visible()  # active API credentials

    # Disable: the session ends, password sign-in and the SDK are refused.
    _confirm(admin, "Disable", "Bob Builder")
    expect(row.get_by_text("Disabled", exact=True)).to_be_visible()
    colleague.reload()
    colleague.wait_for_url(re.compile(r".*/login(\?.*)?$"))
    _password_sign_in_answer(colleague, closed_app, colleague_email)
    expect(colleague.get_by_role("alert")).to_have_text(DISABLED)
    output = _sdk(tmp_path, keys.access_key, keys.secret_key, closed_app.api_url)
    assert "REFUSED" in output and "LOGGED-IN" not in output, output

    # Enable: all of it works again, with the same credentials.
    _confirm(admin, "Enable", "Bob Builder")
    expect(row.get_by_text("Active", exact=True)).to_be_visible()
    log_in(colleague, closed_app, colleague_email)
    assert "LOGGED-IN" in _sdk(tmp_path, keys.access_key, keys.secret_key, closed_app.api_url)

    # The last administrator cannot be demoted: the refusal shows next to the action.
    _confirm(admin, "Remove admin", "Ada Administrator")
    own = _row(admin, "Ada Administrator")
    expect(own.get_by_role("alert")).to_contain_text("last administrator")
    expect(own.get_by_role("cell", name="Administrator", exact=True)).to_be_visible()

    # Make admin, then Remove admin works while another administrator remains.
    _confirm(admin, "Make admin", "Bob Builder")
    expect(row.get_by_role("cell", name="Administrator", exact=True)).to_be_visible()
    _confirm(admin, "Remove admin", "Bob Builder")
    expect(row.get_by_role("cell", name="Member", exact=True)).to_be_visible()

    # Reset password: a link shown once, which works.
    _confirm(admin, "Reset password", "Bob Builder")
    field = admin.get_by_role("textbox", name="Reset link")
    expect(field).to_have_value(re.compile(r"/reset/"))
    reset_link = field.input_value()
    admin.get_by_role("dialog").get_by_role("button", name="Done").click()
    expect(admin.get_by_role("textbox", name="Reset link")).to_have_count(0)
    visitor = new_context().new_page()
    visitor.goto(reset_link)
    visitor.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    visitor.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    visitor.get_by_role("button", name="Set new password").click()
    expect(visitor.get_by_role("heading", name="Password changed")).to_be_visible()
    log_in(new_context().new_page(), closed_app, colleague_email, NEW_PASSWORD)


def test_users_section_fits_a_phone(closed_app, admin_email, new_context):
    page = new_context(**PHONE).new_page()
    log_in(page, closed_app, admin_email)
    page.goto(f"{closed_app.base_url}/profile#users")
    expect(_users_table(page)).to_be_visible()
    assert horizontal_overflow(page) <= 0
    button = page.get_by_role("button", name="Reset password Ada Administrator")
    button.scroll_into_view_if_needed()
    assert inside_viewport(page, button.bounding_box())


def test_hosted_owner_makes_a_member_admin_who_may_remove_members_but_not_the_owner(hosted_app, new_context):
    owner_email, helper_email = unique_email("owner"), unique_email("helper")
    with hosted_app.services():
        from profile_app.services import accounts, workspaces

        owner = accounts.sign_up("Olga Owner", owner_email, PASSWORD)
        for name, email in (("Hank Helper", helper_email), ("Ola Other", unique_email("other"))):
            member = accounts.sign_up(name, email, PASSWORD)
            workspaces.join_workspace(member, workspaces.create_invitation(owner).link.rsplit("/", 1)[1])
    page = new_context().new_page()
    log_in(page, hosted_app, owner_email)
    members = page.get_by_role("table", name="Members")
    helper_row = members.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Hank Helper"))
    expect(helper_row.get_by_role("cell", name="Member", exact=True)).to_be_visible()
    page.get_by_role("button", name="Make admin Hank Helper").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Make admin", exact=True).click()
    expect(helper_row.get_by_role("cell", name="Admin", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Remove admin Hank Helper")).to_be_visible()

    helper = new_context().new_page()
    log_in(helper, hosted_app, helper_email)  # joining made the owner's workspace the active one
    expect(helper.get_by_role("button", name="Remove Ola Other")).to_be_visible()
    expect(helper.get_by_role("button", name="Remove Olga Owner")).to_have_count(0)
    expect(helper.get_by_role("button", name=re.compile(r"^(Make|Remove) admin "))).to_have_count(0)

"""Issue 11 item 5: zero axe-core violations, of every impact, on every page and state: /login and /signup (with
their errors), /profile with data in every section, each dialog open, the header menu open, the name editor, each
/join state, the 404 page, in both deployment modes and in dark mode."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from profile_app.states.shown_rows import ROWS_PER_PAGE
from tests.e2e.conftest import PASSWORD, log_in, show_every_row, sign_up, unique_email
from tests.support.axe import assert_accessible
from tests.support.demo import add_members, seed_demo

pytestmark = pytest.mark.e2e

SCHEMES = ["light", "dark"]


def _scheme(page: Page, scheme: str) -> None:
    """The demo user's appearance is "System", so the browser's preference decides."""
    pattern = re.compile(rf"\b{scheme}\b")
    expect(page.locator("html")).to_have_class(pattern)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_public_pages(hosted_app, new_context, scheme):
    page = new_context(color_scheme=scheme).new_page()
    page.goto(f"{hosted_app.base_url}/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert_accessible(page, f"/login ({scheme})")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, f"/login with its error ({scheme})")

    page.goto(f"{hosted_app.base_url}/signup")
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    assert_accessible(page, f"/signup ({scheme})")
    page.get_by_label("Name").fill("A")
    page.get_by_label("Email").fill("no")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#password-error")).to_be_visible()
    assert_accessible(page, f"/signup with every error ({scheme})")

    page.goto(f"{hosted_app.base_url}/no-such-page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_accessible(page, f"the 404 page ({scheme})")


def _dialogs(page: Page) -> list[tuple[str, object, str]]:
    return [
        ("Create new credentials", page.get_by_role("button", name="Create new credentials"), "dialog"),
        ("Edit label", page.get_by_role("button", name=re.compile(r"^Edit label of ")).first, "dialog"),
        (
            "Revoke credentials",
            page.get_by_role("button", name=re.compile(r"^Revoke [A-Z0-9]{24}$")).first,
            "alertdialog",
        ),
        ("Add access keys", page.get_by_role("button", name="Add access keys"), "dialog"),
        ("Edit access keys", page.get_by_role("button", name="Edit experiment-artifacts"), "dialog"),
        ("Remove access keys", page.get_by_role("button", name="Remove experiment-artifacts"), "alertdialog"),
        ("Rename workspace", page.get_by_role("button", name=re.compile(r"^Rename ")), "dialog"),
        ("Remove member", page.get_by_role("button", name="Remove Alan Turing"), "alertdialog"),
        ("Revoke link", page.get_by_role("button", name=re.compile(r"^Revoke link made by ")).first, "alertdialog"),
        ("Invitation link", page.get_by_role("button", name="Invite user"), "dialog"),
    ]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_profile_with_data_every_dialog_and_the_menu(hosted_app, new_context, scheme):
    with hosted_app.services():
        demo = seed_demo()
    page = new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, hosted_app, demo.email)
    _scheme(page, scheme)
    expect(page.locator("#credentials").get_by_role("row")).to_have_count(4)
    assert_accessible(page, f"/profile with data ({scheme})")

    page.locator("#profile-button").click()
    expect(page.get_by_role("menu")).to_be_visible()
    assert_accessible(page, f"the header menu ({scheme})")
    page.keyboard.press("Escape")

    for what, opener, role in _dialogs(page):
        opener.click()
        dialog = page.get_by_role(role)
        expect(dialog).to_be_visible()
        assert_accessible(page, f"{what} ({scheme})")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)

    # The credentials result view, and a form with errors.
    page.get_by_role("button", name="Create new credentials").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.get_by_label("Secret key")).to_have_value(re.compile(r"^pfsk_"))
    assert_accessible(page, f"new credentials shown once ({scheme})")
    dialog.get_by_role("button", name="Done").click()
    page.get_by_role("button", name="Add access keys").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Provider").select_option(label="Azure Blob")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert").first).to_be_visible()
    assert_accessible(page, f"Add access keys with errors ({scheme})")
    page.keyboard.press("Escape")

    # The name editor with an error, and Leave workspace in the teammate's workspace.
    page.get_by_role("button", name="Edit name").click()
    name = page.get_by_role("textbox", name="Name", exact=True)
    name.fill(" ")
    name.press("Enter")
    expect(name).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, f"the name editor with an error ({scheme})")
    name.press("Escape")
    page.get_by_role("button", name="Switch to workspace Grace Hopper's workspace").click()
    page.get_by_role("button", name="Leave workspace").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    assert_accessible(page, f"Leave workspace ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_long_table_and_its_show_more_controls(hosted_app, new_context, scheme):
    """Members of a workspace with more than two pages of rows: "Showing 20 of 46 members" with "Show 20 more" and
    "Show all", then the last page left, then every row shown (the focus on the summary)."""
    page_size, left = ROWS_PER_PAGE, 6
    total = 2 * page_size + left
    email = unique_email("long")
    with hosted_app.services():
        from profile_app.services import accounts, workspaces

        owner = accounts.sign_up("Lena Longtable", email, PASSWORD)
        add_members(next(w.id for w in workspaces.list_workspaces(owner) if w.personal), total - 1)
    page = new_context(color_scheme=scheme).new_page()
    log_in(page, hosted_app, email)
    _scheme(page, scheme)
    expect(page.get_by_role("button", name=f"Show all {total} members")).to_be_visible()
    assert_accessible(page, f"a long Members table ({scheme})")
    page.get_by_role("button", name=f"Show {page_size} more members").click()
    last = page.get_by_role("button", name=f"Show {left} more members")
    expect(last).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Show all "))).to_have_count(0)
    assert_accessible(page, f"a long Members table, its last page left ({scheme})")
    last.click()
    expect(page.locator("#members-shown")).to_be_focused()
    assert_accessible(page, f"a long Members table, every row shown ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_join_state(hosted_app, new_context, scheme):
    with hosted_app.services():
        from profile_app import db
        from profile_app.models import Invitation, Workspace, utcnow
        from profile_app.services import workspaces

        demo = seed_demo()
        links = {state: workspaces.create_invitation(demo.user_id) for state in ("ok", "expired", "revoked", "full")}
        workspaces.revoke_invitation(demo.user_id, links["revoked"].id)
        grace = seed_demo(name="Grace Owner")  # a second workspace, made full for its link
        full = workspaces.create_invitation(grace.user_id)
        with db.transaction() as session:
            session.execute(
                sa.update(Invitation)
                .where(Invitation.id == links["expired"].id)
                .values(expires_at=utcnow() - timedelta(days=1))
            )
            session.execute(sa.update(Workspace).where(Workspace.id == full.workspace_id).values(max_members=1))
    page = new_context(color_scheme=scheme).new_page()
    states = {
        "ok": (links["ok"].link, re.compile(r"^Join ")),
        "unknown": (f"{hosted_app.base_url}/join/not-a-real-token", "Invitation not found"),
        "expired": (links["expired"].link, "Invitation expired"),
        "revoked": (links["revoked"].link, "Invitation revoked"),
        "full": (full.link, "Workspace full"),
    }
    for state, (url, heading) in states.items():
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert_accessible(page, f"/join {state}, signed out ({scheme})")
    log_in(page, hosted_app, demo.email)
    page.goto(links["ok"].link)
    expect(page.get_by_role("heading", name="Already a member", level=1)).to_be_visible()
    assert_accessible(page, f"/join already a member ({scheme})")
    stranger = new_context(color_scheme=scheme).new_page()
    sign_up(stranger, hosted_app, "Join Stranger")
    stranger.goto(links["ok"].link)
    expect(stranger.get_by_role("button", name="Join workspace")).to_be_visible()
    assert_accessible(stranger, f"/join ok, signed in ({scheme})")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_password_reset_state(hosted_app, new_context, scheme):
    """/forgot without mail, and /reset/<token>: the form (also with its errors), done, used, expired, not valid.
    (/forgot with mail, its error and its answer: tests/e2e/test_password_reset.py, on a server that sends mail.)"""
    with hosted_app.services():
        from profile_app import db
        from profile_app.models import PasswordReset, utcnow
        from profile_app.services import password_reset

        demo = seed_demo(name="Reset Person")
        link, expired = (password_reset.create_reset_link(demo.user_id) for _ in range(2))
        with db.transaction() as session:
            session.execute(
                sa.update(PasswordReset)
                .where(PasswordReset.token_hash == _reset_token_digest(expired))
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
    page = new_context(color_scheme=scheme).new_page()
    page.goto(f"{hosted_app.base_url}/forgot")
    expect(page.get_by_role("heading", name="Reset your password", level=1)).to_be_visible()
    expect(page.get_by_text("Email is not set up on this server")).to_be_visible()
    assert_accessible(page, f"/forgot without mail ({scheme})")

    # The expired and forged links first: a reset also spends the account's other links.
    for url, heading in (
        (expired, "Reset link expired"),
        (f"{hosted_app.base_url}/reset/not-a-real-token", "Reset link not valid"),
    ):
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert_accessible(page, f"/reset: {heading} ({scheme})")

    page.goto(link)
    expect(page.get_by_role("heading", name="Set a new password", level=1)).to_be_visible()
    assert_accessible(page, f"/reset form ({scheme})")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_role("button", name="Set new password").click()
    expect(page.locator("#new_password-error")).to_be_visible()
    assert_accessible(page, f"/reset with an error ({scheme})")
    page.get_by_label("New password", exact=True).fill(PASSWORD + " renewed")
    page.get_by_label("Confirm new password").fill(PASSWORD + " renewed")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Password changed", level=1)).to_be_visible()
    assert_accessible(page, f"/reset done ({scheme})")

    page.goto(link)
    expect(page.get_by_role("heading", name="Reset link already used", level=1)).to_be_visible()
    assert_accessible(page, f"/reset: used ({scheme})")


def _reset_token_digest(link: str) -> str:
    from profile_app.services import security

    return security.token_digest(link.rsplit("/", 1)[1])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_self_hosted_profile_and_join(self_hosted_app, new_context, scheme):
    with self_hosted_app.services():
        from profile_app import db
        from profile_app.models import ServerSettings
        from profile_app.services import accounts, administration, credentials

        demo = seed_demo()
        with db.transaction() as session:  # undecided again, so the admin sees the "Help us improve" prompt
            session.execute(sa.update(ServerSettings).values(usage_enabled=None, usage_decided_version=""))
        # The Users section: a member with credentials and a disabled account beside the administrator.
        member = accounts.sign_up(f"Zed Member {scheme}", f"zed-{scheme}-{demo.user_id}@example.com", PASSWORD)
        credentials.create_credentials(member, "laptop")
        former = accounts.sign_up(f"Yan Former {scheme}", f"yan-{scheme}-{demo.user_id}@example.com", PASSWORD)
        administration.disable_user(demo.user_id, former)
    page = new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, self_hosted_app, demo.email, PASSWORD)
    _scheme(page, scheme)
    expect(page.get_by_role("region", name="Help us improve")).to_be_visible()
    assert_accessible(page, f"self-hosted /profile with data ({scheme})")
    page.locator("#profile-button").click()
    expect(page.get_by_role("menu")).to_be_visible()
    assert_accessible(page, f"self-hosted header menu ({scheme})")
    page.keyboard.press("Escape")
    _users_section(page, scheme)
    visitor = new_context(color_scheme=scheme).new_page()
    visitor.goto(f"{self_hosted_app.base_url}/join/anything")
    expect(visitor.get_by_role("heading", name="Invitation not found")).to_be_visible()
    assert_accessible(visitor, f"/join on a self-hosted server ({scheme})")


def _users_section(page: Page, scheme: str) -> None:
    """Self-hosted administrators' Users section: its table, each confirmation, the reset link and the
    invitation link shown once."""
    expect(page.get_by_role("table", name="Users")).to_be_visible()
    show_every_row(page, "users")
    zed, yan = f"Zed Member {scheme}", f"Yan Former {scheme}"
    for opener in (f"Disable {zed}", f"Make admin {zed}", f"Enable {yan}", f"Reset password {zed}"):
        page.get_by_role("button", name=opener).click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_be_visible()
        assert_accessible(page, f"Users: {opener} ({scheme})")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
    page.get_by_role("button", name=f"Reset password {zed}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Reset password", exact=True).click()
    expect(page.get_by_role("textbox", name="Reset link")).to_have_value(re.compile(r"/reset/"))
    assert_accessible(page, f"Users: the reset link shown once ({scheme})")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Invite users").click()
    expect(page.get_by_role("textbox", name="Invitation link")).to_have_value(re.compile(r"/join/"))
    assert_accessible(page, f"Users: Invite users ({scheme})")
    page.keyboard.press("Escape")


def test_phone_layout(hosted_app, new_context):
    with hosted_app.services():
        demo = seed_demo()
    page = new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True)
    page = page.new_page()
    log_in(page, hosted_app, demo.email)
    expect(page.locator("#credentials").get_by_role("row")).to_have_count(4)
    assert_accessible(page, "/profile on a phone")
    page.get_by_role("navigation", name="Sections").get_by_role("button", name="Sections").click()
    assert_accessible(page, "/profile on a phone, sections open")

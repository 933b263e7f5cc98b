"""Workspaces end to end: invite from the header menu, join through the link as a new user, switch by keyboard,
leave (credentials revoked), a full workspace refuses a third user; self-hosted mode shows none of it."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, open_profile_menu, show_every_row, sign_up, unique_email

pytestmark = pytest.mark.e2e


def focus_menu_item_by_keyboard(page: Page, name: str) -> None:
    """With the menu open, press Arrow Down until the named item has the focus."""
    item = page.get_by_role("menuitemradio", name=name)
    for _ in range(12):
        if item.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"could not reach {name!r} with the arrow keys")


def workspace_id_named(app, name: str) -> int:
    from profile_app import db
    from profile_app.models import Workspace

    with app.services(), db.read() as session:
        return session.exec(sa.select(Workspace.id).where(Workspace.name == name)).scalar_one()


def give_credential(app, email: str, workspace_id: int) -> tuple[str, str]:
    """An app credential for the user in that workspace, made through the credentials service when it exists."""
    from profile_app import db
    from profile_app.models import ApiCredential, User
    from profile_app.services import security

    with app.services():
        with db.read() as session:
            user_id = session.exec(sa.select(User.id).where(User.email == email)).scalar_one()
        try:
            from profile_app.services import credentials
        except ImportError:
            credentials = None
        if credentials is not None and hasattr(credentials, "create_credentials"):
            created = credentials.create_credentials(user_id, label="e2e", workspace_id=workspace_id)
            assert credentials.login(created.access_key, created.secret_key)  # works while a member
            return created.access_key, created.secret_key
        access_key, secret = "E2E" + security.new_token()[:20].upper(), security.new_token()
        with db.transaction() as session:
            session.add(
                ApiCredential(
                    user_id=user_id,
                    workspace_id=workspace_id,
                    access_key=access_key,
                    secret_hash=security.token_digest(secret),
                )
            )
        return access_key, secret


def credentials_log_in(app, access_key: str, secret: str) -> bool:
    """auth.login's service, when the credentials feature is there (else: the revoked row is the evidence)."""
    from profile_app.services.errors import DomainError

    with app.services():
        try:
            from profile_app.services import credentials
        except ImportError:
            return False
        try:
            return bool(credentials.login(access_key, secret))
        except DomainError:
            return False


def credential_revoked(app, access_key: str) -> bool:
    from profile_app import db
    from profile_app.models import ApiCredential

    with app.services(), db.read() as session:
        row = session.exec(sa.select(ApiCredential).where(ApiCredential.access_key == access_key)).scalar_one()
        return row.revoked_at is not None


def test_invite_join_switch_leave_and_full(new_context, hosted_app):
    app = hosted_app
    alice_page = new_context().new_page()
    sign_up(alice_page, app, "Alice Owner")
    team = "Alice Owner's workspace"
    expect(alice_page.locator("#members-summary")).to_have_text(f"{team}: 1 of 10 members")

    # Alice invites from the header menu: a small dialog shows the link, and its Copy button copies it.
    open_profile_menu(alice_page)
    expect(alice_page.get_by_role("menuitemradio", name=team)).to_have_attribute("aria-checked", "true")
    alice_page.get_by_role("menuitem", name="Invite a User").click()
    invite = alice_page.get_by_role("dialog", name="New invitation link")
    link_field = invite.get_by_role("textbox", name="Invitation link")
    expect(link_field).to_have_value(re.compile(rf"^{re.escape(app.base_url)}/join/[A-Za-z0-9_-]{{43}}$"))
    link = link_field.input_value()
    invite.get_by_role("button", name="Copy link").click()
    expect(invite.get_by_role("button", name="Copied")).to_be_visible()
    assert alice_page.evaluate("navigator.clipboard.readText()") == link
    invite.get_by_role("button", name="Done").click()
    expect(invite).to_have_count(0)
    expect(alice_page.get_by_role("table", name="Active invitation links")).to_contain_text("Alice Owner")

    # Bob opens the link signed out, signs up, comes back and joins.
    bob_page = new_context().new_page()
    bob_page.goto(link)
    expect(bob_page.get_by_role("heading", name=f"Join {team}")).to_be_visible()
    expect(bob_page.locator("#join-invitation")).to_have_text(f"Alice Owner invited you to join {team}.")
    bob_page.get_by_role("link", name="Sign up").click()
    bob_email = unique_email("bob")
    bob_page.get_by_label("Name").fill("Bob Joiner")
    bob_page.get_by_label("Email").fill(bob_email)
    bob_page.get_by_label("Password").fill(PASSWORD)
    bob_page.get_by_role("button", name="Sign up").click()
    bob_page.wait_for_url(re.compile(r".*/join/[A-Za-z0-9_-]+$"))
    bob_page.get_by_role("button", name="Join workspace").click()
    bob_page.wait_for_url(re.compile(r".*/profile/?$"))
    expect(bob_page.locator("#header-workspace")).to_have_text(team)
    expect(bob_page.locator("#members-summary")).to_have_text(f"{team}: 2 of 10 members")

    alice_page.reload()
    members = alice_page.get_by_role("table", name="Members")
    expect(members).to_contain_text("Bob Joiner")
    expect(members).to_contain_text(bob_email)
    expect(alice_page.locator("#members-summary")).to_have_text(f"{team}: 2 of 10 members")

    # Bob switches to his own workspace from the header menu with the keyboard only; nothing reloads.
    bob_page.evaluate("window.__still_same_page = true")
    bob_own = "Bob Joiner's workspace"
    profile_button = bob_page.get_by_role("button", name="Profile")
    profile_button.focus()
    bob_page.keyboard.press("Enter")
    expect(bob_page.get_by_role("menu")).to_be_visible()
    expect(bob_page.get_by_role("menuitemradio", name=team)).to_have_attribute("aria-checked", "true")
    focus_menu_item_by_keyboard(bob_page, bob_own)
    bob_page.keyboard.press("Enter")
    expect(bob_page.locator("#header-workspace")).to_have_text(bob_own)
    expect(bob_page.locator("#members-summary")).to_have_text(f"{bob_own}: 1 of 10 members")
    expect(bob_page.get_by_role("button", name="Switch to workspace " + team)).to_be_visible()
    assert bob_page.evaluate("window.__still_same_page === true")
    bob_page.keyboard.press("ArrowDown")  # opens the menu again from the focused button
    expect(bob_page.get_by_role("menuitemradio", name=bob_own)).to_have_attribute("aria-checked", "true")
    bob_page.keyboard.press("Escape")
    expect(bob_page.get_by_role("menu")).to_have_count(0)
    expect(profile_button).to_be_focused()
    expect(bob_page.get_by_role("button", name="Leave workspace")).to_have_count(0)  # personal workspace

    # Bob goes back to the team, holds an app credential there, and leaves.
    bob_page.get_by_role("button", name="Switch to workspace " + team).click()
    expect(bob_page.locator("#header-workspace")).to_have_text(team)
    access_key, secret = give_credential(app, bob_email, workspace_id_named(app, team))
    bob_page.get_by_role("button", name="Leave workspace").click()
    dialog = bob_page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("lose access")
    expect(dialog).to_contain_text("app credentials in it are revoked")
    dialog.get_by_role("button", name="Leave workspace").click()
    expect(bob_page.locator("#header-workspace")).to_have_text(bob_own)
    expect(bob_page.get_by_role("button", name="Switch to workspace " + team)).to_have_count(0)
    assert credential_revoked(app, access_key)
    assert not credentials_log_in(app, access_key, secret)
    login = bob_page.request.get(f"{app.api_url}/auth.login", headers=_basic(access_key, secret))
    assert login.status == 401, login.status  # no token for the revoked key
    alice_page.reload()
    expect(alice_page.get_by_role("table", name="Members")).not_to_contain_text("Bob Joiner")

    # Alice makes a link from Members > "Invite user"; then the workspace reaches its limit.
    alice_page.get_by_role("button", name="Invite user").click()
    link_field = alice_page.get_by_role("textbox", name="Invitation link")
    expect(link_field).to_have_value(re.compile(r".*/join/[A-Za-z0-9_-]{43}$"))
    second_link = link_field.input_value()
    alice_page.get_by_role("button", name="Copy link").click()
    assert alice_page.evaluate("navigator.clipboard.readText()") == second_link
    alice_page.get_by_role("button", name="Done").click()
    with app.services():
        from profile_app import db
        from profile_app.models import Workspace

        with db.transaction() as session:
            session.execute(sa.update(Workspace).where(Workspace.name == team).values(max_members=1))
    alice_page.reload()
    expect(alice_page.get_by_text("This workspace has reached its maximum of 1 members")).to_be_visible()
    expect(alice_page.get_by_role("button", name="Invite user")).to_be_disabled()

    carol_page = new_context().new_page()
    sign_up(carol_page, app, "Carol Third")
    carol_page.goto(second_link)
    expect(carol_page.get_by_role("heading", name="Workspace full")).to_be_visible()
    expect(carol_page.locator("#join-message")).to_have_text("This workspace is full. Ask its owner to free a seat.")
    expect(carol_page.get_by_role("button", name="Join workspace")).to_have_count(0)

    # The first link, revoked by Alice (each revocation confirmed), shows its own page; a made-up link too.
    for _ in range(2):
        alice_page.get_by_role("button", name=re.compile(r"^Revoke link")).first.click()
        confirm = alice_page.get_by_role("alertdialog", name="Revoke invitation link?")
        expect(confirm).to_contain_text("stops working at once")
        confirm.get_by_role("button", name="Revoke link").click()
        expect(confirm).to_have_count(0)
    expect(alice_page.get_by_text("No active invitation links.")).to_be_visible()
    carol_page.goto(link)
    expect(carol_page.get_by_role("heading", name="Invitation revoked")).to_be_visible()
    carol_page.goto(f"{app.base_url}/join/not-a-real-token")
    expect(carol_page.get_by_role("heading", name="Invitation not found")).to_be_visible()


def test_already_member_is_offered_to_switch_and_owner_renames(new_context, hosted_app):
    app = hosted_app
    owner_page = new_context().new_page()
    sign_up(owner_page, app, "Olga Owner")
    owner_page.get_by_role("button", name="Invite user").click()
    link_field = owner_page.get_by_role("textbox", name="Invitation link")
    expect(link_field).to_have_value(re.compile(r".*/join/[A-Za-z0-9_-]{43}$"))
    link = link_field.input_value()
    owner_page.goto(link)
    expect(owner_page.get_by_role("heading", name="Already a member")).to_be_visible()
    owner_page.get_by_role("button", name="Switch to Olga Owner's workspace").click()
    owner_page.wait_for_url(re.compile(r".*/profile/?$"))

    # The owner renames the workspace; the header follows without a reload.
    owner_page.get_by_role("button", name="Rename Olga Owner's workspace").click()
    name_field = owner_page.get_by_label("Workspace name")
    name_field.fill("x")
    owner_page.get_by_role("button", name="Save name").click()
    expect(owner_page.locator("#workspace-name-error")).to_have_text("Workspace name must be at least 2 characters.")
    name_field.fill("Olga's Lab")
    owner_page.get_by_role("button", name="Save name").click()
    expect(owner_page.locator("#header-workspace")).to_have_text("Olga's Lab")
    expect(owner_page.get_by_role("table", name="Workspaces")).to_contain_text("Olga's Lab")


def test_self_hosted_shows_no_hosted_only_controls(page, self_hosted_app):
    """As a member who is not an administrator (administrators may invite: test_users_admin.py)."""
    with self_hosted_app.services():
        from profile_app.services import accounts

        accounts.sign_up("Ada Administrator", unique_email("ada"), PASSWORD)  # the first account: if none was yet
    sign_up(page, self_hosted_app, "Sam Selfhost")
    expect(page.locator("#self-hosted-workspaces-note")).to_contain_text("do not apply to a self-hosted server")
    expect(page.get_by_role("table", name="Members")).to_be_visible()
    show_every_row(page, "members")  # every account of the server is a member: the newest is on the last page
    expect(page.get_by_role("table", name="Members")).to_contain_text("Sam Selfhost")
    for name in ("Invite user", "Leave workspace"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Switch to workspace"))).to_have_count(0)
    open_profile_menu(page)
    expect(page.get_by_role("menuitem", name="Invite a User")).to_have_count(0)
    expect(page.get_by_role("menuitemradio")).to_have_count(0)
    expect(page.get_by_role("menuitem", name="Log out")).to_be_visible()
    page.keyboard.press("Escape")
    page.goto(f"{self_hosted_app.base_url}/join/anything")  # a member already: back to the Profile page
    page.wait_for_url(re.compile(r".*/profile/?$"))


def _basic(access_key: str, secret: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{access_key}:{secret}".encode()).decode()}

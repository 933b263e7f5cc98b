"""Issue 11 items 1 and 6 in the browser: every creation is safe to double-click (the button is busy until the
answer, and the server answers a repeated request key with the first result), raw repeated events create one row,
"Create new credentials" says why it is disabled at the limit, a reload never reopens a dialog, and a
100-character name signs up."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, log_in, sign_up, unique_email
from tests.support.latency import HeldAnswers
from tests.support.raw_socket import RawClient

pytestmark = pytest.mark.e2e

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _user_id(app, email: str) -> int:
    from profile_app import db
    from profile_app.models import User

    with app.services(), db.read() as session:
        return session.exec(sa.select(User.id).where(User.email == email)).scalar_one()


def _count(app, model: str, **where) -> int:
    from profile_app import db, models

    table = getattr(models, model)
    with app.services(), db.read() as session:
        query = sa.select(sa.func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return session.exec(query).scalar_one()


def _fill_aws_row(dialog, bucket: str) -> None:
    dialog.get_by_label("Provider").select_option("AWS S3")
    dialog.get_by_label("Bucket").fill(bucket)
    dialog.get_by_label("Key", exact=True).fill(AWS_KEY)
    dialog.get_by_label("Secret", exact=True).fill(AWS_SECRET)


def test_double_clicks_create_exactly_one_row_each(hosted_app, page: Page):
    email = sign_up(page, hosted_app, "Double Clicker")
    user_id = _user_id(hosted_app, email)

    # "Invite user": a double click (two clicks within a few milliseconds) makes one link.
    page.get_by_role("button", name="Invite user").dblclick()
    invite = page.get_by_role("dialog", name="New invitation link")
    expect(invite.get_by_role("textbox", name="Invitation link")).to_have_value(re.compile(r"/join/"))
    page.wait_for_timeout(1000)  # time for a second request to arrive, if one was sent
    assert _count(hosted_app, "Invitation", created_by=user_id) == 1
    invite.get_by_role("button", name="Done").click()

    # "Create" in the credentials dialog.
    page.get_by_role("button", name="Create new credentials").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Label (optional)").fill("double")
    dialog.get_by_role("button", name="Create").dblclick()
    expect(dialog.get_by_label("Secret key")).to_have_value(re.compile(r"^pfsk_"))
    page.wait_for_timeout(1000)
    assert _count(hosted_app, "ApiCredential", user_id=user_id) == 1
    dialog.get_by_role("button", name="Done").click()

    # "Save" in "Add access keys".
    page.get_by_role("button", name="Add access keys").click()
    dialog = page.get_by_role("dialog", name="Add access keys")
    _fill_aws_row(dialog, "double-click-bucket")
    dialog.get_by_role("button", name="Save").dblclick()
    expect(dialog).to_be_hidden()
    page.wait_for_timeout(1000)
    assert _count(hosted_app, "CloudCredential", user_id=user_id) == 1
    expect(page.locator("#cloud-access").get_by_role("row").filter(has_text="double-click-bucket")).to_have_count(1)


def test_two_clicks_in_the_same_instant_still_create_one_row(hosted_app, page: Page):
    """Both clicks reach the page before it re-renders (so both send their event): the request key the server
    minted for this dialog makes the second a repeat of the first."""
    email = sign_up(page, hosted_app, "Same Instant")
    user_id = _user_id(hosted_app, email)
    page.get_by_role("button", name="Create new credentials").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Create").evaluate("button => { button.click(); button.click(); }")
    expect(dialog.get_by_label("Secret key")).to_have_value(re.compile(r"^pfsk_"))
    secret = dialog.get_by_label("Secret key").input_value()
    page.wait_for_timeout(1500)
    assert _count(hosted_app, "ApiCredential", user_id=user_id) == 1
    expect(dialog.get_by_label("Secret key")).to_have_value(secret)  # the repeat did not blank the first answer
    dialog.get_by_role("button", name="Done").click()

    page.get_by_role("button", name="Invite user").evaluate("button => { button.click(); button.click(); }")
    expect(page.get_by_role("textbox", name="Invitation link")).to_have_value(re.compile(r"/join/"))
    page.wait_for_timeout(1500)
    assert _count(hosted_app, "Invitation", created_by=user_id) == 1


def test_a_slow_answer_keeps_the_button_busy_and_deaf(hosted_app, page: Page):
    answers = HeldAnswers(page)
    email = sign_up(page, hosted_app, "Slow Network")
    user_id = _user_id(hosted_app, email)
    page.get_by_role("button", name="Create new credentials").click()
    dialog = page.get_by_role("dialog")
    create = dialog.get_by_role("button", name="Create")
    expect(create).to_be_enabled()
    with answers.hold():
        create.click()
        expect(create).to_be_disabled()  # busy at once, before any answer
        expect(create.locator(".rt-Spinner")).to_have_count(1)
        box = create.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(1500)
        assert _count(hosted_app, "ApiCredential", user_id=user_id) == 1
    expect(dialog.get_by_label("Secret key")).to_have_value(re.compile(r"^pfsk_"))
    page.wait_for_timeout(500)
    assert _count(hosted_app, "ApiCredential", user_id=user_id) == 1


def test_two_raw_events_with_the_same_key_create_one_row(hosted_app):
    from profile_app.states.cloud_access import CloudAccessState
    from profile_app.states.credentials import CredentialsState
    from profile_app.states.workspaces import WorkspacesState

    email = unique_email("raw")
    with hosted_app.services():
        from profile_app.services import accounts

        user_id = accounts.sign_up("Raw Events", email, PASSWORD)
        token = accounts.sign_in(email, PASSWORD)
    client = RawClient(hosted_app.base_url, token)
    try:
        client.handler(CredentialsState, "open_create")
        client.settle()
        for _ in range(2):
            client.handler(CredentialsState, "create", {"form_data": {"label": "raw", "expiry": "never"}})
        for _ in range(2):
            client.handler(WorkspacesState, "create_invitation")
        client.handler(CloudAccessState, "open_add")
        client.settle()
        form = {"provider": "s3", "bucket": "raw-event-bucket", "key": AWS_KEY, "secret": AWS_SECRET}
        for _ in range(2):
            client.handler(CloudAccessState, "save", {"form_data": form})
        client.settle()
    finally:
        client.close()
    assert _count(hosted_app, "ApiCredential", user_id=user_id) == 1
    assert _count(hosted_app, "Invitation", created_by=user_id) == 1
    assert _count(hosted_app, "CloudCredential", user_id=user_id) == 1


def test_create_new_credentials_is_disabled_at_the_limit_with_the_reason(hosted_app, page: Page):
    email = sign_up(page, hosted_app, "Limit Reacher")
    user_id = _user_id(hosted_app, email)
    with hosted_app.services():
        from profile_app.config import get_settings
        from profile_app.services import credentials

        limit = get_settings().credentials_limit
        keys = [credentials.create_credentials(user_id, f"key {n}").access_key for n in range(limit)]
    page.reload()
    create = page.get_by_role("button", name="Create new credentials")
    expect(create).to_be_disabled()
    reason = page.locator("#credentials-limit-reason")
    expect(reason).to_contain_text(f"You have {limit} of {limit} credentials in this workspace")
    expect(create).to_have_attribute("aria-describedby", "credentials-limit-reason")

    page.get_by_role("button", name=f"Revoke {keys[0]}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke", exact=True).click()
    expect(create).to_be_enabled()
    expect(reason).to_have_count(0)


def test_a_reload_never_reopens_a_dialog(hosted_app, page: Page):
    sign_up(page, hosted_app, "Reload Person")
    page.get_by_role("button", name="Add access keys").click()
    dialog = page.get_by_role("dialog", name="Add access keys")
    dialog.get_by_label("Bucket").fill("Not_A_Bucket")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#cloud-bucket-error")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Cloud access")).to_be_visible()
    page.wait_for_timeout(1000)
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("button", name="Create new credentials").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="App credentials")).to_be_visible()
    page.wait_for_timeout(1000)
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_hundred_character_name_signs_up_and_its_workspace_name_fits(hosted_app, page: Page):
    name = "Maximiliana " + "Q" * 88
    assert len(name) == 100
    email = sign_up(page, hosted_app, name)
    expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()
    workspace = page.locator("#header-workspace")
    expect(workspace).to_have_text(re.compile(r"…'s workspace$"))
    assert len(workspace.inner_text()) == 100
    page.context.clear_cookies()
    log_in(page, hosted_app, email)
    expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()

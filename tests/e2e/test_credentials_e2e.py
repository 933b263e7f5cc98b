"""App credentials end to end: create with label and expiry, copy both snippets (read back from the clipboard),
the secret is gone once the dialog closes, last used follows an auth.login, edit label, revoke with confirmation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_up

pytestmark = pytest.mark.e2e

# Cells after the row header (Label): Access key, Created, Last used, From, Expires, actions.
LAST_USED, FROM, EXPIRES = 2, 3, 4


def clipboard(page: Page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


def section(page: Page):
    return page.locator("#credentials")


def credential_row(page: Page, access_key: str):
    return section(page).get_by_role("row").filter(has_text=access_key)


def test_create_copy_forget_use_edit_revoke(page: Page, hosted_app):
    sign_up(page, hosted_app, "Cred Owner")
    expect(section(page).get_by_text("You have no app credentials in this workspace yet.")).to_be_visible()

    section(page).get_by_role("button", name="Create new credentials").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Create new credentials")).to_be_visible()
    dialog.get_by_label("Label (optional)").fill("laptop")
    dialog.get_by_label("Expiry").select_option(label="90 days")
    dialog.get_by_role("button", name="Create").click()

    expect(dialog.get_by_text("This secret key will not be shown again.")).to_be_visible()
    # The keys arrive as browser-side values pushed right after the state update that opens the result view.
    expect(dialog.get_by_label("Access key")).to_have_value(re.compile(r"[A-Z0-9]{20,30}"))
    expect(dialog.get_by_label("Secret key")).to_have_value(re.compile(r"pfsk_\S+"))
    access_key = dialog.get_by_label("Access key").input_value()
    secret_key = dialog.get_by_label("Secret key").input_value()
    assert re.fullmatch(r"[A-Z0-9]{20,30}", access_key)
    assert secret_key.startswith("pfsk_") and len(secret_key) == 54

    # "Local Python": the clearml-init block; the button turns into a check mark, then back.
    dialog.get_by_role("button", name="Copy to clipboard").click()
    expect(dialog.get_by_role("button", name="Copied")).to_be_visible()
    local_python = clipboard(page)
    assert local_python.startswith("api {")
    assert f"api_server: {hosted_app.api_url}" in local_python
    assert f'"access_key" = "{access_key}"' in local_python and f'"secret_key" = "{secret_key}"' in local_python
    expect(dialog.get_by_role("button", name="Copy to clipboard")).to_be_visible()

    dialog.get_by_role("tab", name="Jupyter notebook").click()
    dialog.get_by_role("button", name="Copy to clipboard").click()
    expect(dialog.get_by_role("button", name="Copied")).to_be_visible()
    jupyter = clipboard(page)
    assert f"%env CLEARML_API_HOST={hosted_app.api_url}" in jupyter
    assert f"%env CLEARML_API_ACCESS_KEY={access_key}" in jupyter
    assert f"%env CLEARML_API_SECRET_KEY={secret_key}" in jupyter

    # Closing forgets the secret: not in the page, and reopening shows an empty form.
    dialog.get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert secret_key not in page.content()
    section(page).get_by_role("button", name="Create new credentials").click()
    expect(page.get_by_role("dialog").get_by_label("Label (optional)")).to_have_value("")
    assert secret_key not in page.content()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    row = credential_row(page, access_key)
    expect(row).to_contain_text("laptop")
    expires = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%d")
    expect(row.get_by_role("cell").nth(EXPIRES)).to_have_text(re.compile(rf"^{expires} \d\d:\d\d UTC$"))
    expect(row.get_by_role("cell").nth(LAST_USED)).to_have_text("Never")

    # An SDK login shows up as last used (exact time on hover) and From (the worker id).
    response = httpx.post(
        f"{hosted_app.api_url}/auth.login", auth=(access_key, secret_key), headers={"X-ClearML-Worker": "e2e-worker"}
    )
    assert response.status_code == 200
    page.reload()
    row = credential_row(page, access_key)
    # The page's one date format; the time is the login's, to the minute.
    expect(row.get_by_role("cell").nth(LAST_USED)).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$"))
    last_used = datetime.strptime(row.get_by_role("cell").nth(LAST_USED).inner_text(), "%Y-%m-%d %H:%M UTC")
    assert abs(last_used.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=2)
    expect(row.get_by_role("cell").nth(FROM)).to_have_text("e2e-worker")

    # Edit label.
    row.get_by_role("button", name="Edit label").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Label")).to_have_value("laptop")
    dialog.get_by_label("Label").fill("desktop")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(credential_row(page, access_key)).to_contain_text("desktop")

    # Revoke, with the exact confirmation.
    credential_row(page, access_key).get_by_role("button", name="Revoke").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text(
        f"Are you sure you want to revoke the desktop credentials ({access_key})? "
        "Once revoked, these credentials cannot be recovered."
    )
    confirm.get_by_role("button", name="Revoke", exact=True).click()
    expect(credential_row(page, access_key)).to_have_count(0)
    expect(section(page).get_by_text("You have no app credentials in this workspace yet.")).to_be_visible()
    assert httpx.post(f"{hosted_app.api_url}/auth.login", auth=(access_key, secret_key)).status_code == 401


def test_label_is_optional_and_expiry_offers_the_standard_choices(page: Page, hosted_app):
    sign_up(page, hosted_app, "Long Label")
    section(page).get_by_role("button", name="Create new credentials").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Expiry").locator("option")).to_have_text(["Never", "30 days", "90 days", "365 days"])
    dialog.get_by_role("button", name="Create").click()  # no label is fine
    expect(dialog.get_by_label("Secret key")).to_have_value(re.compile(r"^pfsk_"))
    dialog.get_by_role("button", name="Done").click()
    expect(section(page).get_by_role("row").filter(has_text="No label")).to_have_count(1)


def test_self_hosted_says_one_set_is_enough(page: Page, self_hosted_app):
    sign_up(page, self_hosted_app, "Self Hoster")
    expect(section(page)).to_contain_text("one set of credentials is enough")

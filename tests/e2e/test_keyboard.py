"""Issue 11 item 4 in the browser, by keyboard: focus goes back to the control that opened each dialog after Esc,
Cancel, Done and a submit; a failed submit marks every invalid field and focuses the first; a skip link; the name
editor keeps the focus; async results are announced politely."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import log_in, sign_up
from tests.support.demo import seed_demo

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_page(hosted_app, page: Page) -> Page:
    with hosted_app.services():
        demo = seed_demo()
    log_in(page, hosted_app, demo.email)
    expect(page.locator("#credentials").get_by_role("row")).to_have_count(4)
    return page


def _open_by_keyboard(page: Page, opener: Locator, role: str) -> Locator:
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role(role)
    expect(dialog).to_be_visible()
    return dialog


def _assert_focus_returns(page: Page, opener: Locator, role: str, close_button: str) -> None:
    """Esc, then the dialog's own close button: each time the opener has the focus again."""
    _open_by_keyboard(page, opener, role)
    page.keyboard.press("Escape")
    expect(page.get_by_role(role)).to_have_count(0)
    expect(opener).to_be_focused()
    dialog = _open_by_keyboard(page, opener, role)
    dialog.get_by_role("button", name=close_button, exact=True).click()
    expect(page.get_by_role(role)).to_have_count(0)
    expect(opener).to_be_focused()


def test_every_dialog_gives_the_focus_back_to_its_opener(hosted_app, demo_page: Page):
    page = demo_page
    dialogs = [
        ("Create new credentials", "dialog", "Cancel"),
        (re.compile(r"^Edit label of "), "dialog", "Cancel"),
        (re.compile(r"^Revoke [A-Z0-9]{24}$"), "alertdialog", "Cancel"),
        ("Add access keys", "dialog", "Cancel"),
        ("Edit experiment-artifacts", "dialog", "Cancel"),
        ("Remove experiment-artifacts", "alertdialog", "Cancel"),
        ("Rename Ada Lovelace's workspace", "dialog", "Cancel"),
        ("Remove Alan Turing", "alertdialog", "Cancel"),
        (re.compile(r"^Revoke link made by "), "alertdialog", "Cancel"),
    ]
    for name, role, close in dialogs:
        opener = page.get_by_role("button", name=name).first
        _assert_focus_returns(page, opener, role, close)

    # "Invite user" makes a link, shown in a dialog closed with Esc or Done.
    invite = page.get_by_role("button", name="Invite user")
    _assert_focus_returns(page, invite, "dialog", "Done")

    # The header's "Invite a User": the focus goes back to the Profile button that opened the menu.
    profile_button = page.locator("#profile-button")
    for close in ("Escape", "Done"):
        profile_button.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("menu")).to_be_visible()
        page.get_by_role("menuitem", name="Invite a User").focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name="New invitation link")
        expect(dialog).to_be_visible()
        if close == "Escape":
            page.keyboard.press("Escape")
        else:
            dialog.get_by_role("button", name="Done").click()
        expect(dialog).to_have_count(0)
        expect(profile_button).to_be_focused()

    # "Leave workspace" (in the teammate's workspace, where it is offered).
    page.get_by_role("button", name="Switch to workspace Grace Hopper's workspace").click()
    leave = page.get_by_role("button", name="Leave workspace")
    _assert_focus_returns(page, leave, "alertdialog", "Cancel")


def test_focus_after_a_submit_goes_back_to_the_opener_or_its_section(hosted_app, demo_page: Page):
    page = demo_page
    # Edit label: Save closes the dialog, the focus is back on "Edit label".
    opener = page.get_by_role("button", name=re.compile(r"^Edit label of ")).first
    dialog = _open_by_keyboard(page, opener, "dialog")
    dialog.get_by_label("Label").fill("renamed by keyboard")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(opener).to_be_focused()

    # Create, then Done: back on "Create new credentials".
    create = page.get_by_role("button", name="Create new credentials")
    dialog = _open_by_keyboard(page, create, "dialog")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.get_by_label("Secret key")).to_have_value(re.compile(r"^pfsk_"))
    dialog.get_by_role("button", name="Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(create).to_be_focused()

    # Revoke: the row (and its button) is gone, so the focus goes to the section's heading.
    opener = page.get_by_role("button", name=re.compile(r"^Revoke [A-Z0-9]{24}$")).first
    dialog = _open_by_keyboard(page, opener, "alertdialog")
    dialog.get_by_role("button", name="Revoke", exact=True).click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.locator("#credentials-title")).to_be_focused()


def test_a_failed_sign_up_marks_every_field_and_focuses_the_first(hosted_app, page: Page):
    page.goto(f"{hosted_app.base_url}/signup")
    page.get_by_label("Name").fill("A")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_label("Password").press("Enter")
    for field, message in (
        ("name", "Name must be at least 2 characters."),
        ("email", "Enter a valid email address, like name@example.com."),
        ("password", "Password must be at least 12 characters."),
    ):
        expect(page.locator(f"#{field}-error")).to_have_text(message)
        box = page.locator(f"#{field}")
        expect(box).to_have_attribute("aria-invalid", "true")
        expect(box).to_have_attribute("aria-describedby", re.compile(rf"\b{field}-error\b"))
    expect(page.get_by_label("Name")).to_be_focused()
    expect(page).to_have_url(re.compile(r".*/signup/?$"))


def test_a_failed_form_in_a_dialog_focuses_its_invalid_field(hosted_app, page: Page):
    sign_up(page, hosted_app, "Form Focus")
    page.get_by_role("button", name="Add access keys").click()
    dialog = page.get_by_role("dialog", name="Add access keys")
    dialog.get_by_label("Bucket").fill("Bad_Bucket")
    dialog.get_by_role("button", name="Save").click()
    bucket = dialog.get_by_label("Bucket")
    expect(bucket).to_have_attribute("aria-invalid", "true")
    expect(bucket).to_have_attribute("aria-describedby", "cloud-bucket-error")
    expect(bucket).to_be_focused()

    page.keyboard.press("Escape")
    page.get_by_role("button", name=re.compile(r"^Rename ")).click()
    name = page.get_by_label("Workspace name")
    name.fill("x")
    name.press("Enter")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()


def test_skip_link_and_name_editor_by_keyboard(hosted_app, page: Page):
    sign_up(page, hosted_app, "Keyboard Only")
    page.reload()
    expect(page.get_by_role("heading", name="Keyboard Only", level=2)).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()

    edit = page.get_by_role("button", name="Edit name")
    edit.focus()
    page.keyboard.press("Enter")
    name_box = page.get_by_role("textbox", name="Name", exact=True)
    expect(name_box).to_be_focused()
    page.keyboard.press("Escape")
    expect(name_box).to_have_count(0)
    expect(edit).to_be_focused()

    page.keyboard.press("Enter")
    expect(name_box).to_be_focused()
    name_box.fill("Keyboard Person")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Keyboard Person", level=2)).to_be_visible()
    expect(edit).to_be_focused()
    # The result is announced by a polite live region (the toast list).
    expect(page.locator('[aria-live="polite"]').filter(has_text="Name saved")).to_have_count(1)

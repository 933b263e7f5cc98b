"""Issue 16, page load: a long table renders one page of rows with a way to see the rest (the browser gets only the
rows shown), and a dialog's content is in the page only while the dialog is open, the focus still going back to
its opener when it closes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from profile_app.states.shown_rows import ROWS_PER_PAGE
from tests.e2e.conftest import PASSWORD, log_in, unique_email
from tests.support.demo import add_members
from tests.support.layout import DESKTOP_HIDPI, PHONE, horizontal_overflow

pytestmark = pytest.mark.e2e

MEMBERS = 1000


def _owner_of_a_big_workspace(app, name: str) -> str:
    """An account whose active workspace has MEMBERS other members; returns its email."""
    email = unique_email("big")
    with app.services():
        from profile_app.services import accounts, workspaces

        owner = accounts.sign_up(name, email, PASSWORD)
        personal = next(w.id for w in workspaces.list_workspaces(owner) if w.personal)
        add_members(personal, MEMBERS)
    return email


def _member_rows(page: Page):
    """The Members table's body rows (its header row excluded)."""
    return page.get_by_role("table", name="Members").locator("tbody").get_by_role("row")


def test_a_thousand_members_show_one_page_then_more_on_request(hosted_app, new_context):
    total = MEMBERS + 1  # the owner and the members
    email = _owner_of_a_big_workspace(hosted_app, "Bea Bigteam")
    page = new_context(**DESKTOP_HIDPI).new_page()
    log_in(page, hosted_app, email)
    summary = page.get_by_role("status").filter(has_text=re.compile(r"^Showing .* members$"))
    expect(summary).to_have_text(f"Showing {ROWS_PER_PAGE} of {total:,} members")
    expect(_member_rows(page)).to_have_count(ROWS_PER_PAGE)
    expect(page.locator("#members-summary")).to_contain_text(f"{total} of {total + 9} members")

    # By keyboard: the focus stays on "Show 20 more members", which shows the next page.
    more = page.get_by_role("button", name=f"Show {ROWS_PER_PAGE} more members", exact=True)
    more.focus()
    page.keyboard.press("Enter")
    expect(summary).to_have_text(f"Showing {2 * ROWS_PER_PAGE} of {total:,} members")
    expect(_member_rows(page)).to_have_count(2 * ROWS_PER_PAGE)
    expect(more).to_be_focused()

    # A double click asks twice for the same rows: one more page, not two.
    more.dblclick()
    expect(summary).to_have_text(f"Showing {3 * ROWS_PER_PAGE} of {total:,} members")
    page.wait_for_timeout(500)  # time for a second page to arrive, if one were sent
    expect(_member_rows(page)).to_have_count(3 * ROWS_PER_PAGE)

    # A row beyond the first page acts like any other: the handler finds it in the whole list.
    page.get_by_role("button", name="Remove Member 0045", exact=True).click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_role("button", name="Remove member").click()
    expect(dialog).to_have_count(0)
    expect(summary).to_have_text(f"Showing {3 * ROWS_PER_PAGE} of {total - 1:,} members")  # the table kept its rows
    expect(page.get_by_role("rowheader", name="Member 0045", exact=True)).to_have_count(0)

    # "Show all": every row, the buttons go and the focus moves to the summary where they were.
    show_all = page.get_by_role("button", name=f"Show all {total - 1:,} members", exact=True)
    show_all.focus()
    page.keyboard.press("Enter")
    expect(summary).to_have_text(f"Showing all {total - 1:,} members")
    expect(_member_rows(page)).to_have_count(total - 1)
    expect(page.get_by_role("button", name=re.compile(r"^Show (all|\d+ more) members$"))).to_have_count(0)
    expect(summary).to_be_focused()
    expect(page.get_by_role("rowheader", name=f"Member {MEMBERS:04d}", exact=True)).to_be_visible()

    # A new visit starts again at the first page.
    page.reload()
    expect(summary).to_have_text(f"Showing {ROWS_PER_PAGE} of {total - 1:,} members")
    expect(_member_rows(page)).to_have_count(ROWS_PER_PAGE)


def test_the_show_more_controls_fit_a_phone(hosted_app, new_context):
    email = _owner_of_a_big_workspace(hosted_app, "Pia Phone " + "Longname" * 11)
    page = new_context(**PHONE).new_page()
    log_in(page, hosted_app, email)
    more = page.get_by_role("button", name=f"Show {ROWS_PER_PAGE} more members", exact=True)
    more.scroll_into_view_if_needed()
    expect(more).to_be_visible()
    expect(page.get_by_role("button", name=f"Show all {MEMBERS + 1:,} members", exact=True)).to_be_visible()
    assert horizontal_overflow(page) <= 0
    more.click()
    expect(_member_rows(page)).to_have_count(2 * ROWS_PER_PAGE)
    assert horizontal_overflow(page) <= 0


def test_a_dialog_is_in_the_page_only_while_open_and_gives_the_focus_back(hosted_app, new_context):
    email = unique_email("dialogs")
    with hosted_app.services():
        from profile_app.services import accounts, credentials

        user = accounts.sign_up("Dee Dialogs", email, PASSWORD)
        access_key = credentials.create_credentials(user, "laptop").access_key
    page = new_context().new_page()
    log_in(page, hosted_app, email)
    expect(page.get_by_role("table", name="App credentials")).to_be_visible()

    cases = [  # opener, the dialog's role, something only its content has, how it closes
        (page.get_by_role("button", name=re.compile(r"^Rename ")), "dialog", "#workspace-name", "Escape"),
        (page.get_by_role("button", name=f"Revoke {access_key}"), "alertdialog", "text=Once revoked", "Cancel"),
        (page.get_by_role("button", name="Invite user"), "dialog", "#invitation-link", "Done"),
        (page.get_by_role("button", name="Create new credentials"), "dialog", "#credentials-label", "Cancel"),
    ]
    for opener, role, content, close in cases:
        expect(page.get_by_role(role)).to_have_count(0)
        expect(page.locator(content)).to_have_count(0)  # not rendered (hidden or not) before it opens
        opener.focus()
        page.keyboard.press("Enter")
        dialog = page.get_by_role(role)
        expect(dialog).to_be_visible()
        expect(dialog.locator(content)).to_have_count(1)
        if close == "Escape":
            page.keyboard.press("Escape")
        else:
            dialog.get_by_role("button", name=close, exact=True).click()
        expect(dialog).to_have_count(0)
        expect(page.locator(content)).to_have_count(0)  # gone again once it closed
        expect(opener).to_be_focused()

"""The window of rows a long table shows: one page at first, "Show N more" a page at a time, "Show all N" the rest;
a repeated click (or a crafted count) never shows fewer rows or more than there are."""

from __future__ import annotations

import pytest

from profile_app.states.shown_rows import ROWS_PER_PAGE, RowNoun, RowWindow, asked_rows, row_window

MEMBERS = RowNoun("member", "members")
PAGE = ROWS_PER_PAGE


def test_a_short_table_has_no_controls():
    for total in (0, 1, PAGE):
        assert row_window(total, 0, MEMBERS) == RowWindow(shown=total, total=total)


def test_a_long_table_shows_one_page_and_names_what_the_buttons_show():
    window = row_window(1000, 0, MEMBERS)
    assert (window.shown, window.summary) == (PAGE, f"Showing {PAGE} of 1,000 members")
    assert (window.more_label, window.all_label) == (f"Show {PAGE} more members", "Show all 1,000 members")


def test_the_last_page_offers_only_what_is_left():
    window = row_window(PAGE + 1, PAGE, MEMBERS)
    assert (window.more_label, window.all_label) == ("Show 1 more member", "")
    done = row_window(PAGE + 1, PAGE + 1, MEMBERS)
    assert (done.summary, done.more_label, done.all_label) == (f"Showing all {PAGE + 1} members", "", "")


def test_a_table_that_lost_rows_shows_at_most_what_is_there():
    assert row_window(PAGE + 3, 10 * PAGE, MEMBERS).shown == PAGE + 3


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (2 * PAGE, 2 * PAGE),  # "Show N more"
        (2 * PAGE, 2 * PAGE),  # the same click again: nothing more
        (10_000, 1000),  # "Show all", or more than there are
        (1, PAGE),  # never fewer than shown
        (-5, PAGE),
        ("40", PAGE),  # anything but a whole number asks for nothing
        (True, PAGE),
        (2.5, PAGE),
        (None, PAGE),
    ],
)
def test_asked_rows(count, expected):
    assert asked_rows(row_window(1000, PAGE, MEMBERS), count) == expected

"""Long tables (Members, App credentials, Cloud access, Users) send the browser only the rows it shows: the state
keeps the whole list in a backend-only var and exposes the first `shown` rows, plus a `RowWindow` that says how
many there are and names the controls that show more. A table starts with one page of rows, the Security log's
page size, so every table of the page shows the same number at a time; "Show N more" adds a page, "Show all N"
the rest. Handlers that act on a row look it up in the whole list (and the service checks it again).

Once every row is shown the buttons are gone, so the handler moves the focus to the table's summary line
("Showing all 1,000 members"), where the button was."""

from __future__ import annotations

from dataclasses import dataclass

from profile_app.services import security_log

ROWS_PER_PAGE = security_log.PAGE_SIZE


@dataclass
class RowWindow:
    shown: int = 0
    total: int = 0
    summary: str = ""  # "Showing 20 of 1,000 members" / "Showing all 1,000 members"
    more_label: str = ""  # "Show 20 more members"; "" once every row is shown
    all_label: str = ""  # "Show all 1,000 members"


@dataclass(frozen=True)
class RowNoun:
    """What a table's rows are, for its counts ("1 member", "20 members")."""

    one: str
    many: str

    def of(self, number: int) -> str:
        return self.one if number == 1 else self.many

    def count(self, number: int) -> str:
        return f"{number:,} {self.of(number)}"


def row_window(total: int, shown: int, noun: RowNoun) -> RowWindow:
    """The window of `shown` rows (at least one page, at most all of them) of a table of `total` rows."""
    shown = min(total, max(ROWS_PER_PAGE, shown))
    rest = total - shown
    if rest <= 0:
        summary = f"Showing all {noun.count(total)}" if total > ROWS_PER_PAGE else ""
        return RowWindow(shown=shown, total=total, summary=summary)
    more = min(rest, ROWS_PER_PAGE)
    return RowWindow(
        shown=shown,
        total=total,
        summary=f"Showing {shown:,} of {noun.count(total)}",
        more_label=f"Show {more:,} more {noun.of(more)}",
        all_label=f"Show all {noun.count(total)}" if rest > ROWS_PER_PAGE else "",
    )


def asked_rows(window: RowWindow, count) -> int:
    """The rows to show after a click that asked for `count` of them ("Show N more" sends the count it means,
    "Show all" the total): a repeated click asks for the same count and changes nothing, and a table never
    shrinks under the person reading it. Anything but a plain whole number asks for nothing."""
    asked = count if type(count) is int and 0 < count < 2**31 else 0
    return max(window.shown, min(asked, window.total))

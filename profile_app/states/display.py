"""How the page writes values: one date format everywhere, and the mark of an empty value."""

from __future__ import annotations

from datetime import datetime

EMPTY = "—"
TIME_FORMAT = "%Y-%m-%d %H:%M UTC"


def display_time(moment: datetime | None) -> str:
    """`YYYY-MM-DD HH:MM UTC`, the page's one date format (times are stored in UTC); "" for no time."""
    return moment.strftime(TIME_FORMAT) if moment else ""

"""Framework-level guards that sit in front of every event handler and behind every log line written for a
browser. Reflex-specific, so they live with the states.

- `MarkerGuard` drops any incoming event whose payload or router data contains Reflex's var marker
  (`<reflex.`): text like that, echoed into a returned event, makes Reflex's var parser loop forever and hangs the
  whole backend. Handlers are written never to echo user text; this is the net under them. It logs once per
  process, without the payload.
- `frontend_exception_logger` replaces Reflex's handler for errors reported by browsers: whatever a client sends
  is capped in length, has its control characters escaped (no forged log lines, no terminal escapes) and is
  rate-limited per process."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from reflex.middleware import Middleware
from reflex.state import StateUpdate

from profile_app.services.text import contains_framework_marker

log = logging.getLogger("profile_app.events")

MAX_SCAN_ITEMS = 10_000
REPORT_MAX_CHARS = 2_000
REPORTS_PER_MINUTE = 30


def carries_marker(value: Any, budget: list[int] | None = None) -> bool:
    """True if any string (key or value) anywhere in `value` contains the marker. Bounded: a payload too large
    to scan counts as carrying it."""
    budget = budget if budget is not None else [MAX_SCAN_ITEMS]
    stack = [value]
    while stack:
        budget[0] -= 1
        if budget[0] < 0:
            return True
        item = stack.pop()
        if isinstance(item, str):
            if contains_framework_marker(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set):
            stack.extend(item)
    return False


class MarkerGuard(Middleware):
    _warned = False

    async def preprocess(self, app, state, event) -> StateUpdate | None:
        if carries_marker(event.payload) or carries_marker(event.router_data):
            if not MarkerGuard._warned:
                MarkerGuard._warned = True
                log.warning(
                    "Dropped an event carrying framework markup (%s); further ones are dropped silently.",
                    event.name.rsplit(".", 1)[-1][:80],
                )
            return StateUpdate()
        return None


def escape_for_log(text: str, limit: int = REPORT_MAX_CHARS) -> str:
    """One log line: control characters (newlines, ANSI escapes, NUL) shown as escapes, then capped."""
    escaped = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text[: limit * 2]
    )
    return escaped if len(escaped) <= limit else escaped[:limit] + "… (truncated)"


class _ReportBudget:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.window_start = 0.0
        self.count = 0

    def allow(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if now - self.window_start >= 60:
                self.window_start, self.count = now, 0
            self.count += 1
            if self.count == REPORTS_PER_MINUTE + 1:
                log.warning("More than %d browser error reports this minute; ignoring the rest.", REPORTS_PER_MINUTE)
            return self.count <= REPORTS_PER_MINUTE


_budget = _ReportBudget()


def frontend_exception_logger(exception: Exception) -> None:
    if _budget.allow():
        log.error("Browser reported an error: %s", escape_for_log(str(exception)))

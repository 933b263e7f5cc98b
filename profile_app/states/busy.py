"""Pending flags of submitting controls. The flag lives in the browser, so it turns on at the click, before any
round trip: the control shows its busy state and ignores further clicks. The handler that answers clears it in
the same reply (`@settles`), whatever path it takes; the page frame clears them all after a reconnection, since an
answer lost with the connection never comes."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx

from profile_app.states.framework import client_setter_js, client_state, js_handler

log = logging.getLogger(__name__)

PENDING_PREFIX = "pending_"
UNEXPECTED_FAILURE = "Something went wrong. Please try again."


class Pending:
    """One control's busy flag: `value` to render, `start` for its trigger, `settled()` for the answer. Rows that
    share a flag tell theirs apart with `start_for(row_key)` and `busy_for(row_key)`."""

    def __init__(self, name: str):
        self.name = name
        self._var = client_state(PENDING_PREFIX + name, "")

    @property
    def value(self) -> rx.Var[bool]:
        return self._var.value.to(str) != ""

    def busy_for(self, key: rx.Var) -> rx.Var[bool]:
        return self._var.value.to(str) == key.to_string()

    @property
    def start(self) -> rx.Var:
        return self._var.set_value("busy")

    def start_for(self, key: rx.Var) -> rx.Var:
        return js_handler(f"() => {client_setter_js(self._var)}(String({key!s}))", self._var, key)

    def settled(self) -> rx.event.EventSpec:
        return self._var.push("")


def _with_settled(result: Any, flags: tuple[Pending, ...]) -> list:
    events = [] if result is None else list(result) if isinstance(result, list | tuple) else [result]
    return [*events, *(flag.settled() for flag in flags)]


def _failed(fn: Callable, flags: tuple[Pending, ...]) -> list:
    """An unexpected error: logged for the operator, a plain sentence for the person, and the control freed."""
    log.exception("handler %s failed", fn.__qualname__)
    return _with_settled(rx.toast.error(UNEXPECTED_FAILURE), flags)


def settles(*flags: Pending) -> Callable[[Callable], Callable]:
    """Decorate a handler (under `@event`) so its reply always clears these pending flags."""

    def decorate(fn: Callable) -> Callable:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def settle_async(self, *args, **kwargs):
                try:
                    result = await fn(self, *args, **kwargs)
                except Exception:
                    return _failed(fn, flags)
                return _with_settled(result, flags)

            return settle_async

        @functools.wraps(fn)
        def settle(self, *args, **kwargs):
            try:
                result = fn(self, *args, **kwargs)
            except Exception:
                return _failed(fn, flags)
            return _with_settled(result, flags)

        return settle

    return decorate

"""Keyboard focus that never gets lost. A small script, installed once per window, remembers the last control
focused outside an overlay; a closing dialog hands the focus back to it (or, when it is gone, to its section's
heading, or to the main content). And after an answer the state can ask for an element to be focused once the
new page has rendered (`AuthState._focus`): the first invalid field, or "Edit name" after the name editor."""

from __future__ import annotations

import reflex as rx

from profile_app.states.base import AuthState
from profile_app.states.framework import effect, js_handler

_INSTALL_KEEPER = """
if (!window.__profileFocus) {
  const keeper = { last: null, lastName: "", lastSection: null };
  // Rows are re-used by position: a row's button may still be there, now acting on another row. Its label says.
  const nameOf = (element) => element.getAttribute("aria-label") || element.textContent || "";
  const overlay = '[role="dialog"], [role="alertdialog"], [role="menu"], [data-radix-popper-content-wrapper]';
  document.addEventListener("focusin", (event) => {
    const element = event.target;
    if (!(element instanceof HTMLElement) || element === document.body || element.closest(overlay)) return;
    keeper.last = element;
    keeper.lastName = nameOf(element);
    keeper.lastSection = element.closest("section") || keeper.lastSection;
  }, true);
  keeper.restore = (event) => {
    if (event && event.preventDefault) event.preventDefault();
    const back = keeper.last;
    const same = back && back.isConnected && nameOf(back) === keeper.lastName;
    if (same && !back.disabled && back.getClientRects().length > 0) { back.focus(); return; }
    const section = keeper.lastSection && keeper.lastSection.isConnected ? keeper.lastSection : null;
    const fallback =
      (section && section.querySelector("[data-focus-fallback]")) || document.getElementById("main-content");
    if (fallback) fallback.focus();
  };
  window.__profileFocus = keeper;
}
"""

# Bound to a dialog's on_close_auto_focus: Radix would focus its trigger, which controlled dialogs do not have.
RESTORE_FOCUS = js_handler("(event) => window.__profileFocus ? window.__profileFocus.restore(event) : undefined")


def focus_keeper() -> rx.Component:
    """Render once per page: installs the keeper, and focuses what the state asks for after each answer."""
    hydrated = rx.State.is_hydrated
    serial, target = AuthState.focus_serial, AuthState.focus_target
    follow = f"""
if (!{hydrated!s}) return;
if (profileFocusSeen.current === null) {{ profileFocusSeen.current = {serial!s}; return; }}
if (profileFocusSeen.current === {serial!s}) return;
profileFocusSeen.current = {serial!s};
const element = document.getElementById({target!s});
if (element) {{ element.focus(); if (element.select && element.tagName === "INPUT") element.select(); }}
"""
    return rx.fragment(
        effect(_INSTALL_KEEPER),
        effect(follow, [hydrated, serial], hooks=["const profileFocusSeen = useRef(null);"]),
    )

"""Measurements the layout tests share: overflow, boxes against the window, the effective HiDPI zoom."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

DESKTOP_HIDPI = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when there is no horizontal scroll)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def root_zoom(page: Page) -> float:
    return float(page.evaluate("getComputedStyle(document.documentElement).zoom"))


def wait_for_zoom(page: Page, zoom: str) -> None:
    page.wait_for_function(
        "zoom => window.__profileHidpi !== undefined && getComputedStyle(document.documentElement).zoom === zoom",
        arg=zoom,
    )


def viewport(page: Page) -> dict:
    return page.evaluate("({width: window.innerWidth, height: window.innerHeight})")


def inside_viewport(page: Page, box: dict | None, slack: float = 1.0) -> bool:
    size = viewport(page)
    return (
        box is not None
        and box["x"] >= -slack
        and box["y"] >= -slack
        and box["x"] + box["width"] <= size["width"] + slack
        and box["y"] + box["height"] <= size["height"] + slack
    )


def reachable(locator: Locator) -> bool:
    """The element is what a click at its centre hits (not covered, not clipped away)."""
    return locator.evaluate(
        """element => {
          const box = element.getBoundingClientRect();
          const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
          return hit !== null && (hit === element || element.contains(hit));
        }"""
    )


def scroll_to_bottom(page: Page) -> None:
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY > 0")

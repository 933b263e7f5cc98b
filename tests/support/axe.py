"""axe-core (bundled by axe-playwright-python) on the page as it is now: every rule axe runs by default (WCAG A/AA
and best practices), every impact."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_axe = Axe()
SETTLE_MS = 400  # dialogs and menus fade in; colours measured mid-animation would be wrong


def violations(page: Page) -> list[dict]:
    page.wait_for_timeout(SETTLE_MS)
    return _axe.run(page).response["violations"]


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def assert_accessible(page: Page, what: str) -> None:
    found = violations(page)
    assert not found, f"axe found problems on {what}:\n{describe(found)}"

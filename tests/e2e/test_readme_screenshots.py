"""Issue 12 item 6: the README shows at least two screenshots, and they are PNG files in the repository that a
browser can display."""

from __future__ import annotations

import re

import pytest

from tests.e2e.harness import PROJECT_ROOT

pytestmark = pytest.mark.e2e

IMAGE = re.compile(r"!\[[^\]]+\]\(([^)\s]+)\)")


def test_readme_shows_screenshots_that_are_in_the_repository(browser):
    readme = (PROJECT_ROOT / "README.md").read_text()
    paths = [path for path in IMAGE.findall(readme) if not path.startswith(("http://", "https://"))]
    assert len(set(paths)) >= 2, paths
    page = browser.new_page()
    try:
        for path in paths:
            file = PROJECT_ROOT / path
            assert file.is_file(), path
            assert file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
            page.goto(file.as_uri())
            size = page.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]")
            assert size[0] >= 300 and size[1] >= 300, (path, size)
    finally:
        page.close()

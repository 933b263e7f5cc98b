"""The `next` target after log-in or sign-up: only the app's own destinations, however the browser would normalise
them, and never text the framework could parse."""

from __future__ import annotations

import pytest

from profile_app.services.navigation import DEFAULT_NEXT, safe_next


@pytest.mark.parametrize("target", ["/profile", "/join/abc_DEF-123", "/profile/credentials", "/profile#cloud-access"])
def test_same_site_paths_are_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",  # the URL parser drops the tab: //evil.example
        "/\n/evil.example",
        "/\r/evil.example",
        " //evil.example",
        "/\x00/evil.example",
        "javascript:alert(1)",
        ["/profile"],
        "/profile\n",
        "/profile?tab=credentials",
        "/login",
        "/join/<reflex.Var>1</reflex.Var>",
        "/profile#<reflex.Var>x</reflex.Var>",
        "/<reflex.Var>x</reflex.Var>",
        "/join/" + "a" * 500,
    ],
)
def test_anything_that_could_leave_the_site_goes_to_the_profile(target):
    assert safe_next(target) == DEFAULT_NEXT

"""Where a browser may be sent after signing in. `next` comes from the URL, so anyone can write it: only the
app's own signed-in destinations are accepted, as a whitelist of shapes, and anything else goes to the profile.
That rules out open redirects (`//evil.example`, `/\\evil`, tab tricks) and any text the framework might parse."""

from __future__ import annotations

import re

DEFAULT_NEXT = "/profile"
_ALLOWED_NEXT = re.compile(r"/(?:profile(?:[/#][a-z][a-z0-9-]{0,39})?|join/[A-Za-z0-9_-]{1,128})")


def safe_next(target: object) -> str:
    """`target` if it is one of the app's own destinations (/profile, /profile/<section>, /profile#<section>,
    /join/<invitation>), else /profile."""
    if isinstance(target, str) and len(target) <= 200 and _ALLOWED_NEXT.fullmatch(target):
        return target
    return DEFAULT_NEXT

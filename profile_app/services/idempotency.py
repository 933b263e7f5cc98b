"""Request keys: what makes a creation safe to repeat. A caller mints a key when a person starts one creation (a
dialog opens, a section loads), passes it to the create service, and the service stores it on the new row, unique
per user. A second request with the same key gets the first result back instead of a second row, whether it comes
from a double click, a retry after a lost answer or two crafted events."""

from __future__ import annotations

import secrets

from profile_app.services.errors import ValidationFailed

REQUEST_KEY_MAX = 64  # the column's width; minted keys are 22 characters


def new_request_key() -> str:
    """128 random bits, URL-safe: unguessable, so one user's key never collides with another's by design."""
    return secrets.token_urlsafe(16)


def checked_request_key(request_key: str | None) -> str | None:
    """None (no idempotency asked for) or the key as given; anything else is a caller's bug, refused plainly."""
    if request_key is None:
        return None
    if not isinstance(request_key, str) or not 0 < len(request_key) <= REQUEST_KEY_MAX:
        raise ValidationFailed("This request cannot be repeated safely. Close the dialog and try again.")
    return request_key

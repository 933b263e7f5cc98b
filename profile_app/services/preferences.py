"""The signed-in user's own settings: display name, HiDPI browser scale override and appearance.

They live on the user row (not in the browser) so they follow the user to every browser and survive sign-out."""

from __future__ import annotations

from dataclasses import dataclass

from profile_app.db import read, transaction
from profile_app.models import User
from profile_app.services.accounts import validate_name
from profile_app.services.errors import NotSignedIn, ValidationFailed

THEMES = ("light", "dark", "system")
DEFAULT_THEME = "system"


@dataclass(frozen=True)
class Preferences:
    name: str
    hidpi_override: bool
    theme: str


def _preferences_of(user: User) -> Preferences:
    theme = user.theme if user.theme in THEMES else DEFAULT_THEME
    return Preferences(name=user.name, hidpi_override=user.hidpi_override, theme=theme)


def _own_user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotSignedIn()
    return user


def get_preferences(user_id: int) -> Preferences:
    with read() as session:
        return _preferences_of(_own_user(session, user_id))


def rename_user(user_id: int, name: str) -> Preferences:
    """Rename the user; spaces are trimmed and collapsed, then 2-100 characters must remain."""
    if not isinstance(name, str):
        raise ValidationFailed("Enter a name.", field="name")
    name = validate_name(name)
    with transaction() as session:
        user = _own_user(session, user_id)
        user.name = name
        return _preferences_of(user)


def set_hidpi_override(user_id: int, enabled: bool) -> Preferences:
    # A crafted event can send "false" (truthy); only a real boolean is a choice.
    if not isinstance(enabled, bool):
        raise ValidationFailed("The HiDPI browser scale override is either on or off.", field="hidpi_override")
    with transaction() as session:
        user = _own_user(session, user_id)
        user.hidpi_override = enabled
        return _preferences_of(user)


def set_theme(user_id: int, theme: str) -> Preferences:
    if not isinstance(theme, str) or theme.strip().lower() not in THEMES:
        raise ValidationFailed("Appearance must be Light, Dark or System.", field="theme")
    with transaction() as session:
        user = _own_user(session, user_id)
        user.theme = theme.strip().lower()
        return _preferences_of(user)

"""The signed-in user's own settings: display name, HiDPI browser scale override and appearance.

They live on the user row (not in the browser) so they follow the user to every browser and survive sign-out."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

import sqlalchemy as sa

from profile_app.db import read, statement_transaction, transaction
from profile_app.models import User
from profile_app.services.accounts import validate_name
from profile_app.services.errors import NotSignedIn, ValidationFailed

THEMES = ("light", "dark", "system")
DEFAULT_THEME = "system"
# ClearML's free-form preferences document (users.get/set_preferences): its web app keeps the theme under
# views.theme; views.disableHidpi mirrors its "disableHidpi" switch. Both live in the user's columns (the page's
# switches), so the document and the page always agree.
VIEWS_KEY, THEME_KEY, DISABLE_HIDPI_KEY = "views", "theme", "disableHidpi"
PREFERENCES_DOCUMENT_MAX_BYTES = 64 * 1024
MARKER = "<reflex."


class PreferencesKeyInvalid(ValidationFailed):
    """A key ClearML refuses: keys cannot start with '$' or contain '.'."""


class PreferencesValueInvalid(ValidationFailed):
    """A value this server cannot keep (a theme it does not know, a document too large)."""


@dataclass(frozen=True)
class Preferences:
    name: str
    hidpi_override: bool
    theme: str


def _preferences_of(user: User | sa.Row) -> Preferences:
    """From a user row, or a result row with its name, hidpi_override and theme."""
    theme = user.theme if user.theme in THEMES else DEFAULT_THEME
    return Preferences(name=user.name, hidpi_override=user.hidpi_override, theme=theme)


def _own_user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotSignedIn()
    return user


_USERS = User.__table__
# A switch is one prebuilt statement per column (compiled once, cached by SQLAlchemy) that writes the value and
# reads back the row's preferences: the Profile page's toggles are its most frequent writes.
_SET_COLUMN = {
    column: sa.update(_USERS)
    .where(_USERS.c.id == sa.bindparam("user_id"))
    .values({column: sa.bindparam("value")})
    .returning(_USERS.c.name, _USERS.c.hidpi_override, _USERS.c.theme)
    for column in ("hidpi_override", "theme")
}


def _set_own_column(user_id: int, **change) -> Preferences:
    """Write one preference column of the user's own row, in one statement and one transaction."""
    ((column, value),) = change.items()
    with statement_transaction() as connection:
        row = connection.execute(_SET_COLUMN[column], {"user_id": user_id, "value": value}).first()
    if row is None:
        raise NotSignedIn()
    return _preferences_of(row)


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
    return _set_own_column(user_id, hidpi_override=enabled)


def set_theme(user_id: int, theme: str) -> Preferences:
    if not isinstance(theme, str) or theme.strip().lower() not in THEMES:
        raise ValidationFailed("Appearance must be Light, Dark or System.", field="theme")
    return _set_own_column(user_id, theme=theme.strip().lower())


@dataclass(frozen=True)
class PreferencesUpdate:
    updated: bool
    document: dict


def _check_keys(value, path: str = "") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or key.startswith("$") or "." in key:
                raise PreferencesKeyInvalid(
                    f"Key {path}{key} is invalid. Keys cannot start with '$' or contain '.'.", field="preferences"
                )
            _check_keys(item, f"{path}{key}/")
    elif isinstance(value, list):
        for item in value:
            _check_keys(item, path)


def _document_of(user: User) -> dict:
    try:
        document = json.loads(user.preferences_document or "{}")
    except ValueError:
        document = {}
    document = document if isinstance(document, dict) else {}
    views = document.get(VIEWS_KEY)
    document[VIEWS_KEY] = {
        **(views if isinstance(views, dict) else {}),
        THEME_KEY: user.theme if user.theme in THEMES else DEFAULT_THEME,
        DISABLE_HIDPI_KEY: not user.hidpi_override,
    }
    return document


def get_preferences_document(user_id: int) -> dict:
    with read() as session:
        return _document_of(_own_user(session, user_id))


def update_preferences_document(user_id: int, changes: dict) -> PreferencesUpdate:
    """ClearML's set_preferences: each top-level key of `changes` replaces that key of the document. The theme
    and HiDPI switch follow views.theme and views.disableHidpi (absent means the defaults). One transaction."""
    if not isinstance(changes, dict):
        raise ValidationFailed("preferences must be an object.", field="preferences")
    _check_keys(changes)
    with transaction() as session:
        user = _own_user(session, user_id)
        before = _document_of(user)
        document = copy.deepcopy(before)
        document.update(copy.deepcopy(changes))
        views = document.get(VIEWS_KEY)
        views = dict(views) if isinstance(views, dict) else {}
        theme = views.pop(THEME_KEY, DEFAULT_THEME)
        if theme not in THEMES:
            raise PreferencesValueInvalid(f"views.{THEME_KEY} must be one of {', '.join(THEMES)}.", field="preferences")
        disable_hidpi = views.pop(DISABLE_HIDPI_KEY, False)
        if not isinstance(disable_hidpi, bool):
            raise PreferencesValueInvalid(f"views.{DISABLE_HIDPI_KEY} must be true or false.", field="preferences")
        stored = {**document, VIEWS_KEY: views}
        text = json.dumps(stored, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode()) > PREFERENCES_DOCUMENT_MAX_BYTES:
            raise PreferencesValueInvalid(
                f"The preferences document can be at most {PREFERENCES_DOCUMENT_MAX_BYTES // 1024} KiB.",
                field="preferences",
            )
        if MARKER in text:
            raise PreferencesValueInvalid("Preferences cannot contain the text '<reflex.'.", field="preferences")
        user.theme, user.hidpi_override, user.preferences_document = theme, not disable_hidpi, text
        after = _document_of(user)
        return PreferencesUpdate(updated=after != before, document=after)

import pytest

from profile_app import db
from profile_app.models import User
from profile_app.services import accounts, preferences
from profile_app.services.errors import NotSignedIn, ValidationFailed

PASSWORD = "correct horse battery"


@pytest.fixture
def user_id(database) -> int:
    return accounts.sign_up("Ada Lovelace", "ada@example.com", PASSWORD)


def test_defaults_are_hidpi_on_and_system_appearance(user_id):
    prefs = preferences.get_preferences(user_id)
    assert prefs == preferences.Preferences(name="Ada Lovelace", hidpi_override=True, theme="system")


def test_rename_trims_and_collapses_spaces(user_id):
    assert preferences.rename_user(user_id, "  Grace   Brewster  Hopper ").name == "Grace Brewster Hopper"
    assert accounts.get_account(user_id).name == "Grace Brewster Hopper"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Name must be at least 2 characters."),
        ("     ", "Name must be at least 2 characters."),
        (" A ", "Name must be at least 2 characters."),
        ("x" * 101, "Name must be at most 100 characters."),
        (None, "Enter a name."),
        (["Ada"], "Enter a name."),
    ],
)
def test_rename_refuses_bad_names_and_keeps_the_old_one(user_id, name, message):
    with pytest.raises(ValidationFailed) as info:
        preferences.rename_user(user_id, name)
    assert info.value.message == message
    assert info.value.field == "name"
    assert preferences.get_preferences(user_id).name == "Ada Lovelace"


def test_rename_accepts_the_limits(user_id):
    assert preferences.rename_user(user_id, "Al").name == "Al"
    assert preferences.rename_user(user_id, "y" * 100).name == "y" * 100


def test_hidpi_override_is_stored_per_user(user_id):
    other = accounts.sign_up("Other User", "other@example.com", PASSWORD)
    assert preferences.set_hidpi_override(user_id, False).hidpi_override is False
    with db.read() as session:
        assert session.get(User, user_id).hidpi_override is False
        assert session.get(User, other).hidpi_override is True
    assert preferences.set_hidpi_override(user_id, True).hidpi_override is True


@pytest.mark.parametrize("value", ["false", 0, None, "off"])
def test_hidpi_override_refuses_non_booleans(user_id, value):
    with pytest.raises(ValidationFailed):
        preferences.set_hidpi_override(user_id, value)
    assert preferences.get_preferences(user_id).hidpi_override is True


@pytest.mark.parametrize("theme", ["light", "dark", "system", " Dark "])
def test_theme_accepts_the_three_appearances(user_id, theme):
    assert preferences.set_theme(user_id, theme).theme == theme.strip().lower()


@pytest.mark.parametrize("theme", ["", "blue", "inherit", None, 1, "light; drop table"])
def test_theme_refuses_anything_else(user_id, theme):
    preferences.set_theme(user_id, "dark")
    with pytest.raises(ValidationFailed) as info:
        preferences.set_theme(user_id, theme)
    assert info.value.field == "theme"
    assert preferences.get_preferences(user_id).theme == "dark"


def test_unknown_user_is_not_signed_in(database):
    with pytest.raises(NotSignedIn):
        preferences.set_theme(12345, "dark")
    with pytest.raises(NotSignedIn):
        preferences.rename_user(12345, "Someone")

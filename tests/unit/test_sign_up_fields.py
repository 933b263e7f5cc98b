"""Sign-up reports every bad field at once, and a 100-character name (the longest allowed) still gets a personal
workspace whose name fits the workspace-name limit, on SQLite and PostgreSQL (whose VARCHAR(100) enforces it)."""

from __future__ import annotations

import pytest

from profile_app.services import accounts, workspaces
from profile_app.services.errors import InvalidFields

PASSWORD = "correct horse battery"


def test_every_bad_field_is_reported_at_once(database):
    with pytest.raises(InvalidFields) as info:
        accounts.sign_up("A", "not-an-email", "short")
    assert list(info.value.problems) == ["name", "email", "password"]
    assert info.value.field == "name"  # the first, for callers that show one
    assert "at least 12 characters" in info.value.problems["password"]


def test_one_bad_field_is_still_reported_alone(database):
    with pytest.raises(InvalidFields) as info:
        accounts.sign_up("Ada Lovelace", "ada@example.com", "short")
    assert list(info.value.problems) == ["password"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ada", "Ada's workspace"),
        ("x" * 88, "x" * 88 + "'s workspace"),  # exactly 100
        ("x" * 89, "x" * 87 + "…'s workspace"),
        ("y" * 100, "y" * 87 + "…'s workspace"),
    ],
)
def test_personal_workspace_names_fit_the_limit(name, expected):
    result = workspaces.personal_workspace_name(name)
    assert result == expected
    assert len(result) <= workspaces.WORKSPACE_NAME_MAX


def _hundred_character_name_signs_up() -> None:
    name = "Maximiliana " + "Q" * (accounts.NAME_MAX - len("Maximiliana "))
    assert len(name) == accounts.NAME_MAX
    user_id = accounts.sign_up(name, "max@example.com", PASSWORD)
    account = accounts.get_account(user_id)
    assert account.name == name
    assert len(account.active_workspace_name) == workspaces.WORKSPACE_NAME_MAX
    assert account.active_workspace_name.endswith("…'s workspace")


def test_a_hundred_character_name_signs_up_on_sqlite(database):
    _hundred_character_name_signs_up()


@pytest.mark.postgres
def test_a_hundred_character_name_signs_up_on_postgresql(postgres_database):
    _hundred_character_name_signs_up()

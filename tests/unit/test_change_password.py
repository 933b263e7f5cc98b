"""Changing the password: sign-up's rules, not the same as the current one, the current one checked and throttled
like a sign-in, every other session signed out in the same transaction (this one and API credentials stay),
logged; an account with no password (single sign-on only) has nothing to change and no password matches it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from profile_app import db
from profile_app.models import AuthSession, User
from profile_app.services import accounts, credentials, password_change, security, security_log
from profile_app.services.errors import AccountLocked, InvalidFields, InvalidLogin, PermissionDenied
from profile_app.services.idempotency import new_request_key
from profile_app.services.security_log import EventKind

OLD, NEW = "correct horse battery", "a brand new passphrase"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request):
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_database")
    return request.getfixturevalue("database")


def _ada() -> int:
    return accounts.sign_up("Ada Lovelace", "ada@example.com", OLD)


def _change(user_id: int, current: str, new: str, token: str, **kwargs):
    return password_change.change_password(
        user_id, current, new, current_digest=security.token_digest(token), **kwargs
    )


def _password_hash(user_id: int) -> str:
    with db.read() as session:
        return session.get(User, user_id).password_hash


def test_change_signs_out_every_other_session_and_keeps_this_one_and_the_api_keys(backend):
    user_id = _ada()
    here = accounts.sign_in("ada@example.com", OLD)
    others = [accounts.sign_in("ada@example.com", OLD) for _ in range(2)]
    for token in [here, *others]:
        assert accounts.resolve_session(token) == user_id  # cached in this process
    keys = credentials.create_credentials(user_id, label="ci", request_key=new_request_key())
    result = _change(user_id, OLD, NEW, here, address="203.0.113.9", user_agent=SAFARI_MAC)
    assert result.other_sessions_signed_out == 2
    assert accounts.resolve_session(here) == user_id
    assert all(accounts.resolve_session(token) is None for token in others)
    assert accounts.authenticate("ada@example.com", NEW) == user_id
    with pytest.raises(InvalidLogin):
        accounts.authenticate("ada@example.com", OLD)
    assert credentials.login(keys.access_key, keys.secret_key)  # API credentials are not affected
    event = next(e for e in security_log.list_events(user_id).entries if e.kind == EventKind.PASSWORD_CHANGED)
    assert (event.ip_address, event.browser) == ("203.0.113.9", "Safari on macOS")
    assert event.detail == "2 other sessions signed out"
    assert NEW not in repr(security_log.list_events(user_id)) and OLD not in repr(security_log.list_events(user_id))


def test_wrong_current_password_is_refused_on_its_field_and_changes_nothing(backend):
    user_id = _ada()
    here, other = accounts.sign_in("ada@example.com", OLD), accounts.sign_in("ada@example.com", OLD)
    before = _password_hash(user_id)
    with pytest.raises(InvalidLogin) as info:
        _change(user_id, OLD + "!", NEW, here)
    assert info.value.field == "current_password"
    assert _password_hash(user_id) == before
    assert accounts.resolve_session(other) == user_id
    assert EventKind.PASSWORD_CHANGED not in [e.kind for e in security_log.list_events(user_id).entries]


def test_current_password_guesses_are_throttled_like_sign_in(database):
    database(LOGIN_MAX_FAILURES="3", LOGIN_LOCK_MINUTES="15")
    user_id = _ada()
    here = accounts.sign_in("ada@example.com", OLD, address="203.0.113.5")
    for _ in range(3):
        with pytest.raises(InvalidLogin):
            _change(user_id, "guess number one", NEW, here, address="203.0.113.5")
    with pytest.raises(AccountLocked, match="Try again in 15 minutes") as info:
        _change(user_id, OLD, NEW, here, address="203.0.113.5")  # even the right one, while locked
    assert info.value.field == "current_password"
    with pytest.raises(AccountLocked):  # the same lock as signing in to that email from that address
        accounts.authenticate("ada@example.com", OLD, address="203.0.113.5")
    assert security.verify_password(_password_hash(user_id), OLD)


@pytest.mark.parametrize(
    ("current", "new", "problems"),
    [
        ("", NEW, {"current_password"}),
        (OLD, "short", {"new_password"}),
        (OLD, "x" * 129, {"new_password"}),
        ("", "short", {"current_password", "new_password"}),
        (OLD, OLD, {"new_password"}),
    ],
)
def test_every_field_problem_is_reported_at_once(database, current, new, problems):
    user_id = _ada()
    here = accounts.sign_in("ada@example.com", OLD)
    before = _password_hash(user_id)
    with pytest.raises(InvalidFields) as info:
        _change(user_id, current, new, here)
    assert set(info.value.problems) == problems
    if current == new:
        assert info.value.problems["new_password"] == password_change.SAME_PASSWORD
    assert _password_hash(user_id) == before


def test_a_change_made_meanwhile_wins(database, monkeypatch):
    """Between the check and the write another change (or a reset) landed: this one must not overwrite it."""
    user_id = _ada()
    here = accounts.sign_in("ada@example.com", OLD)
    real_hash = security.hash_password

    def concurrent_change_then_hash(password: str) -> str:
        with db.transaction() as session:
            session.exec(sa.update(User).where(User.id == user_id).values(password_hash=real_hash("someone else's")))
        return real_hash(password)

    monkeypatch.setattr(security, "hash_password", concurrent_change_then_hash)
    with pytest.raises(InvalidFields) as info:
        _change(user_id, OLD, NEW, here)
    assert info.value.problems == {"current_password": password_change.CHANGED_MEANWHILE}
    assert security.verify_password(_password_hash(user_id), "someone else's")


def test_an_account_without_a_password_has_nothing_to_change_and_no_password_matches(backend):
    user_id = _ada()
    here = accounts.sign_in("ada@example.com", OLD)
    assert password_change.password_status(user_id).has_password
    with db.transaction() as session:
        session.exec(sa.update(User).where(User.id == user_id).values(password_hash=""))
    assert not password_change.password_status(user_id).has_password
    with pytest.raises(PermissionDenied, match="single sign-on"):
        _change(user_id, OLD, NEW, here)
    for guess in (OLD, "", NEW):
        with pytest.raises(InvalidLogin):
            accounts.authenticate("ada@example.com", guess)
        with pytest.raises(InvalidLogin):
            accounts.confirm_password(user_id, guess)
    assert not security.verify_password("", "")
    with db.read() as session:
        assert session.exec(sa.select(sa.func.count()).select_from(AuthSession)).scalar_one() == 1

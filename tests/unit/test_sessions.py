"""Sessions as the user sees them: listed with browser, OS and address, this one marked and first, named by an
opaque id; one signed out, or all the others, ending at once (the session cache forgets them) and logged.
The multi-session rules run on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app import db
from profile_app.models import AuthSession, utcnow
from profile_app.services import accounts, security, security_log, sessions
from profile_app.services.errors import NotFound, NotSignedIn
from profile_app.services.security_log import EventKind

PASSWORD = "correct horse battery"
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request):
    """The multi-session rules on both databases."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_database")
    return request.getfixturevalue("database")


def _user(email: str = "ada@example.com", name: str = "Ada Lovelace") -> int:
    return accounts.sign_up(name, email, PASSWORD)


def _digest(token: str) -> str:
    return security.token_digest(token)


def _three_sessions(email: str = "ada@example.com") -> tuple[str, str, str]:
    here = accounts.sign_in(email, PASSWORD, address="198.51.100.7", user_agent=CHROME_WINDOWS)
    safari = accounts.sign_in(email, PASSWORD, address="203.0.113.9", user_agent=SAFARI_MAC)
    firefox = accounts.sign_in(email, PASSWORD, address="192.0.2.4", user_agent=FIREFOX_LINUX)
    return here, safari, firefox


def _kinds(user_id: int) -> list[str]:
    return [entry.kind for entry in security_log.list_events(user_id).entries]


def test_sessions_are_listed_with_browser_os_and_address_this_one_first(backend):
    user_id = _user()
    here, safari, _ = _three_sessions()
    listed = sessions.list_sessions(user_id, _digest(here))
    assert len(listed) == 3
    assert listed[0].current and listed[0].summary == "Chrome on Windows" and listed[0].ip_address == "198.51.100.7"
    assert [view.current for view in listed] == [True, False, False]
    by_browser = {view.browser: view for view in listed}
    assert by_browser["Safari"].os == "macOS" and by_browser["Safari"].ip_address == "203.0.113.9"
    assert by_browser["Firefox"].os == "Linux"
    assert all(view.signed_in_at <= view.last_active_at for view in listed)


def test_a_session_is_named_by_an_opaque_stable_id_never_its_token_or_digest(database):
    user_id = _user()
    here, safari, firefox = _three_sessions()
    listed = sessions.list_sessions(user_id, _digest(here))
    ids = [view.public_id for view in listed]
    assert len(set(ids)) == 3 and all(len(i) == sessions.PUBLIC_ID_LENGTH for i in ids)
    assert ids == [view.public_id for view in sessions.list_sessions(user_id, _digest(here))]
    with db.read() as session:
        rows = session.exec(select(AuthSession)).all()
    shown = repr([asdict(view) for view in listed])
    for row in rows:
        assert row.token_hash not in shown and row.token_hash[:16] not in shown
        assert str(row.id) not in ids
    for token in (here, safari, firefox):
        assert token not in shown


def test_expired_sessions_are_not_listed(database):
    user_id = _user()
    here, safari, _ = _three_sessions()
    with db.transaction() as session:
        session.exec(
            sa.update(AuthSession)
            .where(AuthSession.token_hash == _digest(safari))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert {view.browser for view in sessions.list_sessions(user_id, _digest(here))} == {"Chrome", "Firefox"}


def test_signing_out_one_session_ends_it_at_once_and_logs_it(backend):
    user_id = _user()
    here, safari, firefox = _three_sessions()
    assert accounts.resolve_session(safari) == user_id  # now in this process's session cache
    target = next(v for v in sessions.list_sessions(user_id, _digest(here)) if v.browser == "Safari")
    sessions.sign_out_session(user_id, target.public_id, ip_address="198.51.100.7", user_agent=CHROME_WINDOWS)
    assert accounts.resolve_session(safari) is None  # at once, not after the cache's second
    assert accounts.resolve_session(here) == user_id and accounts.resolve_session(firefox) == user_id
    event = security_log.list_events(user_id).entries[0]
    assert event.kind == EventKind.SESSION_SIGNED_OUT
    assert event.ip_address == "198.51.100.7" and event.browser == "Chrome on Windows"
    assert "Safari on macOS" in event.detail and "203.0.113.9" in event.detail
    with pytest.raises(NotFound, match="already ended"):
        sessions.sign_out_session(user_id, target.public_id)


def test_another_users_session_cannot_be_signed_out(backend):
    ada = _user()
    _user("bob@example.com", "Bob Builder")
    ada_token = accounts.sign_in("ada@example.com", PASSWORD, user_agent=SAFARI_MAC)
    bob_token = accounts.sign_in("bob@example.com", PASSWORD)
    ada_session = sessions.list_sessions(ada, _digest(ada_token))[0].public_id
    bob = accounts.resolve_session(bob_token)
    for wanted in (ada_session, ada_session.upper(), "", "x" * sessions.PUBLIC_ID_LENGTH, None, 12):
        with pytest.raises(NotFound):
            sessions.sign_out_session(bob, wanted)
    assert accounts.resolve_session(ada_token) == ada
    assert EventKind.SESSION_SIGNED_OUT not in _kinds(ada) + _kinds(bob)


def test_signing_out_all_other_sessions_keeps_this_one(backend):
    user_id = _user()
    _user("bob@example.com", "Bob Builder")
    bob_token = accounts.sign_in("bob@example.com", PASSWORD)
    here, safari, firefox = _three_sessions()
    for token in (here, safari, firefox):
        assert accounts.resolve_session(token) == user_id
    ended = sessions.sign_out_other_sessions(user_id, _digest(here), ip_address="198.51.100.7")
    assert ended == 2
    assert accounts.resolve_session(safari) is None and accounts.resolve_session(firefox) is None
    assert accounts.resolve_session(here) == user_id
    assert accounts.resolve_session(bob_token) is not None  # nobody else's
    assert [view.current for view in sessions.list_sessions(user_id, _digest(here))] == [True]
    event = security_log.list_events(user_id).entries[0]
    assert event.kind == EventKind.OTHER_SESSIONS_SIGNED_OUT and event.detail == "2 sessions"
    assert sessions.sign_out_other_sessions(user_id, _digest(here)) == 0
    assert security_log.list_events(user_id).entries[0].id == event.id  # nothing to log the second time


def test_signing_out_others_needs_this_sessions_digest(database):
    user_id = _user()
    here, _, _ = _three_sessions()
    with pytest.raises(NotSignedIn):
        sessions.sign_out_other_sessions(user_id, "")
    assert len(sessions.list_sessions(user_id, _digest(here))) == 3



def test_on_the_profile_page_the_three_sections_cost_two_statements(database):
    """/profile reads in one transaction and has the user row already: Password and sign-in reads nothing more,
    Sessions one statement, the Security log's first page one."""
    from profile_app.services import password_change

    user_id = _user()
    here, _, _ = _three_sessions()
    statements: list[str] = []
    engine = db.get_engine()

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with db.one_read():
        accounts.get_account(user_id)  # the page's header read, before the sections
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert password_change.password_status(user_id).has_password
            assert len(sessions.list_sessions(user_id, _digest(here))) == 3
            assert len(security_log.list_events(user_id).entries) == 3
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 2, statements

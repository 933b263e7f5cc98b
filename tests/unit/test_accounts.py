from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app import db
from profile_app.models import AuthSession, Membership, SignInGrant, ThrottleFailure, User, Workspace, utcnow
from profile_app.services import accounts, security
from profile_app.services.errors import (
    AccountLocked,
    InvalidLogin,
    NotSignedIn,
    SignupClosed,
    TooManyRequests,
    ValidationFailed,
)

PASSWORD = "correct horse battery"


def test_sign_up_hosted_creates_personal_workspace(database):
    user_id = accounts.sign_up("  Ada   Lovelace ", "  Ada@Example.COM ", PASSWORD)
    account = accounts.get_account(user_id)
    assert account.name == "Ada Lovelace"
    assert account.email == "ada@example.com"
    assert account.active_workspace_name == "Ada Lovelace's workspace"
    assert account.initials == "AL"
    assert account.hidpi_override is True
    with db.read() as session:
        user = session.get(User, user_id)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        workspace = session.get(Workspace, user.active_workspace_id)
        assert workspace.personal and workspace.owner_id == user_id
        membership = session.exec(select(Membership).where(Membership.user_id == user_id)).one()
        assert membership.role == "owner"


def test_self_hosted_users_share_one_workspace_and_first_is_admin(database):
    database(MODE="self-hosted")
    first = accounts.sign_up("First User", "first@example.com", PASSWORD)
    second = accounts.sign_up("Second User", "second@example.com", PASSWORD)
    a, b = accounts.get_account(first), accounts.get_account(second)
    assert a.is_admin and not b.is_admin
    assert a.active_workspace_id == b.active_workspace_id
    with db.read() as session:
        assert session.exec(select(sa.func.count()).select_from(Workspace)).one() == 1


@pytest.mark.parametrize(
    ("name", "email", "password", "field"),
    [
        ("Ada", "not-an-email", PASSWORD, "email"),
        ("Ada", "", PASSWORD, "email"),
        ("Ada", "ada@example", PASSWORD, "email"),
        ("Ada", "ada@example.com", "short", "password"),
        ("Ada", "ada@example.com", "x" * 129, "password"),
        ("A", "ada@example.com", PASSWORD, "name"),
        ("   ", "ada@example.com", PASSWORD, "name"),
        ("x" * 101, "ada@example.com", PASSWORD, "name"),
    ],
)
def test_sign_up_rejects_bad_input_and_writes_nothing(database, name, email, password, field):
    with pytest.raises(ValidationFailed) as info:
        accounts.sign_up(name, email, password)
    assert info.value.field == field
    with db.read() as session:
        assert session.exec(select(sa.func.count()).select_from(User)).one() == 0


def test_duplicate_email_is_refused_case_insensitively(database):
    accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    with pytest.raises(ValidationFailed, match="already exists"):
        accounts.sign_up("Other", "ADA@example.com", PASSWORD)


def test_sign_up_closed(database):
    database(SIGNUP_OPEN="false")
    with pytest.raises(SignupClosed):
        accounts.sign_up("Ada", "ada@example.com", PASSWORD)


def test_sign_in_issues_a_new_token_each_time_and_stores_only_its_hash(database):
    user_id = accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    first = accounts.sign_in("ADA@example.com", PASSWORD)
    second = accounts.sign_in("ada@example.com", PASSWORD)
    assert first != second and len(first) >= 43
    assert accounts.resolve_session(first) == user_id
    with db.read() as session:
        hashes = session.exec(select(AuthSession.token_hash)).all()
    assert security.token_digest(first) in hashes and first not in hashes


def test_wrong_password_and_unknown_email_get_the_same_message(database):
    accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    with pytest.raises(InvalidLogin) as wrong:
        accounts.sign_in("ada@example.com", PASSWORD + "!")
    with pytest.raises(InvalidLogin) as unknown:
        accounts.sign_in("nobody@example.com", PASSWORD)
    assert wrong.value.message == unknown.value.message == InvalidLogin.GENERIC


STRANGER, OWNER = "203.0.113.5", "198.51.100.7"


def _expire_locks() -> None:
    with db.transaction() as session:
        for row in session.exec(select(ThrottleFailure)).all():
            row.locked_until = utcnow() - timedelta(seconds=1)


def test_failures_lock_the_email_for_that_address_then_expire(database):
    database(LOGIN_MAX_FAILURES="3", LOGIN_LOCK_MINUTES="15")
    user_id = accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    for _ in range(3):
        with pytest.raises(InvalidLogin):
            accounts.sign_in("ada@example.com", "wrong password!!", address=STRANGER)
    with pytest.raises(AccountLocked, match="Try again in 15 minutes"):
        accounts.sign_in("ada@example.com", PASSWORD, address=STRANGER)  # even the right password
    _expire_locks()
    assert accounts.resolve_session(accounts.sign_in("ada@example.com", PASSWORD, address=STRANGER)) == user_id


def test_a_stranger_guessing_elsewhere_cannot_lock_the_owner_out(database):
    database(LOGIN_MAX_FAILURES="3")
    user_id = accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    for _ in range(5):
        with pytest.raises((InvalidLogin, AccountLocked)):
            accounts.sign_in("ada@example.com", "wrong password!!", address=STRANGER)
    assert accounts.authenticate("ada@example.com", PASSWORD, address=OWNER) == user_id


def test_known_and_unknown_emails_answer_alike_in_every_state(database):
    """Lock-out used to tell which emails have accounts: now both lock after the same count, same words."""
    database(LOGIN_MAX_FAILURES="2")
    accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    answers = {}
    for email in ("ada@example.com", "nobody@example.com"):
        seen = []
        for _ in range(3):
            with pytest.raises((InvalidLogin, AccountLocked)) as caught:
                accounts.authenticate(email, "wrong password!!", address=STRANGER)
            seen.append((type(caught.value).__name__, caught.value.message))
        answers[email] = seen
    assert answers["ada@example.com"] == answers["nobody@example.com"]
    assert answers["ada@example.com"][-1][0] == "AccountLocked"


def test_failures_outside_the_window_do_not_add_up(database):
    database(LOGIN_MAX_FAILURES="2")
    accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    with pytest.raises(InvalidLogin):
        accounts.sign_in("ada@example.com", "wrong password!!")
    with db.transaction() as session:
        session.exec(select(ThrottleFailure)).one().window_started_at = utcnow() - timedelta(minutes=16)
    with pytest.raises(InvalidLogin):
        accounts.sign_in("ada@example.com", "wrong password!!")
    assert accounts.sign_in("ada@example.com", PASSWORD)


def test_sign_in_and_sign_up_are_rate_limited_per_address(database):
    database(SIGN_IN_RATE_PER_MINUTE="3")
    accounts.sign_up("Ada", "ada@example.com", PASSWORD, address=STRANGER)
    for _ in range(3):
        accounts.authenticate("ada@example.com", PASSWORD, address=STRANGER)
    with pytest.raises(TooManyRequests):
        accounts.authenticate("ada@example.com", PASSWORD, address=STRANGER)
    assert accounts.authenticate("ada@example.com", PASSWORD, address=OWNER)  # another address is unaffected
    for index in range(2):
        accounts.sign_up("Someone", f"someone{index}@example.com", PASSWORD, address=STRANGER)
    with pytest.raises(TooManyRequests):
        accounts.sign_up("Someone", "someone9@example.com", PASSWORD, address=STRANGER)
    with db.read() as session:
        assert session.exec(select(User).where(User.email == "someone9@example.com")).first() is None


def test_confirm_password_is_throttled_like_sign_in(database):
    database(LOGIN_MAX_FAILURES="2")
    user_id = accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    accounts.confirm_password(user_id, PASSWORD, address=OWNER)
    for _ in range(2):
        with pytest.raises(InvalidLogin, match="password is incorrect"):
            accounts.confirm_password(user_id, "wrong password!!", address=OWNER)
    with pytest.raises(AccountLocked):
        accounts.confirm_password(user_id, PASSWORD, address=OWNER)


def test_a_sign_in_grant_opens_one_session_once(database):
    user_id = accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    grant = accounts.issue_sign_in_grant(user_id, "/join/abc")
    token, next_path = accounts.redeem_sign_in_grant(grant, user_agent="Agent/1.0", ip_address="192.0.2.1")
    assert next_path == "/join/abc" and accounts.resolve_session(token) == user_id
    with db.read() as session:
        row = session.exec(select(AuthSession)).one()
        assert (row.user_agent, row.ip_address) == ("Agent/1.0", "192.0.2.1")
        assert session.exec(select(SignInGrant)).first() is None  # only the digest was stored, and it is gone
    with pytest.raises(NotSignedIn):
        accounts.redeem_sign_in_grant(grant)


def test_an_expired_or_made_up_grant_opens_nothing(database):
    user_id = accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    grant = accounts.issue_sign_in_grant(user_id, "/profile")
    with db.transaction() as session:
        session.exec(select(SignInGrant)).one().expires_at = utcnow() - timedelta(seconds=1)
    for attempt in (grant, "made-up", "", None, "x" * 5000):
        with pytest.raises(NotSignedIn):
            accounts.redeem_sign_in_grant(attempt)
    with db.read() as session:
        assert session.exec(select(sa.func.count()).select_from(AuthSession)).one() == 0


def test_sessions_resolve_by_digest_and_end_by_digest(database):
    user_id = accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    token = accounts.open_session(user_id)
    digest = security.token_digest(token)
    assert accounts.resolve_session_digest(digest) == user_id
    assert accounts.resolve_session_digest(token) is None  # a token is not a digest
    accounts.end_session(digest)
    assert accounts.resolve_session(token) is None


def test_sign_out_deletes_the_session(database):
    accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    token = accounts.sign_in("ada@example.com", PASSWORD)
    accounts.sign_out(token)
    assert accounts.resolve_session(token) is None
    with db.read() as session:
        assert session.exec(select(sa.func.count()).select_from(AuthSession)).one() == 0


def test_expired_session_is_refused_and_removed(database):
    accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    token = accounts.sign_in("ada@example.com", PASSWORD)
    with db.transaction() as session:
        row = session.exec(select(AuthSession)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert accounts.resolve_session(token) is None
    assert accounts.resolve_session("") is None
    assert accounts.resolve_session("made-up") is None
    with db.read() as session:
        assert session.exec(select(sa.func.count()).select_from(AuthSession)).one() == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_server_settings_row_is_created_once_when_workers_start_together(database, postgres_url, backend):
    """Several backend workers run the start-up step at the same moment: one row, no worker fails."""
    import threading

    from profile_app.models import ServerSettings

    if backend == "postgresql":
        database(DATABASE_URL=postgres_url)
    start = threading.Barrier(8)
    errors: list[BaseException] = []
    uuids: list[str] = []

    def start_worker():
        start.wait()
        try:
            with db.transaction() as session:
                uuids.append(accounts.ensure_server_settings(session).server_uuid)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)

    threads = [threading.Thread(target=start_worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.read() as session:
        rows = session.exec(select(ServerSettings)).all()
    assert len(rows) == 1 and set(uuids) == {rows[0].server_uuid}


def test_a_right_guess_verified_after_the_burst_locked_the_pair_is_refused(database, monkeypatch):
    """Parallel guesses all pass the first lock check; the lock recorded meanwhile still stops the right one."""
    accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    real_verify = security.verify_password

    def verify_while_the_burst_locks(password_hash, password):
        with db.transaction() as session:  # the other guesses' failures land while this one is being verified
            session.add(
                ThrottleFailure(
                    subject="password:ada@example.com",
                    address=STRANGER,
                    locked_until=utcnow() + timedelta(minutes=15),
                )
            )
        return real_verify(password_hash, password)

    monkeypatch.setattr(security, "verify_password", verify_while_the_burst_locks)
    with pytest.raises(AccountLocked):
        accounts.sign_in("ada@example.com", PASSWORD, address=STRANGER)
    with db.read() as session:
        assert session.exec(select(sa.func.count()).select_from(AuthSession)).one() == 0


def test_a_session_ended_here_stops_at_once_and_elsewhere_within_the_cache_lifetime(database, monkeypatch):
    from profile_app.services import session_cache

    clock = [1000.0]
    monkeypatch.setattr(session_cache.time, "monotonic", lambda: clock[0])
    user_id = accounts.sign_up("Ada", "ada@example.com", PASSWORD)
    here, elsewhere = accounts.open_session(user_id), accounts.open_session(user_id)
    assert accounts.resolve_session(here) == accounts.resolve_session(elsewhere) == user_id
    accounts.sign_out(here)  # this process: dropped at once
    assert accounts.resolve_session(here) is None
    with db.transaction() as session:  # another worker signs `elsewhere` out: this process still remembers it
        session.exec(sa.delete(AuthSession).where(AuthSession.token_hash == security.token_digest(elsewhere)))
    clock[0] += session_cache.TTL_SECONDS - 0.01
    assert accounts.resolve_session(elsewhere) == user_id
    clock[0] += 0.02
    assert accounts.resolve_session(elsewhere) is None  # past the cache lifetime the database decides
    accounts.resolve_session(accounts.open_session(user_id))
    session_cache.forget_user(user_id)
    assert session_cache._entries == {}

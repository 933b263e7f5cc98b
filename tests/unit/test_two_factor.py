"""Two-factor sign-in: set-up, one use per code, recovery codes, turning off, throttling, the sign-in challenge,
key rotation, and the single-use rules under simultaneous verifications on PostgreSQL."""

from __future__ import annotations

import base64
import re
import threading
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app import db
from profile_app.models import RecoveryCode, SecurityEvent, SignInGrant, TwoFactorChallenge, User
from profile_app.services import accounts, crypto, two_factor
from profile_app.services.errors import AccountLocked, InvalidLogin, SecondFactorRequired, ValidationFailed
from profile_app.services.two_factor import InvalidCode, SignInChallengeExpired

PASSWORD = "correct horse battery"
# A fixed instant, so which 30-second step a code belongs to never depends on when the test runs.
NOW = datetime(2026, 11, 28, 12, 0, 15, tzinfo=UTC)
STEP = timedelta(seconds=30)


def _key(byte: bytes) -> str:
    return base64.urlsafe_b64encode(byte * 32).decode()


def _user(email: str = "ada@example.com") -> int:
    return accounts.sign_up("Ada Lovelace", email, PASSWORD)


def _code(secret: str, at: datetime = NOW) -> str:
    return pyotp.TOTP(secret).at(at)


def _turn_on(user_id: int, at: datetime = NOW) -> tuple[str, tuple[str, ...]]:
    key = two_factor.begin_setup(user_id)
    codes = two_factor.confirm_setup(user_id, _code(key.secret, at), at=at)
    return key.secret, codes


def _events(user_id: int) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(SecurityEvent.kind).where(SecurityEvent.user_id == user_id)).all())


def test_setup_shows_the_key_and_a_qr_code_and_keeps_only_ciphertext(database):
    user_id = _user()
    key = two_factor.begin_setup(user_id)
    assert re.fullmatch(r"[A-Z2-7]{32}", key.secret)
    assert key.grouped == " ".join(re.findall(".{4}", key.secret))
    assert key.uri.startswith("otpauth://totp/") and "issuer=localhost" in key.uri
    assert key.qr_data_uri.startswith("data:image/svg+xml")
    assert two_factor.status(user_id).enabled is False  # pending only, until a code confirms it

    codes = two_factor.confirm_setup(user_id, _code(key.secret), at=NOW)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    status = two_factor.status(user_id)
    assert status.enabled and status.recovery_codes_left == 10
    assert "two_factor_on" in _events(user_id)

    with db.get_engine().connect() as connection:  # nothing secret in plain text anywhere in the database
        dump = "\n".join(
            str(row)
            for table in ("user_account", "recovery_code")
            for row in connection.exec_driver_sql(f"SELECT * FROM {table}").all()  # noqa: S608
        )
    assert key.secret not in dump and key.grouped not in dump
    assert not any(code in dump or code.replace("-", "") in dump for code in codes)
    with db.read() as session:
        user = session.get(User, user_id)
        assert user.totp_secret_ciphertext.startswith("v1.test1.") and user.totp_pending_ciphertext == ""


def _statements_of_status(user_id: int) -> int:
    """SQL statements `status` costs on the Profile page, where the page's shared read already loaded the user."""
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        counted.append(statement)

    engine = db.get_engine()
    with db.one_read():
        accounts.get_account(user_id)  # the page's first read
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            two_factor.status(user_id)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
    return len(counted)


def test_the_section_costs_no_statement_when_off_and_one_count_when_on(database):
    user_id = _user()
    assert _statements_of_status(user_id) == 0
    _turn_on(user_id)
    assert _statements_of_status(user_id) == 1


def test_setup_refuses_a_wrong_code_and_a_missing_setup(database):
    user_id = _user()
    with pytest.raises(ValidationFailed, match="Start the set-up again"):
        two_factor.confirm_setup(user_id, "123456", at=NOW)
    key = two_factor.begin_setup(user_id)
    wrong = f"{(int(_code(key.secret)) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidCode) as info:
        two_factor.confirm_setup(user_id, wrong, at=NOW)
    assert info.value.field == "code"
    with pytest.raises(InvalidCode, match="6-digit"):
        two_factor.confirm_setup(user_id, "abc", at=NOW)
    assert not two_factor.status(user_id).enabled
    two_factor.cancel_setup(user_id)
    with pytest.raises(ValidationFailed, match="Start the set-up again"):
        two_factor.confirm_setup(user_id, _code(key.secret), at=NOW)


def test_ciphertext_is_bound_to_its_user(database):
    ada, bob = _user(), _user("bob@example.com")
    _turn_on(ada)
    with db.transaction() as session:
        stolen = session.get(User, ada).totp_secret_ciphertext
        session.exec(sa.update(User).where(User.id == bob).values(totp_secret_ciphertext=stolen, totp_enabled_at=NOW))
    with pytest.raises(crypto.DecryptionFailed):
        two_factor.verify(bob, "123456", at=NOW)


def test_a_code_is_accepted_once_and_older_steps_are_refused(database):
    user_id = _user()
    secret, _ = _turn_on(user_id, at=NOW - 2 * STEP)
    with pytest.raises(InvalidCode, match="already used"):  # the code that turned it on cannot sign in
        two_factor.verify(user_id, _code(secret, NOW - 2 * STEP), at=NOW - 2 * STEP)
    assert two_factor.verify(user_id, _code(secret), at=NOW) == "totp"
    with pytest.raises(InvalidCode, match="already used"):
        two_factor.verify(user_id, _code(secret), at=NOW)
    with pytest.raises(InvalidCode, match="already used"):  # the previous step is still in the window, but older
        two_factor.verify(user_id, _code(secret, NOW - STEP), at=NOW)
    assert two_factor.verify(user_id, _code(secret, NOW + STEP), at=NOW + STEP) == "totp"


def test_window_accepts_one_step_either_side_only(database):
    user_id = _user()
    secret, _ = _turn_on(user_id, at=NOW - 10 * STEP)
    assert two_factor.verify(user_id, _code(secret, NOW - STEP), at=NOW) == "totp"
    assert two_factor.verify(user_id, _code(secret, NOW + STEP), at=NOW) == "totp"
    with pytest.raises(InvalidCode, match="not right"):
        two_factor.verify(user_id, _code(secret, NOW + 2 * STEP), at=NOW)
    with pytest.raises(InvalidCode, match="not right"):
        two_factor.verify(user_id, _code(secret, NOW - 3 * STEP), at=NOW + STEP)


def test_recovery_code_works_once_and_is_logged(database):
    user_id = _user()
    _, codes = _turn_on(user_id)
    assert two_factor.verify(user_id, codes[0].upper().replace("-", " ")) == "recovery"  # typed loosely
    with pytest.raises(InvalidCode):
        two_factor.verify(user_id, codes[0])
    assert two_factor.status(user_id).recovery_codes_left == 9
    assert _events(user_id).count("recovery_code_used") == 1
    with pytest.raises(InvalidCode):
        two_factor.verify(user_id, "aaaaa-aaaaa")
    other = _user("bob@example.com")
    _turn_on(other)
    with pytest.raises(InvalidCode):  # another user's code is not this user's
        two_factor.verify(other, codes[1])


def test_disable_needs_the_password_and_a_code(database):
    user_id = _user()
    secret, codes = _turn_on(user_id, at=NOW - STEP)
    with pytest.raises(InvalidLogin) as info:
        two_factor.disable(user_id, "wrong password!!", _code(secret), at=NOW)
    assert info.value.field == "password"
    with pytest.raises(InvalidCode):
        two_factor.disable(user_id, PASSWORD, "000000" if _code(secret) != "000000" else "111111", at=NOW)
    assert two_factor.status(user_id).enabled
    two_factor.disable(user_id, PASSWORD, codes[3])
    assert two_factor.status(user_id) == two_factor.TwoFactorStatus(False, None, 0)
    with db.read() as session:
        user = session.get(User, user_id)
        assert (user.totp_secret_ciphertext, user.totp_last_step) == ("", 0)
        assert session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user_id)).all() == []
    assert "two_factor_off" in _events(user_id)
    with pytest.raises(ValidationFailed, match="already off"):
        two_factor.disable(user_id, PASSWORD, codes[4])


def test_wrong_codes_lock_the_user_for_that_address_only(database):
    database(LOGIN_MAX_FAILURES="3")
    user_id = _user()
    secret, codes = _turn_on(user_id, at=NOW - STEP)
    for _ in range(3):
        with pytest.raises(InvalidCode):
            two_factor.verify(user_id, "bbbbb-bbbbb", address="203.0.113.9")
    with pytest.raises(AccountLocked) as info:  # even a right code, from the guessing address
        two_factor.verify(user_id, codes[0], address="203.0.113.9")
    assert info.value.field == "code"
    assert two_factor.verify(user_id, _code(secret), address="198.51.100.1", at=NOW) == "totp"


def test_password_alone_opens_no_session_for_a_two_factor_account(database):
    user_id = _user()
    _turn_on(user_id)
    with pytest.raises(SecondFactorRequired):
        accounts.sign_in("ada@example.com", PASSWORD)
    with pytest.raises(InvalidLogin):  # a wrong password still says only that
        accounts.sign_in("ada@example.com", "wrong password!!")


def test_sign_in_challenge_then_grant(database):
    user_id = _user()
    assert two_factor.start_sign_in(user_id, "/profile") is None  # off: the caller issues the grant directly
    secret, codes = _turn_on(user_id, at=NOW - STEP)
    token = two_factor.start_sign_in(user_id, "/join/abc")
    with db.read() as session:
        row = session.exec(select(TwoFactorChallenge)).one()
        assert row.token_hash != token and len(row.token_hash) == 64
        assert session.exec(select(SignInGrant)).all() == []  # no grant before the code
    with pytest.raises(InvalidCode):
        two_factor.complete_sign_in(token, "ccccc-ccccc")
    grant = two_factor.complete_sign_in(token, _code(secret), at=NOW)
    session_token, next_path = accounts.redeem_sign_in_grant(grant)
    assert accounts.resolve_session(session_token) == user_id and next_path == "/join/abc"
    with pytest.raises(SignInChallengeExpired):  # single use
        two_factor.complete_sign_in(token, codes[0])
    assert two_factor.status(user_id).recovery_codes_left == 10  # the refused attempt spent nothing


def test_too_many_wrong_codes_end_the_challenge(database):
    user_id = _user()
    _, codes = _turn_on(user_id)
    token = two_factor.start_sign_in(user_id, "/profile")
    for _ in range(two_factor.CHALLENGE_MAX_ATTEMPTS - 1):
        with pytest.raises(InvalidCode):
            two_factor.complete_sign_in(token, "ddddd-ddddd", address=f"192.0.2.{_}")
    with pytest.raises(SignInChallengeExpired, match="Too many"):
        two_factor.complete_sign_in(token, "ddddd-ddddd", address="192.0.2.99")
    with pytest.raises(SignInChallengeExpired):
        two_factor.complete_sign_in(token, codes[0])


def test_expired_challenge_is_refused_and_purged(database):
    user_id = _user()
    _, codes = _turn_on(user_id)
    token = two_factor.start_sign_in(user_id, "/profile")
    with db.transaction() as session:
        session.exec(sa.update(TwoFactorChallenge).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(SignInChallengeExpired):
        two_factor.complete_sign_in(token, codes[0])
    assert accounts.purge_expired_sessions() == 1
    with pytest.raises(SignInChallengeExpired):
        two_factor.complete_sign_in("not-a-token", codes[0])


def test_rotation_reencrypts_totp_secrets(database, capsys):
    from profile_app import manage

    user_id, pending_user = _user(), _user("bob@example.com")
    secret, _ = _turn_on(user_id, at=NOW - STEP)
    pending = two_factor.begin_setup(pending_user)
    database(ENCRYPTION_KEYS=f"new2:{_key(b'n')},test1:{_key(b'k')}")
    report = two_factor.reencrypt_all_secrets(batch_size=1)
    assert (report.rows, report.reencrypted, report.key_id) == (2, 2, "new2")
    assert two_factor.reencrypt_all_secrets().reencrypted == 0
    assert manage.main(["rotate-encryption-key"]) == 0
    assert "0 of 2 two-factor secrets" in capsys.readouterr().out
    database(ENCRYPTION_KEYS=f"new2:{_key(b'n')}")  # the old key can go now
    with db.read() as session:
        assert session.get(User, user_id).totp_secret_ciphertext.startswith("v1.new2.")
    assert two_factor.verify(user_id, _code(secret), at=NOW) == "totp"
    two_factor.confirm_setup(pending_user, _code(pending.secret), at=NOW)
    assert two_factor.status(pending_user).enabled


def _race(function, count: int = 2) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = function()
        except Exception as error:  # noqa: BLE001 (the outcome is what the test compares)
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
def test_simultaneous_verifications_use_a_code_once_on_postgresql(postgres_database):
    user_id = _user()
    secret, codes = _turn_on(user_id, at=NOW - STEP)
    for code, at in ((_code(secret), NOW), (codes[0], None)):
        results = _race(lambda code=code, at=at: two_factor.verify(user_id, code, at=at), count=4)
        assert sum(isinstance(result, str) for result in results) == 1
        assert all(isinstance(result, InvalidCode) for result in results if not isinstance(result, str))
    assert two_factor.status(user_id).recovery_codes_left == 9
    assert _events(user_id).count("recovery_code_used") == 1
    with pytest.raises(InvalidCode):
        two_factor.verify(user_id, _code(secret), at=NOW)


@pytest.mark.postgres
def test_setup_challenge_and_rotation_on_postgresql(postgres_database):
    user_id = _user()
    secret, codes = _turn_on(user_id, at=NOW - STEP)
    token = two_factor.start_sign_in(user_id, "/profile")
    results = _race(lambda: two_factor.complete_sign_in(token, codes[1]), count=2)
    assert sum(isinstance(result, str) for result in results) == 1  # one grant, the other refused
    postgres_database(ENCRYPTION_KEYS=f"pg2:{_key(b'p')},test1:{_key(b'k')}")
    assert two_factor.reencrypt_all_secrets().reencrypted == 1
    postgres_database(ENCRYPTION_KEYS=f"pg2:{_key(b'p')}")
    assert two_factor.verify(user_id, _code(secret), at=NOW) == "totp"
    two_factor.disable(user_id, PASSWORD, codes[2])
    assert not two_factor.status(user_id).enabled

"""Password reset links: made by an administrator or asked for by email (mailed through a real SMTP server on
loopback), single use even under concurrency (SQLite and PostgreSQL), an hour long, ending every session; the
same answer for unknown emails; mail failures logged without the link; PROFILE_SMTP_URL parsing."""

from __future__ import annotations

import logging
import ssl
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app import db, manage
from profile_app.models import AuthSession, PasswordReset, SecurityEvent, ThrottleFailure, User
from profile_app.services import accounts, mail, password_reset, security, session_cache
from profile_app.services.errors import (
    AccountLocked,
    NotFound,
    PermissionDenied,
    TooManyRequests,
    ValidationFailed,
)
from profile_app.services.password_reset import LinkState, MailNotConfigured, ResetLinkUnusable
from profile_app.services.security_log import EventKind
from tests.support.mail import free_port, self_signed_certificate, smtp_server

OLD_PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
ADDRESS = "203.0.113.7"


def _token(link: str) -> str:
    return link.rsplit("/reset/", 1)[1]


def _events(user_id: int) -> list[str]:
    with db.read() as session:
        return list(session.exec(select(SecurityEvent.kind).where(SecurityEvent.user_id == user_id)).all())


def _ada() -> int:
    return accounts.sign_up("Ada Lovelace", "ada@example.com", OLD_PASSWORD)


@pytest.fixture
def mail_server():
    with smtp_server() as server:
        yield server


@pytest.fixture
def mailing_database(database, mail_server):
    database(SMTP_URL=mail_server.url, MAIL_FROM="Profile <profile@example.com>")
    return mail_server


# Links made for a user ---------------------------------------------------------------------------------------------


def test_a_link_is_a_web_url_with_a_256_bit_token_of_which_only_the_digest_is_kept(database):
    user_id = _ada()
    link = password_reset.create_reset_link(user_id)
    assert link.startswith("http://localhost:3000/reset/")
    token = _token(link)
    assert password_reset.is_well_formed(token) and len(token) == 43
    with db.read() as session:
        row = session.exec(select(PasswordReset)).one()
    assert row.token_hash == security.token_digest(token) and token not in row.token_hash
    assert row.expires_at - row.created_at == timedelta(hours=1)
    assert row.created_by is None and row.used_at is None
    assert password_reset.reset_state(token) is LinkState.VALID


def test_an_administrators_link_is_logged_on_both_accounts(database):
    admin = accounts.sign_up("Grace Hopper", "grace@example.com", OLD_PASSWORD)
    with db.transaction() as session:
        session.get(User, admin).is_admin = True
    user_id = _ada()
    password_reset.create_reset_link(user_id, actor_id=admin)
    assert EventKind.RESET_LINK_CREATED in _events(user_id)
    assert EventKind.RESET_LINK_CREATED in _events(admin)
    with db.read() as session:
        assert session.exec(select(PasswordReset.created_by)).one() == admin


def test_only_an_administrator_may_make_a_link_for_someone(database):
    user_id = _ada()
    bob = accounts.sign_up("Bob Builder", "bob@example.com", OLD_PASSWORD)
    with pytest.raises(PermissionDenied):
        password_reset.create_reset_link(user_id, actor_id=bob)
    with pytest.raises(NotFound):
        password_reset.create_reset_link(999_999)
    with db.read() as session:
        assert session.exec(select(PasswordReset)).all() == []


# Using a link ------------------------------------------------------------------------------------------------------


def test_a_reset_sets_the_password_and_ends_every_session(database):
    user_id = _ada()
    tokens = [accounts.sign_in("ada@example.com", OLD_PASSWORD) for _ in range(2)]
    assert all(accounts.resolve_session(token) == user_id for token in tokens)  # now cached in this process
    link = password_reset.create_reset_link(user_id)
    assert password_reset.reset_password(_token(link), NEW_PASSWORD, address=ADDRESS) == user_id
    assert all(accounts.resolve_session(token) is None for token in tokens)
    with db.read() as session:
        assert session.exec(select(AuthSession)).all() == []
    accounts.authenticate("ada@example.com", NEW_PASSWORD)
    with pytest.raises(accounts.InvalidLogin):
        accounts.authenticate("ada@example.com", OLD_PASSWORD)
    assert EventKind.PASSWORD_RESET in _events(user_id)


def test_a_link_works_once(database):
    user_id = _ada()
    token = _token(password_reset.create_reset_link(user_id))
    password_reset.reset_password(token, NEW_PASSWORD, address=ADDRESS)
    assert password_reset.reset_state(token) is LinkState.USED
    with pytest.raises(ResetLinkUnusable) as refused:
        password_reset.reset_password(token, "yet another passphrase", address=ADDRESS)
    assert refused.value.state is LinkState.USED
    assert refused.value.message == "This reset link has already been used."
    accounts.authenticate("ada@example.com", NEW_PASSWORD)


def test_a_reset_spends_the_users_other_links(database):
    user_id = _ada()
    first, second = (_token(password_reset.create_reset_link(user_id)) for _ in range(2))
    password_reset.reset_password(second, NEW_PASSWORD, address=ADDRESS)
    assert password_reset.reset_state(first) is LinkState.USED


def test_a_link_expires_after_an_hour(database):
    user_id = _ada()
    token = _token(password_reset.create_reset_link(user_id))
    with db.transaction() as session:
        session.execute(sa.update(PasswordReset).values(expires_at=PasswordReset.created_at))
    assert password_reset.reset_state(token) is LinkState.EXPIRED
    with pytest.raises(ResetLinkUnusable) as refused:
        password_reset.reset_password(token, NEW_PASSWORD, address=ADDRESS)
    assert refused.value.message == "This reset link has expired."
    accounts.authenticate("ada@example.com", OLD_PASSWORD)


@pytest.mark.parametrize("token", ["", "short", "x" * 43 + "'", "a" * 44, "../../etc/passwd", None, 12, "a" * 43])
def test_malformed_or_unknown_tokens_are_not_valid(database, token):
    assert password_reset.reset_state(token) is LinkState.UNKNOWN
    with pytest.raises(ResetLinkUnusable) as refused:
        password_reset.reset_password(token, NEW_PASSWORD, address=ADDRESS)
    assert refused.value.message == "This reset link is not valid."


def test_the_new_password_follows_the_sign_up_rules_and_a_refusal_keeps_the_link(database):
    user_id = _ada()
    token = _token(password_reset.create_reset_link(user_id))
    with pytest.raises(ValidationFailed) as refused:
        password_reset.reset_password(token, "too short", address=ADDRESS)
    assert refused.value.field == "password" and "at least 12" in refused.value.message
    assert password_reset.reset_state(token) is LinkState.VALID
    password_reset.reset_password(token, NEW_PASSWORD, address=ADDRESS)


def test_a_reset_lifts_the_sign_in_lock_of_the_email(database):
    database(LOGIN_MAX_FAILURES="2")
    user_id = _ada()
    for _ in range(2):
        with pytest.raises(accounts.InvalidLogin):
            accounts.authenticate("ada@example.com", "wrong password!", address=ADDRESS)
    with pytest.raises(AccountLocked):
        accounts.authenticate("ada@example.com", OLD_PASSWORD, address=ADDRESS)
    password_reset.reset_password(_token(password_reset.create_reset_link(user_id)), NEW_PASSWORD, address="x")
    with db.read() as session:
        assert session.exec(select(ThrottleFailure)).all() == []
    accounts.authenticate("ada@example.com", NEW_PASSWORD, address=ADDRESS)


def _concurrent_resets(token: str, attempts: int = 8) -> list[object]:
    """Use one link from `attempts` threads at once; each result is the user id or the exception raised."""
    start = threading.Barrier(attempts)
    results: list[object] = []

    def use(n: int) -> None:
        start.wait()
        try:
            results.append(password_reset.reset_password(token, f"concurrent passphrase {n}", address=ADDRESS))
        except Exception as error:  # noqa: BLE001 (collected and checked below)
            results.append(error)

    threads = [threading.Thread(target=use, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _check_one_winner(user_id: int, results: list[object]) -> None:
    winners = [r for r in results if r == user_id]
    losers = [r for r in results if isinstance(r, ResetLinkUnusable)]
    assert len(winners) == 1 and len(losers) == len(results) - 1, results
    assert all(loser.state is LinkState.USED for loser in losers)
    assert _events(user_id).count(EventKind.PASSWORD_RESET) == 1


def test_concurrent_uses_of_one_link_have_one_winner_on_sqlite(database):
    user_id = _ada()
    _check_one_winner(user_id, _concurrent_resets(_token(password_reset.create_reset_link(user_id))))


@pytest.mark.postgres
def test_concurrent_uses_of_one_link_have_one_winner_on_postgresql(postgres_database):
    user_id = _ada()
    _check_one_winner(user_id, _concurrent_resets(_token(password_reset.create_reset_link(user_id))))


@pytest.mark.postgres
def test_a_reset_ends_every_session_on_postgresql(postgres_database):
    user_id = _ada()
    token = accounts.sign_in("ada@example.com", OLD_PASSWORD)
    password_reset.reset_password(_token(password_reset.create_reset_link(user_id)), NEW_PASSWORD, address=ADDRESS)
    session_cache.clear()
    assert accounts.resolve_session(token) is None
    accounts.authenticate("ada@example.com", NEW_PASSWORD)


# Asking for a link by email ----------------------------------------------------------------------------------------


def test_a_request_mails_a_working_link(mailing_database):
    user_id = _ada()
    password_reset.request_reset("Ada@Example.com ", address=ADDRESS)
    received = mailing_database.wait_for_message(to="ada@example.com")
    assert received.message["From"] == "Profile <profile@example.com>"
    assert received.message["Subject"] == "Reset your Profile password"
    body = received.body
    assert "Profile" in body and "valid for 1 hour" in body and "If you didn't ask, ignore this" in body
    link = received.reset_link()
    assert link.startswith("http://localhost:3000/reset/")
    assert EventKind.RESET_LINK_SENT in _events(user_id)
    password_reset.reset_password(_token(link), NEW_PASSWORD, address=ADDRESS)
    accounts.authenticate("ada@example.com", NEW_PASSWORD)


def test_an_unknown_email_gets_the_same_answer_and_nothing_happens(mailing_database):
    _ada()
    assert password_reset.request_reset("nobody@example.com", address=ADDRESS) is None
    password_reset.request_reset("ada@example.com", address=ADDRESS)
    mailing_database.wait_for_message(to="ada@example.com")
    mail.wait_for_outbox()
    assert mailing_database.messages_to("nobody@example.com") == []
    assert len(mailing_database.messages) == 1
    with db.read() as session:
        assert len(session.exec(select(PasswordReset)).all()) == 1


def test_requests_are_limited_per_email_whoever_sends_them(mailing_database):
    for n in range(password_reset.REQUESTS_PER_EMAIL_PER_MINUTE):
        password_reset.request_reset("nobody@example.com", address=f"198.51.100.{n}")
    with pytest.raises(TooManyRequests) as refused:
        password_reset.request_reset("nobody@example.com", address="198.51.100.200")
    assert "reset requests" in refused.value.message


def test_requests_are_limited_per_address(database, mail_server):
    database(SMTP_URL=mail_server.url, MAIL_FROM="profile@example.com", SIGN_IN_RATE_PER_MINUTE="2")
    password_reset.request_reset("one@example.com", address=ADDRESS)
    password_reset.request_reset("two@example.com", address=ADDRESS)
    with pytest.raises(TooManyRequests):
        password_reset.request_reset("three@example.com", address=ADDRESS)
    password_reset.request_reset("three@example.com", address="198.51.100.1")  # another network is not limited


def test_an_invalid_email_is_refused_at_the_field(mailing_database):
    with pytest.raises(ValidationFailed) as refused:
        password_reset.request_reset("not an email", address=ADDRESS)
    assert refused.value.field == "email"


def test_without_smtp_nobody_can_ask_by_email(database):
    _ada()
    with pytest.raises(MailNotConfigured) as refused:
        password_reset.request_reset("ada@example.com", address=ADDRESS)
    assert "administrator" in refused.value.message
    with db.read() as session:
        assert session.exec(select(PasswordReset)).all() == []


def test_a_failed_send_is_logged_without_the_link(database, caplog):
    database(SMTP_URL=f"smtp://127.0.0.1:{free_port()}", MAIL_FROM="profile@example.com")  # nobody listens there
    user_id = _ada()
    caplog.set_level(logging.DEBUG)
    password_reset.request_reset("ada@example.com", address=ADDRESS)
    mail.wait_for_outbox()
    failures = [r for r in caplog.records if r.name == mail.log.name and r.levelno >= logging.WARNING]
    assert len(failures) == 1
    line = failures[0].getMessage()
    assert "127.0.0.1" in line and "ConnectionRefusedError" in line
    assert failures[0].exc_info is None
    everything = caplog.text
    assert "/reset/" not in everything and "ada@example.com" not in everything
    with db.read() as session:
        digest = session.exec(select(PasswordReset.token_hash)).one()
    assert digest not in everything
    assert EventKind.RESET_LINK_SENT in _events(user_id)


def test_mail_goes_through_a_server_that_wants_a_login(database):
    with smtp_server(username="mailer", password="p@ss:word/1") as server:
        url = f"smtp://mailer:{'p%40ss%3Aword%2F1'}@{server.host}:{server.port}"
        database(SMTP_URL=url, MAIL_FROM="profile@example.com")
        _ada()
        password_reset.request_reset("ada@example.com", address=ADDRESS)
        assert server.wait_for_message(to="ada@example.com").reset_link()


def test_a_refused_login_is_logged_without_the_password(database, caplog):
    with smtp_server(username="mailer", password="right") as server:
        database(SMTP_URL=f"smtp://mailer:wrong-secret@{server.host}:{server.port}", MAIL_FROM="p@example.com")
        _ada()
        password_reset.request_reset("ada@example.com", address=ADDRESS)
        mail.wait_for_outbox()
        assert server.messages == []
    assert "SMTPAuthenticationError" in caplog.text and "wrong-secret" not in caplog.text


@pytest.mark.parametrize(
    ("tls", "scheme", "query"), [("starttls", "smtp", "?starttls=true"), ("implicit", "smtps", "")]
)
def test_mail_goes_over_tls(database, tmp_path, monkeypatch, tls, scheme, query):
    """STARTTLS and implicit TLS with the certificate checked (the test's own authority stands in for the system's)."""
    certificate = self_signed_certificate(tmp_path)
    monkeypatch.setattr(mail, "tls_context", lambda: ssl.create_default_context(cafile=str(certificate[0])))
    with smtp_server("mailer", "secret", tls=tls, certificate=certificate) as server:
        database(SMTP_URL=f"{scheme}://mailer:secret@{server.host}:{server.port}{query}", MAIL_FROM="p@example.com")
        _ada()
        password_reset.request_reset("ada@example.com", address=ADDRESS)
        assert server.wait_for_message(to="ada@example.com").reset_link()


def test_an_untrusted_certificate_is_refused_and_logged(database, tmp_path, caplog):
    certificate = self_signed_certificate(tmp_path)  # not trusted by the system's authorities
    with smtp_server(tls="starttls", certificate=certificate) as server:
        database(SMTP_URL=f"smtp://{server.host}:{server.port}?starttls=true", MAIL_FROM="p@example.com")
        _ada()
        password_reset.request_reset("ada@example.com", address=ADDRESS)
        mail.wait_for_outbox()
        assert server.messages == []
    assert "SSLCertVerificationError" in caplog.text and "/reset/" not in caplog.text


def test_plain_mail_to_a_server_that_requires_starttls_is_refused(database, tmp_path, caplog):
    with smtp_server(tls="starttls", certificate=self_signed_certificate(tmp_path)) as server:
        database(SMTP_URL=f"smtp://{server.host}:{server.port}", MAIL_FROM="p@example.com")
        _ada()
        password_reset.request_reset("ada@example.com", address=ADDRESS)
        mail.wait_for_outbox()
        assert server.messages == []
    assert "Sending mail through the SMTP server at 127.0.0.1 failed" in caplog.text


# PROFILE_SMTP_URL --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", mail.SmtpServer("mail.example.com", 25)),
        ("smtp://u:p@mail.example.com:2525", mail.SmtpServer("mail.example.com", 2525, username="u", password="p")),
        ("smtps://u%40x:p%2Fw@mail.example.com", mail.SmtpServer("mail.example.com", 465, True, False, "u@x", "p/w")),
        ("smtps://mail.example.com:1465", mail.SmtpServer("mail.example.com", 1465, implicit_tls=True)),
        ("smtp://mail.example.com?starttls=true", mail.SmtpServer("mail.example.com", 587, starttls=True)),
        ("SMTP://mail.example.com:25?starttls=1", mail.SmtpServer("mail.example.com", 25, starttls=True)),
        ("smtp://mail.example.com?starttls=false", mail.SmtpServer("mail.example.com", 25)),
    ],
)
def test_smtp_urls_are_parsed(url, expected):
    assert mail.parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtp://mail.example.com:notaport",
        "smtp://mail.example.com?starttls=maybe",
        "smtp://mail.example.com?tls=true",
        "smtps://mail.example.com?starttls=true",
    ],
)
def test_unusable_smtp_urls_are_refused(url):
    with pytest.raises(mail.SmtpUrlInvalid):
        mail.parse_smtp_url(url)


def test_the_password_never_shows_in_a_parsed_url():
    assert "hunter2" not in repr(mail.parse_smtp_url("smtp://user:hunter2@mail.example.com"))


# Command line ------------------------------------------------------------------------------------------------------


def test_the_command_line_prints_a_link(database, capsys):
    user_id = _ada()
    assert manage.main(["reset-link", "Ada@example.com"]) == 0
    link = capsys.readouterr().out.strip().splitlines()[-1]
    password_reset.reset_password(_token(link), NEW_PASSWORD, address=ADDRESS)
    assert EventKind.RESET_LINK_CREATED in _events(user_id)


def test_the_command_line_refuses_an_unknown_email(database, capsys):
    assert manage.main(["reset-link", "nobody@example.com"]) == 1
    captured = capsys.readouterr()
    assert "nobody@example.com" in captured.err and "/reset/" not in captured.out


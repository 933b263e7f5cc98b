"""App credentials service: key formats, hashing, limit, expiry, revoke, labels, ownership, tokens."""

from __future__ import annotations

import hashlib
import re
import string
from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa
from sqlmodel import select

from profile_app.config import get_settings
from profile_app.db import read, transaction
from profile_app.models import ApiCredential, Membership, User, Workspace, utcnow
from profile_app.services import accounts, credentials
from profile_app.services.credentials import InvalidCredentials
from profile_app.services.errors import LimitReached, NotFound, ValidationFailed
from tests.conftest import random_password

SECRET_RE = re.compile(r"^pfsk_[A-Za-z0-9_-]{43}[0-9A-Za-z]{6}$")


def _user(name: str = "Ann Smith", email: str = "ann@example.com") -> int:
    return accounts.sign_up(name, email, random_password())


def _row(access_key: str) -> ApiCredential:
    with read() as session:
        return session.exec(select(ApiCredential).where(ApiCredential.access_key == access_key)).one()


def _set(access_key: str, **values) -> None:
    with transaction() as session:
        session.exec(sa.update(ApiCredential).where(ApiCredential.access_key == access_key).values(**values))


# --- generation and hashing ---------------------------------------------------------------------------------------


def test_access_keys_are_24_uppercase_alphanumerics_and_distinct():
    keys = {credentials.new_access_key() for _ in range(2000)}
    assert len(keys) == 2000
    allowed = set(string.ascii_uppercase + string.digits)
    for key in keys:
        assert 20 <= len(key) <= 30
        assert set(key) <= allowed


def test_secret_has_prefix_256_random_bits_and_a_checksum():
    secrets_made = {credentials.new_secret_key() for _ in range(2000)}
    assert len(secrets_made) == 2000
    for secret in secrets_made:
        assert SECRET_RE.match(secret), secret
        assert credentials.secret_well_formed(secret)
    # 43 base64url characters carry 258 bits of which 256 are random bytes
    body = next(iter(secrets_made))[5:48]
    assert len(body) * 6 >= 256


def test_checksum_rejects_a_changed_character_and_wrong_prefix():
    secret = credentials.new_secret_key()
    flipped = secret[:10] + ("A" if secret[10] != "A" else "B") + secret[11:]
    assert not credentials.secret_well_formed(flipped)
    assert not credentials.secret_well_formed("xxxx_" + secret[5:])
    assert not credentials.secret_well_formed(secret[:-1])
    assert not credentials.secret_well_formed("")


def test_only_the_sha256_of_the_secret_is_stored(database):
    user_id = _user()
    new = credentials.create_credentials(user_id, "laptop")
    row = _row(new.access_key)
    assert row.secret_hash == hashlib.sha256(new.secret_key.encode()).hexdigest()
    with read() as session:
        dumped = " ".join(str(value) for value in session.exec(sa.select(ApiCredential.__table__)).one())
    assert new.secret_key not in dumped


def test_new_credentials_carry_the_server_urls_and_both_snippets(database):
    settings = get_settings()
    new = credentials.create_credentials(_user())
    assert (new.web_server, new.api_server, new.files_server) == (
        settings.web_url,
        settings.api_url,
        settings.files_url,
    )
    block = new.local_python
    assert f"api_server: {settings.api_url}" in block
    assert f'"access_key" = "{new.access_key}"' in block
    assert f'"secret_key" = "{new.secret_key}"' in block
    assert block.startswith("api {") and block.rstrip().endswith("}")
    lines = new.jupyter_notebook.splitlines()
    assert lines == [
        f"%env CLEARML_WEB_HOST={settings.web_url}",
        f"%env CLEARML_API_HOST={settings.api_url}",
        f"%env CLEARML_FILES_HOST={settings.files_url}",
        f"%env CLEARML_API_ACCESS_KEY={new.access_key}",
        f"%env CLEARML_API_SECRET_KEY={new.secret_key}",
    ]


def test_local_python_block_parses_as_clearml_hocon(database):
    from clearml.utilities.pyhocon import ConfigFactory

    new = credentials.create_credentials(_user())
    parsed = ConfigFactory.parse_string(new.local_python)
    assert parsed.get("api.api_server") == new.api_server
    assert parsed.get("api.web_server") == new.web_server
    assert parsed.get("api.credentials.secret_key") == new.secret_key


# --- listing, labels, expiry, limit ---------------------------------------------------------------------------------


def test_list_shows_own_active_credentials_in_the_active_workspace_newest_first(database):
    user_id = _user()
    first = credentials.create_credentials(user_id, "first")
    second = credentials.create_credentials(user_id, "second")
    third = credentials.create_credentials(user_id, "third")
    credentials.revoke_credentials(user_id, second.access_key)
    listed = credentials.list_credentials(user_id)
    assert [row.access_key for row in listed] == [third.access_key, first.access_key]
    assert not any(hasattr(row, "secret_key") or hasattr(row, "secret_hash") for row in listed)


def test_list_follows_the_active_workspace(database):
    user_id = _user()
    mine = credentials.create_credentials(user_id, "personal")
    with transaction() as session:
        other = Workspace(name="Team")
        session.add(other)
        session.flush()
        session.add(Membership(workspace_id=other.id, user_id=user_id))
        session.get(User, user_id).active_workspace_id = other.id
        other_id = other.id
    assert credentials.list_credentials(user_id) == []
    team = credentials.create_credentials(user_id, "team")
    assert [row.access_key for row in credentials.list_credentials(user_id)] == [team.access_key]
    assert _row(team.access_key).workspace_id == other_id
    assert _row(mine.access_key).workspace_id != other_id


def test_label_is_optional_trimmed_limited_and_editable(database):
    user_id = _user()
    new = credentials.create_credentials(user_id)
    assert new.label == ""
    with pytest.raises(ValidationFailed) as error:
        credentials.create_credentials(user_id, "x" * 201)
    assert error.value.field == "label"
    assert credentials.edit_label(user_id, new.access_key, "  my   laptop ").label == "my laptop"
    assert credentials.edit_label(user_id, new.access_key, "y" * 200).label == "y" * 200
    with pytest.raises(ValidationFailed):
        credentials.edit_label(user_id, new.access_key, "y" * 201)
    assert credentials.edit_label(user_id, new.access_key, "").label == ""
    assert _row(new.access_key).label == ""


def test_expiry_choices_and_dates(database):
    assert credentials.expiry_choices() == (None, 30, 90, 365)
    user_id = _user()
    before = utcnow()
    new = credentials.create_credentials(user_id, expiry_days=90)
    assert before + timedelta(days=90) <= new.expires_at <= utcnow() + timedelta(days=90)
    assert credentials.create_credentials(user_id).expires_at is None
    with pytest.raises(ValidationFailed) as error:
        credentials.create_credentials(user_id, expiry_days=7)
    assert error.value.field == "expiry"


def test_an_administrator_maximum_removes_never_and_caps(database):
    database(CREDENTIALS_MAX_EXPIRY_DAYS="90")
    assert credentials.expiry_choices() == (30, 90)
    user_id = _user()
    with pytest.raises(ValidationFailed):
        credentials.create_credentials(user_id, expiry_days=None)
    with pytest.raises(ValidationFailed):
        credentials.create_credentials(user_id, expiry_days=365)
    assert credentials.create_credentials(user_id, expiry_days=90).expires_at is not None
    database(CREDENTIALS_MAX_EXPIRY_DAYS="60")
    assert credentials.expiry_choices() == (30, 60)
    database(CREDENTIALS_MAX_EXPIRY_DAYS="10")
    assert credentials.expiry_choices() == (10,)


def test_limit_counts_active_credentials_per_user_per_workspace(database):
    database(CREDENTIALS_LIMIT="2")
    user_id = _user()
    other_id = _user("Bob Jones", "bob@example.com")
    first = credentials.create_credentials(user_id)
    credentials.create_credentials(user_id)
    with pytest.raises(LimitReached) as error:
        credentials.create_credentials(user_id)
    assert "most allowed is 2" in error.value.message
    credentials.create_credentials(other_id)  # someone else's count is their own
    credentials.revoke_credentials(user_id, first.access_key)
    third = credentials.create_credentials(user_id)
    _set(third.access_key, expires_at=utcnow() - timedelta(seconds=1))  # expired ones do not count either
    credentials.create_credentials(user_id)
    assert len(credentials.list_credentials(user_id)) == 2


def test_expired_credentials_leave_the_list(database):
    user_id = _user()
    new = credentials.create_credentials(user_id, expiry_days=30)
    _set(new.access_key, expires_at=utcnow() - timedelta(seconds=1))
    assert credentials.list_credentials(user_id) == []


# --- ownership ------------------------------------------------------------------------------------------------------


def test_another_user_cannot_list_edit_or_revoke_yours(database):
    owner = _user()
    intruder = _user("Bob Jones", "bob@example.com")
    new = credentials.create_credentials(owner, "mine")
    assert credentials.list_credentials(intruder) == []
    with pytest.raises(NotFound):
        credentials.edit_label(intruder, new.access_key, "stolen")
    with pytest.raises(NotFound):
        credentials.revoke_credentials(intruder, new.access_key)
    row = _row(new.access_key)
    assert row.label == "mine" and row.revoked_at is None


def test_revoke_is_final(database):
    user_id = _user()
    new = credentials.create_credentials(user_id)
    credentials.revoke_credentials(user_id, new.access_key)
    assert _row(new.access_key).revoked_at is not None
    with pytest.raises(NotFound):
        credentials.revoke_credentials(user_id, new.access_key)
    with pytest.raises(NotFound):
        credentials.edit_label(user_id, new.access_key, "back")


# --- login and tokens -----------------------------------------------------------------------------------------------


def test_login_issues_a_signed_token_and_records_use(database):
    user_id = _user()
    new = credentials.create_credentials(user_id)
    assert _row(new.access_key).last_used_at is None
    token = credentials.login(new.access_key, new.secret_key, "worker-7")
    claims = jwt.decode(token, get_settings().secret_key, algorithms=["HS256"], issuer="profile")
    row = _row(new.access_key)
    assert (claims["user"], claims["company"], claims["cred"]) == (user_id, row.workspace_id, row.id)
    assert timedelta(days=29) < timedelta(seconds=claims["exp"] - claims["iat"]) <= timedelta(days=30)
    assert row.last_used_at is not None and row.last_used_from == "worker-7"
    identity = credentials.authenticate_token(token)
    assert identity == credentials.TokenIdentity(user_id, row.workspace_id, row.id)


def test_expiration_sec_is_honoured_up_to_the_token_lifetime(database):
    database(TOKEN_LIFETIME_DAYS="2")
    new = credentials.create_credentials(_user())
    short = jwt.decode(credentials.login(new.access_key, new.secret_key, "", 600), options={"verify_signature": False})
    assert short["exp"] - short["iat"] == 600
    long = jwt.decode(
        credentials.login(new.access_key, new.secret_key, "", 10 * 86400), options={"verify_signature": False}
    )
    assert long["exp"] - long["iat"] <= 2 * 86400

    huge = jwt.decode(
        credentials.login(new.access_key, new.secret_key, "", 10**20), options={"verify_signature": False}
    )
    assert huge["exp"] - huge["iat"] == 2 * 86400  # too big for a timedelta: the token lifetime applies


def test_token_never_outlives_its_credentials(database):
    new = credentials.create_credentials(_user(), expiry_days=30)
    claims = jwt.decode(credentials.login(new.access_key, new.secret_key), options={"verify_signature": False})
    assert claims["exp"] <= int(new.expires_at.timestamp())


@pytest.mark.parametrize("case", ["wrong secret", "unknown key", "malformed secret", "empty"])
def test_bad_logins_fail_the_same_way_and_change_nothing(database, case):
    new = credentials.create_credentials(_user())
    access_key, secret = {
        "wrong secret": (new.access_key, credentials.new_secret_key()),
        "unknown key": ("A" * 24, new.secret_key),
        "malformed secret": (new.access_key, new.secret_key[:-1] + "!"),
        "empty": ("", ""),
    }[case]
    with pytest.raises(InvalidCredentials) as error:
        credentials.login(access_key, secret, "somewhere")
    assert error.value.message == "Invalid or revoked credentials."
    assert _row(new.access_key).last_used_at is None


def test_revoked_or_expired_credentials_cannot_log_in_and_their_tokens_stop(database):
    user_id = _user()
    revoked = credentials.create_credentials(user_id)
    expired = credentials.create_credentials(user_id, expiry_days=30)
    revoked_token = credentials.login(revoked.access_key, revoked.secret_key)
    expired_token = credentials.login(expired.access_key, expired.secret_key)
    credentials.revoke_credentials(user_id, revoked.access_key)
    _set(expired.access_key, expires_at=utcnow() - timedelta(seconds=1))
    for new, token in ((revoked, revoked_token), (expired, expired_token)):
        with pytest.raises(InvalidCredentials):
            credentials.login(new.access_key, new.secret_key)
        with pytest.raises(InvalidCredentials):
            credentials.authenticate_token(token)
        with pytest.raises(InvalidCredentials):
            credentials.refresh_token(token)


def test_tokens_stop_when_the_user_is_no_longer_a_member(database):
    user_id = _user()
    new = credentials.create_credentials(user_id)
    token = credentials.login(new.access_key, new.secret_key)
    with transaction() as session:
        session.exec(sa.delete(Membership).where(Membership.user_id == user_id))
    with pytest.raises(InvalidCredentials):
        credentials.authenticate_token(token)
    with pytest.raises(InvalidCredentials):
        credentials.login(new.access_key, new.secret_key)


def test_forged_expired_or_foreign_tokens_are_refused(database):
    new = credentials.create_credentials(_user())
    token = credentials.login(new.access_key, new.secret_key)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-key-" + "z" * 32, algorithm="HS256")
    stale = jwt.encode({**claims, "exp": claims["iat"] - 10}, get_settings().secret_key, algorithm="HS256")
    unsigned = jwt.encode(claims, None, algorithm="none")
    other_cred = jwt.encode({**claims, "cred": claims["cred"] + 1}, get_settings().secret_key, algorithm="HS256")
    for bad in (forged, stale, unsigned, other_cred, "", "not-a-jwt"):
        with pytest.raises(InvalidCredentials):
            credentials.authenticate_token(bad)


def test_refresh_gives_a_new_token_for_the_same_identity(database):
    new = credentials.create_credentials(_user())
    token = credentials.login(new.access_key, new.secret_key)
    refreshed = credentials.refresh_token(token, "10.0.0.9", 120)
    assert credentials.authenticate_token(refreshed) == credentials.authenticate_token(token)
    assert _row(new.access_key).last_used_from == "10.0.0.9"


def test_self_hosted_users_get_credentials_in_the_shared_workspace(database):
    database(MODE="self-hosted")
    admin = _user()
    member = _user("Bob Jones", "bob@example.com")
    a = credentials.create_credentials(admin)
    b = credentials.create_credentials(member)
    assert _row(a.access_key).workspace_id == _row(b.access_key).workspace_id
    assert [row.access_key for row in credentials.list_credentials(member)] == [b.access_key]


def test_last_used_is_written_once_a_minute_or_when_the_address_changes(database):
    """auth.login used to write "Last used" every time (a write lock per login on SQLite)."""
    user_id = _user()
    new = credentials.create_credentials(user_id)
    credentials.login(new.access_key, new.secret_key, "10.0.0.1")
    first = _row(new.access_key).last_used_at
    credentials.login(new.access_key, new.secret_key, "10.0.0.1")
    assert _row(new.access_key).last_used_at == first  # same minute, same address: no write
    credentials.login(new.access_key, new.secret_key, "10.0.0.2")
    assert _row(new.access_key).last_used_from == "10.0.0.2"
    _set(new.access_key, last_used_at=utcnow() - timedelta(minutes=2))
    credentials.login(new.access_key, new.secret_key, "10.0.0.2")
    assert _row(new.access_key).last_used_at > first
    credentials.revoke_credentials(user_id, new.access_key)
    with pytest.raises(InvalidCredentials):  # revocation still counts at once
        credentials.login(new.access_key, new.secret_key, "10.0.0.2")


# --- the prebuilt credential check, on both databases ---------------------------------------------------------------


def _refusals_through_the_prebuilt_check() -> None:
    """Every cause the one statement refuses (revoked, expired, account disabled, no longer a member), through
    every door (keys, bearer token, token refresh), and the credential next to it still working: the statement is
    built once at import with bind parameters, so a parameter bound wrongly would let one cause through."""
    user_id = _user()
    other = _user("Bob Jones", "bob@example.com")
    causes = {
        cause: credentials.create_credentials(owner, label=cause, expiry_days=30)
        for cause, owner in (("revoked", user_id), ("expired", user_id), ("disabled", other), ("kept", user_id))
    }
    tokens = {cause: credentials.login(new.access_key, new.secret_key, "10.0.0.1") for cause, new in causes.items()}
    credentials.revoke_credentials(user_id, causes["revoked"].access_key)
    _set(causes["expired"].access_key, expires_at=utcnow() - timedelta(seconds=1))
    with transaction() as session:
        session.exec(sa.update(User).where(User.id == other).values(disabled_at=utcnow()))
    for cause in ("revoked", "expired", "disabled"):
        new, token = causes[cause], tokens[cause]
        with pytest.raises(InvalidCredentials):
            credentials.login(new.access_key, new.secret_key)
        with pytest.raises(InvalidCredentials):
            credentials.authenticate_keys(new.access_key, new.secret_key)
        with pytest.raises(InvalidCredentials):
            credentials.authenticate_token(token)
        with pytest.raises(InvalidCredentials):
            credentials.refresh_token(token)
    kept = causes["kept"]
    with pytest.raises(InvalidCredentials):  # another credential's secret does not open this one
        credentials.authenticate_keys(kept.access_key, causes["revoked"].secret_key)
    claims = jwt.decode(tokens["kept"], options={"verify_signature": False})
    with pytest.raises(InvalidCredentials):  # a token naming another workspace for this credential
        credentials.authenticate_token(
            jwt.encode({**claims, "company": claims["company"] + 1}, get_settings().secret_key, algorithm="HS256")
        )
    assert credentials.authenticate_keys(kept.access_key, kept.secret_key, "10.0.0.2").user_id == user_id
    assert _row(kept.access_key).last_used_from == "10.0.0.2"  # the prebuilt "Last used" update wrote
    assert credentials.authenticate_token(tokens["kept"]).credential_id == _row(kept.access_key).id
    with transaction() as session:
        session.exec(sa.delete(Membership).where(Membership.user_id == user_id))
    with pytest.raises(InvalidCredentials):
        credentials.login(kept.access_key, kept.secret_key)
    with pytest.raises(InvalidCredentials):
        credentials.authenticate_token(tokens["kept"])


def test_the_prebuilt_check_refuses_every_cause(database):
    _refusals_through_the_prebuilt_check()


@pytest.mark.postgres
def test_the_prebuilt_check_refuses_every_cause_on_postgresql(postgres_database):
    _refusals_through_the_prebuilt_check()


def test_tokens_are_what_jwt_encode_makes_and_verify_with_jwt_decode(database):
    """auth.login signs with its own PyJWS (the key's checks done once); the SDK decodes with stock PyJWT."""
    new = credentials.create_credentials(_user())
    token = credentials.login(new.access_key, new.secret_key)
    claims = jwt.decode(token, get_settings().secret_key, algorithms=["HS256"], issuer="profile")
    assert token == jwt.encode(claims, get_settings().secret_key, algorithm="HS256")
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


def test_a_new_secret_key_signs_at_once_and_an_asymmetric_key_is_still_refused(database):
    new = credentials.create_credentials(_user())
    credentials.login(new.access_key, new.secret_key)  # the signer has accepted the first key
    database(SECRET_KEY="another-secret-key-" + "y" * 32)
    token = credentials.login(new.access_key, new.secret_key)
    assert jwt.decode(token, "another-secret-key-" + "y" * 32, algorithms=["HS256"], issuer="profile")
    pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
    with pytest.raises(jwt.InvalidKeyError):
        credentials._TOKEN_SIGNER.encode(b"{}", pem, algorithm="HS256")
